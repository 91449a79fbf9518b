import {
  PaymentRefusedError,
  type PaymentIntent,
  type PaymentsRepository,
  type SettleResult,
} from '@pardon/db';
import { premiumBonusPoints, premiumService, type GameRules } from '@pardon/game';
import { checkPayment, type Chain } from '@pardon/solana';
import { PaymentError } from './errors';
import type { PaymentSettings } from './settings';

export interface VerifyDeps {
  payments: Pick<PaymentsRepository, 'settle' | 'paymentBySignature'>;
  chain: Pick<Chain, 'getTransaction'>;
  settings: PaymentSettings;
  rules: GameRules;
  now: () => number;
  /** Who announces the settlement (the task's id, or the worker's). */
  announceAs?: string;
}

/**
 * Verifies one transfer against its intent on chain and settles it, exactly once: a signature
 * already settled for this intent answers the stored result (without asking the chain), one used
 * for another intent is a replay. The chain's word decides everything else (success, mint,
 * recipient, amount, reference, payer, age); the settlement itself is one database transaction
 * (libs/db `payments.settle`), so two tasks or a task and the reconcile job racing on one
 * payment record it once.
 */
export async function verifyAndSettle(
  deps: VerifyDeps,
  intent: PaymentIntent,
  signature: string,
): Promise<SettleResult> {
  const used = await deps.payments.paymentBySignature(signature);
  if (used && used.intentId !== intent.id) {
    throw new PaymentError('payment_replayed', 'This transaction already paid another request.');
  }
  const tx = await deps.chain.getTransaction(signature);
  if (tx === null) {
    throw new PaymentError(
      'payment_not_found',
      `The cluster does not know transaction ${signature} yet (at ${deps.settings.commitment}); try again in a few seconds.`,
    );
  }
  const check = checkPayment(tx, {
    payer: intent.wallet,
    mint: intent.mint,
    treasury: intent.recipient,
    amount: intent.amount,
    reference: intent.reference,
    notBefore: intent.createdAt,
  });
  if (!check.ok) throw new PaymentError(check.code, check.message);
  const entry = premiumService(deps.settings.catalogue, intent.service);
  try {
    return await deps.payments.settle({
      intentId: intent.id,
      signature,
      payer: intent.wallet,
      amount: check.amount,
      slot: tx.slot,
      blockTime: check.paidAt,
      at: deps.now(),
      bonusPoints: (purchasesBefore) =>
        entry === undefined
          ? 0
          : premiumBonusPoints(check.amount, deps.settings.decimals, purchasesBefore, entry.usage),
      rules: deps.rules,
      ...(deps.announceAs !== undefined ? { announceAs: deps.announceAs } : {}),
    });
  } catch (err) {
    if (err instanceof PaymentRefusedError) {
      throw new PaymentError(err.code, err.message);
    }
    throw err;
  }
}
