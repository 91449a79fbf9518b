// A premium service offered in chat: what it is, its price, who sells it, how long the offer
// stands, and its state — with the ways this page can pay it. Everything is rendered as text.
import { useEffect, useState } from 'preact/hooks';
import { Countdown } from '../shared/countdown';
import { shortAddress } from '../shared/wallet';
import { cardState, type PaymentCard, type Payments } from './payments';
import { signed } from './standing';

const STATE_LABEL = {
  pending: 'Offer',
  paying: 'Paying',
  paid: 'Paid',
  late: 'Late',
  expired: 'Expired',
} as const;

/** Re-renders once when `at` (epoch ms) passes, so an offer greys out on time. */
function useRerenderAt(at: number): void {
  const [, setTick] = useState(0);
  useEffect(() => {
    const wait = at - Date.now();
    if (wait <= 0) return undefined;
    const t = setTimeout(() => setTick((n) => n + 1), Math.min(wait + 50, 2 ** 31 - 1));
    return () => clearTimeout(t);
  }, [at]);
}

export function PaymentCardView(props: {
  card: PaymentCard;
  payments: Payments;
  agentName: string;
}) {
  const { card, payments } = props;
  const { intent } = card;
  const expiresAt = Date.parse(intent.expiresAt);
  useRerenderAt(expiresAt);
  const state = cardState(card);
  const methods = payments.methods();
  const canPay = state === 'pending';
  // A transaction sent but not seen yet may still count (late, past the expiry): keep asking.
  const recheck =
    card.phase === 'failed' && card.signature !== undefined && (canPay || state === 'expired');
  return (
    <div
      class={`pay-card ${state}`}
      data-testid="payment-card"
      data-intent={intent.intentId}
      data-state={state}
      data-signature={card.settled?.signature}
      role="group"
      aria-label={`${intent.label} from ${props.agentName}`}
    >
      <div class="pay-head">
        <span class="pay-label" data-testid="payment-label">
          {intent.label}
        </span>
        <span class={`pay-pill ${state}`}>{STATE_LABEL[state]}</span>
      </div>
      <div class="pay-price" data-testid="payment-price">
        {intent.amountDisplay}
      </div>
      <div class="pay-meta fine">
        Offered by {props.agentName} · to {shortAddress(intent.recipient)}
        {state === 'pending' || state === 'paying' ? (
          <>
            {' '}
            · expires in <Countdown until={expiresAt} />s
          </>
        ) : null}
      </div>
      {card.settled && card.settled.status === 'verified' && (
        <p class="pay-result ok" data-testid="payment-result">
          Paid — {signed(card.settled.bonusPoints)} bonus points
        </p>
      )}
      {card.settled && card.settled.status === 'late' && (
        <p class="pay-result late" data-testid="payment-result">
          Arrived after expiry — an operator will refund it
        </p>
      )}
      {!card.settled && state === 'paid' && (
        <p class="pay-result ok" data-testid="payment-result">
          Paid
        </p>
      )}
      {!card.settled && state === 'late' && (
        <p class="pay-result late" data-testid="payment-result">
          Arrived after expiry — an operator will refund it
        </p>
      )}
      {state === 'expired' && (
        <p class="fine" data-testid="payment-result">
          This offer expired. Ask {props.agentName} again if you still want it.
        </p>
      )}
      {state === 'paying' && card.note && (
        <p class="fine" role="status" data-testid="payment-progress">
          {card.note}
        </p>
      )}
      {card.error && state !== 'paid' && state !== 'late' && (
        <p class="pay-error" role="alert" data-testid="payment-error">
          {card.error}
        </p>
      )}
      {(canPay || recheck) && (
        <div class="pay-actions">
          {canPay && methods.injected && (
            <button
              class="primary"
              onClick={() => void payments.payInjected(intent.intentId)}
              data-testid="pay-injected"
            >
              Pay with Phantom
            </button>
          )}
          {canPay && methods.local && (
            <button
              class={methods.injected ? 'secondary' : 'primary'}
              onClick={() => void payments.payLocal(intent.intentId)}
              data-testid="pay-local"
            >
              Pay (local test wallet)
            </button>
          )}
          {recheck && (
            <button
              class="secondary"
              onClick={() => void payments.recheck(intent.intentId)}
              data-testid="pay-recheck"
            >
              Check again
            </button>
          )}
          {canPay && !methods.injected && !methods.local && (
            <span class="fine" data-testid="payment-no-method">
              {!payments.config?.enabled
                ? 'Payments are not available right now.'
                : payments.config?.cluster === 'local'
                  ? 'Sign in with the local test wallet to pay on the local game.'
                  : 'Open the game in a browser with a Solana wallet (Phantom) to pay.'}
            </span>
          )}
        </div>
      )}
    </div>
  );
}
