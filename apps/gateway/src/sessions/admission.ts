import { assignPool, createHashRing, type HashRing } from '@pardon/pooling';
import { LRUCache } from 'lru-cache';
import { GatewayError } from '../errors';
import type { PoolManager } from '../shared/pools';
import type { Store } from '../shared/store';

const CAPACITY_RETRY_AFTER_S = 30;
const NOT_READY_RETRY_AFTER_S = 5;
/**
 * How long the database's count of this task's open threads per pool serves new sessions. The
 * count reads every active session of the fleet (2.4 ms of PostgreSQL at 1,000 players) and
 * every new session wanted it; the placement only steers (the admission of each thread holds
 * the hard limit under its lock), and the threads that live on this task's buses are counted
 * live besides.
 */
const COUNTS_TTL_MS = 1_000;

export interface AdmissionOptions {
  store: Pick<Store, 'findActiveSession' | 'activeCounts' | 'openSession'>;
  pools: PoolManager;
  taskId: string;
  poolCapacity: number;
  requiredAgents: readonly string[];
}

type Counts = Awaited<ReturnType<Store['activeCounts']>>;

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
  /** One entry (this task's counts); concurrent misses share one query. */
  private readonly counts: LRUCache<'task', Counts>;

  constructor(private readonly options: AdmissionOptions) {
    this.ring = createHashRing(options.pools.poolIds);
    this.counts = new LRUCache<'task', Counts>({
      max: 1,
      ttl: COUNTS_TTL_MS,
      fetchMethod: () => options.store.activeCounts(options.taskId),
    });
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
    const counts = (await this.counts.fetch('task')) ?? {};
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
