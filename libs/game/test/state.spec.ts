// Locks in the week reducer: counting messages, applying evaluations, the 0 floor, the pardon
// event and the lock after it, and the refusal of bad inputs.
import {
  applyEvaluation,
  createPlayerWeekState,
  DEFAULT_GAME_RULES,
  GameInputError,
  isLocked,
  recordPlayerMessage,
  recordPremiumService,
  validateEvaluation,
  type PlayerWeekState,
} from '../src';

const WEEK = '2026-11-30T14:00Z';
const T0 = Date.UTC(2026, 10, 30, 15, 0);

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    return e instanceof GameInputError ? e.code : 'not a GameInputError';
  }
  return undefined;
}

function talkTo(state: PlayerWeekState, ...agents: string[]): PlayerWeekState {
  return agents.reduce((s, agentId, i) => recordPlayerMessage(s, { agentId, at: T0 + i }), state);
}

describe('createPlayerWeekState', () => {
  it('starts empty', () => {
    expect(createPlayerWeekState(WEEK)).toEqual({
      weekId: WEEK,
      score: 0,
      scoredMessages: {},
      agentsTalkedTo: [],
      messagesSent: 0,
      firstMessageAt: null,
      pardonGrantedAt: null,
      finalScore: null,
      premiumServices: 0,
    });
  });

  it('refuses an id that is not a week start', () => {
    expect(codeOf(() => createPlayerWeekState('2026-W49'))).toBe('invalid_week_id');
  });
});

describe('recordPlayerMessage', () => {
  it('counts messages, distinct agents (sorted) and the first message', () => {
    const s = talkTo(createPlayerWeekState(WEEK), 'trump-eric', 'cz', 'trump-eric');
    expect(s.messagesSent).toBe(3);
    expect(s.agentsTalkedTo).toEqual(['cz', 'trump-eric']);
    expect(s.firstMessageAt).toBe(T0);
  });

  it('does not mutate its input', () => {
    const s0 = createPlayerWeekState(WEEK);
    const copy = structuredClone(s0);
    recordPlayerMessage(s0, { agentId: 'cz', at: T0 });
    expect(s0).toEqual(copy);
  });

  it('refuses a message outside the week: the message decides the week', () => {
    const s0 = createPlayerWeekState(WEEK);
    const start = Date.UTC(2026, 10, 30, 14);
    expect(codeOf(() => recordPlayerMessage(s0, { agentId: 'cz', at: start - 1 }))).toBe(
      'wrong_week',
    );
    expect(recordPlayerMessage(s0, { agentId: 'cz', at: start }).messagesSent).toBe(1);
  });

  it('refuses bad agent ids and instants', () => {
    const s0 = createPlayerWeekState(WEEK);
    expect(codeOf(() => recordPlayerMessage(s0, { agentId: '', at: T0 }))).toBe('invalid_agent_id');
    expect(codeOf(() => recordPlayerMessage(s0, { agentId: ' cz', at: T0 }))).toBe(
      'invalid_agent_id',
    );
    expect(codeOf(() => recordPlayerMessage(s0, { agentId: 'cz', at: T0 + 0.5 }))).toBe(
      'invalid_instant',
    );
  });
});

describe('applyEvaluation', () => {
  it('adds the points and counts the scored message for the agent', () => {
    const s = talkTo(createPlayerWeekState(WEEK), 'cz');
    const r = applyEvaluation(s, { agentId: 'cz', score: 2, at: T0 + 10 });
    expect(r).toMatchObject({
      pointsAwarded: 1.67,
      pardonGranted: false,
      locked: false,
      final: null,
    });
    expect(r.state.score).toBe(1.67);
    expect(r.state.scoredMessages).toEqual({ cz: 1 });
  });

  it('counts the agents talked to this week, the evaluating one included, for the ×1.15 bonus', () => {
    const two = talkTo(createPlayerWeekState(WEEK), 'cz', 'trump-eric');
    expect(applyEvaluation(two, { agentId: 'cz', score: 3, at: T0 + 10 }).pointsAwarded).toBe(2);
    const three = recordPlayerMessage(two, { agentId: 'trump-donald', at: T0 + 5 });
    expect(
      applyEvaluation(three, { agentId: 'trump-donald', score: 3, at: T0 + 10 }).pointsAwarded,
    ).toBe(2.3);
  });

  it('never takes the score below 0: a penalty awards only what is there', () => {
    let s = talkTo(createPlayerWeekState(WEEK), 'cz');
    s = applyEvaluation(s, { agentId: 'cz', score: 1, at: T0 + 1 }).state; // 1.33
    const r = applyEvaluation(s, { agentId: 'cz', score: -3, at: T0 + 2 });
    expect(r.points?.points).toBe(-3);
    expect(r.pointsAwarded).toBe(-1.33);
    expect(r.state.score).toBe(0);
    expect(applyEvaluation(r.state, { agentId: 'cz', score: -2, at: T0 + 3 }).state.score).toBe(0);
  });

  it('counts zero and negative evaluations as scored messages for fatigue', () => {
    let s = talkTo(createPlayerWeekState(WEEK), 'cz');
    for (const score of [0, -1, 0, -1, 0]) {
      s = applyEvaluation(s, { agentId: 'cz', score, at: T0 + 1 }).state;
    }
    expect(s.scoredMessages).toEqual({ cz: 5 });
    expect(
      applyEvaluation(s, { agentId: 'cz', score: 3, at: T0 + 2 }).points?.fatigueMultiplier,
    ).toBe(0.9);
  });

  it('stays at most 89.99 until the event that reaches 90, which grants the pardon and locks the week', () => {
    const s = {
      ...talkTo(createPlayerWeekState(WEEK), 'cz', 'trump-eric', 'trump-donald'),
      score: 89.98,
    };
    const below = applyEvaluation(
      { ...s, score: 87.69 },
      { agentId: 'cz', score: 3, at: T0 + 60_000 },
    );
    expect(below.state.score).toBe(89.99);
    expect(below.pardonGranted).toBe(false);

    const r = applyEvaluation(s, { agentId: 'cz', score: 1, at: T0 + 60_000 });
    expect(r.pardonGranted).toBe(true);
    expect(r.locked).toBe(true);
    expect(r.pointsAwarded).toBe(1.53);
    expect(r.state.score).toBe(91.51);
    expect(r.state.pardonGrantedAt).toBe(T0 + 60_000);
    expect(r.state.finalScore).toBe(r.final?.finalScore);
    expect(isLocked(r.state)).toBe(true);
  });

  it('after the pardon accepts evaluations but awards 0 and changes nothing', () => {
    const s = { ...talkTo(createPlayerWeekState(WEEK), 'cz'), score: 89 };
    const pardoned = applyEvaluation(s, { agentId: 'cz', score: 3, at: T0 + 1 }).state;
    const later = applyEvaluation(pardoned, { agentId: 'cz', score: -3, at: T0 + 2 });
    expect(later).toEqual({
      state: pardoned,
      pointsAwarded: 0,
      pardonGranted: false,
      locked: true,
      points: null,
      final: null,
    });
    expect(recordPlayerMessage(pardoned, { agentId: 'trump-eric', at: T0 + 3 })).toBe(pardoned);
    expect(recordPremiumService(pardoned)).toBe(pardoned);
    // A bad evaluation is still refused after the lock: the caller records only valid ones.
    expect(codeOf(() => applyEvaluation(pardoned, { agentId: 'cz', score: 9, at: T0 + 2 }))).toBe(
      'invalid_evaluation',
    );
  });

  it('counts premium services into the final score', () => {
    let s = { ...talkTo(createPlayerWeekState(WEEK), 'cz'), score: 89 };
    for (let i = 0; i < 4; i += 1) s = recordPremiumService(s);
    expect(s.premiumServices).toBe(4);
    expect(applyEvaluation(s, { agentId: 'cz', score: 3, at: T0 + 1 }).final?.premium).toBe(0.4);
  });

  it('refuses an evaluation of a message the player never sent to that agent', () => {
    const s = talkTo(createPlayerWeekState(WEEK), 'cz');
    expect(codeOf(() => applyEvaluation(s, { agentId: 'trump-eric', score: 1, at: T0 + 1 }))).toBe(
      'unknown_message',
    );
    expect(codeOf(() => applyEvaluation(s, { agentId: 'cz', score: 1, at: T0 - 1 }))).toBe(
      'invalid_instant',
    );
  });

  it('is not fooled by agent ids that are Object.prototype members', () => {
    let s = talkTo(createPlayerWeekState(WEEK), 'constructor', '__proto__');
    s = applyEvaluation(s, { agentId: 'constructor', score: 3, at: T0 + 1 }).state;
    s = applyEvaluation(s, { agentId: '__proto__', score: 3, at: T0 + 1 }).state;
    expect(s.score).toBe(4);
    expect(Object.hasOwn(s.scoredMessages, '__proto__')).toBe(true);
    expect(JSON.parse(JSON.stringify(s))).toEqual(s);
  });
});

describe('validateEvaluation', () => {
  it('accepts integers from −3 to +3', () => {
    for (let score = -3; score <= 3; score += 1) {
      expect(validateEvaluation({ agentId: 'cz', score, at: T0 }).score).toBe(score);
    }
  });

  it('refuses anything else with invalid_evaluation, saying what was wrong', () => {
    for (const score of [4, -4, 2.5, NaN, Infinity, '3', null, undefined]) {
      expect(codeOf(() => validateEvaluation({ agentId: 'cz', score, at: T0 }))).toBe(
        'invalid_evaluation',
      );
    }
    expect(() => validateEvaluation({ agentId: 'cz', score: 4, at: T0 })).toThrow(
      'an evaluation is an integer from -3 to 3, got 4',
    );
  });

  it('follows a configured range', () => {
    const rules = { ...DEFAULT_GAME_RULES, minEvaluation: -5, maxEvaluation: 5 };
    expect(validateEvaluation({ agentId: 'cz', score: 5, at: T0 }, rules).score).toBe(5);
  });

  it('refuses non-objects and missing fields', () => {
    expect(codeOf(() => validateEvaluation(null))).toBe('invalid_agent_id');
    expect(codeOf(() => validateEvaluation({ agentId: 'cz', score: 1 }))).toBe('invalid_instant');
  });

  it('turns −0 into 0', () => {
    expect(Object.is(validateEvaluation({ agentId: 'cz', score: -0, at: T0 }).score, 0)).toBe(true);
  });
});
