import { createPublicKey, randomBytes, verify } from 'node:crypto';
import * as bs58Module from 'bs58';
import { LRUCache } from 'lru-cache';

const PUBLIC_KEY_BYTES = 32;
const SIGNATURE_BYTES = 64;

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

/**
 * A wallet that can sign in: the base58 form of a 32-byte ed25519 public key that is a
 * canonical encoding of a point on the curve of more than small order (see {@link
 * isSafePublicKey}). An off-curve address (a Solana PDA) cannot sign, so it is refused too.
 */
export function isWalletAddress(text: string): boolean {
  if (text.length < 32 || text.length > 44) return false;
  const known = walletChecks.get(text);
  if (known !== undefined) return known;
  const bytes = decodeBase58(text);
  const ok = bytes?.length === PUBLIC_KEY_BYTES && isSafePublicKey(bytes);
  walletChecks.set(text, ok);
  return ok;
}

// edwards25519 (RFC 8032 §5.1): the field prime, the group order and the curve constant.
const P = 2n ** 255n - 19n;
const L = 2n ** 252n + 27742317777372353535851937790883648493n;
const mod = (a: bigint): bigint => ((a % P) + P) % P;
function pow(base: bigint, exp: bigint): bigint {
  let result = 1n;
  let b = mod(base);
  for (let e = exp; e > 0n; e >>= 1n) {
    if (e & 1n) result = (result * b) % P;
    b = (b * b) % P;
  }
  return result;
}
const inv = (a: bigint): bigint => pow(a, P - 2n);
const D = mod(-121665n * inv(121666n));
const SQRT_M1 = pow(2n, (P - 1n) / 4n);

function littleEndian(bytes: Uint8Array): bigint {
  let n = 0n;
  for (let i = bytes.length - 1; i >= 0; i--) n = (n << 8n) | BigInt(bytes[i] as number);
  return n;
}

/** RFC 8032 §5.1.3 decoding, strict: undefined for y ≥ p, for x = 0 with the sign bit set, off the curve. */
function decodePoint(bytes: Uint8Array): { x: bigint; y: bigint } | undefined {
  const sign = (bytes[31] as number) >> 7;
  const y = littleEndian(bytes) & ((1n << 255n) - 1n);
  if (y >= P) return undefined;
  const u = mod(y * y - 1n);
  const v = mod(D * y * y + 1n);
  let x = mod(u * pow(v, 3n) * pow(u * pow(v, 7n), (P - 5n) / 8n));
  const vx2 = mod(v * x * x);
  if (vx2 === mod(-u)) x = mod(x * SQRT_M1);
  else if (vx2 !== u) return undefined;
  if (x === 0n && sign === 1) return undefined;
  if (Number(x & 1n) !== sign) x = P - x;
  return { x, y };
}

/**
 * y of the small-order points (8·A = identity): the identity (1), order 2 (p − 1), order 4 (0)
 * and order 8 (c and p − c, each with both signs of x). A canonical point is of small order
 * exactly when its y is one of these, so the check costs no point arithmetic (8·A by three
 * doublings was 6 field inversions per key, most of an idle sign-in's CPU).
 */
const ORDER_8_Y = 2707385501144840649318225287225658788936804267575313519463743609750303402022n;
const SMALL_ORDER_Y = new Set([0n, 1n, P - 1n, ORDER_8_Y, P - ORDER_8_Y]);

/**
 * True for a public key a signature can bind to. Refused: non-canonical encodings (y ≥ p, or
 * x = 0 with the sign bit set: another spelling of a point that has a canonical one), bytes that
 * are no point of the curve, and the 8 points of small order (8·A = identity, the all-zero key
 * `11111111111111111111111111111111` among them). For a small-order A, A·k is one of 8 points
 * whatever the message, so R = −k·A and S = 0 verify under tweetnacl and Node's crypto.verify
 * alike without any private key: the libraries' check cannot refuse these, this one does.
 */
export function isSafePublicKey(bytes: Uint8Array): boolean {
  if (bytes.length !== 32) return false;
  const point = decodePoint(bytes);
  return point !== undefined && !SMALL_ORDER_Y.has(point.y);
}

// Wallets come back (every request of a sign-in, every returning player): the curve check is
// remembered per address, which is public, so the cache reveals nothing.
const walletChecks = new LRUCache<string, boolean>({ max: 50_000 });

/**
 * True for a canonical 64-byte signature: S < L (RFC 8032 §5.1.7). tweetnacl accepts S + L for
 * S, so each signature would have a second spelling (malleability); Node's crypto.verify refuses it.
 */
export function isCanonicalSignature(sig: Uint8Array): boolean {
  return sig.length === SIGNATURE_BYTES && littleEndian(sig.subarray(32)) < L;
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

/** True when `signature` is the base58 form of a canonical 64-byte signature (S < L). */
export function isSignatureText(signature: string): boolean {
  const sig = decodeBase58(signature);
  return sig !== undefined && isCanonicalSignature(sig);
}

// An ed25519 public key as SPKI DER: this fixed prefix, then the 32 key bytes (RFC 8410).
const ED25519_SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

/**
 * Checks a base58 ed25519 signature of `message` against a base58 public key: the key must be
 * safe and the signature canonical (our checks, which the libraries lack), then Node's native
 * ed25519 verifies (OpenSSL; tweetnacl's pure-JS verify was a tenth of the gateway's CPU under
 * load).
 */
export function verifyWalletSignature(wallet: string, message: string, signature: string): boolean {
  if (!isWalletAddress(wallet)) return false;
  const publicKey = decodeBase58(wallet) as Uint8Array;
  const sig = decodeBase58(signature);
  if (sig === undefined || !isCanonicalSignature(sig)) return false;
  const key = createPublicKey({
    key: Buffer.concat([ED25519_SPKI_PREFIX, publicKey]),
    format: 'der',
    type: 'spki',
  });
  return verify(null, Buffer.from(message, 'utf8'), key, sig);
}
