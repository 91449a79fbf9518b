import { api, ApiError, sleep } from '../shared/api';
import { followEvents, type SseEvent } from '../shared/sse';

export interface WireMessage {
  id: string;
  senderId: string;
  content: string;
  mentions: string[];
  createdAt: string;
}

export interface Pending {
  clientMessageId: string;
  content: string;
  note: string | undefined;
  failed: boolean;
}

export interface Chat {
  agentId: string;
  threadId: string | undefined;
  messages: WireMessage[];
  pending: Pending[];
  live: boolean;
  unread: number;
  loaded: boolean;
}

function seqOf(id: string): number {
  const n = Number(id.slice(id.lastIndexOf('-') + 1));
  return Number.isFinite(n) ? n : 0;
}

export interface ChatHooks {
  token: () => string;
  /** Re-joins a session when the gateway says there is none (expired while the tab was open). */
  rejoin: () => Promise<void>;
  onAuthLost: () => void;
  /** A named event of a thread stream other than a message (`score`, `pardon`). */
  onNamedEvent?: (event: SseEvent) => void;
  /** A thread stream is live again after a drop (events may have been missed meanwhile). */
  onReconnected?: (agentId: string) => void;
}

/**
 * How many thread streams run at once. A browser keeps at most six HTTP/1.1 connections per
 * origin, and each stream holds one: with all six agents followed, a message or /api/me would
 * queue behind them for ever. The chats used last are followed; another one catches up (history,
 * then its stream from the last id) when it is opened or written to again.
 */
export const MAX_STREAMS = 4;

/**
 * Every chat of the signed-in player, outside the view layer so that streams keep running (and
 * replies keep arriving) for the recently used agents that are not on screen.
 */
export class Chats {
  private readonly chats = new Map<string, Chat>();
  private readonly streams = new Map<string, AbortController>();
  /** Agent ids, the most recently used first: the first MAX_STREAMS with a thread are followed. */
  private recent: string[] = [];
  private readonly listeners = new Set<() => void>();
  private readonly stop = new AbortController();
  selected: string | undefined;

  constructor(
    private readonly wallet: string,
    private readonly hooks: ChatHooks,
  ) {}

  subscribe(fn: () => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  private changed(): void {
    for (const fn of this.listeners) fn();
  }

  get(agentId: string): Chat {
    let chat = this.chats.get(agentId);
    if (!chat) {
      chat = {
        agentId,
        threadId: undefined,
        messages: [],
        pending: [],
        live: false,
        unread: 0,
        loaded: false,
      };
      this.chats.set(agentId, chat);
    }
    return chat;
  }

  private update(agentId: string, patch: Partial<Chat>): void {
    this.chats.set(agentId, { ...this.get(agentId), ...patch });
    this.changed();
  }

  select(agentId: string | undefined): void {
    this.selected = agentId;
    if (agentId) {
      this.update(agentId, { unread: 0 });
      this.touch(agentId);
    } else this.changed();
  }

  /** Moves a chat to the front of the followed ones, ending the stream of the least recent. */
  private touch(agentId: string): void {
    this.recent = [agentId, ...this.recent.filter((id) => id !== agentId)];
    const followed = new Set(
      this.recent.filter((id) => this.get(id).threadId !== undefined).slice(0, MAX_STREAMS),
    );
    for (const chat of this.chats.values()) {
      const threadId = chat.threadId;
      if (!threadId) continue;
      if (followed.has(chat.agentId)) void this.open(chat.agentId);
      else if (this.streams.has(threadId)) {
        this.streams.get(threadId)?.abort();
        this.streams.delete(threadId);
        this.update(chat.agentId, { live: false });
      }
    }
  }

  /** Restores the open threads of this wallet (a reload keeps the conversations). */
  async restore(): Promise<void> {
    const { threads } = await api<{
      threads: Array<{
        threadId: string;
        agentId: string;
        createdAt: string;
        closedAt: string | null;
      }>;
    }>('/api/threads', { token: this.hooks.token() });
    const open = threads
      .filter((t) => t.closedAt === null)
      .sort((a, b) => a.createdAt.localeCompare(b.createdAt));
    for (const t of open) this.update(t.agentId, { threadId: t.threadId });
    // The newest threads are followed first (and a chat chosen meanwhile before them).
    const newest = open.map((t) => t.agentId).reverse();
    this.recent = [...this.recent, ...newest.filter((id) => !this.recent.includes(id))];
    await Promise.all(
      this.recent
        .filter((id) => this.get(id).threadId !== undefined)
        .slice(0, MAX_STREAMS)
        .map((id) => this.open(id)),
    );
  }

  private merge(agentId: string, incoming: WireMessage[]): void {
    const chat = this.get(agentId);
    const byId = new Map(chat.messages.map((m) => [m.id, m]));
    let fresh = 0;
    for (const m of incoming) {
      if (!byId.has(m.id) && m.senderId !== this.wallet) fresh += 1;
      byId.set(m.id, m);
    }
    const messages = [...byId.values()].sort((a, b) => seqOf(a.id) - seqOf(b.id));
    const mine = new Set(messages.filter((m) => m.senderId === this.wallet).map((m) => m.content));
    // A pending message is done once its stored copy is on screen.
    const pending = chat.pending.filter((p) => p.failed || !mine.has(p.content));
    const unread = this.selected === agentId ? 0 : chat.unread + (chat.loaded ? fresh : 0);
    this.update(agentId, { messages, pending, unread });
  }

  /** Loads a thread's history and follows its event stream. */
  private async open(agentId: string): Promise<void> {
    const threadId = this.get(agentId).threadId;
    if (!threadId || this.streams.has(threadId)) return;
    const controller = new AbortController();
    this.stop.signal.addEventListener('abort', () => controller.abort());
    this.streams.set(threadId, controller);
    // A chat loaded before catches up through its stream alone (it resumes from the last id);
    // what is not a message (a payment card) is asked for again.
    if (!this.get(agentId).loaded) await this.loadHistory(agentId, threadId, controller);
    else this.hooks.onReconnected?.(agentId);
    if (controller.signal.aborted) return;
    this.update(agentId, { loaded: true });
    this.follow(agentId, threadId, controller);
  }

  private async loadHistory(
    agentId: string,
    threadId: string,
    controller: AbortController,
  ): Promise<void> {
    try {
      const { messages } = await api<{ messages: WireMessage[] }>(
        `/api/threads/${encodeURIComponent(threadId)}/messages`,
        { token: this.hooks.token(), signal: controller.signal },
      );
      this.merge(agentId, messages);
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) this.hooks.onAuthLost();
    }
  }

  private follow(agentId: string, threadId: string, controller: AbortController): void {
    let dropped = false;
    void followEvents({
      url: `/api/threads/${encodeURIComponent(threadId)}/events`,
      token: this.hooks.token(),
      lastEventId: () => this.get(agentId).messages.at(-1)?.id,
      onEvent: (event) => {
        // Only unnamed events (and `message`) are messages; the game's events go elsewhere.
        if (event.event !== 'message') {
          this.hooks.onNamedEvent?.(event);
          return;
        }
        try {
          this.merge(agentId, [JSON.parse(event.data) as WireMessage]);
        } catch {
          // A malformed event is skipped; the next reconnect replays from the last good id.
        }
      },
      onState: (state) => {
        if (state === 'live' && dropped) this.hooks.onReconnected?.(agentId);
        dropped = state === 'reconnecting';
        this.update(agentId, { live: state === 'live' });
      },
      onFatal: (status) => {
        this.streams.delete(threadId);
        this.update(agentId, { live: false });
        if (status === 401) this.hooks.onAuthLost();
        // A closed or vanished thread: the next message starts a new one.
        else if (this.get(agentId).threadId === threadId)
          this.update(agentId, { threadId: undefined });
      },
      signal: controller.signal,
    });
  }

  private async ensureThread(agentId: string): Promise<string> {
    const existing = this.get(agentId).threadId;
    if (existing) return existing;
    const created = await api<{ threadId: string }>('/api/threads', {
      token: this.hooks.token(),
      body: { agentId },
    });
    this.update(agentId, { threadId: created.threadId });
    this.touch(agentId);
    return created.threadId;
  }

  private setPending(agentId: string, clientMessageId: string, patch: Partial<Pending>): void {
    const chat = this.get(agentId);
    this.update(agentId, {
      pending: chat.pending.map((p) =>
        p.clientMessageId === clientMessageId ? { ...p, ...patch } : p,
      ),
    });
  }

  /**
   * Sends a message, retrying with the same clientMessageId after rate limits and outages (the
   * gateway answers a retry with the stored message, so nothing is sent twice).
   */
  async send(agentId: string, content: string): Promise<void> {
    const clientMessageId = crypto.randomUUID();
    this.touch(agentId);
    const chat = this.get(agentId);
    this.update(agentId, {
      pending: [...chat.pending, { clientMessageId, content, note: undefined, failed: false }],
    });
    for (let attempt = 0; attempt < 20 && !this.stop.signal.aborted; attempt += 1) {
      try {
        const threadId = await this.ensureThread(agentId);
        await api<{ messageId: string }>(`/api/threads/${encodeURIComponent(threadId)}/messages`, {
          token: this.hooks.token(),
          body: { content, clientMessageId },
        });
        this.setPending(agentId, clientMessageId, { note: undefined });
        return;
      } catch (err) {
        if (!(err instanceof ApiError)) throw err;
        if (err.status === 401) return this.hooks.onAuthLost();
        if (err.code === 'thread_closed' || err.code === 'thread_not_found') {
          this.update(agentId, { threadId: undefined });
          continue;
        }
        if (err.code === 'no_active_session') {
          await this.hooks.rejoin();
          this.update(agentId, { threadId: undefined });
          continue;
        }
        const retryable = err.status === 429 || err.status === 503 || err.status === 0;
        if (!retryable) {
          this.setPending(agentId, clientMessageId, { note: err.message, failed: true });
          return;
        }
        const waitS = err.retryAfterS ?? Math.min(2 ** attempt, 15);
        this.setPending(agentId, clientMessageId, {
          note:
            err.status === 429
              ? `Easy there — too many messages. Sending again in ${waitS}s.`
              : `The table is busy. Sending again in ${waitS}s.`,
        });
        await sleep(waitS * 1000, this.stop.signal);
      }
    }
    this.setPending(agentId, clientMessageId, { note: 'Could not send; try again.', failed: true });
  }

  dismiss(agentId: string, clientMessageId: string): void {
    const chat = this.get(agentId);
    this.update(agentId, {
      pending: chat.pending.filter((p) => p.clientMessageId !== clientMessageId),
    });
  }

  close(): void {
    this.stop.abort();
    this.streams.clear();
    this.listeners.clear();
  }
}
