// The player page's payment cards, without a browser: which stream events are payment events,
// what state a card shows (pending, paying, paid, late, expired), and what a payment error tells
// the player to do.
/* eslint-disable @nx/enforce-module-boundaries -- the page under test is no library: its source is read directly, as the page's build does */
import { ApiError } from '../../../apps/gateway/web/src/shared/api';
import {
  cardState,
  intentOf,
  paymentErrorText,
  paymentEventOf,
  type PaymentCard,
  type PaymentIntent,
} from '../../../apps/gateway/web/src/player/payments';
/* eslint-enable @nx/enforce-module-boundaries */

const NOW = Date.parse('2026-12-03T12:00:00Z');
const intent = (over: Partial<PaymentIntent> = {}): PaymentIntent => ({
  intentId: 'pi_1',
  threadId: 't1',
  agentId: 'trump-eric',
  service: 'insider_info',
  label: 'Insider info',
  amount: '4000000000',
  amountDisplay: '4,000 PARDON',
  mint: 'Mint1111111111111111111111111111111111111111',
  decimals: 6,
  recipient: 'Treasury11111111111111111111111111111111111',
  reference: 'Ref1111111111111111111111111111111111111111',
  expiresAt: new Date(NOW + 60_000).toISOString(),
  status: 'pending',
  ...over,
});
const card = (over: Partial<PaymentCard> = {}): PaymentCard => ({
  intent: intent(),
  at: NOW,
  phase: 'idle',
  note: undefined,
  error: undefined,
  signature: undefined,
  settled: undefined,
  ...over,
});
const sse = (event: string, data: unknown) => ({
  id: undefined,
  event,
  data: typeof data === 'string' ? data : JSON.stringify(data),
});

describe('payment events of a thread stream', () => {
  it('reads a payment_request as an intent and a payment_settled as a settlement', () => {
    expect(paymentEventOf(sse('payment_request', intent()))).toEqual({
      kind: 'payment_request',
      data: intent(),
    });
    const settled = {
      intentId: 'pi_1',
      threadId: 't1',
      agentId: 'trump-eric',
      service: 'insider_info',
      signature: '5sig',
      amount: '4000000000',
      amountDisplay: '4,000 PARDON',
      status: 'late',
      bonusPoints: 0,
      score: 12,
    };
    expect(paymentEventOf(sse('payment_settled', settled))).toEqual({
      kind: 'payment_settled',
      data: settled,
    });
  });

  it('ignores other events, malformed data and intents missing a field or with a bad status', () => {
    expect(paymentEventOf(sse('score', intent()))).toBeUndefined();
    expect(paymentEventOf(sse('payment_request', '{not json'))).toBeUndefined();
    expect(paymentEventOf(sse('payment_request', { ...intent(), amount: 4000 }))).toBeUndefined();
    expect(intentOf({ ...intent(), status: 'verified' })).toBeUndefined();
    expect(intentOf({ ...intent(), expiresAt: 'soon' })).toBeUndefined();
    expect(
      paymentEventOf(sse('payment_settled', { intentId: 'pi_1', status: 'verified' })),
    ).toBeUndefined();
  });
});

describe('a card’s state', () => {
  it('is pending until it expires, then expired', () => {
    expect(cardState(card(), NOW)).toBe('pending');
    expect(cardState(card(), NOW + 60_000)).toBe('expired');
    expect(cardState(card({ intent: intent({ status: 'expired' }) }), NOW)).toBe('expired');
  });

  it('is paying while a payment is under way, even past the expiry', () => {
    expect(cardState(card({ phase: 'confirming' }), NOW + 120_000)).toBe('paying');
    expect(cardState(card({ phase: 'failed' }), NOW)).toBe('pending');
  });

  it('is paid or late once settled, whatever the clock says', () => {
    const settled = { status: 'verified' as const, bonusPoints: 3, signature: 's' };
    expect(cardState(card({ settled }), NOW + 120_000)).toBe('paid');
    expect(cardState(card({ settled: { ...settled, status: 'late' } }), NOW)).toBe('late');
    expect(cardState(card({ intent: intent({ status: 'paid' }) }), NOW + 120_000)).toBe('paid');
  });
});

describe('what a payment error tells the player', () => {
  const err = (code: string, status = 400) => new ApiError(status, code, 'x', undefined, {});

  it('names the agent to ask again for an expired offer', () => {
    expect(paymentErrorText(err('intent_expired', 410), 'Eric Trump')).toBe(
      'This offer expired before the payment could be counted. Ask Eric Trump for a new one.',
    );
  });

  it('says what to do for each refusal of the gateway', () => {
    for (const code of [
      'payment_wrong_mint',
      'payment_wrong_recipient',
      'payment_short',
      'payment_replayed',
    ])
      expect(paymentErrorText(err(code), 'CZ')).toMatch(/Pay again from this card\.$/);
    expect(paymentErrorText(err('payment_failed'), 'CZ')).toMatch(/Press Pay to try again\.$/);
    expect(paymentErrorText(err('payment_not_found', 409), 'CZ')).toMatch(/Check again/);
    expect(paymentErrorText(err('payment_not_yours', 403), 'CZ')).toBe(
      'This offer belongs to another player.',
    );
  });

  it('tells a player who cancelled in the wallet how to try again', () => {
    const rejected = Object.assign(new Error('User rejected the request.'), { code: 4001 });
    expect(paymentErrorText(rejected, 'CZ')).toBe(
      'You cancelled in your wallet. Press Pay to try again.',
    );
  });
});
