import { PaymentError, type PaymentErrorCode } from '@pardon/payments';
import { ChainUnavailableError } from '@pardon/solana';
import { GatewayError, type GatewayErrorCode } from '../errors';

const WIRE: Record<PaymentErrorCode, GatewayErrorCode> = {
  payments_disabled: 'GW_ERR_PAYMENTS_DISABLED',
  intent_not_found: 'GW_ERR_INTENT_NOT_FOUND',
  intent_expired: 'GW_ERR_INTENT_EXPIRED',
  intent_already_paid: 'GW_ERR_INTENT_ALREADY_PAID',
  payment_not_found: 'GW_ERR_PAYMENT_NOT_FOUND',
  payment_failed: 'GW_ERR_PAYMENT_FAILED',
  payment_missing_reference: 'GW_ERR_PAYMENT_MISSING_REFERENCE',
  payment_wrong_mint: 'GW_ERR_PAYMENT_WRONG_MINT',
  payment_wrong_recipient: 'GW_ERR_PAYMENT_WRONG_RECIPIENT',
  payment_short: 'GW_ERR_PAYMENT_SHORT',
  payment_too_old: 'GW_ERR_PAYMENT_TOO_OLD',
  payment_replayed: 'GW_ERR_PAYMENT_REPLAYED',
  payment_not_yours: 'GW_ERR_PAYMENT_NOT_YOURS',
  payment_rejected: 'GW_ERR_PAYMENT_REJECTED',
};

/** Runs a payment operation and turns its refusals into the gateway's wire errors. */
export async function asWire<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof PaymentError) {
      throw new GatewayError(WIRE[err.code], err.message, {
        ...(err.code === 'payment_not_found' ? { retryAfterS: 2 } : {}),
      });
    }
    if (err instanceof ChainUnavailableError) {
      throw new GatewayError('GW_ERR_CHAIN_UNAVAILABLE', undefined, { retryAfterS: 5 });
    }
    throw err;
  }
}
