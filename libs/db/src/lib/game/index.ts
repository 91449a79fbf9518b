import type { GameRules } from '@pardon/game';
import type { RepoContext } from '../context';
import { evaluateMessage, type EvaluateInput, type EvaluationResult } from './evaluations';
import { standingsRepository, type StandingsRepository } from './standings';

/** The game's storage: evaluations that move a player's week, the weekly board and its prizes. */
export interface GameRepository extends StandingsRepository {
  /** Stores an evaluation once and moves the player's week with it (see `evaluateMessage`). */
  evaluate(input: EvaluateInput, rules: GameRules): Promise<EvaluationResult>;
}

export function gameRepository(ctx: RepoContext): GameRepository {
  return {
    ...standingsRepository(ctx),
    evaluate: (input, rules) => evaluateMessage(ctx, input, rules),
  };
}

export type { EvaluateInput, EvaluationResult } from './evaluations';
export { EvaluationRefusedError, MAX_REASON_CHARS, gameEventOf } from './evaluations';
export type {
  GameIntervalTotals,
  PlayerWeekView,
  WeekBoardEntry,
  WeekCloseResult,
  WeekPrize,
} from './standings';
export { MAX_BOARD } from './standings';
export { GAME_CHANNEL, decodeGameEvent } from './events';
export type { GameEvent } from './events';
