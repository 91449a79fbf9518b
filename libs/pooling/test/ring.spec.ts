// Locks in the ring's contract: the same wallet maps to the same pool on every task and after
// every restart, pools share wallets evenly, and a change of the pool set moves only the
// wallets it must.
import fc from 'fast-check';
import { createHashRing, DEFAULT_VIRTUAL_NODES, poolIds } from '../src';
import { buildHashRing } from '../src/lib/ring';
import { countPerPool, fractionMoved, maxOverMean, randomWallets } from './wallets';

const WALLETS = 100_000;
const ring5 = createHashRing(poolIds(5));
const ring6 = createHashRing(poolIds(6));

const poolSet = fc.uniqueArray(fc.string({ minLength: 1, maxLength: 12 }), {
  minLength: 1,
  maxLength: 12,
});
const smallRing = { virtualNodes: 64 };

describe('poolIds', () => {
  it('names pools pool-0 to pool-(n-1)', () => {
    expect(poolIds(5)).toEqual(['pool-0', 'pool-1', 'pool-2', 'pool-3', 'pool-4']);
    expect(poolIds(0)).toEqual([]);
  });

  it.each([-1, 1.5, Number.NaN])('rejects a count of %p', (count) => {
    expect(() => poolIds(count)).toThrow(RangeError);
  });
});

describe('createHashRing', () => {
  it('keeps the pools of known wallets, as a deploy must not move every player', () => {
    // Golden values: if this fails, the hash or the ring layout changed, and every task
    // running the new code would send returning players to other pools than the old code.
    const expected: Record<string, string> = {
      So11111111111111111111111111111111111111112: 'pool-2',
      EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v: 'pool-1',
      Bmahgbw6tvK3hZcZnKCuU8ahcbCZmDxzoyQV8djvzGzt: 'pool-3',
      DR3HuDbj6pef3NwjEhARJSbmyvmU83BV4fxfdvaRr6QR: 'pool-0',
    };
    for (const [wallet, pool] of Object.entries(expected)) expect(ring5.lookup(wallet)).toBe(pool);
    expect(ring5.preferenceList('So11111111111111111111111111111111111111112')).toEqual([
      'pool-2',
      'pool-4',
      'pool-0',
      'pool-1',
      'pool-3',
    ]);
  });

  it('describes itself with the pools as given and the virtual-node count', () => {
    const ring = createHashRing(['b', 'a'], { virtualNodes: 3 });
    expect(ring.pools).toEqual(['b', 'a']);
    expect(ring.virtualNodes).toBe(3);
    expect(createHashRing(['a']).virtualNodes).toBe(DEFAULT_VIRTUAL_NODES);
  });

  it('maps a key the same way however the pools are ordered and however often it is built', () => {
    fc.assert(
      fc.property(poolSet, fc.string(), fc.nat(), (pools, key, shift) => {
        const rotated = [
          ...pools.slice(shift % pools.length),
          ...pools.slice(0, shift % pools.length),
        ];
        const a = createHashRing(pools, smallRing);
        const b = createHashRing(rotated.reverse(), smallRing);
        expect(b.lookup(key)).toBe(a.lookup(key));
        expect(b.preferenceList(key)).toEqual(a.preferenceList(key));
      }),
    );
  });

  it('lists every pool once, starting with the home pool', () => {
    fc.assert(
      fc.property(poolSet, fc.string(), (pools, key) => {
        const ring = createHashRing(pools, smallRing);
        const list = ring.preferenceList(key);
        expect(list[0]).toBe(ring.lookup(key));
        expect([...list].sort()).toEqual([...pools].sort());
      }),
    );
  });

  it('keeps 5 pools within 1.10 × the mean load over 100,000 random wallets', () => {
    fc.assert(
      fc.property(fc.integer(), (seed) => {
        const wallets = randomWallets(WALLETS, seed);
        const counts = countPerPool(ring5.pools, wallets, (w) => ring5.lookup(w));
        expect(maxOverMean(counts)).toBeLessThanOrEqual(1.1);
      }),
      { numRuns: 2 },
    );
  });

  it('moves 1/6 ± 0.02 of 100,000 random wallets when a 6th pool is added', () => {
    fc.assert(
      fc.property(fc.integer(), (seed) => {
        const wallets = randomWallets(WALLETS, seed);
        const moved = fractionMoved(
          wallets,
          (w) => ring5.lookup(w),
          (w) => ring6.lookup(w),
        );
        expect(Math.abs(moved - 1 / 6)).toBeLessThanOrEqual(0.02);
      }),
      { numRuns: 2 },
    );
  });

  it('moves a wallet only to an added pool, never between the pools that were there', () => {
    fc.assert(
      fc.property(
        poolSet,
        fc.string({ minLength: 1 }),
        fc.array(fc.string()),
        (pools, added, keys) => {
          fc.pre(!pools.includes(added));
          const before = createHashRing(pools, smallRing);
          const after = createHashRing([...pools, added], smallRing);
          for (const key of keys) {
            const pool = after.lookup(key);
            expect(pool === added || pool === before.lookup(key)).toBe(true);
          }
        },
      ),
    );
  });

  it('moves only the wallets of a removed pool, each to its next pool clockwise', () => {
    fc.assert(
      fc.property(
        poolSet.filter((p) => p.length >= 2),
        fc.nat(),
        fc.array(fc.string()),
        (pools, which, keys) => {
          const removed = pools[which % pools.length] ?? '';
          const before = createHashRing(pools, smallRing);
          const after = createHashRing(
            pools.filter((p) => p !== removed),
            smallRing,
          );
          for (const key of keys) {
            const expected = before.preferenceList(key).filter((p) => p !== removed)[0];
            expect(after.lookup(key)).toBe(expected);
          }
        },
      ),
    );
  });

  it('resolves points that collide to the same pool whatever the order of the pools', () => {
    const constant = () => 7;
    const a = buildHashRing(['pool-b', 'pool-a', 'pool-c'], 4, constant);
    const b = buildHashRing(['pool-c', 'pool-b', 'pool-a'], 4, constant);
    expect(a.lookup('anything')).toBe('pool-a');
    expect(b.lookup('anything')).toBe('pool-a');
    expect(a.preferenceList('anything')).toEqual(['pool-a', 'pool-b', 'pool-c']);
  });

  it('wraps past the top of the ring to its first point', () => {
    const ring = buildHashRing(['low', 'high'], 1, (key) =>
      key === 'low#0' ? 10 : key === 'high#0' ? 20 : 30,
    );
    expect(ring.lookup('any key')).toBe('low');
    expect(ring.preferenceList('any key')).toEqual(['low', 'high']);
  });

  it('rejects an empty pool list, duplicate pools and a bad virtual-node count', () => {
    expect(() => createHashRing([])).toThrow(/at least one pool/);
    expect(() => createHashRing(['a', 'b', 'a'])).toThrow(/duplicate pool id a/);
    expect(() => createHashRing(['a'], { virtualNodes: 0 })).toThrow(RangeError);
    expect(() => createHashRing(['a'], { virtualNodes: 2.5 })).toThrow(RangeError);
    expect(() => buildHashRing(poolIds(0x10000), 1, () => 0)).toThrow(/65,535/);
  });
});
