import { randomBytes } from 'node:crypto';
import * as bs58Module from 'bs58';
import nacl from 'tweetnacl';

// bs58 is ESM-only: under Node's require(esm) and under Jest's transpiled copy alike, the codec
// is the module's default export.
const bs58 = (bs58Module as unknown as { default: typeof import('bs58').default }).default;

/** Decodes a base58 string, or undefined when it is not base58. */
export function decodeBase58(text: string): Uint8Array | undefined {
  try {
    return bs58.decode(text);
  } catch {
    return undefined;
  }
}

export function encodeBase58(bytes: Uint8Array): string {
  return bs58.encode(bytes);
}

/** A Solana wallet address is the base58 form of a 32-byte ed25519 public key. */
export function isWalletAddress(text: string): boolean {
  if (text.length < 32 || text.length > 44) return false;
  return decodeBase58(text)?.length === nacl.sign.publicKeyLength;
}

/** A fresh sign-in nonce: 16 random bytes, base58, safe inside a signed message. */
export function newNonce(): string {
  return bs58.encode(randomBytes(16));
}

/** The exact UTF-8 text a wallet signs to prove it holds the key; it contains the nonce. */
export function signInMessage(wallet: string, nonce: string, expiresAt: Date): string {
  return [
    'Pardon Simulator wants you to sign in with your Solana wallet.',
    `Wallet: ${wallet}`,
    `Nonce: ${nonce}`,
    `Expires: ${expiresAt.toISOString()}`,
  ].join('\n');
}

/** Checks a base58 ed25519 signature of `message` against a base58 public key. */
export function verifyWalletSignature(wallet: string, message: string, signature: string): boolean {
  const publicKey = decodeBase58(wallet);
  const sig = decodeBase58(signature);
  if (publicKey?.length !== nacl.sign.publicKeyLength) return false;
  if (sig?.length !== nacl.sign.signatureLength) return false;
  return nacl.sign.detached.verify(new TextEncoder().encode(message), sig, publicKey);
}
