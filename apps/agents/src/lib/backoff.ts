import { abortableSleep } from './sleep';

/**
 * Reconnect delays: "full jitter" exponential backoff (AWS Architecture Blog, "Exponential Backoff
 * And Jitter"): attempt n waits a uniform random time in [0, min(capMs, baseMs·2^n)]. After a
 * gateway restart six agents × five pools reconnect at once; full jitter spreads them out instead
 * of having them retry in lockstep.
 *
 * Why not the `exponential-backoff` package: its `backOff()` gives up after `numOfAttempts`, and its
 * sleeps cannot be interrupted, so shutting an agent down would wait out the current delay. This
 * loop retries forever, stops at once on abort and logs each attempt through the caller.
 */
export interface BackoffPolicy {
  baseMs: number;
  capMs: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = { baseMs: 250, capMs: 15_000 };

/** Delay before retry number `attempt` (1-based). */
export function backoffDelay(policy: BackoffPolicy, attempt: number, random: () => number): number {
  const ceiling = Math.min(policy.capMs, policy.baseMs * 2 ** Math.min(attempt - 1, 30));
  return Math.round(random() * ceiling);
}

export interface RetryForeverOptions {
  policy?: BackoffPolicy;
  signal: AbortSignal;
  random?: () => number;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Called before waiting after failed attempt `attempt`. */
  onRetry?: (info: { attempt: number; delayMs: number; error: unknown }) => void;
}

/**
 * Runs `attempt` until it succeeds or `signal` is aborted (then rejects with the abort reason).
 */
export async function retryForever<T>(
  attempt: (n: number) => Promise<T>,
  options: RetryForeverOptions,
): Promise<T> {
  const policy = options.policy ?? DEFAULT_BACKOFF;
  const random = options.random ?? Math.random;
  const sleep = options.sleep ?? abortableSleep;
  for (let n = 1; ; n++) {
    options.signal.throwIfAborted();
    try {
      return await attempt(n);
    } catch (error) {
      options.signal.throwIfAborted();
      const delayMs = backoffDelay(policy, n, random);
      options.onRetry?.({ attempt: n, delayMs, error });
      await sleep(delayMs, options.signal);
    }
  }
}
