// Locks in the run's shape: ramps default to 10 % (at most 60 s), the sustain phase is the rest,
// players are added one by one on the way up and retired one by one on the way down.
import { activePlayersAt, phaseAt, planPhases, totalMs } from '../src/lib/phases';

describe('phases', () => {
  it('splits a run into ramp-up, sustain and ramp-down', () => {
    expect(planPhases(100_000)).toEqual({
      rampUpMs: 10_000,
      sustainMs: 80_000,
      rampDownMs: 10_000,
    });
    expect(planPhases(3_600_000)).toEqual({
      rampUpMs: 60_000,
      sustainMs: 3_480_000,
      rampDownMs: 60_000,
    });
    expect(planPhases(15_000, { rampUpMs: 5000, rampDownMs: 0 })).toEqual({
      rampUpMs: 5000,
      sustainMs: 10_000,
      rampDownMs: 0,
    });
    expect(totalMs(planPhases(42_000))).toBe(42_000);
  });

  it('refuses ramps longer than the run and non-positive durations', () => {
    expect(() => planPhases(10_000, { rampUpMs: 6000, rampDownMs: 6000 })).toThrow(/exceed/);
    expect(() => planPhases(0)).toThrow(RangeError);
    expect(() => planPhases(10_000, { rampUpMs: -1 })).toThrow(RangeError);
  });

  it('names the phase at each moment', () => {
    const p = { rampUpMs: 10, sustainMs: 20, rampDownMs: 10 };
    expect([0, 9, 10, 29, 30, 39, 40].map((t) => phaseAt(p, t))).toEqual([
      'ramp-up',
      'ramp-up',
      'sustain',
      'sustain',
      'ramp-down',
      'ramp-down',
      'done',
    ]);
  });

  it('ramps players up from one to all, holds, and ramps down to none', () => {
    const p = { rampUpMs: 10_000, sustainMs: 10_000, rampDownMs: 10_000 };
    expect(activePlayersAt(p, 11, 0)).toBe(1);
    expect(activePlayersAt(p, 11, 5000)).toBe(6);
    expect(activePlayersAt(p, 11, 9999)).toBe(10);
    expect(activePlayersAt(p, 11, 10_000)).toBe(11);
    expect(activePlayersAt(p, 11, 19_999)).toBe(11);
    expect(activePlayersAt(p, 11, 20_000)).toBe(11);
    expect(activePlayersAt(p, 11, 25_000)).toBe(5);
    expect(activePlayersAt(p, 11, 29_999)).toBe(0);
    expect(activePlayersAt(p, 11, 30_000)).toBe(0);
  });

  it('never goes backwards on the way up nor forwards on the way down', () => {
    const p = { rampUpMs: 7000, sustainMs: 3000, rampDownMs: 5000 };
    let previous = 0;
    for (let t = 0; t < 10_000; t += 37) {
      const n = activePlayersAt(p, 23, t);
      expect(n).toBeGreaterThanOrEqual(previous);
      expect(n).toBeLessThanOrEqual(23);
      previous = n;
    }
    for (let t = 10_000; t < 15_000; t += 37) {
      const n = activePlayersAt(p, 23, t);
      expect(n).toBeLessThanOrEqual(previous);
      previous = n;
    }
  });

  it('starts everyone at once without a ramp-up', () => {
    expect(activePlayersAt({ rampUpMs: 0, sustainMs: 1000, rampDownMs: 0 }, 50, 0)).toBe(50);
  });
});
