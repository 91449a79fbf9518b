import type { PaymentIntent, PaymentsRepository } from '@pardon/db';
import type { Chain } from '@pardon/solana';
import { PaymentError } from './errors';
import { verifyAndSettle, type VerifyDeps } from './verify';

export interface ReconcileDeps extends Omit<VerifyDeps, 'payments' | 'chain' | 'announceAs'> {
  payments: VerifyDeps['payments'] &
    Pick<PaymentsRepository, 'reconcilableIntents' | 'expireIntents'>;
  chain: Pick<Chain, 'getTransaction' | 'signaturesFor'>;
  logger?: { warn(obj: object, msg: string): void; info(obj: object, msg: string): void };
}

export interface PaymentReconcileResult {
  job: 'payment-reconcile';
  /** Intents whose reference was looked up on chain. */
  scanned: number;
  /** Transfers found for them and settled now (by this run; earlier settlements are not counted). */
  settled: number;
  /** Of those, transfers that arrived after their intent expired: recorded for a refund. */
  late: number;
  /** Transfers carrying a reference that did not pay its intent (wrong mint, short, …). */
  refused: number;
  /** Unpaid intents past their expiry, closed now. */
  expired: number;
  /** Intents whose lookup failed (the chain was unavailable): tried again next run. */
  failed: number;
}

/**
 * Who a settlement of this job is announced as: the gateways know it has no bus and hand its
 * system message to the agent themselves.
 */
export const RECONCILE_ORIGIN = 'payment-reconcile';

/** The most transactions read per reference: a reference is unique to one intent. */
const SIGNATURES_PER_REFERENCE = 20;

/**
 * Settles what players paid but never reported (their browser died after signing): for every
 * open intent, and for expired ones still inside the late window, the transfers carrying its
 * reference are read from the chain and settled exactly as `POST /api/payments` would, so a
 * payment found here and posted by the player as well is still counted once. Then the intents
 * that expired unpaid are closed. Idempotent; safe to run on several workers at once.
 */
export async function runPaymentReconcile(
  deps: ReconcileDeps,
  options: { limit: number },
): Promise<PaymentReconcileResult> {
  const now = deps.now();
  const result: PaymentReconcileResult = {
    job: 'payment-reconcile',
    scanned: 0,
    settled: 0,
    late: 0,
    refused: 0,
    expired: 0,
    failed: 0,
  };
  const intents = await deps.payments.reconcilableIntents({
    now: new Date(now),
    lateWindowMs: deps.settings.lateWindowMs,
    limit: options.limit,
  });
  for (const intent of intents) {
    result.scanned += 1;
    try {
      await reconcileIntent(deps, intent, result);
    } catch (err) {
      result.failed += 1;
      deps.logger?.warn({ err, intentId: intent.id }, 'payment-reconcile: lookup failed');
    }
  }
  const expired = await deps.payments.expireIntents({ now: new Date(now), limit: options.limit });
  result.expired = expired.length;
  if (result.settled > 0 || result.expired > 0) {
    deps.logger?.info({ ...result }, 'payment-reconcile: intents settled or closed');
  }
  return result;
}

async function reconcileIntent(
  deps: ReconcileDeps,
  intent: PaymentIntent,
  result: PaymentReconcileResult,
): Promise<void> {
  const signatures = await deps.chain.signaturesFor(intent.reference, {
    limit: SIGNATURES_PER_REFERENCE,
  });
  // Oldest first: the first good transfer pays the intent; later ones are somebody's mistake.
  for (const info of [...signatures].reverse()) {
    if (info.failed) continue;
    try {
      const settled = await verifyAndSettle(
        { ...deps, announceAs: RECONCILE_ORIGIN },
        intent,
        info.signature,
      );
      if (settled.created) {
        result.settled += 1;
        if (settled.status === 'late') result.late += 1;
      }
      return;
    } catch (err) {
      if (!(err instanceof PaymentError)) throw err;
      if (err.code === 'payment_not_found') continue;
      if (err.code === 'intent_already_paid') return;
      result.refused += 1;
    }
  }
}
