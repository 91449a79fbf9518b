// Hash functions the ring could use, measured against the one it does use (MurmurHash3).
// The JS candidates hash ASCII keys from their char codes and check that they are ASCII, as the
// chosen one does before falling back to UTF-8 bytes, so that all pay the same for it.
import { createHash } from 'node:crypto';
import { murmur3 } from '../src/lib/hash';

export interface HashCandidate {
  readonly name: string;
  readonly hash: (key: string) => number;
}

function fnv1a(key: string): number {
  let h = 0x811c9dc5;
  let seen = 0;
  for (let i = 0; i < key.length; i++) {
    const c = key.charCodeAt(i);
    seen |= c;
    h = Math.imul(h ^ c, 0x01000193);
  }
  if (seen > 0x7f) throw new Error('the benchmark hashes ASCII keys only');
  return h >>> 0;
}

// xxHash32 (XXH32) of ASCII keys, lanes read inline as in the chosen hash.
const P1 = 0x9e3779b1;
const P2 = 0x85ebca77;
const P3 = 0xc2b2ae3d;
const P4 = 0x27d4eb2f;
const P5 = 0x165667b1;

const rotl = (x: number, r: number): number => (x << r) | (x >>> (32 - r));
const round = (acc: number, lane: number): number =>
  Math.imul(rotl((acc + Math.imul(lane, P2)) | 0, 13), P1);
const mergeLane = (h: number, lane: number): number =>
  Math.imul(rotl((h + Math.imul(lane, P3)) | 0, 17), P4);
const mergeByte = (h: number, byte: number): number =>
  Math.imul(rotl((h + Math.imul(byte, P5)) | 0, 11), P1);

function avalanche(h: number): number {
  h ^= h >>> 15;
  h = Math.imul(h, P2);
  h ^= h >>> 13;
  h = Math.imul(h, P3);
  h ^= h >>> 16;
  return h >>> 0;
}

function xxhash32(key: string, seed = 0): number {
  // Lanes are read inline (a helper closure over `seen` costs V8 most of its speed here).
  const length = key.length;
  let seen = 0; // OR of every char code: above 0x7f means the key is not ASCII
  let i = 0;
  let h: number;
  let c0: number, c1: number, c2: number, c3: number;
  if (length >= 16) {
    let v1 = (seed + P1 + P2) | 0;
    let v2 = (seed + P2) | 0;
    let v3 = seed | 0;
    let v4 = (seed - P1) | 0;
    for (; i + 16 <= length; i += 16) {
      c0 = key.charCodeAt(i);
      c1 = key.charCodeAt(i + 1);
      c2 = key.charCodeAt(i + 2);
      c3 = key.charCodeAt(i + 3);
      seen |= c0 | c1 | c2 | c3;
      v1 = round(v1, c0 | (c1 << 8) | (c2 << 16) | (c3 << 24));
      c0 = key.charCodeAt(i + 4);
      c1 = key.charCodeAt(i + 5);
      c2 = key.charCodeAt(i + 6);
      c3 = key.charCodeAt(i + 7);
      seen |= c0 | c1 | c2 | c3;
      v2 = round(v2, c0 | (c1 << 8) | (c2 << 16) | (c3 << 24));
      c0 = key.charCodeAt(i + 8);
      c1 = key.charCodeAt(i + 9);
      c2 = key.charCodeAt(i + 10);
      c3 = key.charCodeAt(i + 11);
      seen |= c0 | c1 | c2 | c3;
      v3 = round(v3, c0 | (c1 << 8) | (c2 << 16) | (c3 << 24));
      c0 = key.charCodeAt(i + 12);
      c1 = key.charCodeAt(i + 13);
      c2 = key.charCodeAt(i + 14);
      c3 = key.charCodeAt(i + 15);
      seen |= c0 | c1 | c2 | c3;
      v4 = round(v4, c0 | (c1 << 8) | (c2 << 16) | (c3 << 24));
    }
    h = (rotl(v1, 1) + rotl(v2, 7) + rotl(v3, 12) + rotl(v4, 18)) | 0;
  } else {
    h = (seed + P5) | 0;
  }
  h = (h + length) | 0;
  for (; i + 4 <= length; i += 4) {
    c0 = key.charCodeAt(i);
    c1 = key.charCodeAt(i + 1);
    c2 = key.charCodeAt(i + 2);
    c3 = key.charCodeAt(i + 3);
    seen |= c0 | c1 | c2 | c3;
    h = mergeLane(h, c0 | (c1 << 8) | (c2 << 16) | (c3 << 24));
  }
  for (; i < length; i++) {
    c0 = key.charCodeAt(i);
    seen |= c0;
    h = mergeByte(h, c0);
  }
  if (seen > 0x7f) throw new Error('the benchmark hashes ASCII keys only');
  return avalanche(h);
}

const digest32 =
  (algorithm: string) =>
  (key: string): number =>
    createHash(algorithm).update(key).digest().readUInt32BE(0);

export const HASH_CANDIDATES: readonly HashCandidate[] = [
  { name: 'murmur3 (chosen)', hash: murmur3 },
  { name: 'xxhash32', hash: xxhash32 },
  { name: 'fnv1a', hash: fnv1a },
  { name: 'node:crypto md5', hash: digest32('md5') },
  { name: 'node:crypto sha256', hash: digest32('sha256') },
];
