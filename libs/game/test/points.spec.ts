// Locks in the price of one evaluation: base points, spread bonus, fatigue and their rounding.
import {
  basePoints,
  DEFAULT_GAME_RULES,
  evaluationPoints,
  fatigueMultiplier,
  spreadMultiplier,
} from '../src';

const fresh = { distinctAgents: 1, scoredBeforeWithAgent: 0 };

describe('basePoints', () => {
  it('gives 1 + s/3 for positive evaluations, s for negative ones and 0 for 0', () => {
    expect(basePoints(1)).toBeCloseTo(4 / 3, 12);
    expect(basePoints(2)).toBeCloseTo(5 / 3, 12);
    expect(basePoints(3)).toBe(2);
    expect(basePoints(0)).toBe(0);
    expect(basePoints(-1)).toBe(-1);
    expect(basePoints(-3)).toBe(-3);
  });
});

describe('evaluationPoints', () => {
  it('rounds the points of one evaluation to two decimals: +1 → 1.33, +2 → 1.67, +3 → 2', () => {
    expect(evaluationPoints(1, fresh).points).toBe(1.33);
    expect(evaluationPoints(2, fresh).points).toBe(1.67);
    expect(evaluationPoints(3, fresh).points).toBe(2);
  });

  it('gives ×1.15 from the third distinct agent of the week: +3 → 2.30, +1 → 1.53, +2 → 1.92', () => {
    const ctx = { distinctAgents: 3, scoredBeforeWithAgent: 0 };
    expect(evaluationPoints(3, ctx).points).toBe(2.3);
    expect(evaluationPoints(1, ctx).points).toBe(1.53);
    expect(evaluationPoints(2, ctx).points).toBe(1.92);
    expect(evaluationPoints(3, { ...ctx, distinctAgents: 2 }).points).toBe(2);
  });

  it('multiplies the exact base and rounds once: +2 as 6th message, 5/3 × 1.15 × 0.9 = 1.725 → 1.73', () => {
    const p = evaluationPoints(2, { distinctAgents: 3, scoredBeforeWithAgent: 5 });
    expect(p.fatigueMultiplier).toBe(0.9);
    expect(p.points).toBe(1.73);
  });

  it('applies no multiplier to penalties or zero: a penalty is the full s', () => {
    const ctx = { distinctAgents: 6, scoredBeforeWithAgent: 20 };
    expect(evaluationPoints(-3, ctx)).toEqual({
      points: -3,
      base: -3,
      spreadMultiplier: 1,
      fatigueMultiplier: 1,
    });
    expect(evaluationPoints(0, ctx).points).toBe(0);
  });

  it('combines bonus and fatigue on the 6th, 7th and 8th scored message with one agent', () => {
    const at = (before: number) =>
      evaluationPoints(3, { distinctAgents: 5, scoredBeforeWithAgent: before }).points;
    expect(at(4)).toBe(2.3); // 5th: no fatigue yet
    expect(at(5)).toBe(2.07); // 2 × 1.15 × 0.9
    expect(at(6)).toBe(1.86); // × 0.81 = 1.863
    expect(at(7)).toBe(1.68); // × 0.729 = 1.6767
    expect(at(50)).toBe(1.15); // floor × 0.5
  });
});

describe('spreadMultiplier', () => {
  it('is 1 below 3 agents and 1.15 from 3 on', () => {
    expect([1, 2, 3, 6].map((n) => spreadMultiplier(n))).toEqual([1, 1, 1.15, 1.15]);
  });
});

describe('fatigueMultiplier', () => {
  it('is 1 for the first five, then 0.9, 0.81, 0.729, 0.6561, 0.59049, 0.531441, then the 0.5 floor', () => {
    const values = Array.from({ length: 14 }, (_, i) => fatigueMultiplier(i + 1));
    expect(values.slice(0, 5)).toEqual([1, 1, 1, 1, 1]);
    const expected = [0.9, 0.81, 0.729, 0.6561, 0.59049, 0.531441];
    expected.forEach((v, i) => expect(values[5 + i]).toBeCloseTo(v, 12));
    expect(values.slice(11)).toEqual([0.5, 0.5, 0.5]);
  });

  it('follows configured rules', () => {
    const rules = {
      ...DEFAULT_GAME_RULES,
      fatigueFreeMessages: 1,
      fatigueFactor: 0.5,
      fatigueFloor: 0.2,
    };
    expect([1, 2, 3, 4].map((n) => fatigueMultiplier(n, rules))).toEqual([1, 0.5, 0.25, 0.2]);
  });
});
