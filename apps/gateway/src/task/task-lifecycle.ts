import type { GameEvent, PaymentRequestEvent } from '@pardon/db';
import { listenLifecycleEvents, type LifecycleListener } from '@pardon/db';
import type { FastifyInstance } from 'fastify';
import type { GatewayConfig } from '../config';
import type { Store } from '../shared/store';
import type { RemoteHints } from '../streams/remote-hints';
import type { ThreadBus } from '../thread-bus/thread-bus';
import { startHeartbeat } from './heartbeat';
import { MessageListener } from './message-listener';
import { reconcileBuses } from './reconcile';

export interface TaskLifecycleOptions {
  config: Pick<
    GatewayConfig,
    | 'databaseUrl'
    | 'taskId'
    | 'reconcileIntervalMs'
    | 'heartbeatIntervalMs'
    | 'publicUrl'
    | 'host'
    | 'port'
  >;
  store: Store;
  threadBus: ThreadBus;
  hints: RemoteHints;
  /** Evaluations other tasks stored, for this task's streams of their threads. */
  onRemoteGameEvent?: (event: GameEvent) => void;
  /** Payment requests other tasks stored, for this task's streams of their threads. */
  onRemotePaymentRequest?: (event: PaymentRequestEvent) => void;
  /** A fleet-wide sweep request (libs/db) runs this task's orphan sweep. */
  sweepOrphans: () => Promise<number>;
  /** Cross-task LISTEN/NOTIFY (default on; off in tests that run one task without it). */
  notify: boolean;
}

/**
 * The task's own lifecycle: the task-registry heartbeat, the cross-task message listener that
 * feeds the event streams, the lifecycle listener that closes threads jobs on any task closed,
 * and the reconciliation that covers notifications missed while a listener was down. Started
 * here; stopped by the app's close hooks (timers at preClose, connections at onClose).
 */
export async function startTaskLifecycle(
  app: FastifyInstance,
  options: TaskLifecycleOptions,
): Promise<void> {
  const { config, store, threadBus, hints } = options;
  let messages: MessageListener | undefined;
  let lifecycle: LifecycleListener | undefined;
  const reconcile = () =>
    void reconcileBuses(threadBus, store).catch((err: unknown) =>
      app.log.warn({ err }, 'bus reconciliation failed'),
    );

  if (options.notify) {
    messages = new MessageListener(config.databaseUrl, config.taskId, app.log);
    messages.onRemote((threadId, seq) => {
      if (hints.isFollowed(threadId)) hints.remoteMessage(threadId, seq);
    });
    const onGame = options.onRemoteGameEvent;
    if (onGame) messages.onGameEvent(onGame);
    const onPaymentRequest = options.onRemotePaymentRequest;
    if (onPaymentRequest) messages.onPaymentRequest(onPaymentRequest);
    await messages.start();
    lifecycle = listenLifecycleEvents(
      config.databaseUrl,
      (event) => {
        const n = threadBus.closeLocalThreads(event.threadIds, closeSummary(event.reason));
        if (n > 0) {
          app.log.info(
            { reason: event.reason, closed: n },
            'closed threads announced by a lifecycle job',
          );
        }
      },
      app.log,
      {
        onConnected: reconcile,
        onSweepRequested: () =>
          void options
            .sweepOrphans()
            .catch((err: unknown) => app.log.warn({ err }, 'requested bus sweep failed')),
      },
    );
  }
  const reconciler = setInterval(reconcile, config.reconcileIntervalMs);
  reconciler.unref();
  const stopHeartbeat = startHeartbeat(app, {
    store,
    taskId: config.taskId,
    intervalMs: config.heartbeatIntervalMs,
    publicUrl: config.publicUrl,
    host: config.host,
    port: config.port,
  });

  app.addHook('preClose', async () => {
    stopHeartbeat();
    clearInterval(reconciler);
  });
  app.addHook('onClose', async () => {
    await Promise.all([messages?.close(), lifecycle?.close()]);
  });
}

/** The summary a thread closed by another task's announcement gets on this task's buses. */
function closeSummary(reason: string): string {
  if (reason === 'player_closed') return 'Closed by the player.';
  if (reason === 'agent_closed') return 'Closed by the agent.';
  return `Closed by lifecycle job (${reason}).`;
}
