import { randomUUID } from 'node:crypto';
import { CoralError } from './errors';
import type { AgentState, CoralAgentInfo, CoralMessage, CoralThread } from './model';
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
  | { type: 'agent_connected'; poolId: string; agent: CoralAgentInfo; replaced: boolean }
  | { type: 'agent_disconnected'; poolId: string; agentId: string }
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
  /** The caller's signal fired (request cancelled, connection replaced or closed) or the bus closed. */
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
}

/** One live connection of an agent to a pool (one MCP session). */
export interface AgentConnection {
  readonly poolId: string;
  readonly agentId: string;
  /** Aborted when this connection is disconnected or replaced by a newer one of the same agent. */
  readonly signal: AbortSignal;
  readonly active: boolean;
  /** Ends this connection; a no-op when it was already replaced or disconnected. */
  disconnect(): void;
}

export interface CreateThreadInput {
  /** Supplied when the thread was created in storage first (player threads). */
  id?: string;
  name: string;
  creatorId: string;
  /** The creator is always added. */
  participantIds: string[];
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
}

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
  readIndex: Map<string, number>;
}

interface AgentEntry {
  id: string;
  description: string;
  state: AgentState;
  connection: ConnectionImpl | null;
}

interface Waiter {
  settle(outcome: WaitOutcome): void;
  /** Delivers the agent's unread mentions if there are any; returns whether it settled. */
  tryDeliver(): boolean;
}

class ConnectionImpl implements AgentConnection {
  readonly controller = new AbortController();

  constructor(
    private readonly bus: PoolBus,
    readonly poolId: string,
    readonly agentId: string,
  ) {}

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  get active(): boolean {
    return !this.controller.signal.aborted;
  }

  disconnect(): void {
    this.bus.releaseConnection(this);
  }
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

  private readonly agents = new Map<string, AgentEntry>();
  private readonly threads = new Map<string, ThreadState>();
  private readonly waiters = new Map<string, Waiter>();
  /** Per agent, the threads that may hold mentions it has not read yet. */
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

  /**
   * Registers a connected agent. Connecting again with the same id replaces the old connection:
   * its `signal` aborts (the gateway closes the old transport on it) and its parked wait ends.
   */
  connectAgent(input: { id: string; description?: string }): AgentConnection {
    this.assertOpen();
    const existing = this.agents.get(input.id);
    const previous = existing?.connection ?? null;
    const connection = new ConnectionImpl(this, this.poolId, input.id);
    const entry: AgentEntry = existing ?? {
      id: input.id,
      description: '',
      state: 'disconnected',
      connection: null,
    };
    entry.description = input.description ?? existing?.description ?? input.id;
    entry.state = 'busy';
    entry.connection = connection;
    this.agents.set(entry.id, entry);
    if (previous) {
      previous.controller.abort(new Error(`agent ${input.id} reconnected`));
      this.settleWaiter(input.id, { kind: 'aborted' });
    }
    this.emit({
      type: 'agent_connected',
      poolId: this.poolId,
      agent: this.agentInfo(entry),
      replaced: previous !== null,
    });
    return connection;
  }

  /** @internal called by `AgentConnection.disconnect`. */
  releaseConnection(connection: ConnectionImpl): void {
    if (!connection.active) return;
    connection.controller.abort(new Error(`agent ${connection.agentId} disconnected`));
    const entry = this.agents.get(connection.agentId);
    if (!entry || entry.connection !== connection) return;
    entry.connection = null;
    entry.state = 'disconnected';
    this.settleWaiter(connection.agentId, { kind: 'aborted' });
    this.emit({ type: 'agent_disconnected', poolId: this.poolId, agentId: connection.agentId });
  }

  /** Every agent that ever connected to this pool, with its state (Coral lists them all). */
  listAgents(): CoralAgentInfo[] {
    return [...this.agents.values()].map((entry) => this.agentInfo(entry));
  }

  getAgent(agentId: string): CoralAgentInfo | undefined {
    const entry = this.agents.get(agentId);
    return entry ? this.agentInfo(entry) : undefined;
  }

  /** True when the agent has ever connected (so it may be named as a participant). */
  isKnownAgent(agentId: string): boolean {
    return this.agents.has(agentId);
  }

  isConnected(agentId: string): boolean {
    return this.agents.get(agentId)?.connection != null;
  }

  connectedAgentIds(): string[] {
    return [...this.agents.values()]
      .filter((entry) => entry.connection !== null)
      .map((entry) => entry.id)
      .sort();
  }

  /** The ids in `required` that have no live connection: empty when the pool is ready. */
  missingAgents(required: readonly string[]): string[] {
    return required.filter((id) => !this.isConnected(id));
  }

  private agentInfo(entry: AgentEntry): CoralAgentInfo {
    return { id: entry.id, description: entry.description, state: entry.state };
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
      readIndex: new Map([...participants].map((p) => [p, 0])),
    };
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
    const readIndex = new Map<string, number>();
    for (const participant of participants) {
      const explicit = input.readPositions?.[participant];
      readIndex.set(
        participant,
        explicit !== undefined
          ? clampIndex(explicit, messages.length)
          : lastIndexOfSender(messages, participant) + 1,
      );
    }
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
      readIndex,
    };
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
        const from = readIndex.get(participant) ?? 0;
        if (messages.slice(from).some((m) => m.mentions.includes(participant))) {
          this.markPending(participant, state.id);
          this.waiters.get(participant)?.tryDeliver();
        }
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
    state.readIndex.set(participantId, state.messages.length);
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
    return this.threads.get(threadId)?.readIndex.get(agentId);
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
    if (!state.participants.has(input.senderId)) {
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
      for (const mention of mentions) {
        this.markPending(mention, current.id);
        this.waiters.get(mention)?.tryDeliver();
      }
    }
    return message;
  }

  /**
   * Coral's `wait_for_mentions`: returns at once every unread message (across the agent's open
   * threads, in the order the bus accepted them) that mentions the agent, advancing its read
   * positions; otherwise parks until a
   * mention arrives, `timeoutMs` passes, a newer wait of the agent replaces this one, or `signal`
   * aborts. One waiter per agent. `timeoutMs` 0 polls.
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
    const { signal } = options;
    // A stale caller (its connection already replaced) must not displace the live waiter.
    if (signal?.aborted || this.closed) return Promise.resolve({ kind: 'aborted' });

    const unread = this.collectUnread(agentId);
    if (unread.length > 0) return Promise.resolve({ kind: 'messages', messages: unread });
    if (timeoutMs === 0) return Promise.resolve({ kind: 'timeout' });

    this.settleWaiter(agentId, { kind: 'replaced' });
    return new Promise<WaitOutcome>((resolve) => {
      const entry = this.agents.get(agentId);
      const onAbort = (): void => waiter.settle({ kind: 'aborted' });
      const timer = setTimeout(() => waiter.settle({ kind: 'timeout' }), timeoutMs);
      timer.unref();
      const waiter: Waiter = {
        settle: (outcome) => {
          if (this.waiters.get(agentId) !== waiter) return;
          this.waiters.delete(agentId);
          clearTimeout(timer);
          signal?.removeEventListener('abort', onAbort);
          if (entry && entry.state === 'listening') entry.state = 'busy';
          resolve(outcome);
        },
        tryDeliver: () => {
          const messages = this.collectUnread(agentId);
          if (messages.length === 0) return false;
          waiter.settle({ kind: 'messages', messages });
          return true;
        },
      };
      this.waiters.set(agentId, waiter);
      if (entry && entry.connection) entry.state = 'listening';
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /**
   * Makes every mention of `agentId` that it has not answered yet unread again, in all its open
   * threads (read position = just after its own last message, the same rule as materialisation).
   * Use when an agent reconnects after a crash: a mention it consumed but never answered is then
   * delivered again, once. Returns how many threads hold something to redeliver.
   */
  redeliverUnanswered(agentId: string): number {
    let threads = 0;
    for (const state of this.threads.values()) {
      if (state.isClosed || !state.participants.has(agentId)) continue;
      const from = lastIndexOfSender(state.messages, agentId) + 1;
      state.readIndex.set(agentId, from);
      if (state.messages.slice(from).some((m) => m.mentions.includes(agentId))) {
        this.markPending(agentId, state.id);
        threads += 1;
      }
    }
    if (threads > 0) this.waiters.get(agentId)?.tryDeliver();
    return threads;
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

  private collectUnread(agentId: string): CoralMessage[] {
    const threadIds = this.pending.get(agentId);
    if (!threadIds || threadIds.size === 0) return [];
    const unread: CoralMessage[] = [];
    for (const threadId of threadIds) {
      threadIds.delete(threadId);
      const state = this.threads.get(threadId);
      if (!state || state.isClosed || !state.participants.has(agentId)) continue;
      const from = state.readIndex.get(agentId) ?? 0;
      let last = -1;
      for (let i = from; i < state.messages.length; i += 1) {
        const message = state.messages[i];
        if (message && message.mentions.includes(agentId)) {
          unread.push(message);
          last = i;
        }
      }
      if (last >= 0) state.readIndex.set(agentId, last + 1);
    }
    return unread.sort((a, b) => (this.arrival.get(a) ?? 0) - (this.arrival.get(b) ?? 0));
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

  /** Ends every parked wait and connection (shutdown). Further operations fail. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const entry of this.agents.values()) entry.connection?.disconnect();
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
