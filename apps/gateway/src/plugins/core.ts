import { listenLifecycleEvents, type LifecycleListener } from '@pardon/db';
import { parseLifecycleSettings } from '@pardon/lifecycle';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { GatewayConfig } from '../config';
import { GatewayCore } from '../lib/core';
import { MessageListener } from '../lib/notify';
import type { Store } from '../lib/store';
import { createStore } from '../lib/store-db';

declare module 'fastify' {
  interface FastifyInstance {
    config: GatewayConfig;
    store: Store;
    core: GatewayCore;
    pools: GatewayCore['pools'];
    /** True once shutdown began: /health answers 503 so the balancer drains this task. */
    shuttingDown: boolean;
  }
}

export interface CorePluginOptions {
  config: GatewayConfig;
  /** An existing store (tests, benchmarks); by default one is opened from the config. */
  store?: Store;
  /** Cross-task stream updates over PostgreSQL LISTEN/NOTIFY (default on). */
  notify?: boolean;
}

/**
 * Storage, pools and the gateway core, plus the task-registry heartbeat and the cross-task
 * message listener: everything with a lifetime, opened here and closed on shutdown in reverse
 * order.
 */
export const corePlugin = fp(
  async (app: FastifyInstance, opts: CorePluginOptions) => {
    const { config } = opts;
    const ownStore = opts.store === undefined;
    const store = opts.store ?? createStore(config, app.log);
    let listener: MessageListener | undefined;
    if (opts.notify !== false) {
      listener = new MessageListener(config.databaseUrl, config.taskId, app.log);
    }
    const core = new GatewayCore({
      config,
      store,
      metrics: app.metrics,
      log: app.log,
      lifecycle: parseLifecycleSettings({}),
    });
    if (listener) {
      listener.onRemote((threadId, seq) => {
        if (core.isFollowed(threadId)) core.remoteMessage(threadId, seq);
      });
      await listener.start();
    }
    // Lifecycle jobs on any task (cron-worker, /api/cron/*) announce the threads they closed;
    // this task closes them on its buses. Reconciliation covers notifications missed while the
    // listener was down, on reconnect and periodically.
    const reconcile = () =>
      void core
        .reconcile()
        .catch((err: unknown) => app.log.warn({ err }, 'bus reconciliation failed'));
    let lifecycle: LifecycleListener | undefined;
    if (opts.notify !== false) {
      lifecycle = listenLifecycleEvents(
        config.databaseUrl,
        (event) => {
          const n = core.closeLocalThreads(
            event.threadIds,
            `Closed by lifecycle job (${event.reason}).`,
          );
          if (n > 0)
            app.log.info(
              { reason: event.reason, closed: n },
              'closed threads announced by a lifecycle job',
            );
        },
        app.log,
        {
          onConnected: reconcile,
          onSweepRequested: () =>
            void core
              .sweepOrphans()
              .catch((err: unknown) => app.log.warn({ err }, 'requested bus sweep failed')),
        },
      );
    }
    const reconciler = setInterval(reconcile, config.reconcileIntervalMs);
    reconciler.unref();

    app.decorate('store', store);
    app.decorate('core', core);
    app.decorate('pools', core.pools);
    app.decorate('shuttingDown', false);

    let heartbeat: NodeJS.Timeout | undefined;
    const beat = async () => {
      const address = app.server.address();
      const port = typeof address === 'object' && address ? address.port : config.port;
      const url =
        config.publicUrl ??
        `http://${config.host === '0.0.0.0' ? '127.0.0.1' : config.host}:${port}`;
      try {
        await store.heartbeat(config.taskId, url);
      } catch (err) {
        app.log.warn({ err }, 'task heartbeat failed');
      }
    };
    app.addHook('onReady', async () => {
      heartbeat = setInterval(() => void beat(), config.heartbeatIntervalMs);
      heartbeat.unref();
    });
    app.addHook('onListen', async () => {
      await beat();
    });
    app.addHook('preClose', async () => {
      app.shuttingDown = true;
      if (heartbeat) clearInterval(heartbeat);
      clearInterval(reconciler);
      await core.close();
    });
    app.addHook('onClose', async () => {
      await Promise.all([listener?.close(), lifecycle?.close()]);
      if (ownStore) await store.close();
    });
  },
  { name: 'core', dependencies: ['metrics'] },
);
