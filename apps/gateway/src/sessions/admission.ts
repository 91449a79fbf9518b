import { assignPool, createHashRing, type HashRing } from '@pardon/pooling';
import { GatewayError } from '../errors';
import type { PoolManager } from '../shared/pools';
import type { Store } from '../shared/store';

const CAPACITY_RETRY_AFTER_S = 30;
const NOT_READY_RETRY_AFTER_S = 5;

export interface AdmissionOptions {
  store: Pick<Store, 'findActiveSession' | 'activeCounts' | 'openSession'>;
  pools: PoolManager;
  taskId: string;
  poolCapacity: number;
  requiredAgents: readonly string[];
}

export interface OpenedSession {
  sessionId: string;
  pool: string;
  agents: string[];
}

/**
 * Sessions and pool admission: a player's session is placed on a pool by consistent hashing of
 * the wallet with bounded loads (libs/pooling), and only on a pool whose agents are all there.
 */
export class Admission {
  private readonly ring: HashRing;

  constructor(private readonly options: AdmissionOptions) {
    this.ring = createHashRing(options.pools.poolIds);
  }

  /** The wallet's active session (same one while it lasts), or a new one on its pool. */
  async openSession(wallet: string): Promise<OpenedSession> {
    const { store, pools, taskId, poolCapacity } = this.options;
    const agents = [...this.options.requiredAgents];
    const active = await store.findActiveSession(wallet);
    if (active && pools.hasPool(active.pool)) {
      this.requireReady(active.pool);
      return { sessionId: active.id, pool: active.pool, agents };
    }
    const counts = await store.activeCounts(taskId);
    // Threads living on this task's buses count too (rebuilt threads of other tasks' sessions).
    const loads: Record<string, number> = {};
    for (const s of pools.statuses()) {
      loads[s.pool] = Math.max(counts[s.pool]?.threads ?? 0, s.activeThreads);
    }
    const assignment = assignPool(this.ring, wallet, { loads, capacityPerPool: poolCapacity });
    if (assignment.kind === 'full') {
      throw new GatewayError('GW_ERR_CAPACITY_EXHAUSTED', undefined, {
        retryAfterS: CAPACITY_RETRY_AFTER_S,
      });
    }
    this.requireReady(assignment.pool);
    const session = await store.openSession(wallet, assignment.pool, taskId);
    return { sessionId: session.id, pool: session.pool, agents };
  }

  private requireReady(pool: string): void {
    const missing = this.options.pools.bus(pool).missingAgents(this.options.requiredAgents);
    if (missing.length > 0) {
      throw new GatewayError(
        'GW_ERR_SESSION_NOT_READY',
        `Pool ${pool} is missing agents: ${missing.join(', ')}.`,
        { retryAfterS: NOT_READY_RETRY_AFTER_S, details: { pool, missingAgents: missing } },
      );
    }
  }
}
