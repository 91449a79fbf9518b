import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * How often the event-loop delay histogram (`nodejs_eventloop_lag_*`) samples, ms. prom-client's
 * 10 ms default is a timer that wakes an otherwise idle gateway 100 times a second, as often as
 * the round trips it serves at the realistic rate; 10 samples a second still give a scrape
 * interval's percentiles from hundreds of samples, and a stall shows in the one after it.
 */
export const EVENT_LOOP_SAMPLE_MS = 100;

/** The gateway's Prometheus instruments, on a registry of its own (tests build many apps). */
export class GatewayMetrics {
  readonly registry = new Registry();
  readonly httpDuration = new Histogram({
    name: 'gateway_http_request_duration_seconds',
    help: 'HTTP request duration by route and status',
    labelNames: ['method', 'route', 'status'],
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [this.registry],
  });
  readonly replyLatency = new Histogram({
    name: 'gateway_agent_reply_latency_seconds',
    help: 'Time from a persisted player message to the persisted agent reply in its thread',
    labelNames: ['pool', 'agent'],
    buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 3, 5, 10, 30, 60],
    registers: [this.registry],
  });
  readonly messages = new Counter({
    name: 'gateway_messages_total',
    help: 'Messages persisted, by pool and sender kind',
    labelNames: ['pool', 'sender'],
    registers: [this.registry],
  });
  readonly agentsConnected = new Gauge({
    name: 'gateway_pool_agents_connected',
    help: 'Required agents connected per pool',
    labelNames: ['pool'],
    registers: [this.registry],
  });
  readonly activeThreads = new Gauge({
    name: 'gateway_pool_active_threads',
    help: 'Open threads on this task per pool',
    labelNames: ['pool'],
    registers: [this.registry],
  });
  readonly poolReady = new Gauge({
    name: 'gateway_pool_ready',
    help: '1 when every required agent is connected to the pool',
    labelNames: ['pool'],
    registers: [this.registry],
  });
  readonly sseStreams = new Gauge({
    name: 'gateway_sse_streams',
    help: 'Open player event streams',
    registers: [this.registry],
  });
  readonly evaluations = new Counter({
    name: 'gateway_evaluations_total',
    help: 'Agent evaluations of player messages, by outcome (stored, repeated, refused, failed)',
    labelNames: ['outcome'],
    registers: [this.registry],
  });
  readonly pointsAwarded = new Counter({
    name: 'gateway_points_awarded_total',
    help: 'Points the stored evaluations added to players’ weeks',
    registers: [this.registry],
  });
  readonly pardonsGranted = new Counter({
    name: 'gateway_pardons_granted_total',
    help: 'Pardons granted (one per player and week)',
    registers: [this.registry],
  });
  readonly paymentIntents = new Counter({
    name: 'gateway_payment_intents_total',
    help: 'Payment requests of agents, by outcome (created, refused)',
    labelNames: ['outcome'],
    registers: [this.registry],
  });
  readonly paymentSettlements = new Counter({
    name: 'gateway_payment_settlements_total',
    help: 'Payments settled by this task, by status (verified, late)',
    labelNames: ['status'],
    registers: [this.registry],
  });
  readonly paymentFailures = new Counter({
    name: 'gateway_payment_failures_total',
    help: 'Reported payments refused, by error code',
    labelNames: ['code'],
    registers: [this.registry],
  });
  readonly agentSessions = new Gauge({
    name: 'gateway_agent_mcp_sessions',
    help: 'Open MCP sessions of agent connections, by transport',
    labelNames: ['transport'],
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({
      register: this.registry,
      eventLoopMonitoringPrecision: EVENT_LOOP_SAMPLE_MS,
    });
  }
}

declare module 'fastify' {
  interface FastifyInstance {
    metrics: GatewayMetrics;
  }
}

export const metricsPlugin = fp(
  async (app: FastifyInstance) => {
    const metrics = new GatewayMetrics();
    app.decorate('metrics', metrics);
    app.addHook('onResponse', async (request, reply) => {
      metrics.httpDuration.observe(
        {
          method: request.method,
          route: request.routeOptions.url ?? 'unmatched',
          status: String(reply.statusCode),
        },
        reply.elapsedTime / 1000,
      );
    });
  },
  { name: 'metrics' },
);
