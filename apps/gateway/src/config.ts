import { hostname } from 'node:os';
import { z } from 'zod';
import {
  AGENT_ID_PATTERN,
  GAME_AGENT_IDS,
  MIN_AGENT_SECRET_CHARS,
  SYSTEM_SENDER,
  agentSecretEnvName,
} from '@pardon/coral';
import { GameEnvSchema, type GameRules } from '@pardon/game';
import { parsePaymentEnv, type PaymentConfig } from '@pardon/payments';
import {
  DEFAULT_ADMISSION_MODEL,
  cpuThreadsPerPool,
  estimateReplyTime,
  formatLatencyDistribution,
  maxThreadsPerPool,
  parseLatencyDistribution,
  type AdmissionModel,
} from '@pardon/pooling';
import { TrustedProxiesSchema } from './shared/trusted-proxies';

/** The six agents of the production game; every pool needs all of them before it takes players. */
export const DEFAULT_REQUIRED_AGENTS = GAME_AGENT_IDS;

const int = (def: number, min = 0) => z.coerce.number().int().min(min).default(def);

const list = (def: readonly string[], min: number) =>
  z
    .string()
    .optional()
    .transform((v) =>
      v === undefined || v.trim() === ''
        ? [...def]
        : v
            .split(',')
            .map((s) => s.trim())
            .filter((s) => s.length > 0),
    )
    .pipe(
      z
        .array(
          z
            .string()
            .regex(AGENT_ID_PATTERN, 'agent ids are lower-case letters, digits, _ and -')
            // The server's own messages are sent as SYSTEM_SENDER: no agent may speak as it.
            .refine((id) => id !== SYSTEM_SENDER, `${SYSTEM_SENDER} is reserved for the server`),
        )
        .min(min),
    );

const latency = z
  .string()
  .trim()
  .default(formatLatencyDistribution(DEFAULT_ADMISSION_MODEL.llmLatency))
  .transform((spec, ctx) => {
    try {
      return parseLatencyDistribution(spec);
    } catch (error) {
      ctx.addIssue({ code: 'custom', message: (error as Error).message });
      return z.NEVER;
    }
  });

/**
 * The gateway's CPU per player message and its reply, in ms: `npm run capacity` of 2026-12-02
 * 07:39Z (docs/capacity.md) measured 5.6 ms at 500 players, 4.6 at 1,000 and 4.3 at 1,125 end to
 * end (7.1 at 250, where fixed costs weigh more); the default takes the highest from 500 players
 * up, rounded up. One Node process has one event loop, so this bounds the threads of all its pools
 * to one core's worth.
 */
export const DEFAULT_GATEWAY_CPU_MS_PER_REPLY = 6;

/** Where the gateway's `POOL_CAPACITY` came from, shown at start and in the config. */
export interface PoolCapacityBasis {
  /**
   * `POOL_CAPACITY` when set; else the smaller bound: `model` (libs/pooling's admission model on
   * the inputs below) or `gateway_cpu` (the threads one core answers at `GATEWAY_CPU_*`).
   */
  limitedBy: 'POOL_CAPACITY' | 'model' | 'gateway_cpu';
  /** The admission model's inputs (`AGENT_CONCURRENCY`, the roster size, `LLM_LATENCY_MS`, …). */
  model: AdmissionModel;
  /** The threads per pool the model allows. */
  modelThreadsPerPool: number;
  /** The threads per pool this process's one core answers (`GATEWAY_CPU_MS_PER_REPLY`, `_MAX_PERCENT`). */
  cpuThreadsPerPool: number;
  /** The model's P95 reply at the chosen capacity, in ms (Infinity: beyond what the agents answer). */
  p95ReplyMsAtCapacity: number;
}

/** One line for the start-up log: the capacity and what it was sized from. */
export function describePoolCapacity(capacity: number, basis: PoolCapacityBasis): string {
  const m = basis.model;
  const inputs = `AGENT_CONCURRENCY=${m.agentConcurrency} × ${m.agentsPerPool} agents, LLM_LATENCY_MS=${formatLatencyDistribution(m.llmLatency)}, PLAYER_MESSAGE_INTERVAL_MS=${m.messageIntervalMs}, REPLY_P95_TARGET_MS=${m.p95TargetMs}`;
  const p95 = Number.isFinite(basis.p95ReplyMsAtCapacity)
    ? `${Math.round(basis.p95ReplyMsAtCapacity)} ms`
    : 'unbounded';
  const why = {
    POOL_CAPACITY: 'POOL_CAPACITY',
    model: 'limited by the admission model',
    gateway_cpu: "limited by the gateway's CPU",
  }[basis.limitedBy];
  return `pool capacity ${capacity} threads (${why}; the model gives ${basis.modelThreadsPerPool} for ${inputs}, P95 ${p95} at ${capacity}; the gateway's CPU ${basis.cpuThreadsPerPool})`;
}

const secret = (min: number) => z.string().min(min, `must be at least ${min} characters`);

const optionalString = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === '' ? undefined : v));

/**
 * The gateway's environment. Every setting is read here once; the rest of the app takes the
 * parsed `GatewayConfig`, so a port is a number everywhere.
 */
export const EnvSchema = z
  .object({
    PORT: int(5555).pipe(z.number().max(65535)),
    HOST: z.string().min(1).default('0.0.0.0'),
    POOL_COUNT: int(5, 1).pipe(z.number().max(100)),
    // Unset: sized by libs/pooling's admission model from the five settings below.
    POOL_CAPACITY: z.coerce.number().int().min(1).optional(),
    // Replies each agent works on at once per pool: keep it equal to the agents' own setting.
    AGENT_CONCURRENCY: int(DEFAULT_ADMISSION_MODEL.agentConcurrency, 1),
    // The LLM's time per reply, in the agents' AGENT_LATENCY_MS grammar (plus exponential:<mean>).
    LLM_LATENCY_MS: latency,
    // Between two messages of one thread: the player's think time plus the reply.
    PLAYER_MESSAGE_INTERVAL_MS: int(DEFAULT_ADMISSION_MODEL.messageIntervalMs, 1),
    REPLY_P95_TARGET_MS: int(DEFAULT_ADMISSION_MODEL.p95TargetMs, 1),
    // This process's CPU per message + reply, and how much of its one core the pools may fill.
    GATEWAY_CPU_MS_PER_REPLY: z.coerce
      .number()
      .positive()
      .default(DEFAULT_GATEWAY_CPU_MS_PER_REPLY),
    GATEWAY_CPU_MAX_PERCENT: z.coerce.number().min(1).max(100).default(90),
    REQUIRED_AGENTS: list(DEFAULT_REQUIRED_AGENTS, 1),
    // Agents that may connect (each with its own secret) but that no pool waits for.
    EXTRA_AGENTS: list([], 0),
    AGENT_PRESENCE_GRACE_MS: int(30000, 0),
    AGENT_KEEPALIVE_MS: int(15000, 100),
    MCP_SESSION_IDLE_MS: int(600000, 1000),
    // Above the largest tool call the schemas allow (100,000 characters, JSON-escaped).
    AGENT_BODY_LIMIT_BYTES: int(1024 * 1024, 64 * 1024),
    TOKEN_SECRET: secret(32),
    TOKEN_TTL_S: int(3600, 60),
    NONCE_TTL_S: int(300, 10),
    NONCES_PER_WALLET: int(5, 1),
    CRON_SECRET: optionalString.pipe(z.string().min(16).optional()),
    OPS_TOKEN: optionalString.pipe(z.string().min(16).optional()),
    WEB_DIR: optionalString,
    TASK_ID: optionalString,
    PUBLIC_URL: optionalString.pipe(z.url().optional()),
    DATABASE_URL: z.string().regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL'),
    DATABASE_READ_URL: optionalString.pipe(
      z
        .string()
        .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL')
        .optional(),
    ),
    DATABASE_POOL_SIZE: int(20, 1),
    MAX_MESSAGE_CHARS: int(2000, 1),
    BODY_LIMIT_BYTES: int(64 * 1024, 1024),
    RATE_LIMIT_IP_PER_MIN: int(600, 1),
    RATE_LIMIT_WALLET_PER_MIN: int(120, 1),
    TRUSTED_PROXIES: TrustedProxiesSchema,
    // Default: the roster size (one open thread per agent on average), set below.
    MAX_OPEN_THREADS_PER_WALLET: z.coerce.number().int().min(1).optional(),
    SSE_CONNECTIONS_PER_THREAD: int(3, 1),
    SSE_CONNECTIONS_PER_WALLET: int(12, 1),
    CLOSED_THREAD_GRACE_MS: int(30000, 0),
    SSE_HEARTBEAT_MS: int(15000, 100),
    REQUEST_TIMEOUT_MS: int(30000, 1000),
    SHUTDOWN_TIMEOUT_MS: int(25000, 1000),
    HEARTBEAT_INTERVAL_MS: int(30000, 100),
    RECONCILE_INTERVAL_MS: int(60000, 100),
    DB_RETRY_AFTER_S: int(5, 1),
    DB_RETRY_BUDGET_MS: int(5000, 0),
    LOG_LEVEL: z
      .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
      .default('info'),
  })
  .transform((e, ctx) => {
    // A thread is answered by its one agent: the required agents share a pool's threads.
    const model: AdmissionModel = {
      agentConcurrency: e.AGENT_CONCURRENCY,
      agentsPerPool: e.REQUIRED_AGENTS.length,
      llmLatency: e.LLM_LATENCY_MS,
      messageIntervalMs: e.PLAYER_MESSAGE_INTERVAL_MS,
      p95TargetMs: e.REPLY_P95_TARGET_MS,
    };
    const modelThreadsPerPool = maxThreadsPerPool(model);
    const cpuThreadsPerPoolOfGateway = cpuThreadsPerPool({
      cpuMsPerReply: e.GATEWAY_CPU_MS_PER_REPLY,
      cores: 1,
      maxUtilisation: e.GATEWAY_CPU_MAX_PERCENT / 100,
      messageIntervalMs: e.PLAYER_MESSAGE_INTERVAL_MS,
      pools: e.POOL_COUNT,
    });
    const bound = Math.min(modelThreadsPerPool, cpuThreadsPerPoolOfGateway);
    if (e.POOL_CAPACITY === undefined && bound === 0) {
      ctx.addIssue({
        code: 'custom',
        path: ['POOL_CAPACITY'],
        message:
          modelThreadsPerPool === 0
            ? `unset, and the admission model allows no thread: LLM_LATENCY_MS=${formatLatencyDistribution(model.llmLatency)} alone misses REPLY_P95_TARGET_MS=${model.p95TargetMs}; set POOL_CAPACITY or a reachable target`
            : `unset, and GATEWAY_CPU_MS_PER_REPLY=${e.GATEWAY_CPU_MS_PER_REPLY} leaves less than one thread per pool; set POOL_CAPACITY`,
      });
      return z.NEVER;
    }
    const poolCapacity = e.POOL_CAPACITY ?? bound;
    const poolCapacityBasis: PoolCapacityBasis = {
      limitedBy:
        e.POOL_CAPACITY !== undefined
          ? 'POOL_CAPACITY'
          : cpuThreadsPerPoolOfGateway < modelThreadsPerPool
            ? 'gateway_cpu'
            : 'model',
      model,
      modelThreadsPerPool,
      cpuThreadsPerPool: cpuThreadsPerPoolOfGateway,
      p95ReplyMsAtCapacity: estimateReplyTime(poolCapacity, model).p95ReplyMs,
    };
    return {
      port: e.PORT,
      host: e.HOST,
      poolCount: e.POOL_COUNT,
      poolCapacity,
      poolCapacityBasis,
      requiredAgents: e.REQUIRED_AGENTS,
      rosterAgents: [...new Set([...e.REQUIRED_AGENTS, ...e.EXTRA_AGENTS])],
      agentPresenceGraceMs: e.AGENT_PRESENCE_GRACE_MS,
      agentKeepaliveMs: e.AGENT_KEEPALIVE_MS,
      mcpSessionIdleMs: e.MCP_SESSION_IDLE_MS,
      agentBodyLimitBytes: e.AGENT_BODY_LIMIT_BYTES,
      tokenSecret: e.TOKEN_SECRET,
      tokenTtlS: e.TOKEN_TTL_S,
      nonceTtlS: e.NONCE_TTL_S,
      noncesPerWallet: e.NONCES_PER_WALLET,
      cronSecret: e.CRON_SECRET,
      opsToken: e.OPS_TOKEN,
      webDir: e.WEB_DIR,
      taskId: e.TASK_ID ?? `${hostname()}-${process.pid}`,
      publicUrl: e.PUBLIC_URL,
      databaseUrl: e.DATABASE_URL,
      databaseReadUrl: e.DATABASE_READ_URL,
      databasePoolSize: e.DATABASE_POOL_SIZE,
      maxMessageChars: e.MAX_MESSAGE_CHARS,
      bodyLimitBytes: e.BODY_LIMIT_BYTES,
      rateLimitIpPerMin: e.RATE_LIMIT_IP_PER_MIN,
      rateLimitWalletPerMin: e.RATE_LIMIT_WALLET_PER_MIN,
      trustedProxies: e.TRUSTED_PROXIES,
      maxOpenThreadsPerWallet: e.MAX_OPEN_THREADS_PER_WALLET ?? e.REQUIRED_AGENTS.length,
      sseConnectionsPerThread: e.SSE_CONNECTIONS_PER_THREAD,
      sseConnectionsPerWallet: e.SSE_CONNECTIONS_PER_WALLET,
      closedThreadGraceMs: e.CLOSED_THREAD_GRACE_MS,
      sseHeartbeatMs: e.SSE_HEARTBEAT_MS,
      requestTimeoutMs: e.REQUEST_TIMEOUT_MS,
      shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT_MS,
      heartbeatIntervalMs: e.HEARTBEAT_INTERVAL_MS,
      reconcileIntervalMs: e.RECONCILE_INTERVAL_MS,
      dbRetryAfterS: e.DB_RETRY_AFTER_S,
      dbRetryBudgetMs: e.DB_RETRY_BUDGET_MS,
      logLevel: e.LOG_LEVEL,
    };
  });

export type GatewayConfig = z.output<typeof EnvSchema> & {
  /** Every roster agent's own secret, by agent id. */
  agentSecrets: ReadonlyMap<string, string>;
  /** The game's rules (`GAME_*`, shared with the cron-worker through libs/game). */
  gameRules: GameRules;
  /** Premium payments (`PAYMENT_*`, `SOLANA_*`, shared with the cron-worker through libs/payments). */
  payments: PaymentConfig;
};

/** Each roster agent's secret from `AGENT_SECRET_<ID>`; every missing or short one is a problem. */
function readAgentSecrets(
  env: NodeJS.ProcessEnv,
  roster: readonly string[],
): { secrets: Map<string, string>; problems: string[] } {
  const secrets = new Map<string, string>();
  const problems: string[] = [];
  const owners = new Map<string, string>();
  for (const agentId of roster) {
    const name = agentSecretEnvName(agentId);
    const clash = owners.get(name);
    if (clash) problems.push(`${name}: agents ${clash} and ${agentId} would share this variable`);
    owners.set(name, agentId);
    const value = env[name]?.trim() ?? '';
    if (value.length < MIN_AGENT_SECRET_CHARS) {
      problems.push(
        `${name}: the secret agent ${agentId} connects with is ${
          value === '' ? 'missing' : 'too short'
        } (at least ${MIN_AGENT_SECRET_CHARS} characters, e.g. openssl rand -hex 24)`,
      );
    } else {
      secrets.set(agentId, value);
    }
  }
  const distinct = new Set(secrets.values());
  if (distinct.size < secrets.size)
    problems.push('AGENT_SECRET_*: every agent needs its own secret');
  return { secrets, problems };
}

/** Thrown at start when the environment is unusable; its message names every bad variable. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid gateway configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Parses the environment, failing fast with every problem at once rather than the first. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): GatewayConfig {
  const parsed = EnvSchema.safeParse(env);
  const problems = parsed.success
    ? []
    : parsed.error.issues.map((i) => `${i.path.join('.') || '(env)'}: ${i.message}`);
  const roster = parsed.success ? parsed.data.rosterAgents : [];
  const agents = readAgentSecrets(env, roster);
  problems.push(...agents.problems);
  const game = GameEnvSchema.safeParse(env);
  if (!game.success) {
    problems.push(...game.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`));
  }
  const payments = game.success ? parsePaymentEnv(env, game.data.tokenDecimals) : undefined;
  problems.push(...(payments?.problems ?? []));
  if (!parsed.success || !game.success || !payments || problems.length > 0) {
    throw new ConfigError(problems);
  }
  return {
    ...parsed.data,
    agentSecrets: agents.secrets,
    gameRules: game.data,
    payments: payments.config,
  };
}
