// Locks in the final score: 90 + 9.99 × (0.30·speed + 0.25·spread + 0.25·premium + 0.20·efficiency).
import { computeFinalScore, ramp } from '../src';

const HOUR = 3_600_000;
const best = {
  firstMessageAt: 0,
  pardonAt: 2 * HOUR,
  distinctAgents: 5,
  premiumServices: 10,
  pointsAtPardon: 90,
  messagesSent: 45,
};

describe('ramp', () => {
  it('is 0 at or below the low end, 1 at or above the high end, linear between', () => {
    expect([0, 2, 3.5, 5, 6].map((x) => ramp(x, 2, 5))).toEqual([0, 0, 0.5, 1, 1]);
  });
});

describe('computeFinalScore', () => {
  it('gives 99.99 with every factor at 1', () => {
    expect(computeFinalScore(best)).toEqual({
      finalScore: 99.99,
      speed: 1,
      spread: 1,
      premium: 1,
      efficiency: 1,
    });
  });

  it('gives 90 with every factor at 0', () => {
    const worst = {
      firstMessageAt: 0,
      pardonAt: 24 * HOUR,
      distinctAgents: 2,
      premiumServices: 0,
      pointsAtPardon: 90,
      messagesSent: 180, // 0.5 points per message
    };
    expect(computeFinalScore(worst).finalScore).toBe(90);
  });

  it('scales speed linearly from 1 at 2 h to 0 at 24 h: 13 h is 0.5', () => {
    const r = computeFinalScore({ ...best, pardonAt: 13 * HOUR });
    expect(r.speed).toBe(0.5);
    // 9.99 × (0.15 + 0.25 + 0.25 + 0.20) = 8.4915 → 8.49
    expect(r.finalScore).toBe(98.49);
  });

  it('scales spread from 0 at 2 agents to 1 at 5: 3 agents is 1/3', () => {
    const r = computeFinalScore({ ...best, distinctAgents: 3 });
    expect(r.spread).toBeCloseTo(1 / 3, 12);
    // 9.99 × (0.30 + 0.0833… + 0.25 + 0.20) = 8.325 → 8.33
    expect(r.finalScore).toBe(98.33);
  });

  it('scales premium from 0 with none to 1 at 10: 4 services is 0.4', () => {
    const r = computeFinalScore({ ...best, premiumServices: 4 });
    expect(r.premium).toBe(0.4);
    // 9.99 × (0.30 + 0.25 + 0.10 + 0.20) = 8.4915 → 8.49
    expect(r.finalScore).toBe(98.49);
  });

  it('scales efficiency from 0 at 0.5 points per message to 1 at 2: 90 points in 72 messages is 0.5', () => {
    const r = computeFinalScore({ ...best, messagesSent: 72 }); // 1.25 points per message
    expect(r.efficiency).toBe(0.5);
    // 9.99 × (0.30 + 0.25 + 0.25 + 0.10) = 8.991 → 8.99
    expect(r.finalScore).toBe(98.99);
  });

  it('treats a pardon without recorded messages as one message (no division by zero)', () => {
    expect(computeFinalScore({ ...best, messagesSent: 0 }).efficiency).toBe(1);
  });
});
