import type { Prisma } from '../generated/prisma/client';
import { InvalidInputError } from './errors';
import type { PaymentIntent, PaymentIntentStatus } from './types';

/** numeric(39,0) holds up to 39 digits. */
const MAX_BASE_UNITS = 10n ** 39n - 1n;

export type IntentRow = Prisma.PaymentIntentGetPayload<object>;

/** An intent row from Prisma or from SQL (`INTENT_SQL_COLUMNS`, amount as text). */
export function toIntent(
  row: IntentRow | (Omit<IntentRow, 'amount'> & { amount: string }),
): PaymentIntent {
  return {
    id: row.id,
    reference: row.reference,
    wallet: row.wallet,
    agentId: row.agentId,
    threadId: row.threadId,
    service: row.service,
    amount: BigInt(typeof row.amount === 'string' ? row.amount : row.amount.toFixed()),
    mint: row.mint,
    recipient: row.recipient,
    decimals: row.decimals,
    weekId: row.weekId,
    status: row.status as PaymentIntentStatus,
    catalogueVersion: row.catalogueVersion,
    createdAt: row.createdAt,
    expiresAt: row.expiresAt,
    settledAt: row.settledAt,
    paymentId: row.paymentId,
  };
}

/** The columns of `payment_intents i` under their domain names, amount as text. */
export const INTENT_SQL_COLUMNS = `i.id::text AS id, i.reference, i.wallet, i.agent_id AS "agentId",
  i.thread_id::text AS "threadId", i.service, i.amount::text AS amount, i.mint, i.recipient,
  i.decimals, i.week_id AS "weekId", i.status, i.catalogue_version AS "catalogueVersion",
  i.created_at AS "createdAt", i.updated_at AS "updatedAt", i.expires_at AS "expiresAt",
  i.settled_at AS "settledAt", i.payment_id::text AS "paymentId"`;

export function requireBaseUnits(field: string, value: unknown): bigint {
  if (typeof value !== 'bigint' || value <= 0n || value > MAX_BASE_UNITS) {
    throw new InvalidInputError(field, `${field} must be a bigint of base units > 0`);
  }
  return value;
}
