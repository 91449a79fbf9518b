import { fromCents, toCents } from './rounding';
import { DEFAULT_GAME_RULES, validateGameRules, type GameRules } from './rules';

/** What the final score is computed from, all taken at the pardon event. */
export interface FinalScoreInputs {
  /** The week's first message by the player, ms since the epoch. */
  readonly firstMessageAt: number;
  /** The instant of the evaluation that reached the threshold. */
  readonly pardonAt: number;
  /** Distinct agents the player sent a message to this week. */
  readonly distinctAgents: number;
  /** Premium services bought this week (0 until payments exist). */
  readonly premiumServices: number;
  /** The week's score right after the pardon event (≥ the threshold; not capped). */
  readonly pointsAtPardon: number;
  /** Messages the player sent this week. */
  readonly messagesSent: number;
}

/** The final score and its four factors, each in [0, 1] (not rounded). */
export interface FinalScoreBreakdown {
  readonly finalScore: number;
  readonly speed: number;
  readonly spread: number;
  readonly premium: number;
  readonly efficiency: number;
}

/** 0 at or below `zeroAt`, 1 at or above `fullAt`, linear between (`zeroAt` < `fullAt`). */
export function ramp(x: number, zeroAt: number, fullAt: number): number {
  if (x <= zeroAt) return 0;
  if (x >= fullAt) return 1;
  return (x - zeroAt) / (fullAt - zeroAt);
}

/**
 * The pardon's final score: threshold + span × (0.30·speed + 0.25·spread + 0.25·premium +
 * 0.20·efficiency), 90 to 99.99 with the defaults. The span part is rounded to hundredths once
 * and added in hundredths, so the result is exactly a two-decimal number. Efficiency divides by
 * at least one message, so a caller that never recorded messages gets a number, not Infinity.
 */
export function computeFinalScore(
  inputs: FinalScoreInputs,
  rules: GameRules = DEFAULT_GAME_RULES,
): FinalScoreBreakdown {
  validateGameRules(rules);
  const elapsedMs = inputs.pardonAt - inputs.firstMessageAt;
  const speed = 1 - ramp(elapsedMs, rules.speedFullMs, rules.speedZeroMs);
  const spread = ramp(inputs.distinctAgents, rules.spreadZeroAgents, rules.spreadFullAgents);
  const premium = ramp(inputs.premiumServices, 0, rules.premiumFullServices);
  const efficiency = ramp(
    inputs.pointsAtPardon / Math.max(1, inputs.messagesSent),
    rules.efficiencyZeroPointsPerMessage,
    rules.efficiencyFullPointsPerMessage,
  );
  const w = rules.finalScoreWeights;
  const weighted = Math.min(
    1,
    w.speed * speed + w.spread * spread + w.premium * premium + w.efficiency * efficiency,
  );
  const finalScore = fromCents(
    toCents(rules.pardonThreshold) + toCents(rules.finalScoreSpan * weighted),
  );
  return { finalScore, speed, spread, premium, efficiency };
}
