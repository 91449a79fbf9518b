export type PoolHealthStatus = 'healthy' | 'degraded' | 'unhealthy';

/** One pool's state as the pool-health job observes it. */
export interface PoolHealthInput {
  /** Agent ids the pool needs to serve every persona. */
  readonly requiredAgents: readonly string[];
  /** Agent ids currently connected to the pool. */
  readonly connectedAgents: readonly string[];
  readonly activeThreads: number;
  /** Most threads the pool holds. */
  readonly capacity: number;
  /** Load fraction in (0, 1] at or above which the pool is no longer healthy. */
  readonly threshold: number;
}

export interface PoolHealth {
  readonly status: PoolHealthStatus;
  /** Required agents not connected, in the order they were required. */
  readonly missingAgents: string[];
  /** activeThreads / capacity; 1 for a pool with no capacity. */
  readonly load: number;
}

/** What the pool-health job logs for the fleet. */
export interface PoolHealthSummary {
  readonly total: number;
  readonly counts: Readonly<Record<PoolHealthStatus, number>>;
  /** True when no pool is healthy, including when there are no pools: worth an alarm. */
  readonly noneHealthy: boolean;
  /** Pool ids, sorted, by status other than healthy. */
  readonly degradedPools: string[];
  readonly unhealthyPools: string[];
}

/**
 * Classifies a pool: unhealthy when no agent is connected or it is full (activeThreads >=
 * capacity); healthy when every required agent is connected and load is below the threshold;
 * degraded otherwise. Throws RangeError on counts that cannot be real.
 */
export function classifyPoolHealth(input: PoolHealthInput): PoolHealth {
  const { activeThreads, capacity, threshold } = input;
  if (!Number.isInteger(activeThreads) || activeThreads < 0) {
    throw new RangeError(`activeThreads must be a non-negative integer, got ${activeThreads}`);
  }
  if (!Number.isInteger(capacity) || capacity < 0) {
    throw new RangeError(`capacity must be a non-negative integer, got ${capacity}`);
  }
  if (!(threshold > 0 && threshold <= 1)) {
    throw new RangeError(`threshold must be in (0, 1], got ${threshold}`);
  }
  const connected = new Set(input.connectedAgents);
  const missingAgents = input.requiredAgents.filter((agent) => !connected.has(agent));
  const load = capacity === 0 ? 1 : activeThreads / capacity;
  let status: PoolHealthStatus = 'degraded';
  if (connected.size === 0 || activeThreads >= capacity) status = 'unhealthy';
  else if (missingAgents.length === 0 && load < threshold) status = 'healthy';
  return { status, missingAgents, load };
}

/** Counts pools per status for one log line, keyed by pool id. */
export function summarizePoolHealth(
  pools: Readonly<Record<string, Pick<PoolHealth, 'status'>>>,
): PoolHealthSummary {
  const counts: Record<PoolHealthStatus, number> = { healthy: 0, degraded: 0, unhealthy: 0 };
  const degradedPools: string[] = [];
  const unhealthyPools: string[] = [];
  const sorted = Object.entries(pools).sort(([a], [b]) => a.localeCompare(b));
  for (const [id, { status }] of sorted) {
    counts[status] += 1;
    if (status === 'degraded') degradedPools.push(id);
    if (status === 'unhealthy') unhealthyPools.push(id);
  }
  return {
    total: degradedPools.length + unhealthyPools.length + counts.healthy,
    counts,
    noneHealthy: counts.healthy === 0,
    degradedPools,
    unhealthyPools,
  };
}
