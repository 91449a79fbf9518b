// The player's week in the game (docs: /api/me, /api/leaderboard, the `score` and `pardon` events
// of a thread stream), kept outside the view layer like the chats.
import { api, ApiError } from '../shared/api';
import type { SseEvent } from '../shared/sse';

export interface LastChange {
  points: number;
  reason: string;
  agentId: string;
}

export interface Me {
  wallet: string;
  weekId: string;
  score: number;
  finalScore: number | null;
  pardonGrantedAt: string | null;
  rank: number | null;
  agentsTalkedTo: string[];
  messagesSent: number;
  lastChange: LastChange | null;
  pardonThreshold: number;
}

export interface BoardEntry {
  rank: number;
  wallet: string;
  totalScore: number;
  finalScore: number;
  pardonGrantedAt: string;
  lastActiveAt: string;
}

export interface Board {
  weekId: string;
  weekStart: string;
  weekEnd: string;
  entries: BoardEntry[];
  me: { rank: number | null; score: number; finalScore: number | null; pardoned: boolean };
}

export interface ScoreEvent {
  threadId: string;
  messageId: string;
  agentId: string;
  weekId: string;
  points: number;
  score: number;
  reason: string;
}

export interface PardonEvent {
  threadId: string;
  weekId: string;
  score: number;
  finalScore: number;
  pardonGrantedAt: string;
}

export type GameEvent = { kind: 'score'; data: ScoreEvent } | { kind: 'pardon'; data: PardonEvent };

export interface Standing {
  me: Me | undefined;
  board: Board | undefined;
  /** Set once the week's pardon is known (from an event or from /api/me). */
  pardon: { finalScore: number; at: string } | undefined;
}

export const DEFAULT_THRESHOLD = 90;

const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const isStr = (v: unknown): v is string => typeof v === 'string';

/** A stream's named game event, checked; undefined for anything else (messages, unknown names). */
export function gameEventOf(event: SseEvent): GameEvent | undefined {
  if (event.event !== 'score' && event.event !== 'pardon') return undefined;
  let data: Record<string, unknown>;
  try {
    data = JSON.parse(event.data) as Record<string, unknown>;
  } catch {
    return undefined;
  }
  if (typeof data !== 'object' || data === null) return undefined;
  if (event.event === 'score') {
    const ok =
      isStr(data.threadId) &&
      isStr(data.messageId) &&
      isStr(data.agentId) &&
      isStr(data.weekId) &&
      isNum(data.points) &&
      isNum(data.score) &&
      isStr(data.reason);
    return ok ? { kind: 'score', data: data as unknown as ScoreEvent } : undefined;
  }
  const ok =
    isStr(data.weekId) &&
    isNum(data.score) &&
    isNum(data.finalScore) &&
    isStr(data.pardonGrantedAt);
  return ok ? { kind: 'pardon', data: data as unknown as PardonEvent } : undefined;
}

/** The bar's fill in percent of the threshold, 0..100. */
export function barPercent(score: number, threshold = DEFAULT_THRESHOLD): number {
  if (!(threshold > 0)) return 0;
  return Math.max(0, Math.min(100, (score / threshold) * 100));
}

/** A score as shown: at most two decimals (`11.4`, `92`). */
export function fmt(n: number): string {
  return String(Math.round(n * 100) / 100);
}

/** `+3` / `-2.5` / `0`. */
export function signed(points: number): string {
  return points > 0 ? `+${fmt(points)}` : fmt(points);
}

export function withMe(s: Standing, me: Me): Standing {
  const pardon =
    me.pardonGrantedAt !== null
      ? { finalScore: me.finalScore ?? me.score, at: me.pardonGrantedAt }
      : s.pardon;
  return { ...s, me, pardon };
}

/** A score event moves the bar at once (/api/me is asked afterwards). Other weeks are ignored. */
export function withScore(s: Standing, e: ScoreEvent): Standing {
  if (!s.me || s.me.weekId !== e.weekId) return s;
  const talked = s.me.agentsTalkedTo.includes(e.agentId)
    ? s.me.agentsTalkedTo
    : [...s.me.agentsTalkedTo, e.agentId];
  return {
    ...s,
    me: {
      ...s.me,
      score: e.score,
      lastChange: { points: e.points, reason: e.reason, agentId: e.agentId },
      agentsTalkedTo: talked,
    },
  };
}

export function withPardon(s: Standing, e: PardonEvent): Standing {
  const me =
    s.me && s.me.weekId === e.weekId
      ? {
          ...s.me,
          score: e.score,
          finalScore: e.finalScore,
          pardonGrantedAt: e.pardonGrantedAt,
        }
      : s.me;
  return { ...s, me, pardon: { finalScore: e.finalScore, at: e.pardonGrantedAt } };
}

const ME_DEBOUNCE_MS = 250;
const BOARD_MIN_INTERVAL_MS = 15_000;

/**
 * The signed-in player's standing: /api/me on load and after each score event (coalesced, so a
 * burst of events costs one request of the wallet's rate limit), the board on load, at most every
 * 15 s after score events, and once a pardon lands.
 */
export class StandingStore {
  state: Standing = { me: undefined, board: undefined, pardon: undefined };
  private readonly listeners = new Set<() => void>();
  private readonly stop = new AbortController();
  private meSeq = 0;
  private meTimer: ReturnType<typeof setTimeout> | undefined;
  private boardTimer: ReturnType<typeof setTimeout> | undefined;
  private boardAt = 0;

  constructor(
    private readonly token: () => string,
    private readonly onAuthLost: () => void,
  ) {}

  subscribe(fn: () => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  private set(next: Standing): void {
    if (next === this.state) return;
    this.state = next;
    for (const fn of this.listeners) fn();
  }

  async load(): Promise<void> {
    await Promise.all([this.refreshMe(), this.refreshBoard()]);
  }

  /** A named event of any of the player's thread streams. */
  handle(event: GameEvent): void {
    if (event.kind === 'score') {
      this.set(withScore(this.state, event.data));
      this.scheduleMe();
      this.scheduleBoard(false);
    } else {
      this.set(withPardon(this.state, event.data));
      this.scheduleMe();
      this.scheduleBoard(true);
    }
  }

  private scheduleMe(): void {
    if (this.meTimer !== undefined) clearTimeout(this.meTimer);
    this.meTimer = setTimeout(() => {
      this.meTimer = undefined;
      void this.refreshMe();
    }, ME_DEBOUNCE_MS);
  }

  private scheduleBoard(now: boolean): void {
    if (this.boardTimer !== undefined && !now) return;
    if (this.boardTimer !== undefined) clearTimeout(this.boardTimer);
    const wait = now
      ? ME_DEBOUNCE_MS
      : Math.max(0, this.boardAt + BOARD_MIN_INTERVAL_MS - Date.now());
    this.boardTimer = setTimeout(() => {
      this.boardTimer = undefined;
      void this.refreshBoard();
    }, wait);
  }

  private async get<T>(path: string): Promise<T | undefined> {
    try {
      return await api<T>(path, { token: this.token(), signal: this.stop.signal });
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) this.onAuthLost();
      // Anything else (a 429, an outage): the next event or load asks again.
      return undefined;
    }
  }

  async refreshMe(): Promise<void> {
    const seq = ++this.meSeq;
    const me = await this.get<Me>('/api/me');
    // Only the newest answer counts: an older one may have crossed a newer event.
    if (me && seq === this.meSeq && !this.stop.signal.aborted) this.set(withMe(this.state, me));
  }

  async refreshBoard(): Promise<void> {
    this.boardAt = Date.now();
    const board = await this.get<Board>('/api/leaderboard?limit=10');
    if (board && !this.stop.signal.aborted) this.set({ ...this.state, board });
  }

  close(): void {
    this.stop.abort();
    if (this.meTimer !== undefined) clearTimeout(this.meTimer);
    if (this.boardTimer !== undefined) clearTimeout(this.boardTimer);
    this.listeners.clear();
  }
}
