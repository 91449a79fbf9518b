// Properties over random event sequences: the score stays in [0, 89.99] before the pardon, the
// final score in [90, 99.99], the same events give bit-identical results, nothing moves after
// the lock, and the points awarded add up to the score.
import fc from 'fast-check';
import {
  applyEvaluation,
  createPlayerWeekState,
  recordPlayerMessage,
  type PlayerWeekState,
} from '../src';

const WEEK = '2026-11-30T14:00Z';
const START = Date.UTC(2026, 10, 30, 14);
const AGENTS = ['trump-donald', 'trump-melania', 'trump-eric', 'trump-donjr', 'trump-barron', 'cz'];

// One step: the player writes to an agent, which may or may not evaluate the message.
const step = fc.record({
  agent: fc.integer({ min: 0, max: AGENTS.length - 1 }),
  score: fc.option(fc.integer({ min: -3, max: 3 }), { nil: undefined }),
  gapMs: fc.integer({ min: 0, max: 3 * 3_600_000 }),
});
const sequence = fc.array(step, { maxLength: 150 });

interface Trace {
  readonly states: PlayerWeekState[];
  readonly awarded: number[];
}

function play(
  steps: readonly { agent: number; score: number | undefined; gapMs: number }[],
): Trace {
  let state = createPlayerWeekState(WEEK);
  let at = START;
  const states: PlayerWeekState[] = [];
  const awarded: number[] = [];
  for (const { agent, score, gapMs } of steps) {
    // Stay inside the week: the reducer refuses messages outside it.
    at = Math.min(at + gapMs, START + 7 * 86_400_000 - 1000);
    const agentId = AGENTS[agent] as string;
    state = recordPlayerMessage(state, { agentId, at });
    if (score !== undefined) {
      const outcome = applyEvaluation(state, { agentId, score, at: at + 500 });
      state = outcome.state;
      awarded.push(outcome.pointsAwarded);
    }
    states.push(state);
  }
  return { states, awarded };
}

describe('game properties', () => {
  it('keeps the score within [0, 89.99] and at two decimals until the pardon', () => {
    fc.assert(
      fc.property(sequence, (steps) =>
        play(steps).states.every(
          (s) =>
            s.pardonGrantedAt !== null ||
            (s.score >= 0 && s.score <= 89.99 && Math.round(s.score * 100) / 100 === s.score),
        ),
      ),
    );
  });

  it('gives a final score within [90, 99.99] with two decimals whenever the pardon is granted', () => {
    // Mostly good evaluations, so that many runs reach the pardon.
    const good = fc.array(
      fc.record({
        agent: fc.integer({ min: 0, max: 5 }),
        score: fc.integer({ min: -1, max: 3 }),
        gapMs: fc.integer({ min: 0, max: 3 * 3_600_000 }),
      }),
      { minLength: 40, maxLength: 150 },
    );
    fc.assert(
      fc.property(good, (steps) => {
        const last = play(steps).states.at(-1) as PlayerWeekState;
        if (last.finalScore === null) return last.score <= 89.99;
        return (
          last.finalScore >= 90 &&
          last.finalScore <= 99.99 &&
          Math.round(last.finalScore * 100) / 100 === last.finalScore &&
          last.score >= 90
        );
      }),
    );
  });

  it('gives bit-identical results for the same events', () => {
    fc.assert(
      fc.property(sequence, (steps) => {
        const a = play(steps);
        const b = play(structuredClone(steps));
        return (
          JSON.stringify(a) === JSON.stringify(b) &&
          a.states.every((s, i) => Object.is(s.score, b.states[i]?.score))
        );
      }),
    );
  });

  it('changes nothing once the week is locked', () => {
    fc.assert(
      fc.property(sequence, (steps) => {
        const { states } = play(steps);
        const first = states.findIndex((s) => s.pardonGrantedAt !== null);
        return first === -1 || states.slice(first).every((s) => s === states[first]);
      }),
    );
  });

  it('adds the points awarded up to the score, in hundredths', () => {
    fc.assert(
      fc.property(sequence, (steps) => {
        const { states, awarded } = play(steps);
        const cents = awarded.reduce((a, p) => a + Math.round(p * 100), 0);
        return cents === Math.round((states.at(-1)?.score ?? 0) * 100);
      }),
    );
  });
});
