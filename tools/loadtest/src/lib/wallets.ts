import { createHash } from 'node:crypto';
import bs58 from 'bs58';
import nacl from 'tweetnacl';

/** A Solana-style wallet: an ed25519 key pair, its base58 address, and a signer. */
export interface Wallet {
  address: string;
  sign(message: string): string;
}

function walletOf(pair: nacl.SignKeyPair): Wallet {
  return {
    address: bs58.encode(pair.publicKey),
    sign: (message) =>
      bs58.encode(nacl.sign.detached(new TextEncoder().encode(message), pair.secretKey)),
  };
}

/** A new player's wallet: fresh random keys. */
export function newWallet(): Wallet {
  return walletOf(nacl.sign.keyPair());
}

/**
 * Wallet `index` of the fixed set of returning players: derived from `seed`, so the same players
 * come back in every run with that seed (and find their earlier sessions and threads).
 */
export function returningWallet(seed: string, index: number): Wallet {
  const keySeed = createHash('sha256').update(`pardon-loadtest:${seed}:${index}`).digest();
  return walletOf(nacl.sign.keyPair.fromSeed(new Uint8Array(keySeed)));
}
