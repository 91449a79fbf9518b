import type { GameRepository, PaymentsRepository, WeeklyCloseResult } from '@pardon/db';
import type { GameRules } from '@pardon/game';
import type { PaymentReconcileResult, ReconcileDeps } from '@pardon/payments';
import type { LifecycleSettings } from '@pardon/lifecycle';
import type { StoredMessage } from './messages';

/**
 * What the gateway needs from storage, in the gateway's words. `DbStore` (store-db.ts) backs it
 * with @pardon/db; the seam keeps the gateway's logic readable and lets one file follow the data
 * layer's API.
 */
export interface SessionRow {
  id: string;
  wallet: string;
  pool: string;
  taskId: string;
}

export interface ThreadRow {
  id: string;
  sessionId: string;
  wallet: string;
  pool: string;
  agentId: string;
  createdAt: Date;
  closedAt: Date | null;
  sessionEnded: boolean;
  lastMessageAt: Date | null;
}

export interface NonceRow {
  nonce: string;
  wallet: string;
  message: string;
  expiresAt: Date;
  usedAt: Date | null;
}

export interface AppendInput {
  threadId: string;
  senderId: string;
  content: string;
  mentions: string[];
  clientMessageId?: string;
}

export interface PoolHealthRow {
  taskId: string;
  pool: string;
  status: 'healthy' | 'degraded' | 'unhealthy';
  activeThreads: number;
  activeSessions: number;
  agentsConnected: number;
  takenAt: Date;
}

export type ThreadAdmission =
  | { admitted: true; thread: ThreadRow }
  | { admitted: false; reason: 'wallet_limit'; open: number; limit: number }
  | { admitted: false; reason: 'pool_full'; pool: string; load: number; capacity: number };

/** What a new thread is admitted against (see `Store.admitThreadForWallet`). */
export interface WalletAdmissionLimits {
  pools: readonly string[];
  maxOpenPerWallet: number;
  poolCapacity: number;
  poolLoadAtLeast: (pool: string) => number;
}

export interface Store {
  /** The game's storage (libs/db): evaluations, players' weeks, the board, prizes. */
  readonly game: GameRepository;
  /** Premium payments (libs/db): intents, the verified ledger, settlements. */
  readonly payments: PaymentsRepository;
  /** True when the database answers; never throws. */
  ping(): Promise<boolean>;
  /** Stores a nonce; the wallet keeps at most `maxLivePerWallet` live ones (oldest replaced). */
  createNonce(row: Omit<NonceRow, 'usedAt'>, maxLivePerWallet: number): Promise<void>;
  findNonce(nonce: string): Promise<NonceRow | null>;
  /**
   * Marks the nonce used if it still is unused and unexpired (false for a replay), and on success
   * upserts the user, in one statement (a sign-in).
   */
  consumeNonceForUser(nonce: string, wallet: string, now: Date): Promise<boolean>;
  upsertUser(wallet: string): Promise<void>;
  findActiveSession(wallet: string): Promise<SessionRow | null>;
  /** Opens a session on `pool`, or returns the wallet's active one if a racing request won. */
  openSession(wallet: string, pool: string, taskId: string): Promise<SessionRow>;
  /**
   * Opens a thread in the wallet's active session, found in the same transaction, if the wallet is
   * below its cap of open threads and the session's pool below its capacity, atomically across
   * tasks (libs/db `threads.createAdmitted`); `no_session` when it has none on one of `pools`.
   */
  admitThreadForWallet(
    wallet: string,
    agentId: string,
    limits: WalletAdmissionLimits,
  ): Promise<ThreadAdmission | { admitted: false; reason: 'no_session' }>;
  getThread(threadId: string): Promise<ThreadRow | null>;
  listThreads(wallet: string): Promise<ThreadRow[]>;
  closeThread(threadId: string, reason: string): Promise<boolean>;
  /**
   * Idempotent on (threadId, clientMessageId): a retry returns the stored row, created=false.
   * A player message also moves the session's lastActivityAt.
   */
  appendMessage(input: AppendInput): Promise<{ message: StoredMessage; created: boolean }>;
  listMessages(threadId: string, afterSeq: number, limit?: number): Promise<StoredMessage[]>;
  /** The seq a message id names in this thread, or undefined when it names none. */
  seqOf(threadId: string, messageId: string): number | undefined;
  /** Open threads per pool over active sessions owned by `taskId`, and sessions likewise. */
  activeCounts(taskId: string): Promise<Record<string, { threads: number; sessions: number }>>;
  /**
   * session-cleanup (libs/db runner): ends idle sessions, closes and announces their threads,
   * purges expired sign-in nonces.
   */
  runSessionCleanup(
    now: number,
    settings: LifecycleSettings,
  ): Promise<{
    expiredSessions: number;
    closedThreadIds: string[];
    notifications: number;
    purgedNonces: number;
  }>;
  /**
   * payment-reconcile (libs/payments): settles transfers of open intents found on chain by their
   * reference and closes expired ones, recorded in cron_runs as the cron-worker records it.
   */
  runPaymentReconcile(
    now: number,
    deps: Omit<ReconcileDeps, 'payments' | 'now' | 'logger'>,
  ): Promise<PaymentReconcileResult>;
  /** weekly-close (libs/db runner): closes the week that ended last, once, recorded in cron_runs. */
  runWeeklyClose(now: number, rules: GameRules): Promise<WeeklyCloseResult>;
  /** thread-cleanup (libs/db runner): closes threads of ended sessions and idle threads. */
  runThreadCleanup(
    now: number,
    settings: LifecycleSettings,
  ): Promise<{ closedThreadIds: string[]; notifications: number }>;
  /** Of these thread ids, which are closed in the database and which have no row. */
  findClosedOrMissing(
    threadIds: readonly string[],
  ): Promise<{ closed: string[]; missing: string[] }>;
  heartbeat(taskId: string, baseUrl: string): Promise<void>;
  writePoolHealth(rows: PoolHealthRow[]): Promise<number>;
  close(): Promise<void>;
}
