// Addresses: validation, fresh references and associated token accounts. Pure (no I/O); the
// program-derived-address search is synchronous (@noble/hashes SHA-256 + kit's curve check) so
// that transaction building stays synchronous too.
import { sha256 } from '@noble/hashes/sha2';
import {
  type Address,
  getAddressDecoder,
  getAddressEncoder,
  getBase58Decoder,
  isOffCurveAddress,
} from '@solana/kit';
import { isAddress } from './is-address';

export const TOKEN_PROGRAM = 'TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA';
export const ASSOCIATED_TOKEN_PROGRAM = 'ATokenGPvbdGVxr1b2hvZbsiqW5xWH25efTNsLJA8knL';
export const SYSTEM_PROGRAM = '11111111111111111111111111111111';

const PDA_MARKER = new TextEncoder().encode('ProgramDerivedAddress');

export { isAddress };

/**
 * A fresh Solana Pay reference: 32 random bytes, base58. Add it to a payment as a read-only
 * account so the payment can be found with getSignaturesForAddress(reference). Uses the Web
 * Crypto RNG (global in Node 20 and browsers).
 */
export function newReference(): string {
  const bytes = new Uint8Array(32);
  globalThis.crypto.getRandomValues(bytes);
  return getBase58Decoder().decode(bytes);
}

/** findProgramAddressSync: the first off-curve hash of seeds+bump, bump from 255 down. */
export function findProgramAddressSync(seeds: Uint8Array[], programId: string): [string, number] {
  const program = getAddressEncoder().encode(programId as Address);
  for (let bump = 255; bump >= 0; bump--) {
    const hash = sha256
      .create()
      .update(concat([...seeds, Uint8Array.of(bump), new Uint8Array(program), PDA_MARKER]))
      .digest();
    const candidate = getAddressDecoder().decode(hash);
    if (isOffCurveAddress(candidate)) return [candidate, bump];
  }
  throw new Error(`no program address for these seeds under ${programId}`);
}

/** The associated token account of `owner` for `mint` (classic SPL Token program), synchronously. */
export function associatedTokenAddressSync(owner: string, mint: string): string {
  const enc = getAddressEncoder();
  const [ata] = findProgramAddressSync(
    [
      new Uint8Array(enc.encode(asAddress(owner, 'owner'))),
      new Uint8Array(enc.encode(TOKEN_PROGRAM as Address)),
      new Uint8Array(enc.encode(asAddress(mint, 'mint'))),
    ],
    ASSOCIATED_TOKEN_PROGRAM,
  );
  return ata;
}

/** The associated token account of `owner` for `mint` (classic SPL Token program). */
export async function associatedTokenAddress(owner: string, mint: string): Promise<string> {
  return associatedTokenAddressSync(owner, mint);
}

/** Narrows a string to a kit Address, or throws a TypeError naming the field. */
export function asAddress(text: string, field: string): Address {
  if (!isAddress(text)) throw new TypeError(`${field} is not a Solana address: ${String(text)}`);
  return text as Address;
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
