// Locks in the rounding of scores: two decimals, half away from zero, sums in hundredths.
import { fromCents, roundScore, toCents } from '../src';

describe('rounding', () => {
  it('rounds to two decimals half away from zero', () => {
    expect(roundScore(1.3333)).toBe(1.33);
    expect(roundScore(1.6667)).toBe(1.67);
    expect(roundScore(-1.005)).toBe(-1.01);
    expect(roundScore(2.675)).toBe(2.68);
  });

  it('rounds values that are half a cent in decimal up, despite their binary representation', () => {
    // 1.005 is stored as 1.00499999999999989…; a person rounds it to 1.01.
    expect(toCents(1.005)).toBe(101);
    expect(toCents(0.125)).toBe(13);
  });

  it('never returns −0', () => {
    expect(Object.is(toCents(-0.001), 0)).toBe(true);
  });

  it('round-trips two-decimal values exactly', () => {
    for (let cents = -9999; cents <= 9999; cents += 7) {
      expect(toCents(fromCents(cents))).toBe(cents);
    }
  });

  it('avoids float drift: ten times 0.1 is exactly 1', () => {
    let cents = 0;
    for (let i = 0; i < 10; i += 1) cents += toCents(0.1);
    expect(fromCents(cents)).toBe(1);
  });
});
