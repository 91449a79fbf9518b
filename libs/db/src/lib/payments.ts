import { DEFAULT_GAME_RULES, weekOf, type GameRules, type PremiumUsage } from '@pardon/game';
import { Prisma } from '../generated/prisma/client';
import { isUuid, type RepoContext } from './context';
import { PAYMENTS_CHANNEL, type PaymentRequestEvent } from './payment-channel';
import { InvalidInputError, NotFoundError, ThreadClosedError } from './errors';
import { INTENT_SQL_COLUMNS, requireBaseUnits, toIntent, type IntentRow } from './payment-rows';
import { settledResult, settleIntent, type SettleInput } from './payment-settle';
import { requireText } from './sessions';
import type {
  Payment,
  PaymentDayVolume,
  PaymentIntent,
  PaymentIntentStatus,
  PaymentRecord,
  PaymentStatus,
  PaymentVolume,
  SettleResult,
} from './types';
import { assertWallet } from './wallet';

type Decimal = Prisma.Decimal;
const DECIMAL_TEXT = /^\d{1,21}(?:\.\d{1,9})?$/;
const MAX_TTL_MS = 24 * 3_600_000;
const SERVICE_ID = /^[a-z][a-z0-9_]{0,63}$/;
const INTENT_STATUSES: readonly PaymentIntentStatus[] = ['pending', 'paid', 'expired', 'late'];
const PAYMENT_STATUSES: readonly PaymentStatus[] = ['verified', 'late'];

export interface RecordPaymentInput {
  /** Transaction signature: the idempotency key. */
  signature: string;
  fromWallet: string;
  toAgent: string;
  /** Non-negative, at most 9 decimal places; a string or Decimal, never a float. */
  amount: string | Decimal;
  currency: string;
  serviceType: string;
  verified?: boolean;
}

export interface CreateIntentInput {
  wallet: string;
  agentId: string;
  /** A thread of `wallet` with `agentId`, open. */
  threadId: string;
  service: string;
  /** Base units, > 0 (from libs/game `checkPremiumRequest`). */
  amount: bigint;
  mint: string;
  /** The treasury wallet. */
  recipient: string;
  /** The mint's decimals, 0–9 (payments keep 9 decimal places of tokens). */
  decimals: number;
  /** Unique reference key of the transfer (a random public key, Solana Pay style). */
  reference: string;
  /** How long the intent may be paid, from `at`. */
  ttlMs: number;
  /** When it is created (epoch ms): the clock is the caller's. */
  at: number;
  catalogueVersion: number;
  /** The week of `at` is computed with these (the gateway's); default DEFAULT_GAME_RULES. */
  rules?: GameRules;
  /** Who announces it on PAYMENTS_CHANNEL (the task's id): a task skips its own announcements. */
  announceAs?: string;
}

export type { SettleInput } from './payment-settle';

export interface PaymentsRepository {
  /** Stores the payment once per signature; a repeat returns the stored row with created=false. */
  record(input: RecordPaymentInput): Promise<{ payment: Payment; created: boolean }>;
  /**
   * Sum (in tokens) and count per currency and mint of payments created in [from, to), verified
   * ones only unless `includeUnverified`; read from the reader.
   */
  volume(window: { from: Date; to: Date; includeUnverified?: boolean }): Promise<PaymentVolume[]>;

  /**
   * Stores what a player is asked to pay for a service in a thread, pending until `at + ttlMs`.
   * The thread must be the wallet's (else NotFoundError), with `agentId` (else
   * InvalidInputError) and open (else ThreadClosedError); a reference is used once.
   */
  createIntent(input: CreateIntentInput): Promise<PaymentIntent>;
  /** What the player already bought of a service this week (libs/game `checkPremiumRequest`). */
  usage(input: { wallet: string; weekId: string; service: string }): Promise<PremiumUsage>;
  intent(id: string): Promise<PaymentIntent | null>;
  intentByReference(reference: string): Promise<PaymentIntent | null>;
  /** The wallet's intents still payable (pending, not expired), newest first. */
  openIntents(input: { wallet: string; now?: Date; limit?: number }): Promise<PaymentIntent[]>;
  /** The wallet's intents of any status, newest first (the player's page on reload). */
  intentsOf(input: { wallet: string; limit?: number }): Promise<PaymentIntent[]>;
  /** Intents for the ops page, newest first, `before` (created_at, exclusive) pages; reader. */
  listIntents(input: {
    status?: PaymentIntentStatus;
    limit: number;
    before?: Date;
  }): Promise<PaymentIntent[]>;
  /** Premium payments created in [from, to) for the ops page, newest first; reader. */
  listPayments(input: {
    from?: Date;
    to?: Date;
    status?: PaymentStatus;
    limit: number;
  }): Promise<PaymentRecord[]>;
  /** The payment of a signature, if any (a replay check before asking the chain). */
  paymentBySignature(signature: string): Promise<Payment | null>;
  /** Verified premium payments per UTC day and mint over the last `days` days (today included). */
  volumeByDay(input: { days: number; now?: Date }): Promise<PaymentDayVolume[]>;
  /** Pending intents past `expires_at` at `now` become 'expired'; returns them (oldest first). */
  expireIntents(input: { now: Date; limit: number }): Promise<PaymentIntent[]>;
  /** Pending intents, expired or not (the reconcile job looks their payments up), oldest first. */
  pendingIntents(input: { limit: number }): Promise<PaymentIntent[]>;
  /**
   * What the reconcile job looks up: pending intents, and expired ones whose expiry is less than
   * `lateWindowMs` before `now` (a payment of them may still arrive, to be recorded as late).
   */
  reconcilableIntents(input: {
    now: Date;
    lateWindowMs: number;
    limit: number;
  }): Promise<PaymentIntent[]>;
  /**
   * Settles an intent with a verified transfer, once, in one transaction (see `settleIntent`):
   * a repeat returns the stored result with `created: false`; refusals are PaymentRefusedError.
   */
  settle(input: SettleInput): Promise<SettleResult>;
  /** The stored result of a settled payment (`created: false`), e.g. for a GAME_CHANNEL event. */
  settlement(paymentId: string): Promise<SettleResult | null>;
}

type PaymentRow = Prisma.PaymentGetPayload<object>;

function toRecord(row: PaymentRow): PaymentRecord {
  return {
    id: row.id,
    intentId: row.intentId,
    signature: row.signature,
    wallet: row.fromWallet,
    agentId: row.toAgent,
    service: row.serviceType,
    amount: BigInt(row.amountBase?.toFixed() ?? '0'),
    mint: row.mint ?? '',
    status: row.status as PaymentStatus,
    slot: row.slot,
    blockTime: row.blockTime,
    bonusPoints: row.bonusPoints === null ? null : row.bonusPoints.toNumber(),
    messageId: row.messageId,
    createdAt: row.createdAt,
  };
}

function toPayment(row: PaymentRow): Payment {
  return {
    id: row.id,
    signature: row.signature,
    fromWallet: row.fromWallet,
    toAgent: row.toAgent,
    amount: row.amount,
    currency: row.currency,
    serviceType: row.serviceType,
    verified: row.verified,
    createdAt: row.createdAt,
    intentId: row.intentId,
    mint: row.mint,
    amountBase: row.amountBase === null ? null : BigInt(row.amountBase.toFixed()),
    status: row.status as PaymentStatus | null,
    slot: row.slot,
    blockTime: row.blockTime,
    bonusPoints: row.bonusPoints === null ? null : row.bonusPoints.toNumber(),
    messageId: row.messageId,
  };
}

function requireLimit(limit: unknown, max = 1000): number {
  if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 1 || limit > max) {
    throw new InvalidInputError('limit', `limit must be an integer in [1, ${max}]`);
  }
  return limit;
}

function requireDate(field: string, value: unknown): Date {
  if (!(value instanceof Date) || Number.isNaN(value.getTime())) {
    throw new InvalidInputError(field, `${field} must be a valid Date`);
  }
  return value;
}

function requireInt(field: string, value: unknown, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || value > max) {
    throw new InvalidInputError(field, `${field} must be an integer in [${min}, ${max}]`);
  }
  return value;
}

function requireOneOf<T extends string>(field: string, value: unknown, allowed: readonly T[]): T {
  if (typeof value !== 'string' || !allowed.includes(value as T)) {
    throw new InvalidInputError(field, `${field} must be one of ${allowed.join(', ')}`);
  }
  return value as T;
}

export function paymentsRepository(ctx: RepoContext): PaymentsRepository {
  const intentWhere = (where: Prisma.PaymentIntentWhereInput, limit: number, asc = false) =>
    ctx.writer.paymentIntent
      .findMany({
        where,
        orderBy: [{ createdAt: asc ? 'asc' : 'desc' }, { id: asc ? 'asc' : 'desc' }],
        take: limit,
      })
      .then((rows) => rows.map(toIntent));

  return {
    record: (input) => {
      requireText('signature', input.signature, 200);
      assertWallet(input.fromWallet, 'fromWallet');
      requireText('toAgent', input.toAgent);
      requireText('currency', input.currency, 16);
      requireText('serviceType', input.serviceType);
      const amountText =
        typeof input.amount === 'string'
          ? input.amount.trim()
          : Prisma.Decimal.isDecimal(input.amount)
            ? input.amount.toFixed()
            : '';
      if (!DECIMAL_TEXT.test(amountText)) {
        throw new InvalidInputError(
          'amount',
          'amount must be a non-negative decimal with at most 9 decimal places',
        );
      }
      const data = {
        signature: input.signature,
        fromWallet: input.fromWallet,
        toAgent: input.toAgent,
        amount: new Prisma.Decimal(amountText),
        currency: input.currency,
        serviceType: input.serviceType,
        verified: input.verified ?? false,
      };
      return ctx.run('payments.record', async () => {
        const inserted = await ctx.writer.payment.createManyAndReturn({
          data: [data],
          skipDuplicates: true,
        });
        if (inserted[0]) return { payment: toPayment(inserted[0]), created: true };
        const existing = await ctx.writer.payment.findUniqueOrThrow({
          where: { signature: input.signature },
        });
        return { payment: toPayment(existing), created: false };
      });
    },

    volume: ({ from, to, includeUnverified = false }) =>
      ctx.run('payments.volume', async () => {
        const groups = await ctx.reader.payment.groupBy({
          by: ['currency', 'mint'],
          where: {
            createdAt: { gte: from, lt: to },
            ...(includeUnverified ? {} : { verified: true }),
          },
          _sum: { amount: true },
          _count: { _all: true },
          orderBy: [{ currency: 'asc' }, { mint: 'asc' }],
        });
        return groups.map((g) => ({
          currency: g.currency,
          mint: g.mint,
          total: g._sum.amount ?? new Prisma.Decimal(0),
          count: g._count._all,
        }));
      }),

    createIntent: (input) => {
      const wallet = assertWallet(input.wallet);
      const agentId = requireText('agentId', input.agentId);
      const service = requireText('service', input.service, 64);
      if (!SERVICE_ID.test(service)) {
        throw new InvalidInputError('service', 'service must be a lower_snake_case id');
      }
      const amount = requireBaseUnits('amount', input.amount);
      const mint = assertWallet(input.mint, 'mint');
      const recipient = assertWallet(input.recipient, 'recipient');
      const decimals = requireInt('decimals', input.decimals, 0, 9);
      // payments.amount keeps the tokens in numeric(30,9): at most 21 digits before the point.
      if (amount >= 10n ** BigInt(21 + decimals)) {
        throw new InvalidInputError('amount', 'amount is too large');
      }
      const reference = requireText('reference', input.reference, 100);
      const ttlMs = requireInt('ttlMs', input.ttlMs, 1, MAX_TTL_MS);
      const at = requireInt('at', input.at, 0, Number.MAX_SAFE_INTEGER);
      const catalogueVersion = requireInt('catalogueVersion', input.catalogueVersion, 1, 1_000_000);
      const weekId = weekOf(at, input.rules ?? DEFAULT_GAME_RULES).id;
      const { threadId } = input;
      if (!isUuid(threadId)) return Promise.reject(new NotFoundError('thread', threadId));
      return ctx.run('payments.createIntent', async () => {
        const thread = await ctx.writer.thread.findUnique({
          where: { id: threadId },
          select: { agentId: true, closedAt: true, session: { select: { wallet: true } } },
        });
        // Someone else's thread is "not found": ids do not reveal other players' threads.
        if (!thread || thread.session.wallet !== wallet)
          throw new NotFoundError('thread', threadId);
        if (thread.agentId !== agentId) {
          throw new InvalidInputError('agentId', `the thread's agent is not ${agentId}`);
        }
        if (thread.closedAt !== null) throw new ThreadClosedError(threadId);
        const rows = await ctx.writer.paymentIntent.createManyAndReturn({
          data: [
            {
              reference,
              wallet,
              agentId,
              threadId,
              service,
              amount: new Prisma.Decimal(amount.toString()),
              mint,
              recipient,
              decimals,
              weekId,
              catalogueVersion,
              createdAt: new Date(at),
              updatedAt: new Date(at),
              expiresAt: new Date(at + ttlMs),
            },
          ],
          skipDuplicates: true,
        });
        const row = rows[0];
        if (!row) throw new InvalidInputError('reference', 'reference is already used');
        // The task holding the player's stream may not be this one: it shows the card on this.
        const event: PaymentRequestEvent = {
          kind: 'request',
          intentId: row.id,
          threadId,
          origin: input.announceAs ?? null,
        };
        await ctx.writer
          .$executeRaw`SELECT pg_notify(${PAYMENTS_CHANNEL}, ${JSON.stringify(event)})`;
        return toIntent(row);
      });
    },

    usage: ({ wallet, weekId, service }) => {
      assertWallet(wallet);
      requireText('weekId', weekId, 40);
      requireText('service', service, 64);
      return ctx.run('payments.usage', async () => {
        // Under READ COMMITTED both counts come from one statement, so from one snapshot.
        const { rows } = await ctx.writerPool.query<{ n: string; since: string | null }>(
          `WITH bought AS (
             SELECT count(*) AS n, max(p.created_at) AS last
             FROM payments p JOIN payment_intents i ON i.id = p.intent_id
             WHERE i.wallet = $1 AND i.week_id = $2 AND i.service = $3 AND p.status = 'verified'
           )
           SELECT bought.n::text AS n,
                  CASE WHEN bought.last IS NULL THEN NULL ELSE (
                    SELECT count(*) FROM messages m
                    JOIN threads t ON t.id = m.thread_id JOIN sessions s ON s.id = t.session_id
                    WHERE m.sender_id = $1 AND s.wallet = $1 AND m.created_at > bought.last
                  )::text END AS since
           FROM bought`,
          [wallet, weekId, service],
        );
        const row = rows[0];
        return {
          purchasesThisWeek: Number(row?.n ?? 0),
          messagesSinceLastPurchase: row?.since == null ? null : Number(row.since),
        };
      });
    },

    intent: (id) => {
      if (!isUuid(id)) return Promise.resolve(null);
      return ctx.run('payments.intent', async () => {
        const row = await ctx.writer.paymentIntent.findUnique({ where: { id } });
        return row ? toIntent(row) : null;
      });
    },

    intentByReference: (reference) => {
      requireText('reference', reference, 100);
      return ctx.run('payments.intentByReference', async () => {
        const row = await ctx.writer.paymentIntent.findUnique({ where: { reference } });
        return row ? toIntent(row) : null;
      });
    },

    openIntents: ({ wallet, now = new Date(), limit = 100 }) => {
      assertWallet(wallet);
      requireDate('now', now);
      requireLimit(limit);
      return ctx.run('payments.openIntents', () =>
        intentWhere({ wallet, status: 'pending', expiresAt: { gt: now } }, limit),
      );
    },

    intentsOf: ({ wallet, limit = 100 }) => {
      assertWallet(wallet);
      requireLimit(limit);
      return ctx.run('payments.intentsOf', () => intentWhere({ wallet }, limit));
    },

    listIntents: ({ status, limit, before }) => {
      if (status !== undefined) requireOneOf('status', status, INTENT_STATUSES);
      if (before !== undefined) requireDate('before', before);
      requireLimit(limit);
      return ctx.run('payments.listIntents', async () => {
        const rows = await ctx.reader.paymentIntent.findMany({
          where: {
            ...(status ? { status } : {}),
            ...(before ? { createdAt: { lt: before } } : {}),
          },
          orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
          take: limit,
        });
        return rows.map(toIntent);
      });
    },

    listPayments: ({ from, to, status, limit }) => {
      if (status !== undefined) requireOneOf('status', status, PAYMENT_STATUSES);
      if (from !== undefined) requireDate('from', from);
      if (to !== undefined) requireDate('to', to);
      requireLimit(limit);
      return ctx.run('payments.listPayments', async () => {
        const rows = await ctx.reader.payment.findMany({
          where: {
            status: status ?? { not: null },
            ...(from || to
              ? { createdAt: { ...(from ? { gte: from } : {}), ...(to ? { lt: to } : {}) } }
              : {}),
          },
          orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
          take: limit,
        });
        return rows.map(toRecord);
      });
    },

    paymentBySignature: (signature) => {
      requireText('signature', signature, 200);
      return ctx.run('payments.paymentBySignature', async () => {
        const row = await ctx.writer.payment.findUnique({ where: { signature } });
        return row ? toPayment(row) : null;
      });
    },

    volumeByDay: ({ days, now = new Date() }) => {
      requireInt('days', days, 1, 366);
      requireDate('now', now);
      const today = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
      const from = new Date(today - (days - 1) * 86_400_000);
      return ctx.run('payments.volumeByDay', async () =>
        (
          await ctx.reader.$queryRaw<
            Array<{ day: string; mint: string; total: string; count: number }>
          >`
            SELECT to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS day, mint,
                   sum(amount_base)::text AS total, count(*)::int AS count
            FROM payments
            WHERE status = 'verified' AND mint IS NOT NULL AND amount_base IS NOT NULL
              AND created_at >= ${from} AND created_at <= ${now}
            GROUP BY 1, 2
            ORDER BY 1, 2`
        ).map((r) => ({ day: r.day, mint: r.mint, total: BigInt(r.total), count: r.count })),
      );
    },

    expireIntents: ({ now, limit }) => {
      requireDate('now', now);
      requireLimit(limit, 10_000);
      return ctx.run('payments.expireIntents', async () => {
        // SKIP LOCKED: an intent being settled right now is left to its settlement.
        const { rows } = await ctx.writerPool.query<Omit<IntentRow, 'amount'> & { amount: string }>(
          `WITH due AS (
             SELECT id FROM payment_intents
             WHERE status = 'pending' AND expires_at < $1
             ORDER BY expires_at, id LIMIT $2
             FOR UPDATE SKIP LOCKED
           )
           UPDATE payment_intents i SET status = 'expired', updated_at = now()
           FROM due WHERE i.id = due.id
           RETURNING ${INTENT_SQL_COLUMNS}`,
          [now, limit],
        );
        return rows
          .map(toIntent)
          .sort((a, b) => a.expiresAt.getTime() - b.expiresAt.getTime() || (a.id < b.id ? -1 : 1));
      });
    },

    pendingIntents: ({ limit }) => {
      requireLimit(limit, 10_000);
      return ctx.run('payments.pendingIntents', async () => {
        const rows = await ctx.writer.paymentIntent.findMany({
          where: { status: 'pending' },
          orderBy: [{ expiresAt: 'asc' }, { id: 'asc' }],
          take: limit,
        });
        return rows.map(toIntent);
      });
    },

    reconcilableIntents: ({ now, lateWindowMs, limit }) => {
      requireDate('now', now);
      requireInt('lateWindowMs', lateWindowMs, 0, 30 * 86_400_000);
      requireLimit(limit, 10_000);
      return ctx.run('payments.reconcilableIntents', async () => {
        const rows = await ctx.writer.paymentIntent.findMany({
          where: {
            OR: [
              { status: 'pending' },
              { status: 'expired', expiresAt: { gt: new Date(now.getTime() - lateWindowMs) } },
            ],
          },
          orderBy: [{ expiresAt: 'asc' }, { id: 'asc' }],
          take: limit,
        });
        return rows.map(toIntent);
      });
    },

    settle: (input) => settleIntent(ctx, input),

    settlement: (paymentId) => {
      if (!isUuid(paymentId)) return Promise.resolve(null);
      return ctx.run('payments.settlement', () => settledResult(ctx, paymentId));
    },
  };
}
