// Locks in the traffic mix: production's planned 30/50/15/5 split, parsing and normalising custom
// weights, and that draws follow the weights (seeded, so the same seed plans the same run).
import {
  createRng,
  DEFAULT_MIX,
  parseMix,
  pickJourney,
  seedOf,
  type JourneyKind,
} from '../src/lib/mix';

describe('mix', () => {
  it("is production's planned mix by default", () => {
    expect(DEFAULT_MIX).toEqual({ new: 0.3, returning: 0.5, multiAgent: 0.15, leaderboard: 0.05 });
  });

  it('maps a uniform draw onto the journeys by cumulative weight', () => {
    expect(pickJourney(DEFAULT_MIX, 0)).toBe('new');
    expect(pickJourney(DEFAULT_MIX, 0.2999)).toBe('new');
    expect(pickJourney(DEFAULT_MIX, 0.3)).toBe('returning');
    expect(pickJourney(DEFAULT_MIX, 0.7999)).toBe('returning');
    expect(pickJourney(DEFAULT_MIX, 0.8)).toBe('multiAgent');
    expect(pickJourney(DEFAULT_MIX, 0.9499)).toBe('multiAgent');
    expect(pickJourney(DEFAULT_MIX, 0.9501)).toBe('leaderboard');
    expect(pickJourney(DEFAULT_MIX, 0.9999999)).toBe('leaderboard');
  });

  it('gives the last weighted journey what rounding leaves below 1', () => {
    expect(
      pickJourney(
        { new: 0.3, returning: 0.7 - 1e-12, multiAgent: 0, leaderboard: 0 },
        0.99999999999999,
      ),
    ).toBe('returning');
  });

  it('draws journeys in the planned proportions', () => {
    const rng = createRng(seedOf('pardon'));
    const counts: Record<JourneyKind, number> = {
      new: 0,
      returning: 0,
      multiAgent: 0,
      leaderboard: 0,
    };
    const n = 100_000;
    for (let i = 0; i < n; i++) counts[pickJourney(DEFAULT_MIX, rng())] += 1;
    expect(counts.new / n).toBeCloseTo(0.3, 2);
    expect(counts.returning / n).toBeCloseTo(0.5, 2);
    expect(counts.multiAgent / n).toBeCloseTo(0.15, 2);
    expect(counts.leaderboard / n).toBeCloseTo(0.05, 2);
  });

  it('parses custom weights and normalises them', () => {
    expect(parseMix('new=30,returning=50,multiAgent=15,leaderboard=5')).toEqual(DEFAULT_MIX);
    expect(parseMix('returning=1')).toEqual({
      new: 0,
      returning: 1,
      multiAgent: 0,
      leaderboard: 0,
    });
    expect(parseMix('new=1, leaderboard=1')).toEqual({
      new: 0.5,
      returning: 0,
      multiAgent: 0,
      leaderboard: 0.5,
    });
  });

  it('refuses unknown journeys, bad weights and an all-zero mix', () => {
    expect(() => parseMix('browsing=5')).toThrow(/unknown journey/);
    expect(() => parseMix('new=-1')).toThrow(/weight/);
    expect(() => parseMix('new=x')).toThrow(/weight/);
    expect(() => parseMix('new=0')).toThrow(/at least one/);
  });

  it('repeats the same sequence for the same seed and differs for another', () => {
    const a = createRng(seedOf('x'));
    const b = createRng(seedOf('x'));
    const c = createRng(seedOf('y'));
    const seqA = Array.from({ length: 5 }, a);
    expect(Array.from({ length: 5 }, b)).toEqual(seqA);
    expect(Array.from({ length: 5 }, c)).not.toEqual(seqA);
    for (const v of seqA) expect(v >= 0 && v < 1).toBe(true);
  });
});
