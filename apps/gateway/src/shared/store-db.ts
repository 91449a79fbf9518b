import {
  createDb,
  createLifecycleNotifier,
  MAX_MESSAGE_SEQ,
  messageId,
  parseMessageId,
  runSessionCleanup,
  runThreadCleanup,
  recorded,
  runWeeklyClose,
  type Db,
  type LifecycleNotifier,
  type Message,
  type Thread,
  type ThreadWithOwner,
} from '@pardon/db';
import type { GameRules } from '@pardon/game';
import type { LifecycleSettings } from '@pardon/lifecycle';
import { runPaymentReconcile, type ReconcileDeps } from '@pardon/payments';
import type { FastifyBaseLogger } from 'fastify';
import type { GatewayConfig } from '../config';
import { GatewayError } from '../errors';
import type { StoredMessage } from './messages';
import type {
  AppendInput,
  NonceRow,
  PoolHealthRow,
  SessionRow,
  Store,
  ThreadAdmission,
  ThreadRow,
  WalletAdmissionLimits,
} from './store';

/** Intents one payment-reconcile run looks at (the cron-worker's CLEANUP_BATCH_SIZE default). */
const RECONCILE_BATCH = 1000;

function toMessage(m: Message): StoredMessage {
  return {
    id: m.id,
    threadId: m.threadId,
    seq: m.seq,
    senderId: m.senderId,
    content: m.content,
    mentions: m.mentions,
    createdAt: m.createdAt,
  };
}

function toThread(t: Thread, wallet: string, sessionEnded: boolean): ThreadRow {
  return {
    id: t.id,
    sessionId: t.sessionId,
    wallet,
    pool: t.pool,
    agentId: t.agentId,
    createdAt: t.createdAt,
    closedAt: t.closedAt,
    sessionEnded,
    lastMessageAt: t.lastMessageAt,
  };
}

function ownedThread(t: ThreadWithOwner): ThreadRow {
  return toThread(t, t.wallet, t.sessionEndedAt !== null);
}

/** The gateway's storage on @pardon/db (retries, DatabaseUnavailableError, the schema). */
export class DbStore implements Store {
  get game(): Db['game'] {
    return this.db.game;
  }

  get payments(): Db['payments'] {
    return this.db.payments;
  }

  /**
   * @param taskId announces every message this task stores (libs/db `announceAs`), so the other
   *   tasks' event streams pick it up.
   */
  constructor(
    readonly db: Db,
    private readonly notifier: LifecycleNotifier,
    private readonly log: FastifyBaseLogger,
    private readonly taskId: string,
  ) {}

  ping(): Promise<boolean> {
    return this.db.ping();
  }

  createNonce(row: Omit<NonceRow, 'usedAt'>, maxLivePerWallet: number): Promise<void> {
    return this.db.authNonces.create(row, { maxLivePerWallet });
  }

  findNonce(nonce: string): Promise<NonceRow | null> {
    return this.db.authNonces.find(nonce);
  }

  consumeNonceForUser(nonce: string, wallet: string, now: Date): Promise<boolean> {
    return this.db.authNonces.consumeForUser(nonce, wallet, now);
  }

  async upsertUser(wallet: string): Promise<void> {
    await this.db.users.upsert(wallet);
  }

  async findActiveSession(wallet: string): Promise<SessionRow | null> {
    return this.db.sessions.findActive(wallet);
  }

  async openSession(wallet: string, pool: string, taskId: string): Promise<SessionRow> {
    return (await this.db.sessions.openOrReuse({ wallet, pool, taskId })).session;
  }

  async admitThreadForWallet(
    wallet: string,
    agentId: string,
    limits: WalletAdmissionLimits,
  ): Promise<ThreadAdmission | { admitted: false; reason: 'no_session' }> {
    const r = await this.db.threads.createAdmitted({ wallet, agentId, ...limits });
    return r.admitted ? { admitted: true, thread: ownedThread(r.thread) } : r;
  }

  async getThread(threadId: string): Promise<ThreadRow | null> {
    const t = await this.db.threads.get(threadId);
    return t ? ownedThread(t) : null;
  }

  async listThreads(wallet: string): Promise<ThreadRow[]> {
    const rows = await this.db.threads.listForWallet(wallet, { limit: 1000 });
    // Oldest first, as the player created them.
    return rows.map((t) => toThread(t, wallet, false)).reverse();
  }

  closeThread(threadId: string, reason: string): Promise<boolean> {
    // The other tasks close it on their buses too (their streams end with `event: closed`): the
    // close announces itself in its own statement, so a committed close is always announced.
    return this.db.threads.close(threadId, reason, { announce: true });
  }

  async appendMessage(input: AppendInput): Promise<{ message: StoredMessage; created: boolean }> {
    const r = await this.db.messages.append({ ...input, announceAs: this.taskId });
    return { message: toMessage(r.message), created: r.created };
  }

  async listMessages(threadId: string, afterSeq: number, limit = 500): Promise<StoredMessage[]> {
    // The data layer's cursor is a message id; ids are `<threadId>-<seq>`, so seq 0 is "from
    // the start" and any other seq is the id of that message.
    const after = afterSeq > 0 ? messageId(threadId.toLowerCase(), afterSeq) : undefined;
    return (await this.db.messages.listAfter(threadId, after, limit)).map(toMessage);
  }

  seqOf(threadId: string, messageId: string): number | undefined {
    // A seq beyond int4 names no message (PostgreSQL would refuse the comparison): bad input.
    const digits = /-(\d+)$/.exec(messageId)?.[1];
    if (digits !== undefined && Number(digits) > MAX_MESSAGE_SEQ) {
      throw new GatewayError('GW_ERR_BAD_REQUEST', 'The cursor names a seq beyond any message.');
    }
    const parsed = parseMessageId(messageId);
    return parsed && parsed.threadId === threadId.toLowerCase() ? parsed.seq : undefined;
  }

  async activeCounts(
    taskId: string,
  ): Promise<Record<string, { threads: number; sessions: number }>> {
    const counts = await this.db.threads.countActive();
    const out: Record<string, { threads: number; sessions: number }> = {};
    for (const c of counts.tasks) {
      if (c.taskId === taskId)
        out[c.pool] = { threads: c.activeThreads, sessions: c.activeSessions };
    }
    return out;
  }

  runPaymentReconcile(now: number, deps: Omit<ReconcileDeps, 'payments' | 'now' | 'logger'>) {
    return recorded(this.db, 'payment-reconcile', { now, logger: this.log }, () =>
      runPaymentReconcile(
        { ...deps, payments: this.db.payments, now: () => now, logger: this.log },
        { limit: RECONCILE_BATCH },
      ),
    );
  }

  runWeeklyClose(now: number, rules: GameRules) {
    return runWeeklyClose({ db: this.db, rules, now, logger: this.log });
  }

  async runSessionCleanup(now: number, settings: LifecycleSettings) {
    const r = await runSessionCleanup(this.db, {
      now,
      settings,
      notifier: this.notifier,
      logger: this.log,
    });
    return {
      expiredSessions: r.expiredSessions,
      closedThreadIds: r.closedThreadIds,
      notifications: r.notifications,
      purgedNonces: r.purgedNonces,
    };
  }

  async runThreadCleanup(now: number, settings: LifecycleSettings) {
    const r = await runThreadCleanup(this.db, {
      now,
      settings,
      notifier: this.notifier,
      logger: this.log,
    });
    return { closedThreadIds: r.closedThreadIds, notifications: r.notifications };
  }

  findClosedOrMissing(threadIds: readonly string[]) {
    return this.notifier.findClosedOrMissing(threadIds);
  }

  async heartbeat(taskId: string, baseUrl: string): Promise<void> {
    await this.db.gatewayTasks.heartbeat({ taskId, baseUrl });
  }

  writePoolHealth(rows: PoolHealthRow[]): Promise<number> {
    return this.db.poolHealth.record(rows);
  }

  async close(): Promise<void> {
    await Promise.all([this.db.close(), this.notifier.close()]);
  }
}

/** Opens the data layer from the gateway config (lazily: no connection until the first query). */
export function createStore(config: GatewayConfig, log: FastifyBaseLogger): Store {
  return new DbStore(
    createDb({
      writeUrl: config.databaseUrl,
      ...(config.databaseReadUrl ? { readUrl: config.databaseReadUrl } : {}),
      writePoolSize: config.databasePoolSize,
      logger: log,
      retry: { maxElapsedMs: config.dbRetryBudgetMs },
    }),
    createLifecycleNotifier(config.databaseUrl, { logger: log }),
    log,
    config.taskId,
  );
}
