import type { Logger } from 'pino';
import type { CoralMessage } from '@pardon/coral';
import { backoffDelay, DEFAULT_BACKOFF, retryForever, type BackoffPolicy } from './backoff';
import type { CoralPort } from './coral';
import type { ToolsProvider } from './conversation';
import type { HealthRegistry } from './health';
import { ThreadScheduler } from './scheduler';
import type { PoolConnector, PoolSession } from './session';
import { abortableSleep } from './sleep';

/**
 * Answers one message; jobs of the same thread never overlap. Resolves false when the message was
 * not answered (reply refused or given up), so that a later delivery of it is taken on again.
 */
export type MentionHandler = (
  message: CoralMessage,
  tools: ToolsProvider,
  signal: AbortSignal,
) => Promise<boolean | void>;

export interface PoolConnectionOptions {
  pool: string;
  agentId: string;
  connector: PoolConnector;
  handler: MentionHandler;
  logger: Logger;
  health: HealthRegistry;
  /** Threads answered at the same time (`AGENT_CONCURRENCY`). */
  concurrency: number;
  /** How long each wait for mentions blocks (Coral 1.2 caps one wait at a minute). */
  waitTimeoutMs: number;
  backoff?: BackoffPolicy;
  /** Stop fetching mentions while this many are queued or running (bounded memory under overload). */
  maxQueued?: number;
  /** How long a reply waits for a reconnect before it is given up. */
  replyReconnectWaitMs?: number;
  random?: () => number;
}

const LOST: unique symbol = Symbol('lost');

/** Message ids remembered as taken on (answered or in progress), most recent kept. */
const MAX_TAKEN = 10_000;
const STOPPED = 'stopped';

/** True if `promise` settled within `ms`. */
async function raceTimeout(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([promise.then(() => true), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * `promise`'s outcome, or LOST as soon as `ended` aborts; nothing of the call stays on `ended`
 * once it settles (unlike `Promise.race` with a long-pending promise).
 */
function unlessEnded<T>(promise: Promise<T>, ended: AbortSignal): Promise<T | typeof LOST> {
  if (ended.aborted) return Promise.resolve(LOST);
  return new Promise<T | typeof LOST>((resolve, reject) => {
    const onEnd = (): void => resolve(LOST);
    ended.addEventListener('abort', onEnd, { once: true });
    promise.then(
      (value) => {
        ended.removeEventListener('abort', onEnd);
        resolve(value);
      },
      (error: unknown) => {
        ended.removeEventListener('abort', onEnd);
        reject(error);
      },
    );
  });
}

/** Tool errors in a row after which the session is assumed broken and re-established. */
const MAX_CONSECUTIVE_WAIT_ERRORS = 3;

/**
 * One agent's presence in one pool: connect (retrying forever with full-jitter backoff), then loop
 * wait for mentions (either Coral dialect) → scheduler → handler, and reconnect whenever the
 * connection is lost
 * (gateway restart, network, stream error). Replies in flight during a reconnect wait for the new
 * session instead of being dropped.
 */
export class PoolConnection {
  private readonly scheduler: ThreadScheduler;
  private session: PoolSession | undefined;
  private sessionWaiters: Array<(session: PoolSession | undefined) => void> = [];
  /** Stops connecting and fetching mentions. */
  private readonly poll = new AbortController();
  /** Abandons replies in progress (after the drain). */
  private readonly work = new AbortController();
  private running: Promise<void> | undefined;
  private readonly log: Logger;
  /**
   * Mentions queued, in progress or answered. The gateway does not redeliver on reconnect, but a
   * thread rebuilt from storage after a gateway restart makes a trailing unanswered mention unread
   * again; a reply still being sent or retried here must not be answered a second time.
   */
  private readonly taken = new Set<string>();

  constructor(private readonly options: PoolConnectionOptions) {
    this.log = options.logger.child({ pool: options.pool });
    this.scheduler = new ThreadScheduler(options.concurrency, (threadId, error) => {
      if (!this.work.signal.aborted) {
        this.log.error({ threadId, err: error }, 'failed to answer a message');
      }
    });
  }

  /** Starts the connect/serve loop in the background. */
  start(): void {
    this.running ??= this.run().catch((error: unknown) => {
      if (!this.poll.signal.aborted) this.log.fatal({ err: error }, 'pool loop crashed');
    });
  }

  /**
   * Graceful stop: no new mentions are fetched, replies already taken on are given up to `drainMs`
   * to finish over the still-open connection (a mention the agent consumed is answered rather than
   * lost in a rolling deploy), then the rest is abandoned and the connection closed.
   */
  async stop(drainMs = 0): Promise<void> {
    const stopping = new Error('agent stopping');
    this.poll.abort(stopping);
    await this.running;
    if (this.scheduler.size > 0 && drainMs > 0) {
      const drained = await raceTimeout(this.scheduler.whenIdle(), drainMs);
      if (!drained) {
        this.log.warn({ pending: this.scheduler.size }, 'abandoning replies still in progress');
      }
    }
    this.work.abort(stopping);
    const waiters = this.sessionWaiters;
    this.sessionWaiters = [];
    for (const waiter of waiters) waiter(undefined);
    // Abandoned jobs end at their next await; do not let one stuck call hold the shutdown.
    await raceTimeout(this.scheduler.whenIdle(), 1_000);
    await this.session?.close();
    this.session = undefined;
    this.options.health.set(this.options.pool, { state: 'stopped' });
  }

  /** Resolves when no reply is queued or running. */
  whenIdle(): Promise<void> {
    return this.scheduler.whenIdle();
  }

  private async run(): Promise<void> {
    const { pool, connector, health } = this.options;
    const signal = this.poll.signal;
    const random = this.options.random ?? Math.random;
    const policy = this.options.backoff ?? DEFAULT_BACKOFF;
    while (!signal.aborted) {
      health.set(pool, { state: 'connecting' });
      const session = await retryForever(
        async (attempt) => {
          this.log.info({ attempt }, 'connecting');
          health.set(pool, { state: 'connecting', attempt });
          return connector(pool, signal);
        },
        {
          signal,
          policy,
          random,
          onRetry: ({ attempt, delayMs, error }) => {
            const message = error instanceof Error ? error.message : String(error);
            this.log.warn({ attempt, delayMs, err: message }, 'connect failed, retrying');
            health.set(pool, { state: 'backoff', attempt, lastError: message });
          },
        },
      ).catch((error: unknown) => {
        if (signal.aborted) return undefined;
        throw error;
      });
      if (!session) break;
      this.session = session;
      health.set(pool, { state: 'ready' });
      this.log.info('connected');
      const waiters = this.sessionWaiters;
      this.sessionWaiters = [];
      for (const resolve of waiters) resolve(session);

      const reason = await this.serve(session);
      // Stopping with a live connection: keep it so that replies in progress can still be sent.
      if (signal.aborted && reason === STOPPED) break;
      this.session = undefined;
      await session.close();
      if (signal.aborted) break;
      this.log.warn({ reason }, 'disconnected, reconnecting');
      health.set(pool, { state: 'disconnected', lastError: reason });
      // A short jittered pause so a connection that drops at once cannot spin.
      await abortableSleep(backoffDelay(policy, 1, random), signal).catch(() => undefined);
    }
  }

  /** Serves mentions until the session is lost; resolves with the reason. */
  private async serve(session: PoolSession): Promise<string> {
    const signal = this.poll.signal;
    const maxQueued = this.options.maxQueued ?? this.options.concurrency * 16;
    let lostReason: string | undefined;
    // Ends when the session is lost or polling stops. A signal rather than racing the session's
    // `lost` promise: `Promise.race` leaves a reaction on every promise it is given, and `lost`
    // stays pending for the session's life, so each wait left one (holding the wait's outcome,
    // messages and all) until the connection dropped: memory grew with every mention.
    const ended = new AbortController();
    const end = (): void => ended.abort();
    void session.lost.then((reason) => {
      lostReason = reason;
      end();
    });
    signal.addEventListener('abort', end, { once: true });
    try {
      let consecutiveErrors = 0;
      while (!ended.signal.aborted) {
        if ((await unlessEnded(this.scheduler.whenBelow(maxQueued), ended.signal)) === LOST) break;
        let outcome;
        try {
          const wait = session.coral.waitForMentions(this.options.waitTimeoutMs, signal);
          // When the session is lost first, the abandoned call rejects later: that is expected.
          wait.catch(() => undefined);
          outcome = await unlessEnded(wait, ended.signal);
        } catch (error) {
          if (signal.aborted) break;
          return `wait for mentions failed: ${error instanceof Error ? error.message : String(error)}`;
        }
        if (outcome === LOST) break;
        switch (outcome.kind) {
          case 'messages':
            consecutiveErrors = 0;
            for (const message of outcome.messages) this.dispatch(message);
            break;
          case 'timeout':
            consecutiveErrors = 0;
            break;
          case 'refused':
            consecutiveErrors++;
            this.log.warn(
              { code: outcome.code, err: outcome.message },
              'wait for mentions refused',
            );
            if (consecutiveErrors >= MAX_CONSECUTIVE_WAIT_ERRORS) {
              return `wait for mentions refused ${consecutiveErrors} times: ${outcome.message}`;
            }
        }
      }
      return lostReason ?? STOPPED;
    } finally {
      signal.removeEventListener('abort', end);
    }
  }

  private dispatch(message: CoralMessage): void {
    if (message.senderId === this.options.agentId) return;
    if (this.taken.has(message.id)) {
      this.log.debug(
        { threadId: message.threadId, messageId: message.id },
        'mention delivered again while already taken on, skipped',
      );
      return;
    }
    this.taken.add(message.id);
    if (this.taken.size > MAX_TAKEN) {
      const oldest = this.taken.values().next().value;
      if (oldest !== undefined) this.taken.delete(oldest);
    }
    this.log.debug({ threadId: message.threadId, messageId: message.id }, 'mentioned');
    this.options.health.countMention(this.options.pool);
    this.scheduler.enqueue(message.threadId, async () => {
      let answered: boolean | void = false;
      try {
        answered = await this.options.handler(message, () => this.currentTools(), this.work.signal);
      } finally {
        // Not answered: a later delivery of this mention may try again.
        if (answered === false) this.taken.delete(message.id);
      }
      if (answered !== false) this.options.health.countReply(this.options.pool);
    });
  }

  /** The live session's Coral, waiting (bounded) for a reconnect when there is none. */
  private currentTools(): Promise<CoralPort> {
    if (this.session) return Promise.resolve(this.session.coral);
    if (this.work.signal.aborted) return Promise.reject(this.work.signal.reason);
    const waitMs = this.options.replyReconnectWaitMs ?? 60_000;
    return new Promise<CoralPort>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.sessionWaiters = this.sessionWaiters.filter((w) => w !== waiter);
        reject(new Error(`no connection to ${this.options.pool} within ${waitMs} ms`));
      }, waitMs);
      timer.unref();
      const waiter = (session: PoolSession | undefined): void => {
        clearTimeout(timer);
        if (session) resolve(session.coral);
        else reject(new Error('agent stopping'));
      };
      this.sessionWaiters.push(waiter);
    });
  }
}
