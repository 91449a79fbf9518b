import { parseLifecycleSettings } from '@pardon/lifecycle';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { AgentIdentities } from './agents/identity';
import { agentRoutes } from './agents/routes';
import { AgentTransports } from './agents/transports';
import { registerAwardTool } from './game/award-tool';
import { GameEventHub, streamEventsOf } from './game/game-events';
import { meRoutes } from './game/routes';
import { Scoring } from './game/scoring';
import type { GatewayConfig } from './config';
import { leaderboardRoutes } from './leaderboard/routes';
import { cronRoutes } from './operations/cron-routes';
import { healthRoutes } from './operations/health-routes';
import { LifecycleJobs } from './operations/jobs';
import { opsApiRoutes } from './operations/ops-api-routes';
import { webPlugin } from './pages/plugin';
import { buildPayments } from './payments/setup';
import { errorsPlugin } from './plugins/errors';
import { jsonBodyPlugin } from './plugins/json-body';
import { limitsPlugin } from './plugins/limits';
import { metricsPlugin } from './plugins/metrics';
import { textInputPlugin } from './plugins/text-input';
import { Admission } from './sessions/admission';
import { sessionRoutes } from './sessions/routes';
import { PoolManager } from './shared/pools';
import type { Store } from './shared/store';
import { createStore } from './shared/store-db';
import { authPlugin } from './sign-in/authenticate';
import { signInRoutes } from './sign-in/routes';
import { SignIn } from './sign-in/sign-in';
import { RemoteHints } from './streams/remote-hints';
import { streamRoutes } from './streams/routes';
import { Streams } from './streams/streams';
import { startTaskLifecycle } from './task/task-lifecycle';
import { agentReplyPersister } from './thread-bus/agent-replies';
import { MessageHub } from './thread-bus/message-hub';
import { PlayerThreads } from './thread-bus/player-threads';
import { ReplyLatency } from './thread-bus/reply-latency';
import { ThreadBus } from './thread-bus/thread-bus';
import { threadRoutes } from './threads/routes';
import { Threads } from './threads/threads';

export interface AppOptions {
  config: GatewayConfig;
  /** Storage to use instead of opening one from the config (tests, benchmarks). */
  store?: Store;
  /** Cross-task LISTEN/NOTIFY (default on). */
  notify?: boolean;
}

/**
 * The composition root: builds the shared machinery, hands each module only what it needs, and
 * registers the modules' routes. It never listens; server.ts does, and tests may register it on
 * their own instance. Shutdown runs in the order the hooks are added here: the task stops
 * advertising itself, streams and agent connections end, then the connections close.
 */
export const buildApp = fp(
  async (app: FastifyInstance, opts: AppOptions) => {
    const { config } = opts;
    await app.register(errorsPlugin, { dbRetryAfterS: config.dbRetryAfterS });
    await app.register(jsonBodyPlugin);
    await app.register(textInputPlugin);
    await app.register(metricsPlugin);
    await app.register(authPlugin, {
      tokenSecret: config.tokenSecret,
      tokenTtlS: config.tokenTtlS,
    });
    await app.register(limitsPlugin, {
      ipPerMin: config.rateLimitIpPerMin,
      walletPerMin: config.rateLimitWalletPerMin,
    });

    const { metrics, log } = app;
    const store = opts.store ?? createStore(config, log);
    const { requiredAgents, taskId } = config;
    const gameEvents = new GameEventHub();
    const scoring = new Scoring({
      game: store.game,
      rules: config.gameRules,
      hub: gameEvents,
      taskId,
      metrics: {
        evaluations: metrics.evaluations,
        pointsAwarded: metrics.pointsAwarded,
        pardonsGranted: metrics.pardonsGranted,
      },
    });

    // The knot below threads, streams and agent replies: a player thread's life on the buses.
    const payments = buildPayments({ config, store, gameEvents, log, metrics });

    const playerThreads = new PlayerThreads();
    const hub = new MessageHub();
    const latency = new ReplyLatency(metrics.replyLatency);
    const pools = new PoolManager({
      poolIds: Array.from({ length: config.poolCount }, (_, i) => `pool-${i}`),
      requiredAgents,
      rosterAgents: config.rosterAgents,
      // The game's tool, for the game's cast (extra agents talk but do not judge).
      extraTools: (server, context) => {
        if (requiredAgents.includes(context.agentId)) {
          registerAwardTool(server, { ...context, scoring });
          payments.registerTools(server, context);
        }
      },
      presenceGraceMs: config.agentPresenceGraceMs,
      capacity: config.poolCapacity,
      beforeSend: agentReplyPersister({
        store,
        threads: playerThreads,
        hub,
        latency,
        messages: metrics.messages,
      }),
      log,
    });
    const threadBus = new ThreadBus({
      pools,
      store,
      threads: playerThreads,
      hub,
      latency,
      log,
      closedGraceMs: config.closedThreadGraceMs,
    });

    const hints = new RemoteHints();
    const streams = new Streams({
      store,
      threadBus,
      hints,
      perThreadLimit: config.sseConnectionsPerThread,
      perWalletLimit: config.sseConnectionsPerWallet,
      heartbeatMs: config.sseHeartbeatMs,
      openStreams: metrics.sseStreams,
      namedEvents: {
        subscribe: (threadId, fn) => {
          const game = gameEvents.subscribe(threadId, (e) => streamEventsOf(e).forEach(fn));
          const paid = payments.events.subscribe(threadId, fn);
          return () => {
            game();
            paid();
          };
        },
      },
      log,
    });
    const jobs = new LifecycleJobs({
      store,
      pools,
      threadBus,
      lifecycle: parseLifecycleSettings({}),
      rules: config.gameRules,
      taskId,
      requiredAgents,
      log,
      paymentReconcile: payments.reconcile,
    });

    let shuttingDown = false;
    const isShuttingDown = () => shuttingDown;
    app.addHook('preClose', async () => {
      shuttingDown = true;
    });
    await startTaskLifecycle(app, {
      config,
      store,
      threadBus,
      hints,
      onRemoteGameEvent: (e) => {
        gameEvents.publish(e);
        payments.onRemoteGameEvent(e);
      },
      onRemotePaymentRequest: (e) => payments.onRemoteRequest(e),
      sweepOrphans: () => jobs.sweepOrphans(),
      notify: opts.notify !== false,
    });
    app.addHook('preClose', async () => {
      streams.closeAll();
      threadBus.stop();
      await pools.close();
    });
    app.addHook('onClose', async () => {
      if (opts.store === undefined) await store.close();
    });

    const signIn = new SignIn({
      store,
      nonceTtlS: config.nonceTtlS,
      noncesPerWallet: config.noncesPerWallet,
      tokenSecret: config.tokenSecret,
      tokenTtlS: config.tokenTtlS,
    });
    const admission = new Admission({
      store,
      pools,
      taskId,
      poolCapacity: config.poolCapacity,
      requiredAgents,
    });
    const threads = new Threads({
      store,
      threadBus,
      pools,
      requiredAgents,
      maxOpenThreadsPerWallet: config.maxOpenThreadsPerWallet,
      poolCapacity: config.poolCapacity,
      messages: metrics.messages,
    });

    await app.register(signInRoutes, { signIn });
    await app.register(sessionRoutes, { admission, pools, requiredAgents });
    await app.register(threadRoutes, { threads, maxMessageChars: config.maxMessageChars });
    await app.register(streamRoutes, { streams });
    await app.register(leaderboardRoutes, { store, rules: config.gameRules });
    await app.register(meRoutes, { store, rules: config.gameRules });
    await payments.register(app, { threadBus, opsToken: config.opsToken });
    await app.register(agentRoutes, {
      pools,
      identities: new AgentIdentities(config.agentSecrets, pools.poolIds),
      transports: new AgentTransports({
        pools,
        keepaliveMs: config.agentKeepaliveMs,
        sessionIdleMs: config.mcpSessionIdleMs,
        log,
        sessions: metrics.agentSessions,
      }),
      bodyLimit: config.agentBodyLimitBytes,
      opsToken: config.opsToken,
    });
    await app.register(healthRoutes, {
      store,
      pools,
      metrics,
      taskId,
      opsToken: config.opsToken,
      shuttingDown: isShuttingDown,
    });
    await app.register(cronRoutes, { jobs, cronSecret: config.cronSecret });
    await app.register(opsApiRoutes, {
      store,
      pools,
      jobs,
      taskId,
      opsToken: config.opsToken,
      shuttingDown: isShuttingDown,
    });
    await app.register(webPlugin, { webDir: config.webDir });
  },
  { name: 'gateway' },
);
