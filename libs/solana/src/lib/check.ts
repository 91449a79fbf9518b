// Does one observed transaction pay what a payment intent asked for? Pure.
import type { ObservedTransaction } from './parse';

export type PaymentCheckCode =
  | 'payment_failed'
  | 'payment_wrong_mint'
  | 'payment_wrong_recipient'
  | 'payment_short'
  | 'payment_not_yours'
  | 'payment_missing_reference'
  | 'payment_too_old';

export interface PaymentExpectation {
  payer: string;
  mint: string;
  /** owner wallet of the receiving token account */
  treasury: string;
  /** base units */
  amount: bigint;
  reference: string;
  /** when the payment intent was created: a transaction before it cannot pay it */
  notBefore: Date;
}

export type PaymentCheckResult =
  | { ok: true; amount: bigint; paidAt: Date }
  | { ok: false; code: PaymentCheckCode; message: string };

/** How far a block's time may lag the server's clock that stamped `notBefore`. */
export const CLOCK_SLACK_MS = 60_000;

/**
 * Checks one transaction against a payment intent. The first failing rule wins, in this order:
 * failed on chain → reference missing from the account keys → not yours (the payer did not sign,
 * or none of the payer's token balances went down) → wrong mint (the treasury received nothing
 * of the mint and the mint did not leave the payer, but another mint did) → wrong recipient (the
 * mint left the payer but the treasury received none of it) → short (the treasury received less
 * than `amount`) → too old (block time more than CLOCK_SLACK_MS before `notBefore`).
 * On success `amount` is what the treasury received (≥ the expected amount) and `paidAt` the
 * block time (`notBefore` when the node reports no block time).
 */
export function checkPayment(
  tx: ObservedTransaction,
  expect: PaymentExpectation,
): PaymentCheckResult {
  if (!tx.succeeded) return fail('payment_failed', `transaction ${tx.signature} failed on chain`);
  if (!tx.accountKeys.includes(expect.reference)) {
    return fail(
      'payment_missing_reference',
      `transaction ${tx.signature} does not carry the payment reference`,
    );
  }
  if (!tx.signers.includes(expect.payer)) {
    return fail(
      'payment_not_yours',
      `transaction ${tx.signature} is not signed by ${expect.payer}`,
    );
  }
  const payerMintDelta = sum(tx, (d) => d.owner === expect.payer && d.mint === expect.mint);
  const payerOtherMintsOut = tx.tokenDeltas.some(
    (d) => d.owner === expect.payer && d.mint !== expect.mint && d.delta < 0n,
  );
  if (payerMintDelta >= 0n && !payerOtherMintsOut) {
    return fail(
      'payment_not_yours',
      `no token balance of ${expect.payer} went down in ${tx.signature}`,
    );
  }
  const received = sum(tx, (d) => d.owner === expect.treasury && d.mint === expect.mint);
  if (received <= 0n) {
    if (payerMintDelta >= 0n) {
      return fail(
        'payment_wrong_mint',
        `transaction ${tx.signature} moved another token than ${expect.mint}`,
      );
    }
    return fail(
      'payment_wrong_recipient',
      `transaction ${tx.signature} paid ${expect.mint} to another owner than the treasury`,
    );
  }
  if (received < expect.amount) {
    return fail(
      'payment_short',
      `the treasury received ${received} of ${expect.amount} base units`,
    );
  }
  const paidAt = tx.blockTime === null ? expect.notBefore : new Date(tx.blockTime * 1000);
  if (paidAt.getTime() < expect.notBefore.getTime() - CLOCK_SLACK_MS) {
    return fail(
      'payment_too_old',
      `transaction ${tx.signature} (${paidAt.toISOString()}) predates the payment intent`,
    );
  }
  return { ok: true, amount: received, paidAt };
}

function sum(
  tx: ObservedTransaction,
  pick: (d: ObservedTransaction['tokenDeltas'][number]) => boolean,
): bigint {
  return tx.tokenDeltas.filter(pick).reduce((n, d) => n + d.delta, 0n);
}

function fail(code: PaymentCheckCode, message: string): PaymentCheckResult {
  return { ok: false, code, message };
}
