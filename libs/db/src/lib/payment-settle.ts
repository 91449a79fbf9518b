import {
  applyPremiumPayment,
  formatTokenAmount,
  GameInputError,
  parseWeekId,
  type GameRules,
} from '@pardon/game';
import type pg from 'pg';
import { inTransaction, isUuid, type RepoContext } from './context';
import { InvalidInputError, NotFoundError } from './errors';
import { GAME_CHANNEL, type GameEvent } from './game/events';
import { lockWeekRow, readWeekState } from './game/week-row';
import { APPEND_SQL, parseMessageId, SYSTEM_SENDER } from './messages';
import { INTENT_SQL_COLUMNS, requireBaseUnits, toIntent } from './payment-rows';
import { requireText } from './sessions';
import type { PaymentIntent, SettleResult } from './types';
import { assertWallet } from './wallet';

/** Why a settlement is refused; nothing is written. */
export type PaymentRefusalCode =
  | 'payment_replayed'
  | 'intent_already_paid'
  | 'payment_not_yours'
  /** The transfer moved less than the intent asks. */
  | 'payment_short';

/** A transfer that cannot settle this intent: `code` says why (the gateway maps it to a reply). */
export class PaymentRefusedError extends InvalidInputError {
  override readonly code: PaymentRefusalCode;

  constructor(code: PaymentRefusalCode, message: string) {
    super('signature', message);
    this.code = code;
  }
}

export interface SettleInput {
  intentId: string;
  /** The transfer's signature: pays one intent, once. */
  signature: string;
  /** The transfer's signer: must be the intent's wallet. */
  payer: string;
  /** What the transfer moved, in base units: at least the intent's amount (stored as moved). */
  amount: bigint;
  slot: number | bigint;
  /** The chain's time of the transfer; null when the cluster did not give one (then `at`). */
  blockTime: Date | null;
  /** When it is settled (epoch ms): the pardon's instant if it grants one. */
  at: number;
  /** The bonus of this purchase, given the verified purchases of the service before it this week. */
  bonusPoints: (purchasesBefore: number) => number;
  rules: GameRules;
  /** Who announces it on GAME_CHANNEL and MESSAGES_CHANNEL (a task skips its own). */
  announceAs?: string;
  /** Stored as the payment's currency. Default `PARDON`. */
  currency?: string;
}

/**
 * The origin of a settlement's message announcement when the caller gives none (the reconcile
 * job): no task has that id, so every task pushes the message to its streams.
 */
export const PAYMENTS_ORIGIN = 'payments';
const MAX_BONUS_POINTS = 9999.99;

interface PaymentRow {
  id: string;
  intentId: string | null;
  status: 'verified' | 'late' | null;
  bonusPoints: string | null;
  pointsAwarded: string | null;
  scoreAfter: string | null;
  pardonGranted: boolean;
  messageId: string | null;
  signature: string;
  amountBase: string | null;
}

const PAYMENT_COLUMNS = `id::text AS id, intent_id::text AS "intentId", status,
  bonus_points::text AS "bonusPoints", points_awarded::text AS "pointsAwarded",
  score_after::text AS "scoreAfter", pardon_granted AS "pardonGranted", message_id AS "messageId",
  signature, amount_base::text AS "amountBase"`;

const num = (v: string | null): number => (v === null ? 0 : Number(v));

function refuse(code: PaymentRefusalCode, message: string): never {
  throw new PaymentRefusedError(code, message);
}

/**
 * Settles a payment intent with a verified on-chain transfer, in one transaction: the intent's
 * row is locked first, so concurrent settlements of it (a player's retry, another task, the
 * reconcile job) apply one after another, and the second finds the first's payment and returns
 * its stored result (`created: false`). A signature pays one intent (unique), an intent is paid
 * once. A transfer made after the intent expired (by the chain's time) is recorded as late: no
 * points, no message. Otherwise the payment is verified and, with the player's week row locked
 * as an evaluation locks it, its bonus applied (libs/game `applyPremiumPayment`: the premium
 * service counted, the pardon granted if it reaches the threshold), a system message appended
 * to the thread (as a normal append: the thread's seq, MESSAGES_CHANNEL) and the score announced
 * on GAME_CHANNEL — all of it or none.
 */
export function settleIntent(ctx: RepoContext, input: SettleInput): Promise<SettleResult> {
  requireText('signature', input.signature, 200);
  assertWallet(input.payer, 'payer');
  requireBaseUnits('amount', input.amount);
  if (typeof input.bonusPoints !== 'function') {
    throw new InvalidInputError('bonusPoints', 'bonusPoints must be a function');
  }
  if (!Number.isSafeInteger(input.at) || input.at < 0) {
    throw new InvalidInputError('at', 'at must be integer ms since the epoch');
  }
  if (input.blockTime !== null && Number.isNaN(input.blockTime.getTime?.())) {
    throw new InvalidInputError('blockTime', 'blockTime must be a valid Date or null');
  }
  const slot = BigInt(input.slot);
  if (slot < 0n) throw new InvalidInputError('slot', 'slot must be ≥ 0');
  const currency = requireText('currency', input.currency ?? 'PARDON', 16);
  if (input.announceAs !== undefined) requireText('announceAs', input.announceAs);
  if (!isUuid(input.intentId)) {
    return Promise.reject(new NotFoundError('payment_intent', input.intentId));
  }
  return ctx.run('payments.settle', () =>
    inTransaction(ctx.writerPool, (client) => settleIn(client, input, slot, currency)),
  );
}

async function settleIn(
  client: pg.PoolClient,
  input: SettleInput,
  slot: bigint,
  currency: string,
): Promise<SettleResult> {
  const intentRows = await client.query(
    `SELECT ${INTENT_SQL_COLUMNS} FROM payment_intents i WHERE i.id = $1 FOR UPDATE`,
    [input.intentId],
  );
  if (!intentRows.rows[0]) throw new NotFoundError('payment_intent', input.intentId);
  const intent = toIntent(intentRows.rows[0]);

  const used = await client.query<PaymentRow>(
    `SELECT ${PAYMENT_COLUMNS} FROM payments WHERE signature = $1`,
    [input.signature],
  );
  const stored = used.rows[0];
  if (stored) {
    if (stored.intentId === intent.id) return storedResult(client, intent, stored);
    refuse('payment_replayed', 'This transaction already paid another request.');
  }
  if (intent.paymentId !== null) {
    refuse('intent_already_paid', 'This request is already paid by another transaction.');
  }
  if (input.payer !== intent.wallet) {
    refuse('payment_not_yours', 'The transfer was not made by the wallet that was asked to pay.');
  }
  if (input.amount < intent.amount) {
    refuse(
      'payment_short',
      `The transfer moved ${input.amount} base units, the request asked for ${intent.amount}.`,
    );
  }
  const paidAt = input.blockTime ?? new Date(input.at);
  const late = paidAt.getTime() > intent.expiresAt.getTime();

  // Claims the signature. The intent's lock serializes settlements of this intent, so a conflict
  // here is another intent's settlement that committed the signature meanwhile.
  const inserted = await client.query<{ id: string }>(
    `INSERT INTO payments (signature, from_wallet, to_agent, amount, currency, service_type,
                           verified, intent_id, mint, amount_base, status, slot, block_time)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
     ON CONFLICT (signature) DO NOTHING
     RETURNING id::text AS id`,
    [
      input.signature,
      input.payer,
      intent.agentId,
      formatTokenAmount(input.amount, intent.decimals),
      currency,
      intent.service,
      !late,
      intent.id,
      intent.mint,
      input.amount.toString(),
      late ? 'late' : 'verified',
      slot.toString(),
      input.blockTime,
    ],
  );
  const paymentId = inserted.rows[0]?.id;
  if (paymentId === undefined) {
    refuse('payment_replayed', 'This transaction already paid another request.');
  }
  const settle = (status: 'paid' | 'late') =>
    client.query(
      `UPDATE payment_intents SET status = $2, payment_id = $3, settled_at = $4, updated_at = now()
       WHERE id = $1`,
      [intent.id, status, paymentId, new Date(input.at)],
    );
  const base = {
    paymentId,
    intentId: intent.id,
    signature: input.signature,
    wallet: intent.wallet,
    agentId: intent.agentId,
    threadId: intent.threadId,
    service: intent.service,
    weekId: intent.weekId,
    amount: input.amount,
    created: true,
  };

  if (late) {
    const score = await currentScore(client, intent);
    await client.query(
      `UPDATE payments SET bonus_points = 0, points_awarded = 0, score_after = $2 WHERE id = $1`,
      [paymentId, score],
    );
    await settle('late');
    return {
      ...base,
      status: 'late',
      bonusPoints: 0,
      pointsAwarded: 0,
      newScore: score,
      pardonGranted: false,
      finalScore: null,
      pardonGrantedAt: null,
      messageId: null,
      messageSeq: null,
    };
  }

  const { rules } = input;
  let week;
  try {
    week = parseWeekId(intent.weekId, rules);
  } catch (error) {
    if (error instanceof GameInputError) throw new InvalidInputError('rules', error.message);
    throw error;
  }
  // The week's row, locked as evaluations lock it: everything that moves a player's week queues here.
  const row = await lockWeekRow(client, intent.wallet, week.id);
  const state = await readWeekState(client, intent.wallet, week, row, rules);
  const before = await client.query<{ n: string }>(
    `SELECT count(*)::text AS n FROM payments p JOIN payment_intents i ON i.id = p.intent_id
     WHERE i.wallet = $1 AND i.week_id = $2 AND i.service = $3 AND p.status = 'verified'
       AND p.id <> $4`,
    [intent.wallet, week.id, intent.service, paymentId],
  );
  const purchasesBefore = Number(before.rows[0]?.n ?? 0);
  const bonusPoints = input.bonusPoints(purchasesBefore);
  if (
    typeof bonusPoints !== 'number' ||
    !Number.isFinite(bonusPoints) ||
    bonusPoints < 0 ||
    bonusPoints > MAX_BONUS_POINTS
  ) {
    throw new InvalidInputError('bonusPoints', `bonus points must be in [0, ${MAX_BONUS_POINTS}]`);
  }
  let outcome;
  try {
    outcome = applyPremiumPayment(state, { bonusPoints, at: input.at }, rules);
  } catch (error) {
    if (error instanceof GameInputError) throw new InvalidInputError('payment', error.message);
    throw error;
  }
  const next = outcome.state;
  const line = `Payment verified: ${groupedTokens(input.amount, intent.decimals)} ${currency} for ${intent.service}.`;
  await client.query(
    `UPDATE player_weeks SET score = $3, premium_services = $4, pardon_granted_at = $5,
            final_score = $6, last_points = $7, last_reason = $8, last_agent_id = $9,
            last_evaluated_at = $10, updated_at = now()
     WHERE wallet = $1 AND week_id = $2`,
    [
      intent.wallet,
      week.id,
      next.score,
      next.premiumServices,
      next.pardonGrantedAt === null ? null : new Date(next.pardonGrantedAt),
      next.finalScore,
      outcome.pointsAwarded,
      line,
      intent.agentId,
      new Date(input.at),
    ],
  );

  const message = await appendSystemMessage(client, intent, {
    content: `${line}\n${JSON.stringify({
      type: 'payment_verified',
      intentId: intent.id,
      paymentId,
      service: intent.service,
      amount: input.amount.toString(),
      decimals: intent.decimals,
      signature: input.signature,
      bonusPoints,
      // The player who paid: the agent's delivery mentions them.
      wallet: intent.wallet,
    })}`,
    origin: input.announceAs ?? PAYMENTS_ORIGIN,
  });
  await client.query(
    `UPDATE payments SET bonus_points = $2, points_awarded = $3, score_after = $4,
            pardon_granted = $5, message_id = $6
     WHERE id = $1`,
    [
      paymentId,
      bonusPoints,
      outcome.pointsAwarded,
      next.score,
      outcome.pardonGranted,
      message?.id ?? null,
    ],
  );
  await settle('paid');

  const result: SettleResult = {
    ...base,
    status: 'verified',
    bonusPoints,
    pointsAwarded: outcome.pointsAwarded,
    newScore: next.score,
    pardonGranted: outcome.pardonGranted,
    finalScore: outcome.pardonGranted ? next.finalScore : null,
    pardonGrantedAt: outcome.pardonGranted ? next.pardonGrantedAt : null,
    messageId: message?.id ?? null,
    messageSeq: message?.seq ?? null,
  };
  await client.query(`SELECT pg_notify($1, $2)`, [
    GAME_CHANNEL,
    JSON.stringify(paymentEventOf(result, line, input.announceAs ?? null)),
  ]);
  return result;
}

/** The announcement of a verified payment on GAME_CHANNEL (a score event, `kind: 'payment'`). */
export function paymentEventOf(
  result: SettleResult,
  reason: string,
  origin: string | null,
): GameEvent {
  return {
    threadId: result.threadId,
    messageId: result.messageId ?? '',
    agentId: result.agentId,
    weekId: result.weekId,
    points: result.pointsAwarded,
    score: result.newScore,
    reason,
    pardonGranted: result.pardonGranted,
    finalScore: result.finalScore,
    pardonGrantedAt: result.pardonGrantedAt,
    origin,
    kind: 'payment',
    service: result.service,
    paymentId: result.paymentId,
  };
}

/** `4,000` or `1,234.5`: whole tokens grouped by thousands, as a person reads them. */
function groupedTokens(amount: bigint, decimals: number): string {
  const [whole = '0', fraction] = formatTokenAmount(amount, decimals).split('.');
  const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return fraction ? `${grouped}.${fraction}` : grouped;
}

/**
 * Appends the system message with the statement of a normal append (`APPEND_SQL`): the thread's
 * row lock, the next seq, MESSAGES_CHANNEL. Idempotent on the intent (its client message id).
 * Null when the thread has been closed meanwhile: the payment still counts.
 */
async function appendSystemMessage(
  client: pg.PoolClient,
  intent: PaymentIntent,
  message: { content: string; origin: string },
): Promise<{ id: string; seq: number } | null> {
  const { rows } = await client.query<{ outcome: string; id: string | null; seq: number | null }>({
    name: 'messages.append',
    text: APPEND_SQL,
    values: [
      intent.threadId,
      SYSTEM_SENDER,
      message.content,
      [intent.agentId],
      `payment:${intent.id}`,
      message.origin,
    ],
  });
  const row = rows[0];
  if (!row || row.outcome === 'closed' || row.id === null || row.seq === null) return null;
  return { id: row.id, seq: row.seq };
}

async function currentScore(client: pg.PoolClient, intent: PaymentIntent): Promise<number> {
  const { rows } = await client.query<{ score: string }>(
    `SELECT score::text AS score FROM player_weeks WHERE wallet = $1 AND week_id = $2`,
    [intent.wallet, intent.weekId],
  );
  return num(rows[0]?.score ?? null);
}

/** The stored result of a settled payment by its id (`created: false`); null when it has none. */
export async function settledResult(
  ctx: RepoContext,
  paymentId: string,
): Promise<SettleResult | null> {
  const { rows } = await ctx.writerPool.query<PaymentRow>(
    `SELECT ${PAYMENT_COLUMNS} FROM payments WHERE id = $1 AND intent_id IS NOT NULL`,
    [paymentId],
  );
  const payment = rows[0];
  if (!payment?.intentId) return null;
  const intents = await ctx.writerPool.query(
    `SELECT ${INTENT_SQL_COLUMNS} FROM payment_intents i WHERE i.id = $1`,
    [payment.intentId],
  );
  if (!intents.rows[0]) return null;
  return storedResult(ctx.writerPool, toIntent(intents.rows[0]), payment);
}

async function storedResult(
  client: Pick<pg.PoolClient, 'query'>,
  intent: PaymentIntent,
  payment: PaymentRow,
): Promise<SettleResult> {
  let finalScore: number | null = null;
  let pardonGrantedAt: number | null = null;
  if (payment.pardonGranted) {
    const { rows } = await client.query<{ finalScore: string | null; at: Date | null }>(
      `SELECT final_score::text AS "finalScore", pardon_granted_at AS at
       FROM player_weeks WHERE wallet = $1 AND week_id = $2`,
      [intent.wallet, intent.weekId],
    );
    finalScore = rows[0]?.finalScore == null ? null : Number(rows[0].finalScore);
    pardonGrantedAt = rows[0]?.at ? rows[0].at.getTime() : null;
  }
  return {
    paymentId: payment.id,
    intentId: intent.id,
    signature: payment.signature,
    status: payment.status === 'late' ? 'late' : 'verified',
    wallet: intent.wallet,
    agentId: intent.agentId,
    threadId: intent.threadId,
    service: intent.service,
    weekId: intent.weekId,
    amount: payment.amountBase === null ? intent.amount : BigInt(payment.amountBase),
    bonusPoints: num(payment.bonusPoints),
    pointsAwarded: num(payment.pointsAwarded),
    newScore: num(payment.scoreAfter),
    pardonGranted: payment.pardonGranted,
    finalScore,
    pardonGrantedAt,
    messageId: payment.messageId,
    messageSeq: payment.messageId ? (parseMessageId(payment.messageId)?.seq ?? null) : null,
    created: false,
  };
}
