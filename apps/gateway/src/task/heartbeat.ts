import type { FastifyInstance } from 'fastify';
import type { Store } from '../shared/store';

export interface HeartbeatOptions {
  store: Pick<Store, 'heartbeat'>;
  taskId: string;
  intervalMs: number;
  /** The URL other tasks and the cron-worker reach this task at; by default its listen address. */
  publicUrl: string | undefined;
  host: string;
  port: number;
}

/**
 * Keeps this task in the task registry: one heartbeat as soon as it listens, then one every
 * interval until shutdown begins. Returns the function that stops it.
 */
export function startHeartbeat(app: FastifyInstance, options: HeartbeatOptions): () => void {
  let timer: NodeJS.Timeout | undefined;
  const beat = async () => {
    const address = app.server.address();
    const port = typeof address === 'object' && address ? address.port : options.port;
    const host = options.host === '0.0.0.0' ? '127.0.0.1' : options.host;
    const url = options.publicUrl ?? `http://${host}:${port}`;
    try {
      await options.store.heartbeat(options.taskId, url);
    } catch (err) {
      app.log.warn({ err }, 'task heartbeat failed');
    }
  };
  app.addHook('onReady', async () => {
    timer = setInterval(() => void beat(), options.intervalMs);
    timer.unref();
  });
  app.addHook('onListen', async () => {
    await beat();
  });
  return () => {
    if (timer) clearInterval(timer);
  };
}
