/* eslint-disable @typescript-eslint/no-non-null-assertion -- every index here is in range by
   construction, which noUncheckedIndexedAccess cannot see; `?? 0` would cost the hot path. */
import { murmur3 } from './hash';

/** Virtual nodes per pool: enough that 5 pools stay within 1.10 × the mean (see README). */
export const DEFAULT_VIRTUAL_NODES = 1000;

/** A consistent-hash ring over pool ids. Immutable: build a new ring when the pool set changes. */
export interface HashRing {
  /** The pool ids on the ring, in the order they were given. */
  readonly pools: readonly string[];
  /** Points per pool on the ring. */
  readonly virtualNodes: number;
  /** The key's home pool: the owner of the first point clockwise of the key's hash. */
  lookup(key: string): string;
  /** Every pool once, in the order met walking clockwise from the key's hash (home first). */
  preferenceList(key: string): string[];
}

export interface HashRingOptions {
  /** Points per pool (default {@link DEFAULT_VIRTUAL_NODES}). */
  readonly virtualNodes?: number;
}

/** Pool ids `pool-0` … `pool-(count-1)`, the names the gateway and the agents use. */
export function poolIds(count: number): string[] {
  if (!Number.isInteger(count) || count < 0) {
    throw new RangeError(`pool count must be a non-negative integer, got ${count}`);
  }
  return Array.from({ length: count }, (_, i) => `pool-${i}`);
}

/**
 * Builds the ring every task builds for the same pool ids: positions depend only on the pool
 * ids and the virtual-node count (not on their order, the process or the time), so a wallet
 * maps to the same pool on every task and after every restart.
 */
export function createHashRing(pools: readonly string[], options: HashRingOptions = {}): HashRing {
  return buildHashRing(pools, options.virtualNodes ?? DEFAULT_VIRTUAL_NODES, murmur3);
}

/**
 * The ring with an injectable hash, for the benchmark's comparison of hash functions only:
 * production code uses {@link createHashRing}, whose hash every process shares.
 */
export function buildHashRing(
  pools: readonly string[],
  virtualNodes: number,
  hash: (key: string) => number,
): HashRing {
  if (pools.length === 0) throw new RangeError('a hash ring needs at least one pool');
  if (!Number.isInteger(virtualNodes) || virtualNodes < 1) {
    throw new RangeError(`virtualNodes must be a positive integer, got ${virtualNodes}`);
  }
  const names = [...pools].sort();
  for (let i = 1; i < names.length; i++) {
    if (names[i] === names[i - 1]) throw new RangeError(`duplicate pool id ${names[i]}`);
  }
  if (names.length > 0xffff) throw new RangeError('a hash ring holds at most 65,535 pools');

  const size = names.length * virtualNodes;
  const rawPositions = new Uint32Array(size);
  const rawOwners = new Uint16Array(size);
  for (let p = 0; p < names.length; p++) {
    for (let v = 0; v < virtualNodes; v++) {
      const i = p * virtualNodes + v;
      rawPositions[i] = hash(`${names[p]}#${v}`);
      rawOwners[i] = p;
    }
  }
  // Equal positions are ordered by pool id (owners index the sorted names), so that a
  // collision resolves the same way whatever order the pools were given in.
  const order = Array.from({ length: size }, (_, i) => i).sort(
    (a, b) => rawPositions[a]! - rawPositions[b]! || rawOwners[a]! - rawOwners[b]!,
  );
  const positions = new Uint32Array(size);
  const owners = new Uint16Array(size);
  order.forEach((from, to) => {
    positions[to] = rawPositions[from]!;
    owners[to] = rawOwners[from]!;
  });

  // A lookup table over the top bits of the hash, about one point per bucket, narrows the
  // search to a bucket's few points: a lookup costs a hash and a couple of comparisons.
  const bits = Math.min(16, Math.max(1, Math.ceil(Math.log2(size))));
  const shift = 32 - bits;
  const bucketStart = new Uint32Array((1 << bits) + 1);
  for (let b = 0, i = 0; b <= 1 << bits; b++) {
    const from = b * 2 ** shift;
    while (i < size && positions[i]! < from) i++;
    bucketStart[b] = i;
  }

  // Index of the first point at or after the hash, wrapping past the top of the ring.
  const firstPointAtOrAfter = (h: number): number => {
    const bucket = h >>> shift;
    let lo = bucketStart[bucket]!;
    let hi = bucketStart[bucket + 1]!;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (positions[mid]! < h) lo = mid + 1;
      else hi = mid;
    }
    return lo === size ? 0 : lo;
  };

  return Object.freeze({
    pools: Object.freeze([...pools]),
    virtualNodes,
    lookup(key: string): string {
      return names[owners[firstPointAtOrAfter(hash(key))]!]!;
    },
    preferenceList(key: string): string[] {
      const seen = new Uint8Array(names.length);
      const result: string[] = [];
      let i = firstPointAtOrAfter(hash(key));
      while (result.length < names.length) {
        const owner = owners[i]!;
        if (seen[owner] === 0) {
          seen[owner] = 1;
          result.push(names[owner]!);
        }
        i = i + 1 === size ? 0 : i + 1;
      }
      return result;
    },
  });
}
