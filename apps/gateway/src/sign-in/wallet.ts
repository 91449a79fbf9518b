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

/**
 * A wallet that can sign in: the base58 form of a 32-byte ed25519 public key that is a
 * canonical encoding of a point on the curve of more than small order (see {@link
 * isSafePublicKey}). An off-curve address (a Solana PDA) cannot sign, so it is refused too.
 */
export function isWalletAddress(text: string): boolean {
  if (text.length < 32 || text.length > 44) return false;
  const bytes = decodeBase58(text);
  return bytes?.length === nacl.sign.publicKeyLength && isSafePublicKey(bytes);
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

/** Doubling on -x² + y² = 1 + d·x²·y² (complete: no exceptional points). */
function double({ x, y }: { x: bigint; y: bigint }): { x: bigint; y: bigint } {
  const xx = (x * x) % P;
  const yy = (y * y) % P;
  return {
    x: mod(2n * x * y * inv(mod(yy - xx))),
    y: mod((yy + xx) * inv(mod(2n + xx - yy))),
  };
}

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
  if (!point) return false;
  const eight = double(double(double(point)));
  return !(eight.x === 0n && eight.y === 1n);
}

/**
 * True for a canonical 64-byte signature: S < L (RFC 8032 §5.1.7). tweetnacl accepts S + L for
 * S, so each signature would have a second spelling (malleability); Node's crypto.verify refuses it.
 */
export function isCanonicalSignature(sig: Uint8Array): boolean {
  return sig.length === nacl.sign.signatureLength && littleEndian(sig.subarray(32)) < L;
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

/**
 * Checks a base58 ed25519 signature of `message` against a base58 public key: the key must be
 * safe and the signature canonical (our checks, which tweetnacl lacks), then tweetnacl verifies.
 */
export function verifyWalletSignature(wallet: string, message: string, signature: string): boolean {
  const publicKey = decodeBase58(wallet);
  const sig = decodeBase58(signature);
  if (publicKey?.length !== nacl.sign.publicKeyLength || !isSafePublicKey(publicKey)) return false;
  if (sig === undefined || !isCanonicalSignature(sig)) return false;
  return nacl.sign.detached.verify(new TextEncoder().encode(message), sig, publicKey);
}
