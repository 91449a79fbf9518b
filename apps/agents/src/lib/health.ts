import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export type PoolState = 'connecting' | 'backoff' | 'ready' | 'disconnected' | 'stopped';

export interface PoolHealth {
  state: PoolState;
  /** When the pool entered this state (ISO 8601). */
  since: string;
  /** Connection attempt number while connecting/backing off. */
  attempt?: number;
  lastError?: string;
  /** Times this pool reached `ready` since start (1 = never reconnected). */
  connections: number;
  mentions: number;
  replies: number;
}

/** Connection state of every pool of one agent, for logs and the optional health port. */
export class HealthRegistry {
  private readonly pools = new Map<string, PoolHealth>();

  constructor(
    readonly agentId: string,
    pools: readonly string[],
    private readonly now: () => Date = () => new Date(),
  ) {
    for (const pool of pools) {
      this.pools.set(pool, {
        state: 'connecting',
        since: now().toISOString(),
        connections: 0,
        mentions: 0,
        replies: 0,
      });
    }
  }

  set(pool: string, update: { state: PoolState; attempt?: number; lastError?: string }): void {
    const current = this.pools.get(pool);
    if (!current) return;
    const changed = current.state !== update.state;
    const next: PoolHealth = {
      ...current,
      state: update.state,
      since: changed ? this.now().toISOString() : current.since,
      connections: current.connections + (changed && update.state === 'ready' ? 1 : 0),
    };
    if (update.attempt !== undefined) next.attempt = update.attempt;
    else if (update.state === 'ready') delete next.attempt;
    if (update.lastError !== undefined) next.lastError = update.lastError;
    this.pools.set(pool, next);
  }

  countMention(pool: string): void {
    const current = this.pools.get(pool);
    if (current) current.mentions++;
  }

  countReply(pool: string): void {
    const current = this.pools.get(pool);
    if (current) current.replies++;
  }

  /** True when every pool is connected. */
  get ready(): boolean {
    return [...this.pools.values()].every((p) => p.state === 'ready');
  }

  snapshot(): { agentId: string; ready: boolean; pools: Record<string, PoolHealth> } {
    return {
      agentId: this.agentId,
      ready: this.ready,
      pools: Object.fromEntries([...this.pools].map(([id, h]) => [id, { ...h }])),
    };
  }
}

/**
 * Serves `GET /health` (always 200 while the process lives: liveness, with per-pool JSON) and
 * `GET /ready` (200 only when every pool is connected, else 503) on loopback-or-any `port`.
 */
export async function startHealthServer(
  registry: HealthRegistry,
  port: number,
  host = '0.0.0.0',
): Promise<{ server: Server; port: number; close: () => Promise<void> }> {
  const server = createServer((request, response) => {
    const path = (request.url ?? '/').split('?')[0];
    const send = (status: number, body: unknown): void => {
      response.writeHead(status, { 'content-type': 'application/json' });
      response.end(JSON.stringify(body));
    };
    if (request.method !== 'GET')
      return send(405, { error: 'method_not_allowed', message: 'Use GET.' });
    if (path === '/health') return send(200, registry.snapshot());
    if (path === '/ready') return send(registry.ready ? 200 : 503, registry.snapshot());
    return send(404, { error: 'not_found', message: 'Try GET /health or GET /ready.' });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  return {
    server,
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
