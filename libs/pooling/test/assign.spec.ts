// Locks in bounded-load assignment: a wallet goes home while home is under its bound, else to
// the next pool clockwise under it, and `full` only when every pool is at capacity.
import fc from 'fast-check';
import { assignPool, createHashRing, poolIds, type HashRing } from '../src';
import { randomWallets } from './wallets';

const ring = createHashRing(poolIds(5));
const WALLET = 'So11111111111111111111111111111111111111112';
const [home, second, third] = ring.preferenceList(WALLET) as [string, string, string];

function loadsOf(ring: HashRing, load: (pool: string) => number): Record<string, number> {
  return Object.fromEntries(ring.pools.map((p) => [p, load(p)]));
}

describe('assignPool', () => {
  it('assigns the home pool while it is under capacity', () => {
    const result = assignPool(ring, WALLET, {
      loads: loadsOf(ring, (p) => (p === home ? 29 : 0)),
      capacityPerPool: 30,
    });
    expect(result).toEqual({ kind: 'assigned', pool: home, home, spilled: false });
  });

  it('counts a pool missing from the loads as empty', () => {
    expect(assignPool(ring, WALLET, { loads: {}, capacityPerPool: 1 })).toEqual({
      kind: 'assigned',
      pool: home,
      home,
      spilled: false,
    });
  });

  it('counts pools missing from the loads as empty when spilling and when applying the factor', () => {
    // Only the home pool reports a load: 4 threads in all, so the bound is ⌈1.25 × 5 / 5⌉ = 2.
    const result = assignPool(ring, WALLET, {
      loads: { [home]: 4 },
      capacityPerPool: 30,
      balanceFactor: 1.25,
    });
    expect(result).toEqual({ kind: 'assigned', pool: second, home, spilled: true });
  });

  it('spills to the next pool clockwise that is under capacity', () => {
    const result = assignPool(ring, WALLET, {
      loads: loadsOf(ring, (p) => (p === home || p === second ? 30 : 0)),
      capacityPerPool: 30,
    });
    expect(result).toEqual({ kind: 'assigned', pool: third, home, spilled: true });
  });

  it('answers full when every pool is at capacity', () => {
    expect(
      assignPool(ring, WALLET, { loads: loadsOf(ring, () => 30), capacityPerPool: 30 }),
    ).toEqual({ kind: 'full' });
    expect(
      assignPool(ring, WALLET, {
        loads: loadsOf(ring, () => 31),
        capacityPerPool: 30,
        balanceFactor: 1.25,
      }),
    ).toEqual({ kind: 'full' });
  });

  it('skips a home pool that would exceed the balance factor although it has capacity', () => {
    // 20 threads over 5 pools, factor 1.25: a pool may reach ⌈1.25 × 21 / 5⌉ = 6.
    const byRank = [6, 6, 3, 3, 2]; // home, second, third, … on the wallet's way round the ring
    const loads = loadsOf(ring, (p) => byRank[ring.preferenceList(WALLET).indexOf(p)] ?? 0);
    const result = assignPool(ring, WALLET, { loads, capacityPerPool: 30, balanceFactor: 1.25 });
    expect(result).toEqual({ kind: 'assigned', pool: third, home, spilled: true });
  });

  it('applies the factor exactly: 1.1 × 50 / 5 is a bound of 11, not 12', () => {
    // In floating point 1.1 × 50 / 5 is 11.000000000000002, whose ceiling would be 12.
    const loads = loadsOf(ring, (p) => (p === home ? 11 : p === second ? 11 : 9));
    expect(Object.values(loads).reduce((a, b) => a + b, 0)).toBe(49);
    const result = assignPool(ring, WALLET, { loads, capacityPerPool: 100, balanceFactor: 1.1 });
    expect(result).toEqual({ kind: 'assigned', pool: third, home, spilled: true });
  });

  it.each([
    ['a capacity of 0', { capacityPerPool: 0 }, /capacityPerPool/],
    ['a capacity of NaN', { capacityPerPool: Number.NaN }, /capacityPerPool/],
    ['a factor below 1', { capacityPerPool: 30, balanceFactor: 0.9 }, /balanceFactor/],
    ['a factor of NaN', { capacityPerPool: 30, balanceFactor: Number.NaN }, /balanceFactor/],
    ['an infinite factor', { capacityPerPool: 30, balanceFactor: Infinity }, /balanceFactor/],
  ])('rejects %s', (_label, options, message) => {
    expect(() => assignPool(ring, WALLET, { loads: {}, ...options })).toThrow(message);
  });

  const scenario = fc.record({
    pools: fc.integer({ min: 1, max: 8 }),
    capacity: fc.integer({ min: 1, max: 40 }),
    factor: fc.option(fc.double({ min: 1, max: 3, noNaN: true }), { nil: undefined }),
    loadSeeds: fc.array(fc.integer({ min: 0, max: 45 }), { minLength: 8, maxLength: 8 }),
    wallet: fc.string(),
  });

  it('picks the first pool clockwise under both bounds, and is full only when all are at capacity', () => {
    const rings = new Map<number, HashRing>();
    fc.assert(
      fc.property(scenario, ({ pools, capacity, factor, loadSeeds, wallet }) => {
        const r = rings.get(pools) ?? createHashRing(poolIds(pools), { virtualNodes: 50 });
        rings.set(pools, r);
        const loads = loadsOf(r, (p) => loadSeeds[r.pools.indexOf(p)] ?? 0);
        const total = Object.values(loads).reduce((a, b) => a + b, 0);
        const factorBound =
          factor === undefined ? Infinity : Math.ceil((factor * (total + 1)) / pools - 1e-9);
        const eligible = (p: string) => (loads[p] ?? 0) < Math.min(capacity, factorBound);

        const result = assignPool(r, wallet, {
          loads,
          capacityPerPool: capacity,
          balanceFactor: factor,
        });
        const expected = r.preferenceList(wallet).find(eligible);
        if (expected === undefined) {
          expect(result).toEqual({ kind: 'full' });
          expect(r.pools.every((p) => (loads[p] ?? 0) >= capacity)).toBe(true);
        } else {
          expect(result).toEqual({
            kind: 'assigned',
            pool: expected,
            home: r.lookup(wallet),
            spilled: expected !== r.lookup(wallet),
          });
        }
      }),
    );
  });

  it('never lets a pool exceed ⌈factor × mean⌉ or its capacity while wallets arrive', () => {
    fc.assert(
      fc.property(
        fc.integer(),
        fc.constantFrom(1, 1.1, 1.25, 1.5, 2),
        fc.integer({ min: 100, max: 300 }),
        (seed, factor, capacity) => {
          const loads: Record<string, number> = loadsOf(ring, () => 0);
          let total = 0;
          let worstOverFactor = 0;
          let worstOverCapacity = 0;
          let fullBeforeCapacity = false;
          for (const wallet of randomWallets(1000, seed)) {
            const result = assignPool(ring, wallet, {
              loads,
              capacityPerPool: capacity,
              balanceFactor: factor,
            });
            if (result.kind === 'full') {
              fullBeforeCapacity ||= total < 5 * capacity;
              continue;
            }
            const load = (loads[result.pool] ?? 0) + 1;
            loads[result.pool] = load;
            total += 1;
            // One assertion per run, not per wallet: this loop is the hot part of the suite.
            worstOverFactor = Math.max(
              worstOverFactor,
              load - Math.ceil((factor * total) / 5 - 1e-9),
            );
            worstOverCapacity = Math.max(worstOverCapacity, load - capacity);
          }
          expect({ worstOverFactor, worstOverCapacity, fullBeforeCapacity }).toEqual({
            worstOverFactor: 0,
            worstOverCapacity: 0,
            fullBeforeCapacity: false,
          });
        },
      ),
      { numRuns: 10 },
    );
  });
});
