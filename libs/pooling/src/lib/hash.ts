/* eslint-disable @typescript-eslint/no-non-null-assertion -- every index here is in range by
   construction, which noUncheckedIndexedAccess cannot see; `?? 0` would cost the hot path. */
// MurmurHash3 x86_32 (Austin Appleby's public-domain algorithm) over the UTF-8 bytes of a key.
// Chosen over xxHash32, FNV-1a and node:crypto digests by measurement (`npx nx run pooling:bench`,
// figures in libs/pooling/README.md): fastest on wallet-sized keys, balance as good as the best.
// UTF-8 makes a key's ring position a property of the key alone: any MurmurHash3 agrees with it.

const C1 = 0xcc9e2d51;
const C2 = 0x1b873593;

const utf8 = new TextEncoder();
// A module-level alias: inside a vm context (Jest) every global lookup of `Math` is slow.
const imul = Math.imul;

const rotl = (x: number, r: number): number => (x << r) | (x >>> (32 - r));
const scramble = (k: number): number => imul(rotl(imul(k, C1), 15), C2);
const mix = (h: number, k: number): number => (imul(rotl(h ^ scramble(k), 13), 5) + 0xe6546b64) | 0;

function finalize(h: number, length: number): number {
  h ^= length;
  h ^= h >>> 16;
  h = imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** MurmurHash3 x86_32 of a byte string; returns an unsigned 32-bit integer. */
export function murmur3Bytes(bytes: Uint8Array, seed = 0): number {
  const length = bytes.length;
  const blocks = length & ~3;
  let h = seed | 0;
  for (let i = 0; i < blocks; i += 4) {
    h = mix(h, bytes[i]! | (bytes[i + 1]! << 8) | (bytes[i + 2]! << 16) | (bytes[i + 3]! << 24));
  }
  const rest = length & 3;
  if (rest > 0) {
    let tail = bytes[blocks]!;
    if (rest > 1) tail |= bytes[blocks + 1]! << 8;
    if (rest > 2) tail |= bytes[blocks + 2]! << 16;
    h ^= scramble(tail);
  }
  return finalize(h, length);
}

/**
 * MurmurHash3 x86_32 of the UTF-8 encoding of `key`; returns an unsigned 32-bit integer. ASCII
 * keys (wallet addresses, pool ids) are hashed straight from their char codes, which are their
 * UTF-8 bytes; a key with any other character is encoded and hashed again.
 */
export function murmur3(key: string, seed = 0): number {
  const length = key.length;
  const blocks = length & ~3;
  let h = seed | 0;
  let seen = 0; // OR of every char code: above 0x7f means the key is not ASCII
  for (let i = 0; i < blocks; i += 4) {
    const c0 = key.charCodeAt(i);
    const c1 = key.charCodeAt(i + 1);
    const c2 = key.charCodeAt(i + 2);
    const c3 = key.charCodeAt(i + 3);
    seen |= c0 | c1 | c2 | c3;
    h = mix(h, c0 | (c1 << 8) | (c2 << 16) | (c3 << 24));
  }
  const rest = length & 3;
  if (rest > 0) {
    const c0 = key.charCodeAt(blocks);
    const c1 = rest > 1 ? key.charCodeAt(blocks + 1) : 0;
    const c2 = rest > 2 ? key.charCodeAt(blocks + 2) : 0;
    seen |= c0 | c1 | c2;
    h ^= scramble(c0 | (c1 << 8) | (c2 << 16));
  }
  return seen > 0x7f ? murmur3Bytes(utf8.encode(key), seed) : finalize(h, length);
}
