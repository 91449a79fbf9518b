import { randomUUID } from 'node:crypto';
import { CoralError } from './errors';
import { AgentPresence, type AgentConnection } from './agent-presence';

export type { AgentConnection } from './agent-presence';
import type { CoralAgentInfo, CoralMessage, CoralThread } from './model';
import { ReadCursors, type WaitRequest } from './read-cursors';
import { MAX_WAIT_FOR_MENTIONS_TIMEOUT_MS } from './tools';

/** A message the bus has validated and is about to append: what the gateway persists. */
export interface MessageDraft {
  poolId: string;
  threadId: string;
  threadName: string;
  senderId: string;
  content: string;
  mentions: string[];
  /** The sender's own name for this message, the same on every retry of it (when it gave one). */
  idempotencyKey?: string;
}

/** The identity the store gave a persisted message. */
export interface PersistedMessageRef {
  id: string;
  /** Epoch milliseconds. */
  timestamp: number;
}

/**
 * Persist-before-deliver hook: called for every message the bus mints itself (agent replies sent
 * through `coral_send_message`), after validation and before anything is appended, delivered or
 * acknowledged. A rejection fails the send (`persist_failed`) and changes nothing.
 */
export type BeforeSendHook = (draft: MessageDraft) => Promise<PersistedMessageRef>;

/** A thread without its messages, as carried by bus events. */
export interface CoralThreadHeader {
  id: string;
  name: string;
  creatorId: string;
  participants: string[];
  isClosed: boolean;
  summary: string | null;
}

/** What happened on a pool bus; observers get these synchronously, in order. */
export type PoolBusEvent =
  /** A connection opened; `connections` is how many the agent holds now. */
  | { type: 'agent_connected'; poolId: string; agentId: string; connections: number }
  | { type: 'agent_disconnected'; poolId: string; agentId: string; connections: number }
  | {
      type: 'thread_created';
      poolId: string;
      thread: CoralThreadHeader;
      /** True when rebuilt from storage by `materializeThread` (nothing new to persist). */
      materialized: boolean;
    }
  | { type: 'thread_closed'; poolId: string; threadId: string; summary: string }
  | { type: 'participant_added'; poolId: string; threadId: string; participantId: string }
  | { type: 'participant_removed'; poolId: string; threadId: string; participantId: string }
  | { type: 'message_sent'; poolId: string; message: CoralMessage };

export type PoolBusListener = (event: PoolBusEvent) => void;

/** How a `waitForMentions` call ended. */
export type WaitOutcome =
  | { kind: 'messages'; messages: CoralMessage[] }
  | { kind: 'timeout' }
  /** A newer wait of the same agent took over (Coral keeps one waiter per agent). */
  | { kind: 'replaced' }
  /** The caller's signal fired (request cancelled, its connection closed) or the bus closed. */
  | { kind: 'aborted' };

export interface PoolBusOptions {
  poolId: string;
  beforeSend?: BeforeSendHook;
  /** Clock in epoch ms; injected by tests. */
  now?: () => number;
  /** Id for threads and for messages when no `beforeSend` is configured. */
  generateId?: () => string;
  /** Called when an observer throws; observers never break the bus. */
  onListenerError?: (error: unknown, event: PoolBusEvent) => void;
  /** How long an agent with no open connection counts as present after its last call. */
  presenceGraceMs?: number;
}

/** `AGENT_PRESENCE_GRACE_MS` default: well above a per-call client's gap between two calls. */
export const DEFAULT_PRESENCE_GRACE_MS = 30_000;

export interface CreateThreadInput {
  /** Supplied when the thread was created in storage first (player threads). */
  id?: string;
  name: string;
  creatorId: string;
  /** The creator is always added. */
  participantIds: string[];
  /** Epoch ms; defaults to now. */
  createdAt?: number;
}

export interface MaterializeThreadInput {
  id: string;
  name: string;
  creatorId: string;
  participantIds: string[];
  /** History, oldest first. */
  messages: Array<Omit<CoralMessage, 'threadId' | 'threadName'>>;
  isClosed?: boolean;
  summary?: string | null;
  /**
   * Explicit read positions (number of messages consumed) per participant. Participants left out
   * get the default: everything up to and including their own last message counts as read, so an
   * answered message is not delivered again but a trailing unanswered mention is, once.
   */
  readPositions?: Record<string, number>;
  /** Epoch ms; default: the first message's time, else now. */
  createdAt?: number;
  closedAt?: number | null;
}

export interface SendMessageInput {
  threadId: string;
  senderId: string;
  content: string;
  mentions?: string[];
  /** Passed to `beforeSend`: the sender's name for this message, reused on its retries. */
  idempotencyKey?: string;
}

export interface SendMessageOptions {
  /**
   * Set when the caller persisted the message itself (player messages): the bus uses this id and
   * skips `beforeSend`. Re-sending an id already in the thread returns the stored message and
   * delivers nothing again.
   */
  id?: string;
  timestamp?: number;
  /**
   * The server's own voice on a thread (a verified payment, say): sent as `SYSTEM_SENDER`,
   * which is no participant. Only in-process callers can set it; agents' tools never do.
   */
  system?: boolean;
}

/** The sender id of the server's own messages on a thread (`SendMessageOptions.system`). */
export const SYSTEM_SENDER = 'system';

export interface PoolBusStats {
  poolId: string;
  connectedAgents: string[];
  openThreads: number;
  totalThreads: number;
  waitingAgents: string[];
}

interface ThreadState {
  id: string;
  name: string;
  creatorId: string;
  participants: Set<string>;
  messages: CoralMessage[];
  messagesById: Map<string, CoralMessage>;
  /** Each sender's newest message, kept as messages are appended (O(1) for reply keys). */
  lastBySender: Map<string, CoralMessage>;
  isClosed: boolean;
  summary: string | null;
  /** Epoch ms of creation and of closing (Coral 1.2 shows both). */
  createdAt: number;
  closedAt: number | null;
  cursors: ReadCursors;
}

interface Waiter {
  settle(outcome: WaitOutcome): void;
  /**
   * Delivers what the wait is after if `threadId` now holds it unread; returns whether it
   * settled. Only that thread is looked at: the wait parked because no other one held anything.
   */
  tryDeliver(threadId: string): boolean;
}

/** When a thread was created and closed (epoch ms), for dialects that show it. */
export interface ThreadTimes {
  createdAt: number;
  closedAt: number | null;
}

/**
 * The in-memory Coral session of one pool: connected agents, threads, messages, read positions and
 * the parked `coral_wait_for_mentions` calls, with Coral's rules. Everything is synchronous except
 * the persistence hook, so the state is consistent between awaits.
 */
export class PoolBus {
  readonly poolId: string;
  private readonly beforeSend: BeforeSendHook | undefined;
  private readonly now: () => number;
  private readonly generateId: () => string;
  private readonly onListenerError: (error: unknown, event: PoolBusEvent) => void;

  private readonly presence: AgentPresence;
  private readonly threads = new Map<string, ThreadState>();
  private readonly waiters = new Map<string, Waiter>();
  /** Per agent, the threads that may hold messages it has not read yet. */
  private readonly pending = new Map<string, Set<string>>();
  private readonly listeners = new Set<PoolBusListener>();
  /** Order in which this bus accepted each message: the order agents receive mentions in. */
  private readonly arrival = new WeakMap<CoralMessage, number>();
  private nextArrival = 0;
  private openThreadCount = 0;
  private closed = false;

  constructor(options: PoolBusOptions) {
    this.poolId = options.poolId;
    this.beforeSend = options.beforeSend;
    this.now = options.now ?? Date.now;
    this.generateId = options.generateId ?? randomUUID;
    this.onListenerError =
      options.onListenerError ??
      ((error) =>
        process.emitWarning(`coral pool ${this.poolId}: bus observer threw: ${String(error)}`));
    this.presence = new AgentPresence({
      poolId: this.poolId,
      now: this.now,
      graceMs: options.presenceGraceMs ?? DEFAULT_PRESENCE_GRACE_MS,
      onConnected: (agentId, connections) =>
        this.emit({ type: 'agent_connected', poolId: this.poolId, agentId, connections }),
      onDisconnected: (agentId, connections) =>
        this.emit({ type: 'agent_disconnected', poolId: this.poolId, agentId, connections }),
    });
  }

  // ---- observers -----------------------------------------------------------------------------

  /** Subscribes to every bus event; returns the unsubscribe function. */
  subscribe(listener: PoolBusListener): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  private emit(event: PoolBusEvent): void {
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch (error) {
        this.onListenerError(error, event);
      }
    }
  }

  // ---- agents --------------------------------------------------------------------------------

  /** Lists an agent before it connects (the roster), so threads and `list_agents` name it. */
  registerAgent(agentId: string, description?: string): void {
    this.assertOpen();
    this.presence.register(agentId, description);
  }

  /**
   * Opens one more connection of an agent. An agent may hold any number at once (Coral gives
   * every connection its own MCP server); none closes another, and each tool call on any of them
   * acts for the agent. Read positions and the parked wait are the agent's.
   */
  connectAgent(input: { id: string; description?: string }): AgentConnection {
    this.assertOpen();
    return this.presence.open(input.id, input.description);
  }

  /** Every agent registered on this pool, with its state (Coral lists them all). */
  listAgents(): CoralAgentInfo[] {
    return this.presence.list((id) => this.waiters.has(id));
  }

  getAgent(agentId: string): CoralAgentInfo | undefined {
    return this.presence.get(agentId, (id) => this.waiters.has(id));
  }

  /** True when the agent is registered (so it may be named as a participant). */
  isKnownAgent(agentId: string): boolean {
    return this.presence.isKnown(agentId);
  }

  /** Has a connection open, or made a call within the presence grace period. */
  isConnected(agentId: string): boolean {
    return this.presence.isPresent(agentId);
  }

  /** Open connections of the agent right now (0 between the calls of a per-call client). */
  connectionCount(agentId: string): number {
    return this.presence.connectionCount(agentId);
  }

  connectedAgentIds(): string[] {
    return this.presence.presentIds();
  }

  /** The ids in `required` that are not present: empty when the pool is ready. */
  missingAgents(required: readonly string[]): string[] {
    return required.filter((id) => !this.isConnected(id));
  }

  // ---- threads -------------------------------------------------------------------------------

  /**
   * Creates an open thread. Trusted: participants need not be connected agents (player threads
   * name the wallet); the Coral tool layer checks agent ids itself.
   */
  createThread(input: CreateThreadInput): CoralThread {
    this.assertOpen();
    const id = input.id ?? this.generateId();
    if (this.threads.has(id)) {
      throw new CoralError('thread_exists', `Thread with id ${id} already exists`);
    }
    const participants = new Set([input.creatorId, ...input.participantIds]);
    const state: ThreadState = {
      id,
      name: input.name,
      creatorId: input.creatorId,
      participants,
      messages: [],
      messagesById: new Map(),
      lastBySender: new Map(),
      isClosed: false,
      summary: null,
      createdAt: input.createdAt ?? this.now(),
      closedAt: null,
      cursors: new ReadCursors(),
    };
    for (const participant of participants) state.cursors.start(participant, 0);
    this.threads.set(id, state);
    this.openThreadCount += 1;
    this.emit({
      type: 'thread_created',
      poolId: this.poolId,
      thread: this.header(state),
      materialized: false,
    });
    return this.snapshot(state);
  }

  /**
   * Rebuilds a thread from storage (after a task restart, or when the player reaches another
   * task). Idempotent: when the thread is already on the bus it is returned unchanged, so
   * concurrent rebuilds of the same thread are harmless. Unread mentions are delivered to parked
   * waiters at once.
   */
  materializeThread(input: MaterializeThreadInput): { thread: CoralThread; created: boolean } {
    this.assertOpen();
    const existing = this.threads.get(input.id);
    if (existing) return { thread: this.snapshot(existing), created: false };

    const participants = new Set([input.creatorId, ...input.participantIds]);
    const messages = input.messages.map((m) =>
      this.stamp({
        id: m.id,
        threadName: input.name,
        threadId: input.id,
        senderId: m.senderId,
        content: m.content,
        timestamp: m.timestamp,
        mentions: [...m.mentions],
      }),
    );
    const isClosed = input.isClosed ?? false;
    const state: ThreadState = {
      id: input.id,
      name: input.name,
      creatorId: input.creatorId,
      participants,
      messages,
      messagesById: new Map(messages.map((m) => [m.id, m])),
      lastBySender: new Map(messages.map((m) => [m.senderId, m])),
      isClosed,
      summary: input.summary ?? null,
      createdAt: input.createdAt ?? messages[0]?.timestamp ?? this.now(),
      closedAt: isClosed ? (input.closedAt ?? this.now()) : null,
      cursors: new ReadCursors(),
    };
    for (const participant of participants) {
      const explicit = input.readPositions?.[participant];
      state.cursors.start(
        participant,
        explicit !== undefined
          ? clampIndex(explicit, messages.length)
          : lastIndexOfSender(messages, participant) + 1,
      );
    }
    this.threads.set(state.id, state);
    if (!isClosed) this.openThreadCount += 1;
    this.emit({
      type: 'thread_created',
      poolId: this.poolId,
      thread: this.header(state),
      materialized: true,
    });
    if (!isClosed) {
      for (const participant of participants) {
        if (state.cursors.caughtUp(participant, messages)) continue;
        this.markPending(participant, state.id);
        this.waiters.get(participant)?.tryDeliver(state.id);
      }
    }
    return { thread: this.snapshot(state), created: true };
  }

  hasThread(threadId: string): boolean {
    return this.threads.has(threadId);
  }

  /** A copy of the thread with its messages, or undefined when it is not on this bus. */
  getThread(threadId: string): CoralThread | undefined {
    const state = this.threads.get(threadId);
    return state ? this.snapshot(state) : undefined;
  }

  /** The thread without its messages (cheap: nothing is copied but its participants). */
  threadHeader(threadId: string): CoralThreadHeader | undefined {
    const state = this.threads.get(threadId);
    return state ? this.header(state) : undefined;
  }

  /**
   * The newest message `senderId` sent in the thread, or undefined (no such thread, or nothing
   * sent yet). Constant time, unlike `getThread`, which copies every message.
   */
  lastMessageOf(threadId: string, senderId: string): CoralMessage | undefined {
    return this.threads.get(threadId)?.lastBySender.get(senderId);
  }

  /** Ids of the open threads on the bus (nothing is copied). */
  openThreadIds(): string[] {
    const open: string[] = [];
    for (const state of this.threads.values()) if (!state.isClosed) open.push(state.id);
    return open;
  }

  /** Headers of every thread on the bus (open and closed). */
  listThreads(): CoralThreadHeader[] {
    return [...this.threads.values()].map((state) => this.header(state));
  }

  isParticipant(threadId: string, participantId: string): boolean {
    return this.threads.get(threadId)?.participants.has(participantId) ?? false;
  }

  /** Adds a participant to an open thread; their read position starts at the end of the thread. */
  addParticipant(threadId: string, participantId: string): void {
    const state = this.openThread(threadId);
    if (state.participants.has(participantId)) return;
    state.participants.add(participantId);
    state.cursors.start(participantId, state.messages.length);
    this.emit({ type: 'participant_added', poolId: this.poolId, threadId, participantId });
  }

  /** Removes a participant from an open thread. */
  removeParticipant(threadId: string, participantId: string): void {
    const state = this.openThread(threadId);
    if (!state.participants.has(participantId)) {
      throw new CoralError(
        'not_participant',
        `${participantId} is not a participant of thread ${threadId}`,
      );
    }
    state.participants.delete(participantId);
    this.emit({ type: 'participant_removed', poolId: this.poolId, threadId, participantId });
  }

  /**
   * Closes a thread with a summary (agents through `coral_close_thread`, lifecycle jobs and player
   * deletes from outside). Later sends fail and its unread mentions are no longer delivered;
   * parked waiters are left alone.
   */
  closeThread(threadId: string, summary: string): void {
    const state = this.openThread(threadId);
    state.isClosed = true;
    state.summary = summary;
    state.closedAt = this.now();
    this.openThreadCount -= 1;
    this.emit({ type: 'thread_closed', poolId: this.poolId, threadId, summary });
  }

  /** Drops a thread from memory (e.g. closed threads after their retention); storage keeps it. */
  forgetThread(threadId: string): boolean {
    const state = this.threads.get(threadId);
    if (!state) return false;
    if (!state.isClosed) this.openThreadCount -= 1;
    this.threads.delete(threadId);
    for (const threads of this.pending.values()) threads.delete(threadId);
    return true;
  }

  /** How many of the thread's messages the participant has consumed, or undefined. */
  readPosition(agentId: string, threadId: string): number | undefined {
    return this.threads.get(threadId)?.cursors.position(agentId);
  }

  threadTimes(threadId: string): ThreadTimes | undefined {
    const state = this.threads.get(threadId);
    return state ? { createdAt: state.createdAt, closedAt: state.closedAt } : undefined;
  }

  // ---- messages ------------------------------------------------------------------------------

  /**
   * Sends a message with Coral's rules: the thread exists and is open, the sender is a
   * participant, every mention is another participant. The message is persisted (`beforeSend`, or
   * by the caller who passes `options.id`) before it is appended, observed and delivered.
   */
  async sendMessage(
    input: SendMessageInput,
    options: SendMessageOptions = {},
  ): Promise<CoralMessage> {
    const state = this.openThread(input.threadId);
    if (options.id !== undefined) {
      const duplicate = state.messagesById.get(options.id);
      if (duplicate) return duplicate;
    }
    const asServer = options.system === true && input.senderId === SYSTEM_SENDER;
    if (!asServer && !state.participants.has(input.senderId)) {
      throw new CoralError(
        'not_participant',
        `Sender ${input.senderId} is not a participant of thread ${state.id}`,
      );
    }
    const mentions = [...new Set(input.mentions ?? [])];
    for (const mention of mentions) {
      if (mention === input.senderId) {
        throw new CoralError('invalid_mention', 'Messages cannot mention the sender');
      }
      if (!state.participants.has(mention)) {
        throw new CoralError(
          'invalid_mention',
          `Cannot mention ${mention}: not a participant of thread ${state.id}`,
        );
      }
    }

    let ref: PersistedMessageRef;
    if (options.id !== undefined) {
      ref = { id: options.id, timestamp: options.timestamp ?? this.now() };
    } else if (this.beforeSend) {
      try {
        ref = await this.beforeSend({
          poolId: this.poolId,
          threadId: state.id,
          threadName: state.name,
          senderId: input.senderId,
          content: input.content,
          mentions,
          ...(input.idempotencyKey !== undefined ? { idempotencyKey: input.idempotencyKey } : {}),
        });
      } catch (cause) {
        throw new CoralError(
          'persist_failed',
          'The message could not be stored; nothing was sent',
          {
            cause,
          },
        );
      }
    } else {
      ref = { id: this.generateId(), timestamp: this.now() };
    }

    // The send was accepted when it was validated; if the thread closed or was forgotten while
    // the message was being stored, it is still recorded (storage has it) but wakes nobody.
    const current = this.threads.get(state.id);
    const duplicate = current?.messagesById.get(ref.id);
    if (duplicate) return duplicate;
    const message = this.stamp({
      id: ref.id,
      threadName: state.name,
      threadId: state.id,
      senderId: input.senderId,
      content: input.content,
      timestamp: ref.timestamp,
      mentions,
    });
    if (current) {
      current.messages.push(message);
      current.messagesById.set(message.id, message);
      current.lastBySender.set(message.senderId, message);
    }
    this.emit({ type: 'message_sent', poolId: this.poolId, message });
    if (current && !current.isClosed) {
      current.cursors.settle(message.senderId, current.messages);
      for (const participant of current.participants) {
        if (participant === message.senderId) continue;
        this.markPending(participant, current.id);
        this.waiters.get(participant)?.tryDeliver(current.id);
      }
    }
    return message;
  }

  /**
   * Coral 1.0's `wait_for_mentions`: every unread message that mentions the agent (see
   * `waitForMessages`), with Coral's 0–600,000 ms range.
   */
  waitForMentions(
    agentId: string,
    timeoutMs: number,
    options: { signal?: AbortSignal } = {},
  ): Promise<WaitOutcome> {
    if (!Number.isFinite(timeoutMs) || timeoutMs < 0) {
      throw new CoralError('invalid_timeout', 'Timeout must be greater than 0');
    }
    if (timeoutMs > MAX_WAIT_FOR_MENTIONS_TIMEOUT_MS) {
      throw new CoralError(
        'invalid_timeout',
        `Timeout must not exceed the maximum of ${MAX_WAIT_FOR_MENTIONS_TIMEOUT_MS} ms`,
      );
    }
    return this.waitForMessages(
      agentId,
      { filter: { kind: 'mentions' }, batch: true },
      timeoutMs,
      options,
    );
  }

  /**
   * Returns at once what `request` wants of the agent's unread messages (across its open threads,
   * in the order the bus accepted them), marking them read; otherwise parks until such a message
   * arrives, `timeoutMs` passes, a newer wait of the agent replaces this one, or `signal` aborts.
   * One waiter per agent, whichever connection it came on. `timeoutMs` 0 polls.
   */
  waitForMessages(
    agentId: string,
    request: WaitRequest,
    timeoutMs: number,
    options: { signal?: AbortSignal } = {},
  ): Promise<WaitOutcome> {
    const { signal } = options;
    // A caller whose connection already closed must not displace the live waiter.
    if (signal?.aborted || this.closed) return Promise.resolve({ kind: 'aborted' });

    const unread = this.collectUnread(agentId, request);
    if (unread.length > 0) return Promise.resolve({ kind: 'messages', messages: unread });
    if (timeoutMs <= 0) return Promise.resolve({ kind: 'timeout' });

    this.settleWaiter(agentId, { kind: 'replaced' });
    return new Promise<WaitOutcome>((resolve) => {
      const onAbort = (): void => waiter.settle({ kind: 'aborted' });
      const timer = setTimeout(() => waiter.settle({ kind: 'timeout' }), timeoutMs);
      timer.unref();
      const waiter: Waiter = {
        settle: (outcome) => {
          if (this.waiters.get(agentId) !== waiter) return;
          this.waiters.delete(agentId);
          clearTimeout(timer);
          signal?.removeEventListener('abort', onAbort);
          resolve(outcome);
        },
        tryDeliver: (threadId) => {
          const messages = this.collectUnread(agentId, request, threadId);
          if (messages.length === 0) return false;
          waiter.settle({ kind: 'messages', messages });
          return true;
        },
      };
      this.waiters.set(agentId, waiter);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** True while the agent has a parked `waitForMentions`. */
  isWaiting(agentId: string): boolean {
    return this.waiters.has(agentId);
  }

  private markPending(agentId: string, threadId: string): void {
    let set = this.pending.get(agentId);
    if (!set) {
      set = new Set();
      this.pending.set(agentId, set);
    }
    set.add(threadId);
  }

  /** The agent's unread messages `request` wants, in all its pending threads or only in `only`. */
  private collectUnread(agentId: string, request: WaitRequest, only?: string): CoralMessage[] {
    const threadIds = this.pending.get(agentId);
    if (!threadIds || threadIds.size === 0) return [];
    if (only !== undefined && !threadIds.has(only)) return [];
    const found: Array<{ state: ThreadState; position: number; passedOver: number[] }> = [];
    for (const threadId of only === undefined ? threadIds : [only]) {
      const state = this.threads.get(threadId);
      if (!state || state.isClosed || !state.participants.has(agentId)) {
        threadIds.delete(threadId);
        continue;
      }
      const { matches, passedOver } = state.cursors.select(agentId, state.messages, request);
      if (request.batch) {
        state.cursors.consume(agentId, [...passedOver, ...matches], state.messages);
        for (const position of matches) found.push({ state, position, passedOver: [] });
      } else if (matches[0] !== undefined) {
        found.push({ state, position: matches[0], passedOver });
      }
      if (state.cursors.caughtUp(agentId, state.messages)) threadIds.delete(threadId);
    }
    const order = (f: { state: ThreadState; position: number }): number =>
      this.arrival.get(f.state.messages[f.position] as CoralMessage) ?? 0;
    found.sort((a, b) => order(a) - order(b));
    if (!request.batch) {
      // One message: the oldest; the other threads' candidates stay unread.
      const first = found[0];
      if (!first) return [];
      first.state.cursors.consume(
        agentId,
        [...first.passedOver, first.position],
        first.state.messages,
      );
      if (first.state.cursors.caughtUp(agentId, first.state.messages)) {
        threadIds.delete(first.state.id);
      }
      return [first.state.messages[first.position] as CoralMessage];
    }
    return found.map((f) => f.state.messages[f.position] as CoralMessage);
  }

  private stamp(message: CoralMessage): CoralMessage {
    Object.freeze(message.mentions);
    Object.freeze(message);
    this.arrival.set(message, this.nextArrival);
    this.nextArrival += 1;
    return message;
  }

  private settleWaiter(agentId: string, outcome: WaitOutcome): void {
    this.waiters.get(agentId)?.settle(outcome);
  }

  // ---- pool ----------------------------------------------------------------------------------

  stats(): PoolBusStats {
    return {
      poolId: this.poolId,
      connectedAgents: this.connectedAgentIds(),
      openThreads: this.openThreadCount,
      totalThreads: this.threads.size,
      waitingAgents: [...this.waiters.keys()].sort(),
    };
  }

  /** Number of open threads (the pool's load for assignment). */
  get openThreads(): number {
    return this.openThreadCount;
  }

  /** Threads held in memory: the open ones and the closed ones not forgotten yet. */
  get heldThreads(): number {
    return this.threads.size;
  }

  /** Ends every parked wait and connection (shutdown). Further operations fail. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.presence.closeAll();
    for (const agentId of [...this.waiters.keys()]) this.settleWaiter(agentId, { kind: 'aborted' });
    this.listeners.clear();
  }

  private assertOpen(): void {
    if (this.closed) throw new Error(`coral pool ${this.poolId} is closed`);
  }

  private openThread(threadId: string): ThreadState {
    const state = this.threads.get(threadId);
    if (!state) {
      throw new CoralError('thread_not_found', `Thread with id ${threadId} not found`);
    }
    if (state.isClosed) {
      throw new CoralError('thread_closed', `Thread ${threadId} is closed`);
    }
    return state;
  }

  private header(state: ThreadState): CoralThreadHeader {
    return {
      id: state.id,
      name: state.name,
      creatorId: state.creatorId,
      participants: [...state.participants],
      isClosed: state.isClosed,
      summary: state.summary,
    };
  }

  private snapshot(state: ThreadState): CoralThread {
    return { ...this.header(state), messages: [...state.messages] };
  }
}

function lastIndexOfSender(messages: readonly CoralMessage[], senderId: string): number {
  for (let i = messages.length - 1; i >= 0; i -= 1) {
    if (messages[i]?.senderId === senderId) return i;
  }
  return -1;
}

function clampIndex(index: number, length: number): number {
  return Math.max(0, Math.min(length, Math.floor(index)));
}
