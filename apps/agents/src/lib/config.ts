import { z } from 'zod';
import { MIN_AGENT_SECRET_CHARS } from '@pardon/coral';
import { DEFAULT_ADMISSION_MODEL } from '@pardon/pooling';
import { CORAL_DIALECTS } from './coral/port';
import { parseCoralEndpoint } from './coral/urls';
import { parseLatency } from './latency';
import { AGENT_IDS } from './personas';

const int = (min: number, max = Number.MAX_SAFE_INTEGER) =>
  z
    .string()
    .trim()
    .regex(/^\d+$/, 'must be a whole number')
    .transform(Number)
    .pipe(z.number().int().min(min).max(max));

const latency = z
  .string()
  .trim()
  .transform((spec, ctx) => {
    try {
      return parseLatency(spec);
    } catch (error) {
      ctx.addIssue({ code: 'custom', message: (error as Error).message });
      return z.NEVER;
    }
  });

const url = z
  .string({ error: 'required' })
  .trim()
  .refine((s) => /^https?:\/\//.test(s) && URL.canParse(s), 'must be an http(s) URL');

const optionalString = z
  .string()
  .trim()
  .optional()
  .transform((s) => (s === '' ? undefined : s));

/**
 * Per pool. A slot waiting on the LLM costs no CPU and ≤ 63 KB, so 64 (≤ 20 MB over five pools)
 * never binds before the gateway's CPU does, even with one persona drawing a pool's every thread
 * and a slow LLM (README, "Concurrency").
 */
export const DEFAULT_AGENT_CONCURRENCY = DEFAULT_ADMISSION_MODEL.agentConcurrency;

const SECRET_REQUIRED =
  "required: this agent's own secret, the value the gateway has in AGENT_SECRET_<AGENT_ID> (the shared AGENT_API_KEY is gone)";

/**
 * The agent's environment. One schema, parsed once at start: a bad or missing variable stops the
 * process with a message naming every problem.
 */
export const AgentEnvSchema = z
  .object({
    AGENT_ID: z.enum(AGENT_IDS, {
      error: (issue) =>
        issue.input === undefined
          ? `required: one of ${AGENT_IDS.join(', ')}`
          : `"${String(issue.input)}" is not one of ${AGENT_IDS.join(', ')}`,
    }),
    /**
     * Coral 1.0: the devmode URL the pool id is appended to, e.g.
     * `http://127.0.0.1:5555/sse/v1/devmode/app/priv` (or a bare origin). Coral 1.2 uses its origin.
     */
    CORAL_SSE_URL: url,
    /** Which Coral generation the gateway is spoken to in. */
    CORAL_DIALECT: z.enum(CORAL_DIALECTS).default('coral-1.2'),
    /** Comma-separated pool (Coral session) ids. */
    CORAL_SESSIONS: z
      .string()
      .default('pool-0,pool-1,pool-2,pool-3,pool-4')
      .transform((s) =>
        s
          .split(',')
          .map((p) => p.trim())
          .filter((p) => p !== ''),
      )
      .pipe(
        z
          .array(z.string().regex(/^[A-Za-z0-9_.-]+$/, 'pool ids are letters, digits, _ . -'))
          .min(1, 'name at least one pool')
          .refine((a) => new Set(a).size === a.length, 'pool ids must be unique'),
      ),
    /** `sse` (Coral's transport) or `streamable-http`. */
    CORAL_TRANSPORT: z.enum(['sse', 'streamable-http']).default('sse'),
    /** How long one wait for mentions blocks on the server (Coral 1.2 caps it at 60 s). */
    CORAL_WAIT_TIMEOUT_MS: int(100, 600_000).default(30_000),
    /** How long one connection attempt (stream open + `initialize`) may take before it is retried. */
    AGENT_CONNECT_TIMEOUT_MS: int(100, 600_000).default(30_000),
    /** Full-jitter reconnect backoff: first ceiling and cap. */
    AGENT_RECONNECT_BASE_MS: int(1, 60_000).default(250),
    AGENT_RECONNECT_MAX_MS: int(1, 600_000).default(15_000),
    /**
     * How long one reply the gateway could not store (`persist_failed`, e.g. PostgreSQL
     * restarting) or could not reach is retried, with the reconnect backoff, before it is given up.
     */
    AGENT_SEND_RETRY_MS: int(0, 3_600_000).default(120_000),
    /** On SIGTERM, how long replies already taken on may take to finish before the agent disconnects. */
    AGENT_SHUTDOWN_DRAIN_MS: int(0, 600_000).default(10_000),
    /**
     * This agent's own secret, as the gateway holds it in `AGENT_SECRET_<ID>`: the bearer token of
     * Coral 1.0, the key of the Coral 1.2 URL path. Replaces the shared `AGENT_API_KEY`.
     */
    AGENT_SECRET: z
      .string({ error: SECRET_REQUIRED })
      .min(1, SECRET_REQUIRED)
      .superRefine((secret, ctx) => {
        if (secret.length >= MIN_AGENT_SECRET_CHARS) return;
        ctx.addIssue({
          code: 'custom',
          message: `too short (${secret.length} characters): it must have at least ${MIN_AGENT_SECRET_CHARS}, as the gateway's AGENT_SECRET_<AGENT_ID> does`,
        });
      }),
    /**
     * Replies worked on at once per pool. A reply mostly waits on the LLM (I/O), so the default is
     * sized by this process's CPU and memory per reply (README, "Concurrency"); the gateway's
     * admission model (libs/pooling `DEFAULT_ADMISSION_MODEL`) assumes the same figure.
     */
    AGENT_CONCURRENCY: int(1, 1000).default(DEFAULT_AGENT_CONCURRENCY),
    AGENT_LATENCY_MS: latency.default(parseLatency('1500')),
    AGENT_BRAIN: z.enum(['scripted', 'openai']).default('scripted'),
    AGENT_SEED: z.string().default('pardon'),
    MODEL_BASE_URL: url.default('https://api.openai.com/v1'),
    MODEL_NAME: optionalString,
    MODEL_API_KEY: optionalString,
    MODEL_API_KEY_SECRET_ARN: optionalString,
    MODEL_TIMEOUT_MS: int(100, 600_000).default(20_000),
    MODEL_MAX_RETRIES: int(0, 10).default(2),
    MODEL_HISTORY_MESSAGES: int(0, 200).default(12),
    HEALTH_PORT: int(0, 65_535).optional(),
    LOG_LEVEL: z
      .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
      .default('info'),
  })
  .superRefine((env, ctx) => {
    try {
      parseCoralEndpoint(env.CORAL_SSE_URL);
    } catch (error) {
      ctx.addIssue({ code: 'custom', path: ['CORAL_SSE_URL'], message: (error as Error).message });
    }
    if (env.AGENT_RECONNECT_MAX_MS < env.AGENT_RECONNECT_BASE_MS) {
      ctx.addIssue({
        code: 'custom',
        path: ['AGENT_RECONNECT_MAX_MS'],
        message: 'must not be below AGENT_RECONNECT_BASE_MS',
      });
    }
    if (env.AGENT_BRAIN !== 'openai') return;
    if (!env.MODEL_NAME) {
      ctx.addIssue({
        code: 'custom',
        path: ['MODEL_NAME'],
        message: 'required when AGENT_BRAIN=openai',
      });
    }
  });

export type AgentConfig = z.infer<typeof AgentEnvSchema>;

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid agent configuration:\n  ${problems.join('\n  ')}`);
    this.name = 'ConfigError';
  }
}

/** Parses the environment; throws `ConfigError` listing every bad or missing variable. */
export function loadConfig(env: Record<string, string | undefined>): AgentConfig {
  // An empty variable means "not set" (compose files and ECS task definitions often render that way).
  const present = Object.fromEntries(
    Object.entries(env).filter(([, v]) => v !== undefined && v !== ''),
  );
  const parsed = AgentEnvSchema.safeParse(present);
  if (parsed.success) return parsed.data;
  throw new ConfigError(
    parsed.error.issues.map((issue) => `${issue.path.join('.') || '(env)'}: ${issue.message}`),
  );
}
