import { GameInputError } from '../errors';
import { toCents } from '../rounding';
import { DEFAULT_GAME_RULES, validateGameRules, type GameRules } from '../rules';
import { isLocked, reachScore, type PlayerWeekState, type ScoreOutcome } from '../state';

/** What one verified premium payment did to the week (like `EvaluationOutcome`, without pricing). */
export type PremiumPaymentOutcome = ScoreOutcome;

/**
 * Applies a verified premium payment to the player's week: counts the service (an input of the
 * final score's premium factor) and adds `bonusPoints` (from `premiumBonusPoints`) in hundredths.
 * Unlike an evaluation's points the bonus may reach the threshold and then grants the pardon at
 * `at`, with the final score computed as for an evaluation (the service just bought counted).
 * Once the week is locked nothing changes and the payment awards 0. Throws `invalid_rules` for a
 * negative or non-finite bonus and `invalid_instant` for a bad instant.
 */
export function applyPremiumPayment(
  state: PlayerWeekState,
  payment: { readonly bonusPoints: number; readonly at: number },
  rules: GameRules = DEFAULT_GAME_RULES,
): PremiumPaymentOutcome {
  validateGameRules(rules);
  const { bonusPoints, at } = payment;
  if (typeof bonusPoints !== 'number' || !Number.isFinite(bonusPoints) || bonusPoints < 0) {
    throw new GameInputError(
      'invalid_rules',
      `bonusPoints must be a number ≥ 0, got ${bonusPoints}`,
    );
  }
  if (!Number.isSafeInteger(at) || at < 0) {
    throw new GameInputError('invalid_instant', `a payment instant must be epoch ms, got ${at}`);
  }
  if (isLocked(state)) {
    return { state, pointsAwarded: 0, pardonGranted: false, locked: true, final: null };
  }
  const counted: PlayerWeekState = { ...state, premiumServices: state.premiumServices + 1 };
  const beforeCents = toCents(state.score);
  const pardonAt = Math.max(at, state.firstMessageAt ?? at);
  return reachScore(counted, beforeCents, beforeCents + toCents(bonusPoints), pardonAt, rules);
}
