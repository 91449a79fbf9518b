import pino from 'pino';
import { PoolManager } from '../shared/pools';
import type { SessionRow, Store } from '../shared/store';
import { Admission } from './admission';

const POOLS = ['pool-0', 'pool-1', 'pool-2'];

function setUp(threadsPerPool: number) {
  const pools = new PoolManager({
    poolIds: POOLS,
    requiredAgents: [],
    rosterAgents: [],
    presenceGraceMs: 0,
    capacity: 10,
    beforeSend: () => Promise.reject(new Error('no messages here')),
    log: pino({ level: 'silent' }),
  });
  let countReads = 0;
  let opened = 0;
  const store: Pick<Store, 'findActiveSession' | 'activeCounts' | 'openSession'> = {
    findActiveSession: () => Promise.resolve(null),
    activeCounts: () => {
      countReads += 1;
      return Promise.resolve(
        Object.fromEntries(POOLS.map((p) => [p, { threads: threadsPerPool, sessions: 1 }])),
      );
    },
    openSession: (wallet, pool, taskId): Promise<SessionRow> =>
      Promise.resolve({ id: `s-${++opened}`, wallet, pool, taskId }),
  };
  const admission = new Admission({
    store,
    pools,
    taskId: 'task-a',
    poolCapacity: 10,
    requiredAgents: [],
  });
  return { admission, pools, reads: () => countReads };
}

describe('session admission', () => {
  it('reads the pool counts once for a burst of new sessions, not once each', async () => {
    const { admission, pools, reads } = setUp(2);
    const wallets = Array.from({ length: 20 }, (_, i) => `wallet-${i}`);
    const opened = await Promise.all(wallets.map((w) => admission.openSession(w)));
    await admission.openSession('one-more');
    expect(opened.every((s) => POOLS.includes(s.pool))).toBe(true);
    expect(reads()).toBe(1);
    await pools.close();
  });

  it('refuses with capacity_exhausted when the counts say every pool is full', async () => {
    const { admission, pools } = setUp(10);
    await expect(admission.openSession('late')).rejects.toMatchObject({
      code: 'GW_ERR_CAPACITY_EXHAUSTED',
    });
    await pools.close();
  });
});
