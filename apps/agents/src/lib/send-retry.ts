import type { Logger } from 'pino';
import type { CoralMessage } from '@pardon/coral';
import { backoffDelay, type BackoffPolicy } from './backoff';
import type { AwardOutcome, AwardPointsArgs, CoralPort, CoralRefusal, SendArgs } from './coral';
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
export function sendWithRetry(
  tools: () => Promise<CoralPort>,
  args: SendArgs,
  options: SendRetryOptions,
  logger: Logger,
  signal?: AbortSignal,
): Promise<ReplyOutcome> {
  return callWithRetry(
    tools,
    (client) => client.sendMessage(args),
    (outcome) => outcome.kind === 'sent',
    options,
    { logger, context: { threadId: args.threadId }, retrying: 'reply not stored yet, retrying' },
    signal,
  );
}

export type AwardRetryOutcome =
  | Exclude<AwardOutcome, CoralRefusal>
  | CoralRefusal
  | { kind: 'gave_up'; attempts: number; lastError: string };

/**
 * Evaluates one player message (`pardon_award_points`) with the same retries as a reply: the
 * gateway stores an evaluation once per (message, agent), so a retry after a lost answer finds
 * the stored one (`alreadyEvaluated`), and an "already evaluated" refusal is success as well.
 */
export function awardWithRetry(
  tools: () => Promise<CoralPort>,
  args: AwardPointsArgs,
  options: SendRetryOptions,
  logger: Logger,
  signal?: AbortSignal,
): Promise<AwardRetryOutcome> {
  return callWithRetry(
    tools,
    (client) => client.awardPoints(args),
    (outcome) => outcome.kind === 'awarded' || outcome.kind === 'already_evaluated',
    options,
    {
      logger,
      context: { threadId: args.threadId, messageId: args.messageId },
      retrying: 'evaluation not stored yet, retrying',
    },
    signal,
  );
}

/**
 * One call to the gateway retried while it fails transiently (see `TRANSIENT_CODES`, thrown
 * calls, no connection yet), for at most `budgetMs`; `done` says which outcomes are success, any
 * other refusal is permanent and returned at once.
 */
export async function callWithRetry<T extends { kind: string }>(
  tools: () => Promise<CoralPort>,
  call: (client: CoralPort) => Promise<T | CoralRefusal>,
  done: (outcome: T | CoralRefusal) => boolean,
  options: SendRetryOptions,
  log: { logger: Logger; context: Record<string, unknown>; retrying: string },
  signal?: AbortSignal,
): Promise<T | CoralRefusal | { kind: 'gave_up'; attempts: number; lastError: string }> {
  const now = options.now ?? Date.now;
  const random = options.random ?? Math.random;
  const sleep = options.sleep ?? abortableSleep;
  const deadline = now() + options.budgetMs;
  for (let attempt = 1; ; attempt++) {
    signal?.throwIfAborted();
    let failure: string;
    try {
      const client = await tools();
      // Not cancelled by `signal`: a call already on the wire is let finish (or fail) by itself.
      const outcome = await call(client);
      if (done(outcome)) return outcome;
      if (outcome.kind !== 'refused') return outcome;
      const refusal = outcome as CoralRefusal;
      if (!TRANSIENT_CODES.has(refusal.code ?? '')) return refusal;
      failure = `${refusal.code}: ${refusal.message}`;
    } catch (error) {
      signal?.throwIfAborted();
      failure = describe(error);
    }
    const left = deadline - now();
    if (left <= 0) return { kind: 'gave_up', attempts: attempt, lastError: failure };
    const delayMs = Math.min(left, backoffDelay(options.policy, attempt, random));
    log.logger.warn({ ...log.context, attempt, delayMs, err: failure }, log.retrying);
    await sleep(delayMs, signal);
  }
}
