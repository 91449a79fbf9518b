import { createHash } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import {
  isCoralError,
  type MessageDraft,
  type PersistedMessageRef,
  type PoolBusEvent,
} from '@pardon/coral';
import {
  classifyPoolHealth,
  orphanReason,
  summarizePoolHealth,
  type LifecycleSettings,
} from '@pardon/lifecycle';
import { assignPool, createHashRing, type HashRing } from '@pardon/pooling';
import type { FastifyBaseLogger } from 'fastify';
import type { GatewayConfig } from '../config';
import { GatewayError } from '../errors';
import type { GatewayMetrics } from '../plugins/metrics';
import { MessageHub, toWire, type StoredMessage, type WireMessage } from './messages';
import { PoolManager, type PoolStatus } from './pools';
import { SseWriter } from './sse';
import type { Store, ThreadRow } from './store';
import { issueToken } from './tokens';
import { isWalletAddress, newNonce, signInMessage, verifyWalletSignature } from './wallet';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const CAPACITY_RETRY_AFTER_S = 30;
const NOT_READY_RETRY_AFTER_S = 5;
const CLEANUP_BATCH = 500;
const REPLAY_PAGE = 500;

export interface CoreOptions {
  config: GatewayConfig;
  store: Store;
  metrics: GatewayMetrics;
  log: FastifyBaseLogger;
  lifecycle: LifecycleSettings;
}

export interface PreparedStream {
  start(res: ServerResponse): Promise<void>;
}

/** A hint that a thread has messages up to `seq` (from another task); streams fetch them. */
interface SeqHint {
  threadId: string;
  seq: number;
}

/**
 * The gateway's behaviour behind the HTTP routes: sign-in, sessions on pools, player threads on
 * the pool buses with persist-before-deliver in both directions, event streams, thread rebuild
 * from the database, and the lifecycle jobs for this task. Routes only translate HTTP.
 */
export class GatewayCore {
  readonly pools: PoolManager;
  readonly hub = new MessageHub();
  private readonly ring: HashRing;
  private readonly config: GatewayConfig;
  private readonly store: Store;
  private readonly log: FastifyBaseLogger;
  /** DB-backed (player) threads on this task's buses, by id → pool and player-side facts. */
  private readonly playerThreads = new Map<
    string,
    { pool: string; wallet: string; agentId: string; closed: boolean }
  >();
  private readonly rebuilding = new Map<string, Promise<void>>();
  /** Time of the oldest unanswered player message per thread, for the reply-latency histogram. */
  private readonly awaitingReply = new Map<string, number>();
  private readonly streams = new Set<SseWriter>();
  private readonly streamsPerThread = new Map<string, number>();
  private readonly hints = new Map<string, Set<(h: SeqHint) => void>>();

  constructor(private readonly options: CoreOptions) {
    this.config = options.config;
    this.store = options.store;
    this.log = options.log;
    const poolIds = Array.from({ length: this.config.poolCount }, (_, i) => `pool-${i}`);
    this.ring = createHashRing(poolIds);
    this.pools = new PoolManager({
      poolIds,
      requiredAgents: this.config.requiredAgents,
      capacity: this.config.poolCapacity,
      beforeSend: (draft) => this.persistAgentMessage(draft),
      onEvent: (event) => this.onBusEvent(event),
      log: this.log,
    });
  }

  // ---- sign-in ---------------------------------------------------------------------------

  async issueNonce(wallet: string): Promise<{ nonce: string; message: string; expiresAt: Date }> {
    requireWallet(wallet);
    const nonce = newNonce();
    const expiresAt = new Date(Date.now() + this.config.nonceTtlS * 1000);
    const message = signInMessage(wallet, nonce, expiresAt);
    await this.store.createNonce({ nonce, wallet, message, expiresAt });
    return { nonce, message, expiresAt };
  }

  async verifySignIn(
    wallet: string,
    nonce: string,
    signature: string,
  ): Promise<{ token: string; expiresAt: Date }> {
    requireWallet(wallet);
    const now = new Date();
    const row = await this.store.findNonce(nonce);
    if (!row || row.wallet !== wallet || row.usedAt !== null || row.expiresAt <= now) {
      throw new GatewayError('GW_ERR_BAD_NONCE');
    }
    // The signature is checked before the nonce is spent, so a bad attempt changes nothing.
    if (!verifyWalletSignature(wallet, row.message, signature)) {
      throw new GatewayError('GW_ERR_BAD_SIGNATURE');
    }
    if (!(await this.store.consumeNonce(nonce, wallet, now))) {
      throw new GatewayError('GW_ERR_BAD_NONCE');
    }
    await this.store.upsertUser(wallet);
    return issueToken(this.config.tokenSecret, wallet, this.config.tokenTtlS);
  }

  // ---- sessions and threads ----------------------------------------------------------------

  async openSession(
    wallet: string,
  ): Promise<{ sessionId: string; pool: string; agents: string[] }> {
    const agents = [...this.config.requiredAgents];
    const active = await this.store.findActiveSession(wallet);
    if (active && this.pools.hasPool(active.pool)) {
      this.requireReady(active.pool);
      return { sessionId: active.id, pool: active.pool, agents };
    }
    const counts = await this.store.activeCounts(this.config.taskId);
    // Threads living on this task's buses count too (rebuilt threads of other tasks' sessions).
    const loads: Record<string, number> = {};
    for (const s of this.pools.statuses()) {
      loads[s.pool] = Math.max(counts[s.pool]?.threads ?? 0, s.activeThreads);
    }
    const assignment = assignPool(this.ring, wallet, {
      loads,
      capacityPerPool: this.config.poolCapacity,
    });
    if (assignment.kind === 'full') {
      throw new GatewayError('GW_ERR_CAPACITY_EXHAUSTED', undefined, {
        retryAfterS: CAPACITY_RETRY_AFTER_S,
      });
    }
    this.requireReady(assignment.pool);
    const session = await this.store.openSession(wallet, assignment.pool, this.config.taskId);
    return { sessionId: session.id, pool: session.pool, agents };
  }

  private requireReady(pool: string): void {
    const missing = this.pools.bus(pool).missingAgents(this.config.requiredAgents);
    if (missing.length > 0) {
      throw new GatewayError(
        'GW_ERR_SESSION_NOT_READY',
        `Pool ${pool} is missing agents: ${missing.join(', ')}.`,
        { retryAfterS: NOT_READY_RETRY_AFTER_S, details: { pool, missingAgents: missing } },
      );
    }
  }

  async createThread(
    wallet: string,
    agentId: string,
  ): Promise<{ threadId: string; agentId: string; pool: string }> {
    if (!this.config.requiredAgents.includes(agentId)) {
      throw new GatewayError('GW_ERR_UNKNOWN_AGENT', `No agent ${agentId}.`);
    }
    const session = await this.store.findActiveSession(wallet);
    if (!session || !this.pools.hasPool(session.pool)) throw new GatewayError('GW_ERR_NO_SESSION');
    const thread = await this.store.createThread(session.id, agentId);
    this.playerThreads.set(thread.id, { pool: thread.pool, wallet, agentId, closed: false });
    this.pools.bus(thread.pool).createThread({
      id: thread.id,
      name: threadName(wallet, agentId),
      creatorId: wallet,
      participantIds: [agentId],
    });
    return { threadId: thread.id, agentId: thread.agentId, pool: thread.pool };
  }

  async listThreads(wallet: string): Promise<
    Array<{
      threadId: string;
      agentId: string;
      pool: string;
      createdAt: string;
      closedAt: string | null;
    }>
  > {
    const rows = await this.store.listThreads(wallet);
    return rows.map((t) => ({
      threadId: t.id,
      agentId: t.agentId,
      pool: t.pool,
      createdAt: t.createdAt.toISOString(),
      closedAt: t.closedAt ? t.closedAt.toISOString() : null,
    }));
  }

  /** The wallet's thread, or 404 — also for another wallet's thread, which must not be revealed. */
  private async ownedThread(wallet: string, threadId: string): Promise<ThreadRow> {
    if (!UUID.test(threadId)) throw new GatewayError('GW_ERR_THREAD_NOT_FOUND');
    const thread = await this.store.getThread(threadId);
    if (!thread || thread.wallet !== wallet) throw new GatewayError('GW_ERR_THREAD_NOT_FOUND');
    return thread;
  }

  async postMessage(
    wallet: string,
    threadId: string,
    input: { content: string; clientMessageId: string },
  ): Promise<{ messageId: string }> {
    // Hot path: a thread this task already holds open for this wallet needs no ownership query
    // (a close elsewhere still refuses the append in the database).
    const known = this.playerThreads.get(threadId);
    let target: { pool: string; agentId: string; row?: ThreadRow };
    if (known && !known.closed && known.wallet === wallet) {
      target = { pool: known.pool, agentId: known.agentId };
    } else {
      const thread = await this.ownedThread(wallet, threadId);
      if (thread.closedAt || thread.sessionEnded) throw new GatewayError('GW_ERR_THREAD_CLOSED');
      if (!this.pools.hasPool(thread.pool)) throw new GatewayError('GW_ERR_THREAD_CLOSED');
      target = { pool: thread.pool, agentId: thread.agentId, row: thread };
    }
    const { message, created } = await this.store.appendMessage({
      threadId,
      senderId: wallet,
      content: input.content,
      mentions: [target.agentId],
      clientMessageId: input.clientMessageId,
    });
    if (created) {
      this.options.metrics.messages.inc({ pool: target.pool, sender: 'player' });
      this.published(message);
      if (!this.awaitingReply.has(threadId)) this.awaitingReply.set(threadId, Date.now());
    }
    // Persisted: from here on the message survives anything. Now deliver it to the agent.
    if (target.row) await this.ensureOnBus(target.row);
    await this.deliverPlayerMessage(target.pool, message);
    return { messageId: message.id };
  }

  private async deliverPlayerMessage(pool: string, message: StoredMessage): Promise<void> {
    try {
      // Same id as stored: the bus ignores a message it already holds (retries, rebuilds).
      await this.pools.bus(pool).sendMessage(
        {
          threadId: message.threadId,
          senderId: message.senderId,
          content: message.content,
          mentions: message.mentions,
        },
        { id: message.id, timestamp: message.createdAt.getTime() },
      );
    } catch (err) {
      if (isCoralError(err) && (err.code === 'thread_closed' || err.code === 'thread_not_found')) {
        // The agent or a job closed the thread on the bus; storage already has the message.
        throw new GatewayError('GW_ERR_THREAD_CLOSED');
      }
      throw err;
    }
  }

  async history(wallet: string, threadId: string, after?: string): Promise<WireMessage[]> {
    await this.ownedThread(wallet, threadId);
    let afterSeq = 0;
    if (after !== undefined) {
      const seq = this.store.seqOf(threadId, after);
      if (seq === undefined) {
        throw new GatewayError('GW_ERR_BAD_REQUEST', 'after is not a message of this thread.');
      }
      afterSeq = seq;
    }
    const out: WireMessage[] = [];
    for (;;) {
      const page = await this.store.listMessages(threadId, afterSeq, REPLAY_PAGE);
      out.push(...page.map(toWire));
      const last = page.at(-1);
      if (!last || page.length < REPLAY_PAGE) return out;
      afterSeq = last.seq;
    }
  }

  async closeThread(wallet: string, threadId: string): Promise<void> {
    const thread = await this.ownedThread(wallet, threadId);
    if (!thread.closedAt) await this.store.closeThread(threadId, 'player_closed');
    this.closeOnBus(thread.pool, threadId, 'Closed by the player.');
  }

  // ---- event streams -------------------------------------------------------------------------

  /**
   * Checks ownership and limits (so they still answer as JSON), then returns the stream starter.
   * The stream subscribes to live messages first, replays the database after `Last-Event-ID`,
   * then goes live, emitting each seq once and in order: a seq that skips ahead (a reply
   * persisted by another task, or two appends finishing out of order) is filled from the
   * database, so a reconnecting client sees no gap and no duplicate.
   */
  async prepareStream(
    wallet: string,
    threadId: string,
    lastEventId?: string,
  ): Promise<PreparedStream> {
    const thread = await this.ownedThread(wallet, threadId);
    if ((this.streamsPerThread.get(threadId) ?? 0) >= this.config.sseConnectionsPerThread) {
      throw new GatewayError(
        'GW_ERR_TOO_MANY_STREAMS',
        `At most ${this.config.sseConnectionsPerThread} event streams per thread.`,
        { retryAfterS: 5 },
      );
    }
    // An id that names no message of this thread replays from the start.
    let lastSeq = lastEventId === undefined ? 0 : (this.store.seqOf(threadId, lastEventId) ?? 0);
    if (!thread.closedAt && !thread.sessionEnded && this.pools.hasPool(thread.pool)) {
      await this.ensureOnBus(thread);
    }
    this.streamsPerThread.set(threadId, (this.streamsPerThread.get(threadId) ?? 0) + 1);
    let counted = true;
    const release = () => {
      if (!counted) return;
      counted = false;
      const n = (this.streamsPerThread.get(threadId) ?? 1) - 1;
      if (n <= 0) this.streamsPerThread.delete(threadId);
      else this.streamsPerThread.set(threadId, n);
    };

    return {
      start: async (res) => {
        const writer = new SseWriter(res, this.config.sseHeartbeatMs);
        this.streams.add(writer);
        this.options.metrics.sseStreams.inc();
        let chain = Promise.resolve();
        let replayed = false;
        const backlog: Array<StoredMessage | SeqHint> = [];

        const fill = async (upTo: number) => {
          while (!writer.isClosed && lastSeq < upTo) {
            const page = await this.store.listMessages(threadId, lastSeq, REPLAY_PAGE);
            if (page.length === 0) return;
            for (const m of page) emit(m);
          }
        };
        const emit = (m: StoredMessage) => {
          if (m.seq <= lastSeq) return;
          writer.event(m.id, toWire(m));
          lastSeq = m.seq;
        };
        const handle = (item: StoredMessage | SeqHint) => {
          chain = chain
            .then(async () => {
              if (writer.isClosed || item.seq <= lastSeq) return;
              if ('id' in item && item.seq === lastSeq + 1) emit(item);
              else await fill(item.seq);
            })
            .catch((err: unknown) => {
              this.log.warn({ err, threadId }, 'event stream could not catch up; closing it');
              writer.close();
            });
        };
        const onItem = (item: StoredMessage | SeqHint) => {
          if (replayed) handle(item);
          else backlog.push(item);
        };
        const unsubscribe = this.hub.subscribe(threadId, onItem);
        const unhint = this.onHint(threadId, onItem);
        writer.onClose(() => {
          unsubscribe();
          unhint();
          release();
          this.streams.delete(writer);
          this.options.metrics.sseStreams.dec();
        });
        try {
          await fill(Number.MAX_SAFE_INTEGER);
        } catch (err) {
          this.log.warn({ err, threadId }, 'event stream replay failed');
          writer.close();
          return;
        }
        replayed = true;
        for (const item of backlog.splice(0)) handle(item);
      },
    };
  }

  private onHint(threadId: string, fn: (h: SeqHint) => void): () => void {
    let set = this.hints.get(threadId);
    if (!set) {
      set = new Set();
      this.hints.set(threadId, set);
    }
    set.add(fn);
    return () => {
      const s = this.hints.get(threadId);
      s?.delete(fn);
      if (s && s.size === 0) this.hints.delete(threadId);
    };
  }

  /** Another task persisted message `seq` of `threadId` (from PostgreSQL NOTIFY). */
  remoteMessage(threadId: string, seq: number): void {
    const set = this.hints.get(threadId);
    if (!set) return;
    for (const fn of [...set]) fn({ threadId, seq });
  }

  /** True when some stream of this task follows the thread (so a NOTIFY is worth handling). */
  isFollowed(threadId: string): boolean {
    return this.hints.has(threadId);
  }

  private published(message: StoredMessage): void {
    // Other tasks hear of it from the append itself (libs/db `announceAs`).
    this.hub.publish(message);
  }

  // ---- the bus side ----------------------------------------------------------------------------

  /**
   * Makes sure a player thread is on its pool's bus, rebuilding it from the database when this
   * task has not seen it (restart, or the player reached another task). The bus's default read
   * positions deliver a trailing unanswered player message to the agent again, once.
   */
  async ensureOnBus(thread: ThreadRow): Promise<void> {
    const bus = this.pools.bus(thread.pool);
    if (bus.hasThread(thread.id)) {
      if (!this.playerThreads.has(thread.id)) {
        this.playerThreads.set(thread.id, {
          pool: thread.pool,
          wallet: thread.wallet,
          agentId: thread.agentId,
          closed: bus.getThread(thread.id)?.isClosed ?? true,
        });
      }
      return;
    }
    let pending = this.rebuilding.get(thread.id);
    if (!pending) {
      pending = this.rebuild(thread).finally(() => this.rebuilding.delete(thread.id));
      this.rebuilding.set(thread.id, pending);
    }
    await pending;
  }

  private async rebuild(thread: ThreadRow): Promise<void> {
    const bus = this.pools.bus(thread.pool);
    const messages: StoredMessage[] = [];
    let after = 0;
    for (;;) {
      const page = await this.store.listMessages(thread.id, after, REPLAY_PAGE);
      messages.push(...page);
      const last = page.at(-1);
      if (!last || page.length < REPLAY_PAGE) break;
      after = last.seq;
    }
    const participants = new Set([thread.agentId]);
    for (const m of messages) if (m.senderId !== thread.wallet) participants.add(m.senderId);
    this.playerThreads.set(thread.id, {
      pool: thread.pool,
      wallet: thread.wallet,
      agentId: thread.agentId,
      closed: thread.closedAt !== null || thread.sessionEnded,
    });
    const { created } = bus.materializeThread({
      id: thread.id,
      name: threadName(thread.wallet, thread.agentId),
      creatorId: thread.wallet,
      participantIds: [...participants],
      messages: messages.map((m) => ({
        id: m.id,
        senderId: m.senderId,
        content: m.content,
        timestamp: m.createdAt.getTime(),
        mentions: m.mentions,
      })),
      isClosed: thread.closedAt !== null || thread.sessionEnded,
    });
    if (created && messages.length > 0) {
      this.log.info(
        { threadId: thread.id, pool: thread.pool, messages: messages.length },
        'thread rebuilt from the database',
      );
    }
  }

  /** The bus's persist-before-deliver hook: agent messages in player threads are stored first. */
  private async persistAgentMessage(draft: MessageDraft): Promise<PersistedMessageRef> {
    const player = this.playerThreads.get(draft.threadId);
    if (!player) {
      // Agent-only threads have no row to belong to; they live on the bus alone.
      return { id: crypto.randomUUID(), timestamp: Date.now() };
    }
    const { message, created } = await this.store.appendMessage({
      threadId: draft.threadId,
      senderId: draft.senderId,
      content: draft.content,
      mentions: draft.mentions,
      clientMessageId: this.agentReplyKey(draft),
    });
    // An existing row is the earlier attempt that committed although it reported a failure: it
    // was never published (streams emit each seq once, so publishing it now is safe).
    if (created) this.options.metrics.messages.inc({ pool: draft.poolId, sender: 'agent' });
    const since = this.awaitingReply.get(draft.threadId);
    if (since !== undefined) {
      this.awaitingReply.delete(draft.threadId);
      this.options.metrics.replyLatency.observe(
        { pool: draft.poolId, agent: draft.senderId },
        (Date.now() - since) / 1000,
      );
    }
    this.published(message);
    return { id: message.id, timestamp: message.createdAt.getTime() };
  }

  /**
   * Idempotency key of an agent message. Agents retry a reply refused with `persist_failed`, and
   * the data layer retries an append whose connection dropped; either can follow an attempt that
   * committed but whose answer was lost, which would store the reply twice. A failed attempt
   * leaves the bus unchanged, so the sender's last message on the bus is the same for every
   * attempt of one reply and moves on once it is stored: with the content and mentions it names
   * the reply (a different message sent meanwhile has a different key). Two different messages
   * with the same content sent concurrently would share that key, which is why agents that can
   * send `idempotencyKey` (ours) do.
   */
  private agentReplyKey(draft: MessageDraft): string {
    // Our agents name each message and reuse the name on its retries: exact, whatever the bus
    // holds meanwhile. Coral agents do not; for them the key is derived as described above.
    if (draft.idempotencyKey !== undefined) {
      return `agent:${draft.senderId}:${draft.idempotencyKey}`;
    }
    const messages = this.pools.hasPool(draft.poolId)
      ? (this.pools.bus(draft.poolId).getThread(draft.threadId)?.messages ?? [])
      : [];
    let previous = '';
    for (let i = messages.length - 1; i >= 0; i -= 1) {
      const m = messages[i];
      if (m?.senderId === draft.senderId) {
        previous = m.id;
        break;
      }
    }
    const digest = createHash('sha256')
      .update(JSON.stringify([draft.senderId, previous, draft.mentions, draft.content]))
      .digest('base64url');
    return `agent:${digest}`;
  }

  private onBusEvent(event: PoolBusEvent): void {
    const known =
      event.type === 'thread_closed' ? this.playerThreads.get(event.threadId) : undefined;
    if (event.type === 'thread_closed' && known) {
      known.closed = true;
      this.awaitingReply.delete(event.threadId);
      // An agent may close a player's thread (coral_close_thread); storage follows the bus.
      this.store
        .closeThread(event.threadId, 'agent_closed')
        .catch((err: unknown) =>
          this.log.warn(
            { err, threadId: event.threadId },
            'could not record a thread closed on the bus',
          ),
        );
    }
  }

  private closeOnBus(pool: string, threadId: string, summary: string): boolean {
    if (!this.pools.hasPool(pool)) return false;
    const bus = this.pools.bus(pool);
    const t = bus.getThread(threadId);
    if (!t || t.isClosed) return false;
    bus.closeThread(threadId, summary);
    return true;
  }

  // ---- operations ----------------------------------------------------------------------------

  poolStatuses(): PoolStatus[] {
    return this.pools.statuses();
  }

  async sessionCleanup(now = Date.now()): Promise<{
    expiredSessions: number;
    closedThreads: number;
    busThreadsClosed: number;
    notifications: number;
  }> {
    const r = await this.store.runSessionCleanup(now, this.options.lifecycle);
    const busThreadsClosed = this.closeHeldThreads(r.closedThreadIds, 'Session expired.');
    return {
      expiredSessions: r.expiredSessions,
      closedThreads: r.closedThreadIds.length,
      busThreadsClosed,
      notifications: r.notifications,
    };
  }

  async threadCleanup(now = Date.now()): Promise<{
    closedThreads: number;
    busThreadsClosed: number;
    orphansClosed: number;
    notifications: number;
  }> {
    const r = await this.store.runThreadCleanup(now, this.options.lifecycle);
    const busThreadsClosed = this.closeHeldThreads(r.closedThreadIds, 'Thread closed by cleanup.');
    const orphansClosed = await this.sweepOrphans(now);
    return {
      closedThreads: r.closedThreadIds.length,
      busThreadsClosed,
      orphansClosed,
      notifications: r.notifications,
    };
  }

  /**
   * Sweeps this task's buses for open threads the database has closed meanwhile, or has no row
   * for at all (the orphan rule); returns how many were closed. Run by thread-cleanup here and on
   * a fleet-wide sweep request.
   */
  async sweepOrphans(now = Date.now()): Promise<number> {
    let orphansClosed = 0;
    for (const bus of this.pools.allBuses()) {
      const open = bus.listThreads().filter((t) => !t.isClosed);
      for (let i = 0; i < open.length; i += CLEANUP_BATCH) {
        const batch = open.slice(i, i + CLEANUP_BATCH).map((t) => t.id);
        const found = await this.store.findClosedOrMissing(batch);
        for (const id of found.missing) {
          const reason = orphanReason(
            { hasDbRow: false, hasLiveSession: false, lastActivityAt: now },
            now,
            this.options.lifecycle,
          );
          if (this.closeOnBus(bus.poolId, id, `Orphaned thread closed (${reason}).`)) {
            orphansClosed += 1;
          }
        }
        for (const id of found.closed) {
          if (this.closeOnBus(bus.poolId, id, 'Thread closed in the database.')) orphansClosed += 1;
        }
      }
    }
    return orphansClosed;
  }

  /**
   * Closes threads on this task's buses that the database (a lifecycle job on any task) has
   * closed; returns how many were open here. Agents stop waiting on them.
   */
  closeLocalThreads(threadIds: readonly string[], summary: string): number {
    let n = 0;
    for (const id of threadIds) {
      const known = this.playerThreads.get(id);
      if (known) {
        if (this.closeOnBus(known.pool, id, summary)) n += 1;
        continue;
      }
      for (const bus of this.pools.allBuses()) {
        if (bus.hasThread(id) && this.closeOnBus(bus.poolId, id, summary)) n += 1;
      }
    }
    return n;
  }

  /**
   * Closes the threads on this task's buses and counts those held here, whether this call or the
   * job's own announcement (which may arrive first) closed them: a stable answer for the job.
   */
  private closeHeldThreads(threadIds: readonly string[], summary: string): number {
    this.closeLocalThreads(threadIds, summary);
    return threadIds.filter((id) => this.pools.allBuses().some((bus) => bus.hasThread(id))).length;
  }

  /**
   * The fallback for missed lifecycle notifications: closes player threads open on this task's
   * buses that the database has closed. Run after (re)connecting the listener and periodically.
   */
  async reconcile(): Promise<number> {
    const open: string[] = [];
    for (const bus of this.pools.allBuses()) {
      for (const t of bus.listThreads())
        if (!t.isClosed && this.playerThreads.has(t.id)) open.push(t.id);
    }
    let closed = 0;
    for (let i = 0; i < open.length; i += CLEANUP_BATCH) {
      const found = await this.store.findClosedOrMissing(open.slice(i, i + CLEANUP_BATCH));
      closed += this.closeLocalThreads(found.closed, 'Thread closed in the database.');
    }
    return closed;
  }

  async poolHealth(now = Date.now()): Promise<{
    pools: Array<PoolStatus & { status: string; activeSessions: number }>;
    summary: ReturnType<typeof summarizePoolHealth>;
    snapshots: number;
  }> {
    const counts = await this.store.activeCounts(this.config.taskId);
    const pools = this.poolStatuses().map((p) => {
      const h = classifyPoolHealth({
        requiredAgents: this.config.requiredAgents,
        connectedAgents: p.agentsConnected,
        activeThreads: p.activeThreads,
        capacity: p.capacity,
        threshold: this.options.lifecycle.poolLoadThreshold,
      });
      return { ...p, status: h.status, activeSessions: counts[p.pool]?.sessions ?? 0 };
    });
    const snapshots = await this.store.writePoolHealth(
      pools.map((p) => ({
        taskId: this.config.taskId,
        pool: p.pool,
        status: p.status,
        activeThreads: p.activeThreads,
        activeSessions: p.activeSessions,
        agentsConnected: p.agentsConnected.length,
        takenAt: new Date(now),
      })),
    );
    const summary = summarizePoolHealth(Object.fromEntries(pools.map((p) => [p.pool, p])));
    if (summary.noneHealthy) this.log.error({ summary }, 'no pool is healthy');
    else if (summary.unhealthyPools.length > 0) this.log.warn({ summary }, 'unhealthy pools');
    return { pools, summary, snapshots };
  }

  /** Ends every event stream and agent connection (shutdown). */
  async close(): Promise<void> {
    for (const w of [...this.streams]) w.close();
    await this.pools.close();
  }
}

function requireWallet(wallet: string): void {
  if (!isWalletAddress(wallet)) {
    throw new GatewayError('GW_ERR_VALIDATION', 'wallet is not a base58 ed25519 public key.');
  }
}

function threadName(wallet: string, agentId: string): string {
  return `${agentId} × ${wallet.slice(0, 8)}`;
}
