import { hostname } from 'node:os';
import { z } from 'zod';
import { GAME_AGENT_IDS } from '@pardon/coral';
import { TrustedProxiesSchema } from './shared/trusted-proxies';

/** The six agents of the production game; every pool needs all of them before it takes players. */
export const DEFAULT_REQUIRED_AGENTS = GAME_AGENT_IDS;

const int = (def: number, min = 0) => z.coerce.number().int().min(min).default(def);

const list = (def: readonly string[]) =>
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
    .pipe(z.array(z.string().regex(/^[a-z0-9][a-z0-9_-]{0,63}$/)).min(1));

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
    POOL_CAPACITY: int(30, 1),
    REQUIRED_AGENTS: list(DEFAULT_REQUIRED_AGENTS),
    AGENT_API_KEY: secret(8),
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
  .transform((e) => ({
    port: e.PORT,
    host: e.HOST,
    poolCount: e.POOL_COUNT,
    poolCapacity: e.POOL_CAPACITY,
    requiredAgents: e.REQUIRED_AGENTS,
    agentApiKey: e.AGENT_API_KEY,
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
  }));

export type GatewayConfig = z.output<typeof EnvSchema>;

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
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((i) => `${i.path.join('.') || '(env)'}: ${i.message}`),
    );
  }
  return parsed.data;
}
