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

export interface Payment {
  id: string;
  signature: string;
  fromWallet: string;
  toAgent: string;
  amount: Decimal;
  currency: string;
  serviceType: string;
  verified: boolean;
  createdAt: Date;
}

export interface PaymentVolume {
  currency: string;
  total: Decimal;
  count: number;
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
