// Locks in the prize split: 50/20/10 % and 20 % over places 4–10, exact base units, the
// redistribution of unfilled places and the rounding dust to place 1.
import fc from 'fast-check';
import {
  DEFAULT_GAME_RULES,
  GameInputError,
  paidPlaces,
  splitPrizePool,
  weekPrizes,
  type BoardPlayer,
} from '../src';

const sum = (xs: readonly bigint[]) => xs.reduce((a, b) => a + b, 0n);

describe('splitPrizePool', () => {
  it('pays 5,000 / 2,000 / 1,000 tokens and 20 % / 7 to places 4–10, dust to place 1', () => {
    const amounts = splitPrizePool(10);
    // 2,000 tokens / 7 = 285.714285714… tokens: 285_714_285 base units each, 5 units of dust.
    expect(amounts).toEqual([
      5_000_000_005n,
      2_000_000_000n,
      1_000_000_000n,
      ...Array.from({ length: 7 }, () => 285_714_285n),
    ]);
    expect(sum(amounts)).toBe(DEFAULT_GAME_RULES.prizePoolBaseUnits);
  });

  it('pays the same ten places to 11 or 200 winners', () => {
    expect(splitPrizePool(11)).toEqual(splitPrizePool(10));
    expect(splitPrizePool(200)).toEqual(splitPrizePool(10));
    expect(paidPlaces()).toBe(10);
  });

  it('gives one winner the whole pool', () => {
    expect(splitPrizePool(1)).toEqual([10_000_000_000n]);
  });

  it('redistributes unfilled places in proportion: two winners share 50:20', () => {
    // 10,000 × 5/7 = 7,142.857142857… and 10,000 × 2/7 = 2,857.142857142…
    expect(splitPrizePool(2)).toEqual([7_142_857_143n, 2_857_142_857n]);
  });

  it('refuses a winner count that is not an integer ≥ 0', () => {
    expect(() => splitPrizePool(-1)).toThrow(GameInputError);
    expect(() => splitPrizePool(1.5)).toThrow(GameInputError);
  });

  it('pays place 1 the whole pool when the filled places all weigh nothing', () => {
    const rules = {
      ...DEFAULT_GAME_RULES,
      prizeSplit: { placeSharesBps: [0, 0, 0], sharedBps: 10_000, sharedPlaces: 7 },
    };
    expect(splitPrizePool(2, rules)).toEqual([10_000_000_000n, 0n]);
  });

  it('pays nothing when nobody was pardoned', () => {
    expect(splitPrizePool(0)).toEqual([]);
  });

  it('adds up to the pool exactly for any pool and 1 to 200 winners (property)', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: 0n, max: 10n ** 30n }),
        fc.integer({ min: 1, max: 200 }),
        (pool, winners) => {
          const amounts = splitPrizePool(winners, {
            ...DEFAULT_GAME_RULES,
            prizePoolBaseUnits: pool,
          });
          return (
            amounts.length === Math.min(winners, 10) &&
            sum(amounts) === pool &&
            amounts.every((a) => a >= 0n) &&
            // Places never pay more than the place above them.
            amounts.every((a, i) => i === 0 || a <= (amounts[i - 1] as bigint))
          );
        },
      ),
    );
  });
});

describe('weekPrizes', () => {
  it('pays the pardoned players in board order and nobody else', () => {
    const players: BoardPlayer[] = [
      { wallet: 'second', score: 90, finalScore: 95, pardonGrantedAt: 10 },
      { wallet: 'almost', score: 89.99, finalScore: null, pardonGrantedAt: null },
      { wallet: 'first', score: 91, finalScore: 99, pardonGrantedAt: 20 },
    ];
    expect(weekPrizes(players)).toEqual([
      { place: 1, wallet: 'first', amountBaseUnits: 7_142_857_143n },
      { place: 2, wallet: 'second', amountBaseUnits: 2_857_142_857n },
    ]);
  });

  it('pays nothing to a week without a pardon', () => {
    expect(
      weekPrizes([{ wallet: 'w', score: 50, finalScore: null, pardonGrantedAt: null }]),
    ).toEqual([]);
  });
});
