/**
 * Why a payment was not verified. Each code is its own wire error (the gateway maps them to
 * 4xx); none of them records anything as verified.
 */
export type PaymentErrorCode =
  | 'payments_disabled'
  | 'intent_not_found'
  | 'intent_expired'
  | 'intent_already_paid'
  | 'payment_not_found'
  | 'payment_failed'
  | 'payment_missing_reference'
  | 'payment_wrong_mint'
  | 'payment_wrong_recipient'
  | 'payment_short'
  | 'payment_too_old'
  | 'payment_replayed'
  | 'payment_not_yours'
  | 'payment_rejected';

export class PaymentError extends Error {
  override readonly name = 'PaymentError';
  constructor(
    readonly code: PaymentErrorCode,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
  }
}
