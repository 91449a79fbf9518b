// Reproducible Solana-like wallet addresses (32 random bytes, base58) for tests and the bench.
import bs58 from 'bs58';

// Jest runs tests in a vm context where every global lookup (Math, …) is slow: keep them local.
const imul = Math.imul;

/** Mulberry32: a small seeded PRNG of unsigned 32-bit integers, replayable from its seed. */
export function seededUint32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = imul(t ^ (t >>> 15), t | 1);
    t ^= t + imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
}

/** `count` wallet addresses (32 seeded random bytes, base58), distinct in practice. */
export function randomWallets(count: number, seed: number): string[] {
  const next = seededUint32(seed);
  const bytes = new Uint8Array(32);
  const words = new Uint32Array(bytes.buffer);
  const wallets: string[] = new Array(count);
  for (let i = 0; i < count; i++) {
    for (let j = 0; j < 8; j++) words[j] = next();
    wallets[i] = bs58.encode(bytes);
  }
  return wallets;
}

/** How many keys each pool received, in the order of `pools`. */
export function countPerPool(
  pools: readonly string[],
  keys: readonly string[],
  poolOf: (key: string) => string,
): number[] {
  const index = new Map(pools.map((pool, i) => [pool, i]));
  const counts = pools.map(() => 0);
  for (const key of keys) {
    const i = index.get(poolOf(key));
    if (i === undefined) throw new Error(`key ${key} mapped to unknown pool`);
    counts[i] = (counts[i] ?? 0) + 1;
  }
  return counts;
}

/** Largest count over the mean count. */
export function maxOverMean(counts: readonly number[]): number {
  const total = counts.reduce((a, b) => a + b, 0);
  return Math.max(...counts) / (total / counts.length);
}

/** Fraction of keys whose pool differs between two mappings. */
export function fractionMoved(
  keys: readonly string[],
  before: (key: string) => string | undefined,
  after: (key: string) => string | undefined,
): number {
  let moved = 0;
  for (const key of keys) if (before(key) !== after(key)) moved += 1;
  return moved / keys.length;
}
