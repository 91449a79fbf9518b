// Locks in the thresholds and that bad rules fail on first use, naming the field.
import {
  DEFAULT_GAME_RULES,
  formatTokenAmount,
  GameInputError,
  tokensToBaseUnits,
  validateGameRules,
  weekOf,
} from '../src';

describe('DEFAULT_GAME_RULES', () => {
  it('holds the issue: −3…+3, ×1.15 from 3 agents, fatigue after 5 to ×0.5, pardon at 90', () => {
    expect(DEFAULT_GAME_RULES).toMatchObject({
      minEvaluation: -3,
      maxEvaluation: 3,
      spreadBonusMultiplier: 1.15,
      spreadBonusMinAgents: 3,
      fatigueFreeMessages: 5,
      fatigueFactor: 0.9,
      fatigueFloor: 0.5,
      pardonThreshold: 90,
      finalScoreSpan: 9.99,
      finalScoreWeights: { speed: 0.3, spread: 0.25, premium: 0.25, efficiency: 0.2 },
      weekStart: { weekdayUtc: 1, hourUtc: 14, minuteUtc: 0 },
      boardSize: 100,
      tokenDecimals: 6,
    });
  });

  it('holds a pool of 10,000 tokens in base units', () => {
    expect(DEFAULT_GAME_RULES.prizePoolBaseUnits).toBe(10_000_000_000n);
    expect(tokensToBaseUnits(10_000n, 6)).toBe(10_000_000_000n);
  });

  it('cannot be changed by an importer, nested objects included', () => {
    expect(Object.isFrozen(DEFAULT_GAME_RULES)).toBe(true);
    expect(Object.isFrozen(DEFAULT_GAME_RULES.finalScoreWeights)).toBe(true);
    expect(Object.isFrozen(DEFAULT_GAME_RULES.prizeSplit.placeSharesBps)).toBe(true);
  });

  it('is valid', () => {
    expect(validateGameRules(DEFAULT_GAME_RULES)).toBe(DEFAULT_GAME_RULES);
  });
});

describe('validateGameRules', () => {
  it('refuses weights that do not add up to 1, naming the field', () => {
    const rules = {
      ...DEFAULT_GAME_RULES,
      finalScoreWeights: { speed: 0.5, spread: 0.25, premium: 0.25, efficiency: 0.2 },
    };
    expect(() => validateGameRules(rules)).toThrow(/finalScoreWeights/);
  });

  it('refuses a prize split that is not 10,000 basis points', () => {
    const rules = {
      ...DEFAULT_GAME_RULES,
      prizeSplit: { placeSharesBps: [5000, 2000], sharedBps: 2000, sharedPlaces: 7 },
    };
    expect(() => validateGameRules(rules)).toThrow(/prizeSplit/);
  });

  it('lists every bad field at once, with the invalid_rules code', () => {
    const rules = { ...DEFAULT_GAME_RULES, boardSize: 0, fatigueFactor: 1.5, tokenDecimals: -1 };
    let error: unknown;
    try {
      validateGameRules(rules);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(GameInputError);
    expect((error as GameInputError).code).toBe('invalid_rules');
    expect((error as GameInputError).message).toMatch(/fatigueFactor.*boardSize.*tokenDecimals/);
  });

  it('is applied by the functions that take rules', () => {
    const rules = { ...DEFAULT_GAME_RULES, weekStart: { weekdayUtc: 7, hourUtc: 0, minuteUtc: 0 } };
    expect(() => weekOf(0, rules)).toThrow(GameInputError);
  });

  it('refuses negative token decimals', () => {
    expect(() => tokensToBaseUnits(1n, -1)).toThrow(GameInputError);
  });
});

describe('formatTokenAmount', () => {
  test('divides by 10^decimals exactly, without trailing zeros', () => {
    expect(formatTokenAmount('5000000000', 6)).toBe('5000');
    expect(formatTokenAmount('285714285', 6)).toBe('285.714285');
    expect(formatTokenAmount('1', 6)).toBe('0.000001');
    expect(formatTokenAmount('0', 6)).toBe('0');
    expect(formatTokenAmount(123n, 0)).toBe('123');
    expect(formatTokenAmount('123456789012345678901234567890', 18)).toBe(
      '123456789012.34567890123456789',
    );
  });
});
