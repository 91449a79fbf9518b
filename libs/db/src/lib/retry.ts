import { DatabaseUnavailableError } from './errors';

/** The slice of a pino logger this library writes to. */
export interface DbLogger {
  warn(obj: Record<string, unknown>, msg?: string): void;
}

export interface RetryOptions {
  /** Name of the operation, for logs and errors. */
  operation?: string;
  /** Attempts in all, including the first. Default 6. */
  maxAttempts?: number;
  /** Total time budget from the first attempt; no retry starts after it. Default 10,000 ms. */
  maxElapsedMs?: number;
  /** Cap of the first backoff window; window n is base·2^(n-1), capped by maxDelayMs. Default 100 ms. */
  baseDelayMs?: number;
  /** Cap of any single backoff window. Default 2,000 ms. */
  maxDelayMs?: number;
  logger?: DbLogger;
  /** Injected for tests: returns a number in [0, 1). */
  random?: () => number;
  /** Injected for tests. */
  sleep?: (ms: number) => Promise<void>;
  /** Injected for tests. */
  now?: () => number;
  /** Which errors to retry. Default {@link isTransientError}. */
  isRetryable?: (error: unknown) => boolean;
}

export const DEFAULT_RETRY = {
  maxAttempts: 6,
  maxElapsedMs: 10_000,
  baseDelayMs: 100,
  maxDelayMs: 2_000,
} as const;

// SQLSTATE classes and codes worth another attempt: the same statement can succeed later.
const TRANSIENT_SQLSTATES = new Set([
  '40001', // serialization_failure
  '40P01', // deadlock_detected
  '55P03', // lock_not_available
  '57P01', // admin_shutdown
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now (starting up / shutting down)
  '53300', // too_many_connections
  '53400', // configuration_limit_exceeded
  '58000', // system_error
  '58030', // io_error
]);
const TRANSIENT_SQLSTATE_CLASSES = ['08']; // connection_exception and friends

const TRANSIENT_ERRNOS = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
]);

// Prisma error codes: can't reach / timed out / server closed / pool timeout / write conflict.
const TRANSIENT_PRISMA_CODES = new Set(['P1001', 'P1002', 'P1008', 'P1017', 'P2024', 'P2034']);

// Driver adapter error kinds (@prisma/driver-adapter-utils) that mean "try again later".
const TRANSIENT_ADAPTER_KINDS = new Set([
  'DatabaseNotReachable',
  'ConnectionClosed',
  'SocketTimeout',
  'TooManyConnections',
  'TransactionWriteConflict',
]);

// pg raises these as plain Errors without a code when the server goes away mid-query.
const TRANSIENT_MESSAGES =
  /Connection terminated|terminating connection|Client has encountered a connection error|timeout exceeded when trying to connect|Connection closed|server closed the connection|the database system is (?:starting up|shutting down|in recovery mode)/i;

type Verdict = 'transient' | 'permanent' | 'unknown';

function classifyCode(code: string): Verdict {
  if (TRANSIENT_ERRNOS.has(code) || TRANSIENT_PRISMA_CODES.has(code)) return 'transient';
  if (/^[0-9A-Z]{5}$/.test(code)) {
    if (TRANSIENT_SQLSTATES.has(code)) return 'transient';
    if (TRANSIENT_SQLSTATE_CLASSES.some((c) => code.startsWith(c))) return 'transient';
    return /^P\d{4}$/.test(code) ? 'unknown' : 'permanent';
  }
  return 'unknown';
}

function classify(error: unknown, depth: number, seen: Set<unknown>): Verdict {
  if (error === null || typeof error !== 'object' || depth > 6 || seen.has(error)) {
    return 'unknown';
  }
  seen.add(error);
  const e = error as Record<string, unknown>;
  for (const key of ['originalCode', 'code'] as const) {
    const code = e[key];
    if (typeof code === 'string') {
      const verdict = classifyCode(code);
      if (verdict !== 'unknown') return verdict;
    }
  }
  if (typeof e['kind'] === 'string') {
    if (TRANSIENT_ADAPTER_KINDS.has(e['kind'])) return 'transient';
    if (e['kind'] !== 'postgres') return 'permanent';
  }
  const nested: unknown[] = [e['cause']];
  const meta = e['meta'];
  if (meta && typeof meta === 'object') {
    const adapterError = (meta as Record<string, unknown>)['driverAdapterError'];
    nested.push(adapterError);
  }
  if (Array.isArray(e['errors'])) nested.push(...(e['errors'] as unknown[]));
  for (const inner of nested) {
    const verdict = classify(inner, depth + 1, seen);
    if (verdict !== 'unknown') return verdict;
  }
  if (typeof e['message'] === 'string' && TRANSIENT_MESSAGES.test(e['message'])) {
    return 'transient';
  }
  return 'unknown';
}

/**
 * True when the failure is worth retrying: the server was unreachable or went away, the connection
 * broke, or PostgreSQL asked to try again (serialization failure, deadlock, shutdown, too many
 * connections). Constraint violations (23xxx), bad input (22xxx) and anything unrecognised are not.
 */
export function isTransientError(error: unknown): boolean {
  return classify(error, 0, new Set()) === 'transient';
}

const defaultSleep = (ms: number): Promise<void> =>
  new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Runs `fn`, retrying transient failures with exponential backoff and full jitter (the delay before
 * retry n is uniform in [0, min(maxDelayMs, baseDelayMs·2^(n-1)))), bounded both in attempts and in
 * total time. Non-transient errors are rethrown at once; an exhausted budget becomes a
 * {@link DatabaseUnavailableError}. Only wrap operations that are safe to repeat (idempotent, or a
 * transaction that rolled back).
 */
export async function withRetry<T>(fn: () => Promise<T>, options: RetryOptions = {}): Promise<T> {
  const operation = options.operation ?? 'db operation';
  const maxAttempts = Math.max(1, options.maxAttempts ?? DEFAULT_RETRY.maxAttempts);
  const maxElapsedMs = options.maxElapsedMs ?? DEFAULT_RETRY.maxElapsedMs;
  const baseDelayMs = options.baseDelayMs ?? DEFAULT_RETRY.baseDelayMs;
  const maxDelayMs = options.maxDelayMs ?? DEFAULT_RETRY.maxDelayMs;
  const random = options.random ?? Math.random;
  const sleep = options.sleep ?? defaultSleep;
  const now = options.now ?? Date.now;
  const isRetryable = options.isRetryable ?? isTransientError;

  const startedAt = now();
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (error) {
      if (!isRetryable(error)) throw error;
      const elapsedMs = now() - startedAt;
      const window = Math.min(maxDelayMs, baseDelayMs * 2 ** (attempt - 1));
      const delayMs = Math.floor(random() * window);
      if (attempt >= maxAttempts || elapsedMs + delayMs >= maxElapsedMs) {
        throw new DatabaseUnavailableError(
          operation,
          attempt,
          elapsedMs,
          Math.max(1, Math.ceil(maxDelayMs / 1000)),
          error,
        );
      }
      options.logger?.warn(
        {
          operation,
          attempt,
          maxAttempts,
          delayMs,
          elapsedMs,
          err: error instanceof Error ? { message: error.message, name: error.name } : error,
        },
        'transient database failure, retrying',
      );
      await sleep(delayMs);
    }
  }
}
