import bs58 from 'bs58';
import { InvalidInputError } from './errors';

const BASE58 = /^[1-9A-HJ-NP-Za-km-z]{32,44}$/;

/** True for a base58 string that decodes to a 32-byte Solana (ed25519) public key. */
export function isValidWallet(wallet: unknown): wallet is string {
  if (typeof wallet !== 'string' || !BASE58.test(wallet)) return false;
  try {
    return bs58.decode(wallet).length === 32;
  } catch {
    return false; // bs58 throws on characters outside its alphabet
  }
}

export function assertWallet(wallet: unknown, field = 'wallet'): string {
  if (!isValidWallet(wallet)) {
    throw new InvalidInputError(field, `${field} must be a base58 Solana public key (32 bytes)`);
  }
  return wallet;
}
