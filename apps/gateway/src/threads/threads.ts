import type { Counter } from 'prom-client';
import { GatewayError } from '../errors';
import type { PoolManager } from '../shared/pools';
import { toWire, type WireMessage } from '../shared/messages';
import type { Store, ThreadRow } from '../shared/store';
import type { ThreadBus } from '../thread-bus/thread-bus';
import { ownedThread } from '../shared/owned-thread';

export interface ThreadsOptions {
  store: Pick<
    Store,
    | 'admitThreadForWallet'
    | 'getThread'
    | 'listThreads'
    | 'closeThread'
    | 'appendMessage'
    | 'listMessages'
    | 'seqOf'
  >;
  threadBus: ThreadBus;
  /** This task's buses: a pool's live load counts even where the database has no rows for it. */
  pools: Pick<PoolManager, 'status' | 'poolIds'>;
  requiredAgents: readonly string[];
  /** Open threads a wallet may hold at once (MAX_OPEN_THREADS_PER_WALLET). */
  maxOpenThreadsPerWallet: number;
  /** Open threads a pool may hold (POOL_CAPACITY). */
  poolCapacity: number;
  messages: Counter<'pool' | 'sender'>;
}

/** Messages per history page: `limit` defaults to this and may not exceed the maximum. */
export const HISTORY_DEFAULT_LIMIT = 100;
export const HISTORY_MAX_LIMIT = 500;

export interface ThreadSummary {
  threadId: string;
  agentId: string;
  pool: string;
  createdAt: string;
  closedAt: string | null;
}

/** Retry-After of a thread refused on a full pool (as for a session, sessions/admission.ts). */
const CAPACITY_RETRY_AFTER_S = 30;

/**
 * A player's threads and messages: create, list, post (persist first, then deliver to the
 * agent), read the history, close. Streams are in ../streams.
 */
export class Threads {
  constructor(private readonly options: ThreadsOptions) {}

  async create(
    wallet: string,
    agentId: string,
  ): Promise<{ threadId: string; agentId: string; pool: string }> {
    const { store, threadBus } = this.options;
    if (!this.options.requiredAgents.includes(agentId)) {
      throw new GatewayError('GW_ERR_UNKNOWN_AGENT', `No agent ${agentId}.`);
    }
    // Admission is counted where the thread is taken: per wallet and per pool, atomically, in
    // the wallet's active session on a pool of this task (found in the same transaction).
    const admission = await store.admitThreadForWallet(wallet, agentId, {
      pools: this.options.pools.poolIds,
      maxOpenPerWallet: this.options.maxOpenThreadsPerWallet,
      poolCapacity: this.options.poolCapacity,
      poolLoadAtLeast: (pool) => this.options.pools.status(pool).activeThreads,
    });
    if (!admission.admitted) {
      if (admission.reason === 'no_session') throw new GatewayError('GW_ERR_NO_SESSION');
      if (admission.reason === 'wallet_limit') {
        throw new GatewayError(
          'GW_ERR_TOO_MANY_THREADS',
          `This wallet has ${admission.open} open threads, the most allowed (${admission.limit}); close one with DELETE /api/threads/:id first.`,
        );
      }
      throw new GatewayError(
        'GW_ERR_CAPACITY_EXHAUSTED',
        `Pool ${admission.pool} is full (${admission.load}/${admission.capacity} threads); try again shortly.`,
        { retryAfterS: CAPACITY_RETRY_AFTER_S },
      );
    }
    const thread = admission.thread;
    threadBus.open(thread);
    return { threadId: thread.id, agentId: thread.agentId, pool: thread.pool };
  }

  async list(wallet: string): Promise<ThreadSummary[]> {
    const rows = await this.options.store.listThreads(wallet);
    return rows.map((t) => ({
      threadId: t.id,
      agentId: t.agentId,
      pool: t.pool,
      createdAt: t.createdAt.toISOString(),
      closedAt: t.closedAt ? t.closedAt.toISOString() : null,
    }));
  }

  async post(
    wallet: string,
    threadId: string,
    input: { content: string; clientMessageId: string },
  ): Promise<{ messageId: string }> {
    const { store, threadBus } = this.options;
    // Hot path: a thread this task already holds open for this wallet needs no ownership query
    // (a close elsewhere still refuses the append in the database).
    let target = threadBus.heldOpen(threadId, wallet);
    let thread: ThreadRow | undefined;
    if (!target) {
      thread = await ownedThread(store, wallet, threadId);
      if (thread.closedAt || thread.sessionEnded || !threadBus.hostsPool(thread.pool)) {
        throw new GatewayError('GW_ERR_THREAD_CLOSED');
      }
      target = { pool: thread.pool, agentId: thread.agentId };
    }
    const { message, created } = await store.appendMessage({
      threadId,
      senderId: wallet,
      content: input.content,
      mentions: [target.agentId],
      clientMessageId: input.clientMessageId,
    });
    if (created) {
      this.options.messages.inc({ pool: target.pool, sender: 'player' });
      threadBus.playerMessageStored(message);
    } else if (!sameMessage(message, { content: input.content, mentions: [target.agentId] })) {
      // A retry must repeat its message; another message under the same key is not stored.
      throw new GatewayError('GW_ERR_IDEMPOTENCY_CONFLICT');
    }
    // Persisted: from here on the message survives anything. Now deliver it to the agent.
    if (thread) await threadBus.ensureOnBus(thread);
    await threadBus.deliverPlayerMessage(target.pool, message);
    return { messageId: message.id };
  }

  /**
   * One page of a thread's history after `after` (oldest first), at most `limit` messages, and
   * the cursor of the next page (`nextAfter`, null when this page is the last).
   */
  async history(
    wallet: string,
    threadId: string,
    after: string | undefined,
    limit: number,
  ): Promise<{ messages: WireMessage[]; nextAfter: string | null }> {
    const { store } = this.options;
    await ownedThread(store, wallet, threadId);
    let afterSeq = 0;
    if (after !== undefined) {
      const seq = store.seqOf(threadId, after);
      if (seq === undefined) {
        throw new GatewayError('GW_ERR_BAD_REQUEST', 'after is not a message of this thread.');
      }
      afterSeq = seq;
    }
    // One more than asked says whether a next page exists without a second query.
    const rows = await store.listMessages(threadId, afterSeq, limit + 1);
    const page = rows.slice(0, limit);
    const more = rows.length > limit;
    return { messages: page.map(toWire), nextAfter: more ? (page.at(-1)?.id ?? null) : null };
  }

  async close(wallet: string, threadId: string): Promise<void> {
    const { store, threadBus } = this.options;
    // A thread this task holds open for this wallet is the wallet's: no ownership query (the
    // close itself is conditional in the database, so a close elsewhere meanwhile is harmless).
    const held = threadBus.heldOpen(threadId, wallet);
    const thread = held ?? (await ownedThread(store, wallet, threadId));
    if (held || !(thread as ThreadRow).closedAt) await store.closeThread(threadId, 'player_closed');
    threadBus.closeOnBus(thread.pool, threadId, 'Closed by the player.', true);
  }
}

/** A stored message and a retry of it: the same content and the same mentions. */
function sameMessage(
  stored: { content: string; mentions: readonly string[] },
  retry: { content: string; mentions: readonly string[] },
): boolean {
  return (
    stored.content === retry.content &&
    stored.mentions.length === retry.mentions.length &&
    stored.mentions.every((m, i) => m === retry.mentions[i])
  );
}
