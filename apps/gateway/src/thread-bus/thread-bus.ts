import { isCoralError, SYSTEM_SENDER, type PoolBusEvent } from '@pardon/coral';
import type { FastifyBaseLogger } from 'fastify';
import { GatewayError } from '../errors';
import type { StoredMessage } from '../shared/messages';
import type { PoolManager } from '../shared/pools';
import type { Store, ThreadRow } from '../shared/store';
import { ThreadListeners } from '../shared/thread-listeners';
import type { MessageHub } from './message-hub';
import type { PlayerThreads } from './player-threads';
import { rebuildThread, threadName } from './rebuild';
import type { ReplyLatency } from './reply-latency';

export interface ThreadBusOptions {
  pools: PoolManager;
  store: Pick<Store, 'listMessages' | 'closeThread'>;
  threads: PlayerThreads;
  hub: MessageHub;
  latency: ReplyLatency;
  log: FastifyBaseLogger;
  /**
   * How long a closed thread stays in memory before the buses and the registry forget it (so
   * in-flight agent calls still get `thread_closed`); requests after that read the database.
   */
  closedGraceMs: number;
}

/**
 * A player thread's life on this task's buses, below the player routes, the event streams and
 * the agent endpoint that all use it: putting a thread on its bus (new, or rebuilt from the
 * database), delivering a stored player message to the agent, publishing stored messages to the
 * thread's streams, and closing it on the bus when the player, an agent or a job closes it.
 */
export class ThreadBus {
  private readonly rebuilding = new Map<string, Promise<void>>();
  private readonly closings = new ThreadListeners<string>();
  /** Closed threads waiting out their grace, oldest first (one timer for all of them). */
  private forgetting: Array<{ pool: string; threadId: string; at: number }> = [];
  private forgetHead = 0;
  private forgetTimer: NodeJS.Timeout | undefined;
  /** The thread closeOnBus is closing whose close the database already has. */
  private closingStored: string | undefined;

  constructor(private readonly options: ThreadBusOptions) {
    options.pools.subscribe((event) => this.onBusEvent(event));
  }

  /** Puts a thread the player just created on its pool's bus, with the agent as participant. */
  open(thread: ThreadRow): void {
    this.options.threads.hold(thread.id, {
      pool: thread.pool,
      wallet: thread.wallet,
      agentId: thread.agentId,
      closed: false,
    });
    this.options.pools.bus(thread.pool).createThread({
      id: thread.id,
      name: threadName(thread.wallet, thread.agentId),
      creatorId: thread.wallet,
      participantIds: [thread.agentId],
    });
  }

  /**
   * The pool and agent of a thread this task holds open for `wallet`, or undefined (not held
   * here, closed, or another wallet's): the hot path that needs no ownership query.
   */
  heldOpen(threadId: string, wallet: string): { pool: string; agentId: string } | undefined {
    const known = this.options.threads.get(threadId);
    if (!known || known.closed || known.wallet !== wallet) return undefined;
    return { pool: known.pool, agentId: known.agentId };
  }

  /** True when a thread on `pool` can live on this task's buses (the pool exists here). */
  hostsPool(pool: string): boolean {
    return this.options.pools.hasPool(pool);
  }

  /**
   * Makes sure a player thread is on its pool's bus, rebuilding it from the database when this
   * task has not seen it (restart, or the player reached another task). Concurrent callers share
   * one rebuild.
   */
  async ensureOnBus(thread: ThreadRow): Promise<void> {
    const bus = this.options.pools.bus(thread.pool);
    if (bus.hasThread(thread.id)) {
      if (!this.options.threads.has(thread.id)) {
        this.options.threads.hold(thread.id, {
          pool: thread.pool,
          wallet: thread.wallet,
          agentId: thread.agentId,
          closed: bus.threadHeader(thread.id)?.isClosed ?? true,
        });
      }
      return;
    }
    let pending = this.rebuilding.get(thread.id);
    if (!pending) {
      pending = rebuildThread(thread, { ...this.options, bus }).finally(() =>
        this.rebuilding.delete(thread.id),
      );
      this.rebuilding.set(thread.id, pending);
    }
    await pending;
  }

  /** A player message is stored: its streams see it now, and its reply is timed from now. */
  playerMessageStored(message: StoredMessage): void {
    this.options.hub.publish(message);
    this.options.latency.playerMessageStored(message.threadId);
  }

  /**
   * Delivers a stored player message, or a system message of the server (a settled payment), to
   * the agent; the bus ignores an id it already holds.
   */
  async deliverPlayerMessage(pool: string, message: StoredMessage): Promise<void> {
    try {
      await this.options.pools.bus(pool).sendMessage(
        {
          threadId: message.threadId,
          senderId: message.senderId,
          content: message.content,
          mentions: message.mentions,
        },
        {
          id: message.id,
          timestamp: message.createdAt.getTime(),
          system: message.senderId === SYSTEM_SENDER,
        },
      );
    } catch (err) {
      if (isCoralError(err) && (err.code === 'thread_closed' || err.code === 'thread_not_found')) {
        // The agent or a job closed the thread on the bus; storage already has the message.
        throw new GatewayError('GW_ERR_THREAD_CLOSED');
      }
      throw err;
    }
  }

  /** Follows the stored messages of a thread (see MessageHub); returns the unsubscribe. */
  subscribe(threadId: string, listener: (m: StoredMessage) => void): () => void {
    return this.options.hub.subscribe(threadId, listener);
  }

  /**
   * Calls `fn` with the close summary when the thread closes on this task's buses (player,
   * agent, lifecycle job or reconciliation); returns the unsubscribe.
   */
  onClosed(threadId: string, fn: (summary: string) => void): () => void {
    return this.closings.subscribe(threadId, fn);
  }

  /** Stops the timer that forgets closed threads (shutdown). */
  stop(): void {
    if (this.forgetTimer) clearTimeout(this.forgetTimer);
    this.forgetTimer = undefined;
  }

  /**
   * Closes an open thread on its bus; false when it is not there or already closed. `stored`:
   * the database already has it closed (a player's close, a close announced by the database), so
   * the bus's close event need not record it again.
   */
  closeOnBus(pool: string, threadId: string, summary: string, stored = false): boolean {
    if (!this.options.pools.hasPool(pool)) return false;
    const bus = this.options.pools.bus(pool);
    const header = bus.threadHeader(threadId);
    if (!header || header.isClosed) return false;
    // The bus emits its close event synchronously, inside closeThread.
    this.closingStored = stored ? threadId : undefined;
    try {
      bus.closeThread(threadId, summary);
    } finally {
      this.closingStored = undefined;
    }
    return true;
  }

  /**
   * Closes threads on this task's buses that the database (a lifecycle job on any task) has
   * closed; returns how many were open here. Agents stop waiting on them.
   */
  closeLocalThreads(threadIds: readonly string[], summary: string): number {
    let n = 0;
    for (const id of threadIds) {
      const known = this.options.threads.get(id);
      if (known) {
        if (this.closeOnBus(known.pool, id, summary, true)) n += 1;
        continue;
      }
      for (const bus of this.options.pools.allBuses()) {
        if (bus.hasThread(id) && this.closeOnBus(bus.poolId, id, summary, true)) n += 1;
      }
    }
    return n;
  }

  /**
   * Closes the threads on this task's buses and counts those held here, whether this call or the
   * job's own announcement (which may arrive first) closed them: a stable answer for the job.
   */
  closeHeldThreads(threadIds: readonly string[], summary: string): number {
    this.closeLocalThreads(threadIds, summary);
    const buses = this.options.pools.allBuses();
    return threadIds.filter((id) => buses.some((bus) => bus.hasThread(id))).length;
  }

  /** Ids of the player threads open on this task's buses: O(threads held), not ever seen. */
  openPlayerThreadIds(): string[] {
    return this.options.threads.openIds();
  }

  private onBusEvent(event: PoolBusEvent): void {
    if (event.type !== 'thread_closed') return;
    this.closings.deliver(event.threadId, event.summary);
    this.forgetLater(event.poolId, event.threadId);
    if (!this.options.threads.markClosed(event.threadId)) return;
    this.options.latency.forget(event.threadId);
    if (this.closingStored === event.threadId) return;
    // An agent may close a player's thread (coral_close_thread); storage follows the bus.
    this.options.store
      .closeThread(event.threadId, 'agent_closed')
      .catch((err: unknown) =>
        this.options.log.warn(
          { err, threadId: event.threadId },
          'could not record a thread closed on the bus',
        ),
      );
  }

  /** Forgets a closed thread after the grace: off its bus, the registry and the reply clock. */
  private forgetLater(pool: string, threadId: string): void {
    this.forgetting.push({ pool, threadId, at: Date.now() + this.options.closedGraceMs });
    this.armForgetTimer();
  }

  private armForgetTimer(): void {
    const next = this.forgetting[this.forgetHead];
    if (this.forgetTimer || !next) return;
    this.forgetTimer = setTimeout(
      () => {
        this.forgetTimer = undefined;
        this.forgetDue();
      },
      Math.max(0, next.at - Date.now()),
    );
    this.forgetTimer.unref();
  }

  private forgetDue(now = Date.now()): void {
    const { pools, threads, latency } = this.options;
    for (;;) {
      const due = this.forgetting[this.forgetHead];
      if (!due || due.at > now) break;
      this.forgetHead += 1;
      if (pools.hasPool(due.pool)) {
        const bus = pools.bus(due.pool);
        // Only a thread that is still closed: nothing reopens one, but a rebuild may have
        // replaced it meanwhile.
        if (bus.threadHeader(due.threadId)?.isClosed) bus.forgetThread(due.threadId);
      }
      if (threads.get(due.threadId)?.closed) threads.forget(due.threadId);
      latency.forget(due.threadId);
    }
    if (this.forgetHead > 1024 && this.forgetHead * 2 > this.forgetting.length) {
      this.forgetting = this.forgetting.slice(this.forgetHead);
      this.forgetHead = 0;
    }
    this.armForgetTimer();
  }
}
