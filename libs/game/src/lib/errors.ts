/** Why an input was refused: one code per kind of mistake, so callers can map them to replies. */
export type GameErrorCode =
  | 'invalid_evaluation'
  | 'invalid_agent_id'
  | 'invalid_instant'
  | 'invalid_week_id'
  | 'wrong_week'
  | 'unknown_message'
  | 'invalid_player'
  | 'duplicate_wallet'
  | 'invalid_rules';

/**
 * The one error this library throws for bad inputs (a score of 4, an id that is not a week
 * start, rules whose weights do not add up). It is the caller's bug or the agent's bad output,
 * never a game outcome: outcomes are return values.
 */
export class GameInputError extends Error {
  override readonly name = 'GameInputError';

  constructor(
    readonly code: GameErrorCode,
    message: string,
  ) {
    super(message);
  }
}
