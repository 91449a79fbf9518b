// The worked example of README.md: five agents in rotation, one message every 10 minutes from
// Monday 2026-11-30 15:00 UTC, each evaluated 30 s later. If this test changes, update the README.
import {
  applyEvaluation,
  createPlayerWeekState,
  recordPlayerMessage,
  weekOf,
  type EvaluationOutcome,
} from '../src';

const AGENTS = ['cz', 'trump-barron', 'trump-donald', 'trump-eric', 'trump-melania'];
const FIRST = Date.UTC(2026, 10, 30, 15, 0);
const OPENING = [3, 2, -2, 3, 1]; // then +3 every time

function run(): { outcomes: EvaluationOutcome[] } {
  let state = createPlayerWeekState(weekOf(FIRST).id);
  const outcomes: EvaluationOutcome[] = [];
  for (let i = 0; i < 60; i += 1) {
    const agentId = AGENTS[i % AGENTS.length] as string;
    const at = FIRST + i * 10 * 60_000;
    state = recordPlayerMessage(state, { agentId, at });
    const outcome = applyEvaluation(state, { agentId, score: OPENING[i] ?? 3, at: at + 30_000 });
    outcomes.push(outcome);
    state = outcome.state;
  }
  return { outcomes };
}

describe('the README worked example', () => {
  const { outcomes } = run();
  const scoreAfter = (n: number) => outcomes[n - 1]?.state.score;
  const awarded = (n: number) => outcomes[n - 1]?.pointsAwarded;

  it('is in week 2026-11-30T14:00Z', () => {
    expect(weekOf(FIRST).id).toBe('2026-11-30T14:00Z');
  });

  it('prices the opening: +3 → 2, +2 → 1.67, −2 → −2, then the ×1.15 bonus: +3 → 2.30, +1 → 1.53', () => {
    expect([1, 2, 3, 4, 5].map(awarded)).toEqual([2, 1.67, -2, 2.3, 1.53]);
    expect([1, 2, 3, 4, 5].map(scoreAfter)).toEqual([2, 3.67, 1.67, 3.97, 5.5]);
  });

  it('reaches 51.50 after 25 messages, five per agent, before any fatigue', () => {
    expect(scoreAfter(25)).toBe(51.5);
  });

  it('tires each agent from its 6th scored message: 2.07, 1.86, 1.68, 1.51, 1.36', () => {
    expect([26, 31, 36, 41, 46].map(awarded)).toEqual([2.07, 1.86, 1.68, 1.51, 1.36]);
    expect([30, 35, 40, 45, 47].map(scoreAfter)).toEqual([61.85, 71.15, 79.55, 87.1, 89.82]);
  });

  it('grants the pardon on message 48 at 91.18 and a final score of 96.56', () => {
    const pardon = outcomes[47] as EvaluationOutcome;
    expect(outcomes.slice(0, 47).every((o) => !o.pardonGranted)).toBe(true);
    expect(pardon.pardonGranted).toBe(true);
    expect(pardon.state.score).toBe(91.18);
    expect(pardon.state.pardonGrantedAt).toBe(Date.UTC(2026, 10, 30, 22, 50, 30));
    expect(pardon.final?.finalScore).toBe(96.56);
    // 7 h 50 min 30 s → speed 1 − (7.8417 − 2) / 22; 5 agents → spread 1; no premium;
    // 91.18 / 48 = 1.8996 points per message → efficiency (1.8996 − 0.5) / 1.5.
    expect(pardon.final?.speed).toBeCloseTo(0.7345, 4);
    expect(pardon.final?.spread).toBe(1);
    expect(pardon.final?.premium).toBe(0);
    expect(pardon.final?.efficiency).toBeCloseTo(0.9331, 4);
  });

  it('locks the week: message 49 on awards nothing', () => {
    expect(
      outcomes.slice(48).every((o) => o.pointsAwarded === 0 && o.locked && !o.pardonGranted),
    ).toBe(true);
    expect(outcomes.at(-1)?.state).toBe(outcomes[47]?.state);
  });
});
