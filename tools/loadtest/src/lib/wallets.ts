import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  sign,
  type KeyObject,
} from 'node:crypto';
import bs58 from 'bs58';

/** A Solana-style wallet: an ed25519 key pair, its base58 address, and a signer. */
export interface Wallet {
  address: string;
  sign(message: string): string;
}

// Node's native ed25519 (OpenSSL) rather than tweetnacl's pure JS: a key pair and a signature
// cost microseconds instead of milliseconds, and the load generator shares the machine's cores
// with the task it measures. Keys and signatures are the same (RFC 8032 both).

/** PKCS#8 DER of an ed25519 private key is this fixed prefix followed by the 32-byte seed. */
const PKCS8_ED25519_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

function walletOf(privateKey: KeyObject, publicKey: KeyObject): Wallet {
  // The JWK export is the raw key in base64url, far cheaper than a DER encoding.
  const raw = Buffer.from(publicKey.export({ format: 'jwk' }).x as string, 'base64url');
  return {
    address: bs58.encode(raw),
    sign: (message) => bs58.encode(sign(null, Buffer.from(message, 'utf8'), privateKey)),
  };
}

/** A new player's wallet: fresh random keys. */
export function newWallet(): Wallet {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return walletOf(privateKey, publicKey);
}

/**
 * Wallet `index` of the fixed set of returning players: derived from `seed`, so the same players
 * come back in every run with that seed (and find their earlier sessions and threads).
 */
export function returningWallet(seed: string, index: number): Wallet {
  const key = `${seed}:${index}`;
  let wallet = returning.get(key);
  if (!wallet) {
    wallet = deriveWallet(seed, index);
    returning.set(key, wallet);
  }
  return wallet;
}

// Importing a PKCS#8 key runs OpenSSL's decoder chain (~0.3 ms, ten times a signature); a run
// has a fixed set of returning wallets (twice its players), each derived once and kept.
const returning = new Map<string, Wallet>();

function deriveWallet(seed: string, index: number): Wallet {
  const keySeed = createHash('sha256').update(`pardon-loadtest:${seed}:${index}`).digest();
  const privateKey = createPrivateKey({
    key: Buffer.concat([PKCS8_ED25519_PREFIX, keySeed]),
    format: 'der',
    type: 'pkcs8',
  });
  return walletOf(privateKey, createPublicKey(privateKey));
}
