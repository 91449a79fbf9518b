// The gateway's /health as the topology reads it (DESIGN.md §6), and a one-line summary per pool.
import { z } from 'zod';

export const PoolStatusSchema = z.object({
  pool: z.string(),
  ready: z.boolean(),
  agentsConnected: z.array(z.string()),
  missingAgents: z.array(z.string()),
  activeThreads: z.number(),
  capacity: z.number(),
});
export type PoolStatus = z.infer<typeof PoolStatusSchema>;

export const HealthSchema = z.object({
  status: z.string(),
  taskId: z.string(),
  database: z.string(),
  pools: z.array(PoolStatusSchema),
});
export type Health = z.infer<typeof HealthSchema> & { httpStatus: number };

const HEALTH_TIMEOUT_MS = 3_000;

/**
 * GET `<url>/health` with the gateways' OPS_TOKEN (the agent lists per pool come with it only);
 * throws when the gateway does not answer or answers something else.
 */
export async function fetchHealth(url: string, opsToken: string): Promise<Health> {
  const response = await fetch(`${url}/health`, {
    headers: { authorization: `Bearer ${opsToken}` },
    signal: AbortSignal.timeout(HEALTH_TIMEOUT_MS),
  });
  const body: unknown = await response.json();
  return { ...HealthSchema.parse(body), httpStatus: response.status };
}

/** `pool-0  ready     6/6 agents   3/90 threads` (or which agents are missing). */
export function poolStatusLine(pool: PoolStatus, requiredAgents: number): string {
  const state = pool.ready ? 'ready' : 'degraded';
  const agents = `${pool.agentsConnected.length}/${requiredAgents} agents`;
  const missing = pool.missingAgents.length > 0 ? `  missing ${pool.missingAgents.join(', ')}` : '';
  return `${pool.pool.padEnd(8)} ${state.padEnd(9)} ${agents.padEnd(11)} ${pool.activeThreads}/${pool.capacity} threads${missing}`;
}
