import type { Logger } from 'pino';
import type { CoralMessage } from '@pardon/coral';
import { backoffDelay, type BackoffPolicy } from './backoff';
import type { CoralPort, CoralRefusal, SendArgs } from './coral';
import { abortableSleep } from './sleep';

/** Default of `AGENT_SEND_RETRY_MS`: how long one reply is retried before it is given up. */
export const DEFAULT_SEND_RETRY_MS = 120_000;

export interface SendRetryOptions {
  /** Total time a reply may be retried (`AGENT_SEND_RETRY_MS`); 0 sends once. */
  budgetMs: number;
  /** Full-jitter backoff between attempts. */
  policy: BackoffPolicy;
  random?: () => number;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  now?: () => number;
}

export type ReplyOutcome =
  | { kind: 'sent'; message: CoralMessage }
  /** Refused for good (thread closed, not a participant, invalid mention…): retrying cannot help. */
  | CoralRefusal
  /** Still failing when the budget ran out. */
  | { kind: 'gave_up'; attempts: number; lastError: string };

/**
 * Refusals that say nothing about the message itself: the gateway could not store it
 * (`persist_failed`, e.g. PostgreSQL restarting) or the call reached a connection that was just
 * replaced. The same reply succeeds later.
 */
const TRANSIENT_CODES: ReadonlySet<string> = new Set(['persist_failed', 'connection_closed']);

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Sends one reply, retrying transient failures with full-jitter exponential backoff for at most
 * `budgetMs`: a `persist_failed` refusal, a thrown call (transport lost mid-send, request timeout)
 * or no connection yet (`tools()` waits for the reconnect). Permanent refusals return at once.
 * The caller holds the thread's turn meanwhile, so later messages of the thread wait behind this
 * reply and replies stay in order. Aborting `signal` (agent stopping) rejects with its reason.
 */
export async function sendWithRetry(
  tools: () => Promise<CoralPort>,
  args: SendArgs,
  options: SendRetryOptions,
  logger: Logger,
  signal?: AbortSignal,
): Promise<ReplyOutcome> {
  const now = options.now ?? Date.now;
  const random = options.random ?? Math.random;
  const sleep = options.sleep ?? abortableSleep;
  const deadline = now() + options.budgetMs;
  for (let attempt = 1; ; attempt++) {
    signal?.throwIfAborted();
    let failure: string;
    try {
      const client = await tools();
      // Not cancelled by `signal`: a send already on the wire is let finish (or fail) by itself.
      const sent = await client.sendMessage(args);
      if (sent.kind === 'sent') return sent;
      if (!TRANSIENT_CODES.has(sent.code ?? '')) return sent;
      failure = `${sent.code}: ${sent.message}`;
    } catch (error) {
      signal?.throwIfAborted();
      failure = describe(error);
    }
    const left = deadline - now();
    if (left <= 0) return { kind: 'gave_up', attempts: attempt, lastError: failure };
    const delayMs = Math.min(left, backoffDelay(options.policy, attempt, random));
    logger.warn(
      { threadId: args.threadId, attempt, delayMs, err: failure },
      'reply not stored yet, retrying',
    );
    await sleep(delayMs, signal);
  }
}
