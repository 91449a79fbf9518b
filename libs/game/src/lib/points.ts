import { roundScore } from './rounding';
import { DEFAULT_GAME_RULES, validateGameRules, type GameRules } from './rules';

/** What one evaluation is worth, and why. */
export interface EvaluationPoints {
  /** The points, rounded to two decimals once, after the multipliers. */
  readonly points: number;
  /** 1 + s/max for s > 0 (1 to 2), s itself for s < 0, 0 for 0; not rounded. */
  readonly base: number;
  /** ×1.15 once the player talked to enough agents this week, else 1 (1 for penalties). */
  readonly spreadMultiplier: number;
  /** ×0.9^k after the free messages with this agent, floored (1 for penalties). */
  readonly fatigueMultiplier: number;
}

/** The context an evaluation is priced in, taken from the player's week state. */
export interface EvaluationContext {
  /** Distinct agents the player sent a message to this week, counting this evaluation's agent. */
  readonly distinctAgents: number;
  /** Evaluations already scored from this agent this week (this one not included). */
  readonly scoredBeforeWithAgent: number;
}

/** The base points of evaluation `s` before multipliers: 1 + s/3, s, or 0. */
export function basePoints(s: number, rules: GameRules = DEFAULT_GAME_RULES): number {
  if (s > 0) return 1 + s / rules.maxEvaluation;
  return s;
}

/** ×1.15 from the `spreadBonusMinAgents`-th distinct agent of the week on, else 1. */
export function spreadMultiplier(
  distinctAgents: number,
  rules: GameRules = DEFAULT_GAME_RULES,
): number {
  return distinctAgents >= rules.spreadBonusMinAgents ? rules.spreadBonusMultiplier : 1;
}

/**
 * The fatigue multiplier of the `nth` scored message with one agent (1-based): 1 up to
 * `fatigueFreeMessages`, then ×0.9 per further message (6th 0.9, 7th 0.81 …), never below the
 * floor. Multiplied out step by step rather than with Math.pow: IEEE multiplication is exactly
 * specified, Math.pow is not, and replays must be bit-identical on any engine.
 */
export function fatigueMultiplier(nth: number, rules: GameRules = DEFAULT_GAME_RULES): number {
  let multiplier = 1;
  for (let k = rules.fatigueFreeMessages; k < nth; k += 1) {
    multiplier *= rules.fatigueFactor;
    if (multiplier <= rules.fatigueFloor) return rules.fatigueFloor;
  }
  return multiplier;
}

/**
 * Prices one evaluation. The multipliers apply to positive points only: a penalty is always the
 * full s. Multiplying penalties would either punish talking to more agents (the spread bonus) or
 * soften the penalty for spamming one agent (fatigue) — both the opposite of what they are for.
 */
export function evaluationPoints(
  s: number,
  context: EvaluationContext,
  rules: GameRules = DEFAULT_GAME_RULES,
): EvaluationPoints {
  validateGameRules(rules);
  const base = basePoints(s, rules);
  if (s <= 0) {
    return { points: roundScore(base), base, spreadMultiplier: 1, fatigueMultiplier: 1 };
  }
  const spread = spreadMultiplier(context.distinctAgents, rules);
  const fatigue = fatigueMultiplier(context.scoredBeforeWithAgent + 1, rules);
  return {
    points: roundScore(base * spread * fatigue),
    base,
    spreadMultiplier: spread,
    fatigueMultiplier: fatigue,
  };
}
