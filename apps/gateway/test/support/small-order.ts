// The small-order points of edwards25519 in every 32-byte encoding, and the forged signature
// (R = a small-order point, S = 0) that tweetnacl and Node's crypto.verify accept for them.
import nacl from 'tweetnacl';
import { encodeBase58 } from '../../src/sign-in/wallet';

const P = 2n ** 255n - 19n;
/** y of the four points of order 8 (±x each); their negation P − C is the other pair. */
const C = 2707385501144840649318225287225658788936804267575313519463743609750303402022n;
/** The group order L. */
export const ORDER_L = 2n ** 252n + 27742317777372353535851937790883648493n;

function encode(y: bigint, sign: 0 | 1): Uint8Array {
  const bytes = new Uint8Array(32);
  let v = y;
  for (let i = 0; i < 32; i++) {
    bytes[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  bytes[31] = (bytes[31] as number) | (sign << 7);
  return bytes;
}

export interface SmallOrderKey {
  /** e.g. `y=1 (identity)`, `y=p (non-canonical 0)`. */
  name: string;
  bytes: Uint8Array;
  address: string;
  canonical: boolean;
}

const Y_VALUES: Array<[string, bigint, boolean[]]> = [
  // [name, y, canonical for sign bit 0 / 1]
  ['y=0 (order 4; all-zero bytes)', 0n, [true, true]],
  ['y=1 (identity)', 1n, [true, false]],
  ['y=p-1 (order 2)', P - 1n, [true, false]],
  ['y=c (order 8)', C, [true, true]],
  ['y=p-c (order 8)', P - C, [true, true]],
  ['y=p (non-canonical 0)', P, [false, false]],
  ['y=p+1 (non-canonical 1)', P + 1n, [false, false]],
];

/** 14 encodings: the 8 canonical small-order points and 6 non-canonical spellings of them. */
export const SMALL_ORDER_KEYS: SmallOrderKey[] = Y_VALUES.flatMap(([name, y, canonical]) =>
  ([0, 1] as const).map((sign) => {
    const bytes = encode(y, sign);
    return {
      name: `${name}, sign ${sign}`,
      bytes,
      address: encodeBase58(bytes),
      canonical: canonical[sign] as boolean,
    };
  }),
);

/**
 * A signature of `message` for a small-order key made without any private key: R is the
 * small-order point −k·A (one of the 8 canonical ones; tried in turn), S = 0. Undefined when
 * none fits this message (then k·A depends on R; about 1 message in 3; take another nonce).
 */
export function forgeSignature(key: Uint8Array, message: string): Uint8Array | undefined {
  const msg = new TextEncoder().encode(message);
  for (const r of SMALL_ORDER_KEYS.filter((k) => k.canonical)) {
    const sig = new Uint8Array(64);
    sig.set(r.bytes, 0);
    if (nacl.sign.detached.verify(msg, sig, key)) return sig;
  }
  return undefined;
}

/** The same signature with S + L for S: tweetnacl still accepts it. */
export function malleate(signature: Uint8Array): Uint8Array {
  let s = 0n;
  for (let i = 63; i >= 32; i--) s = (s << 8n) | BigInt(signature[i] as number);
  s += ORDER_L;
  const out = new Uint8Array(signature);
  for (let i = 32; i < 64; i++) {
    out[i] = Number(s & 0xffn);
    s >>= 8n;
  }
  return out;
}
