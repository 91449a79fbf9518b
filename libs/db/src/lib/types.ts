import type { Decimal } from '../generated/prisma/internal/prismaNamespace';

// Domain types returned by the repositories: plain data, never Prisma models.

export interface User {
  wallet: string;
  totalScore: number;
  lastActiveAt: Date;
  createdAt: Date;
}

export interface Session {
  id: string;
  wallet: string;
  pool: string;
  taskId: string;
  startedAt: Date;
  lastActivityAt: Date;
  endedAt: Date | null;
  endReason: string | null;
}

export interface Thread {
  id: string;
  sessionId: string;
  pool: string;
  agentId: string;
  createdAt: Date;
  lastMessageAt: Date | null;
  closedAt: Date | null;
  closeReason: string | null;
}

/** A thread with the wallet that owns it (through its session), for ownership checks. */
export interface ThreadWithOwner extends Thread {
  wallet: string;
  sessionEndedAt: Date | null;
}

export interface Message {
  /** Orders within its thread: a later message always has a greater id (string comparison). */
  id: string;
  threadId: string;
  seq: number;
  senderId: string;
  content: string;
  mentions: string[];
  clientMessageId: string | null;
  createdAt: Date;
}

/** A player message no agent has answered yet, with what is needed to deliver it again. */
export interface UnansweredMessage extends Message {
  pool: string;
  agentId: string;
  wallet: string;
}

/** How a premium payment settled its intent: in time, or after the intent expired (no points). */
export type PaymentStatus = 'verified' | 'late';

export interface Payment {
  id: string;
  signature: string;
  fromWallet: string;
  toAgent: string;
  /** In tokens (not base units). */
  amount: Decimal;
  currency: string;
  serviceType: string;
  verified: boolean;
  createdAt: Date;
  /** The rest is set for premium payments (settled intents) only; null on other payments. */
  intentId: string | null;
  mint: string | null;
  /** The exact amount in base units of the mint. */
  amountBase: bigint | null;
  status: PaymentStatus | null;
  slot: bigint | null;
  /** The chain's time of the transaction. */
  blockTime: Date | null;
  bonusPoints: number | null;
  /** The system message announcing it in the thread. */
  messageId: string | null;
}

export interface PaymentVolume {
  currency: string;
  /** Null for payments recorded without a mint (`record`). */
  mint: string | null;
  /** In tokens. */
  total: Decimal;
  count: number;
}

/** A premium payment (one that settled an intent) as the ops page lists it. */
export interface PaymentRecord {
  id: string;
  intentId: string | null;
  signature: string;
  wallet: string;
  agentId: string;
  service: string;
  /** Base units of `mint`. */
  amount: bigint;
  mint: string;
  status: PaymentStatus;
  slot: bigint | null;
  blockTime: Date | null;
  bonusPoints: number | null;
  messageId: string | null;
  createdAt: Date;
}

/** Verified premium payments of one UTC day and mint. */
export interface PaymentDayVolume {
  /** `YYYY-MM-DD`, UTC. */
  day: string;
  mint: string;
  /** Base units. */
  total: bigint;
  count: number;
}

export type PaymentIntentStatus = 'pending' | 'paid' | 'expired' | 'late';

/** What a player was asked to pay for a premium service in a thread, valid until `expiresAt`. */
export interface PaymentIntent {
  id: string;
  /** Unique: the reference key the transfer carries, by which the chain is searched. */
  reference: string;
  wallet: string;
  agentId: string;
  threadId: string;
  service: string;
  /** Base units of `mint`. */
  amount: bigint;
  mint: string;
  /** The treasury wallet paid. */
  recipient: string;
  decimals: number;
  /** The game week the purchase counts in (its instant's week). */
  weekId: string;
  status: PaymentIntentStatus;
  catalogueVersion: number;
  createdAt: Date;
  expiresAt: Date;
  settledAt: Date | null;
  paymentId: string | null;
}

/** What settling an intent did; the same on every retry (then `created` is false). */
export interface SettleResult {
  paymentId: string;
  intentId: string;
  signature: string;
  status: PaymentStatus;
  wallet: string;
  agentId: string;
  threadId: string;
  service: string;
  weekId: string;
  /** Base units. */
  amount: bigint;
  /** The bonus the payment earned (0 when late). */
  bonusPoints: number;
  /** The change of the week's score it made (less than the bonus once the week is locked: 0). */
  pointsAwarded: number;
  /** The week's score right after it. */
  newScore: number;
  pardonGranted: boolean;
  /** Set, with its instant, only when this payment granted the pardon. */
  finalScore: number | null;
  pardonGrantedAt: number | null;
  /** The system message announcing it in the thread; null when late or the thread was closed. */
  messageId: string | null;
  messageSeq: number | null;
  created: boolean;
}

export type PoolHealthStatus = 'healthy' | 'degraded' | 'unhealthy';

export interface PoolHealthSnapshot {
  taskId: string;
  pool: string;
  status: PoolHealthStatus;
  activeThreads: number;
  activeSessions: number;
  agentsConnected: number;
  takenAt: Date;
}

export interface GatewayTask {
  taskId: string;
  baseUrl: string;
  startedAt: Date;
  lastHeartbeatAt: Date;
}

export interface EndedSession {
  sessionId: string;
  wallet: string;
  pool: string;
  taskId: string;
}

export interface ExpiryResult {
  sessions: EndedSession[];
  closedThreadIds: string[];
  batches: number;
}

export interface ClosedThread {
  threadId: string;
  sessionId: string;
  pool: string;
  agentId: string;
}

export interface PoolCount {
  pool: string;
  activeSessions: number;
  activeThreads: number;
}

export interface TaskPoolCount extends PoolCount {
  taskId: string;
}

export interface ActiveCounts {
  pools: PoolCount[];
  tasks: TaskPoolCount[];
}

export interface LeaderboardEntry {
  rank: number;
  wallet: string;
  totalScore: number;
  lastActiveAt: Date;
}
