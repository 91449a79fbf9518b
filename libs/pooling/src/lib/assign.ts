import type { HashRing } from './ring';

export interface AssignOptions {
  /** Live active threads per pool id; a pool missing from the record has none. */
  readonly loads: Readonly<Record<string, number>>;
  /** Most active threads a pool may hold (threads per pool in the settings). */
  readonly capacityPerPool: number;
  /**
   * Bounded-load factor c ≥ 1 (HAProxy's `hash-balance-factor` / 100): a pool takes a new wallet
   * only while its load stays within ⌈c × (total + 1) / pools⌉. Omit it to bound by capacity only.
   */
  readonly balanceFactor?: number;
}

export type Assignment =
  | {
      readonly kind: 'assigned';
      /** The pool that takes the wallet. */
      readonly pool: string;
      /** The wallet's home pool on the ring. */
      readonly home: string;
      /** True when the home pool was skipped because it was at its bound. */
      readonly spilled: boolean;
    }
  | { readonly kind: 'full' };

// The factor is scaled to an integer so that ⌈c × (total + 1) / n⌉ is computed from one
// correctly rounded division of integers: 1.1 × 10 must give 11, not 12.
const FACTOR_SCALE = 1_000_000;

/**
 * Consistent hashing with bounded loads (Mirrokni, Thorup and Zadimoghaddam, 2018): the wallet's
 * home pool if it is under its bound, else the next pool clockwise that is, else `full` (the
 * gateway answers 503 `capacity_exhausted`). With a balance factor ≥ 1 some pool is always under
 * the factor's bound, so `full` means every pool is at capacity.
 */
export function assignPool(ring: HashRing, wallet: string, options: AssignOptions): Assignment {
  const { loads, capacityPerPool, balanceFactor } = options;
  if (!(capacityPerPool > 0)) {
    throw new RangeError(`capacityPerPool must be positive, got ${capacityPerPool}`);
  }
  let limit = capacityPerPool;
  if (balanceFactor !== undefined) {
    if (!(balanceFactor >= 1) || !Number.isFinite(balanceFactor)) {
      throw new RangeError(`balanceFactor must be a finite number ≥ 1, got ${balanceFactor}`);
    }
    let total = 0;
    for (const pool of ring.pools) total += loads[pool] ?? 0;
    const scaled = Math.round(balanceFactor * FACTOR_SCALE);
    limit = Math.min(limit, Math.ceil((scaled * (total + 1)) / (FACTOR_SCALE * ring.pools.length)));
  }

  const home = ring.lookup(wallet);
  if ((loads[home] ?? 0) < limit) return { kind: 'assigned', pool: home, home, spilled: false };
  for (const pool of ring.preferenceList(wallet)) {
    if ((loads[pool] ?? 0) < limit) return { kind: 'assigned', pool, home, spilled: true };
  }
  return { kind: 'full' };
}
