import { isAddress as kitIsAddress } from '@solana/kit';

/** Whether `text` is a base58 32-byte public key (on or off the curve). */
export function isAddress(text: string): boolean {
  return typeof text === 'string' && kitIsAddress(text);
}
