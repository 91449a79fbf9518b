import { Prisma } from '../generated/prisma/client';
import type { RepoContext } from './context';
import { InvalidInputError } from './errors';
import { requireText } from './sessions';
import type { Payment, PaymentVolume } from './types';
import { assertWallet } from './wallet';

type Decimal = Prisma.Decimal;
const DECIMAL_TEXT = /^\d{1,21}(?:\.\d{1,9})?$/;

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

export interface PaymentsRepository {
  /** Stores the payment once per signature; a repeat returns the stored row with created=false. */
  record(input: RecordPaymentInput): Promise<{ payment: Payment; created: boolean }>;
  /**
   * Sum and count per currency of payments created in [from, to), verified ones only unless
   * `includeUnverified`; read from the reader.
   */
  volume(window: { from: Date; to: Date; includeUnverified?: boolean }): Promise<PaymentVolume[]>;
}

function toPayment(row: {
  id: string;
  signature: string;
  fromWallet: string;
  toAgent: string;
  amount: Decimal;
  currency: string;
  serviceType: string;
  verified: boolean;
  createdAt: Date;
}): Payment {
  const { id, signature, fromWallet, toAgent, amount, currency, serviceType, verified, createdAt } =
    row;
  return { id, signature, fromWallet, toAgent, amount, currency, serviceType, verified, createdAt };
}

export function paymentsRepository(ctx: RepoContext): PaymentsRepository {
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
          by: ['currency'],
          where: {
            createdAt: { gte: from, lt: to },
            ...(includeUnverified ? {} : { verified: true }),
          },
          _sum: { amount: true },
          _count: { _all: true },
          orderBy: { currency: 'asc' },
        });
        return groups.map((g) => ({
          currency: g.currency,
          total: g._sum.amount ?? new Prisma.Decimal(0),
          count: g._count._all,
        }));
      }),
  };
}
