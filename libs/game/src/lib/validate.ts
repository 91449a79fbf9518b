import { GameInputError } from './errors';
import { DEFAULT_GAME_RULES, validateGameRules, type GameRules } from './rules';

/** A message the player sent to one agent. */
export interface PlayerMessage {
  readonly agentId: string;
  /** When the player sent it, ms since the epoch. */
  readonly at: number;
}

/** An agent's judgement of one player message addressed to it. */
export interface Evaluation {
  readonly agentId: string;
  /** An integer from minEvaluation to maxEvaluation (−3 … +3 by default). */
  readonly score: number;
  /** When the evaluation was given, ms since the epoch. */
  readonly at: number;
}

const MAX_AGENT_ID_LENGTH = 64;

function field(input: unknown, name: string): unknown {
  return typeof input === 'object' && input !== null
    ? (input as Record<string, unknown>)[name]
    : undefined;
}

function checkAgentId(agentId: unknown): string {
  if (
    typeof agentId !== 'string' ||
    agentId.length === 0 ||
    agentId.length > MAX_AGENT_ID_LENGTH ||
    agentId.trim() !== agentId
  ) {
    throw new GameInputError(
      'invalid_agent_id',
      `agentId must be a non-empty string of at most ${MAX_AGENT_ID_LENGTH} characters without surrounding spaces, got ${JSON.stringify(agentId)}`,
    );
  }
  return agentId;
}

function checkAt(at: unknown): number {
  if (typeof at !== 'number' || !Number.isSafeInteger(at) || at < 0) {
    throw new GameInputError(
      'invalid_instant',
      `at must be integer ms since the epoch, got ${String(at)}`,
    );
  }
  return at;
}

/** Checks a player message from untrusted input; returns it typed or throws `GameInputError`. */
export function validatePlayerMessage(input: unknown): PlayerMessage {
  return { agentId: checkAgentId(field(input, 'agentId')), at: checkAt(field(input, 'at')) };
}

/**
 * Checks an evaluation from untrusted input (an agent's tool call): the score must be an integer
 * within the rules' range — 2.5, "3", NaN and 4 are refused with `invalid_evaluation`, not
 * rounded or clamped, because a model that sends them is misbehaving and should hear so.
 */
export function validateEvaluation(
  input: unknown,
  rules: GameRules = DEFAULT_GAME_RULES,
): Evaluation {
  validateGameRules(rules);
  const agentId = checkAgentId(field(input, 'agentId'));
  const score = field(input, 'score');
  if (
    typeof score !== 'number' ||
    !Number.isInteger(score) ||
    score < rules.minEvaluation ||
    score > rules.maxEvaluation
  ) {
    throw new GameInputError(
      'invalid_evaluation',
      `an evaluation is an integer from ${rules.minEvaluation} to ${rules.maxEvaluation}, got ${JSON.stringify(score) ?? String(score)}`,
    );
  }
  // −0 would survive every check above and print as 0; store the plain zero.
  return { agentId, score: score === 0 ? 0 : score, at: checkAt(field(input, 'at')) };
}
