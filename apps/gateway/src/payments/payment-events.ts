import type { PaymentIntent, SettleResult } from '@pardon/db';
import { formatTokenAmount, premiumService } from '@pardon/game';
import type { PaymentSettings } from '@pardon/payments';
import { ThreadListeners } from '../shared/thread-listeners';

/** The named events a thread's stream carries for payments. */
export const PAYMENT_REQUEST_EVENT = 'payment_request';
export const PAYMENT_SETTLED_EVENT = 'payment_settled';

export interface NamedEvent {
  name: string;
  data: unknown;
}

/** `4,000 PARDON`: the token amount with its thousands grouped, for people. */
export function displayTokens(amount: bigint, decimals: number, symbol: string): string {
  const [whole = '0', fraction] = formatTokenAmount(amount, decimals).split('.');
  const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `${fraction === undefined ? grouped : `${grouped}.${fraction}`} ${symbol}`;
}

/** An intent as the player's page shows it (stream event, `GET /api/payments/intents`). */
export function intentView(intent: PaymentIntent, settings: PaymentSettings) {
  return {
    intentId: intent.id,
    threadId: intent.threadId,
    agentId: intent.agentId,
    service: intent.service,
    label: premiumService(settings.catalogue, intent.service)?.label ?? intent.service,
    amount: intent.amount.toString(),
    amountDisplay: displayTokens(intent.amount, intent.decimals, settings.symbol),
    mint: intent.mint,
    decimals: intent.decimals,
    recipient: intent.recipient,
    reference: intent.reference,
    expiresAt: intent.expiresAt.toISOString(),
    status: intent.status,
  };
}

/** A settlement as the player's page shows it. */
export function settlementView(result: SettleResult, settings: PaymentSettings) {
  return {
    intentId: result.intentId,
    threadId: result.threadId,
    agentId: result.agentId,
    service: result.service,
    signature: result.signature,
    amount: result.amount.toString(),
    amountDisplay: displayTokens(result.amount, settings.decimals, settings.symbol),
    status: result.status,
    bonusPoints: result.bonusPoints,
    score: result.newScore,
  };
}

/**
 * In-process fan-out of payment events to the event streams of their thread, like the game's
 * score events: this task's own, and other tasks' as they announce them (PAYMENTS_CHANNEL).
 * Best effort: a page that missed one reads `GET /api/payments/intents`.
 */
export class PaymentEventHub {
  private readonly listeners = new ThreadListeners<NamedEvent>();

  subscribe(threadId: string, listener: (e: NamedEvent) => void): () => void {
    return this.listeners.subscribe(threadId, listener);
  }

  has(threadId: string): boolean {
    return this.listeners.has(threadId);
  }

  publish(threadId: string, event: NamedEvent): void {
    this.listeners.deliver(threadId, event);
  }
}
