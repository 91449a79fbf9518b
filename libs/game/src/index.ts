// Public API of @pardon/game: the scoring, week, board and prize rules, pure and deterministic.
export { GameInputError } from './lib/errors';
export type { GameErrorCode } from './lib/errors';
export {
  DEFAULT_GAME_RULES,
  formatTokenAmount,
  tokensToBaseUnits,
  validateGameRules,
} from './lib/rules';
export type { FinalScoreWeights, GameRules, PrizeSplit, WeekStart } from './lib/rules';
export { fromCents, roundScore, toCents } from './lib/rounding';
export { basePoints, evaluationPoints, fatigueMultiplier, spreadMultiplier } from './lib/points';
export type { EvaluationContext, EvaluationPoints } from './lib/points';
export { computeFinalScore, ramp } from './lib/final-score';
export type { FinalScoreBreakdown, FinalScoreInputs } from './lib/final-score';
export { WEEK_MS, formatWeekId, nextWeek, parseWeekId, previousWeek, weekOf } from './lib/week';
export type { Week } from './lib/week';
export { validateEvaluation, validatePlayerMessage } from './lib/validate';
export type { Evaluation, PlayerMessage } from './lib/validate';
export {
  applyEvaluation,
  createPlayerWeekState,
  isLocked,
  recordPlayerMessage,
  recordPremiumService,
} from './lib/state';
export type { EvaluationOutcome, PlayerWeekState, ScoreOutcome } from './lib/state';
export { buildBoard, playerStanding, rankPardoned } from './lib/board';
export type { BoardEntry, BoardPlayer, Standing } from './lib/board';
export { paidPlaces, splitPrizePool, weekPrizes } from './lib/prizes';
export type { PrizeEntitlement } from './lib/prizes';
export { GameEnvSchema, parseWeekStart } from './lib/env';
export {
  DEFAULT_PREMIUM_CATALOGUE,
  PremiumCatalogueError,
  PremiumCatalogueSchema,
  loadPremiumCatalogue,
  premiumService,
} from './lib/premium/catalogue';
export type {
  PremiumCatalogue,
  PremiumCatalogueConfig,
  PremiumCatalogueEntry,
  PremiumPrice,
  PremiumUsageRule,
} from './lib/premium/catalogue';
export { checkPremiumRequest } from './lib/premium/check';
export type { PremiumCheck, PremiumRefusalCode, PremiumUsage } from './lib/premium/check';
export { PREMIUM_BONUS, premiumBonusFactorBps, premiumBonusPoints } from './lib/premium/bonus';
export { applyPremiumPayment } from './lib/premium/payment';
export type { PremiumPaymentOutcome } from './lib/premium/payment';
