import { GameInputError } from './errors';
import { computeFinalScore, type FinalScoreBreakdown } from './final-score';
import { evaluationPoints, type EvaluationPoints } from './points';
import { fromCents, toCents } from './rounding';
import { DEFAULT_GAME_RULES, validateGameRules, type GameRules } from './rules';
import { validateEvaluation, validatePlayerMessage } from './validate';
import { parseWeekId } from './week';

/**
 * One player's week. Plain JSON-friendly data (arrays and records, no Set or Map) so it can be
 * stored and reloaded as is; every function returns a new state and never mutates its input.
 */
export interface PlayerWeekState {
  readonly weekId: string;
  /** Two decimals; in [0, threshold − 0.01] until the pardon, then the score reached (≥ threshold). */
  readonly score: number;
  /** Evaluations scored per agent id this week (any score, 0 and penalties included). */
  readonly scoredMessages: Readonly<Record<string, number>>;
  /** Agent ids the player sent at least one message to this week, sorted, distinct. */
  readonly agentsTalkedTo: readonly string[];
  readonly messagesSent: number;
  readonly firstMessageAt: number | null;
  readonly pardonGrantedAt: number | null;
  readonly finalScore: number | null;
  readonly premiumServices: number;
}

/** What one evaluation did. */
export interface EvaluationOutcome {
  readonly state: PlayerWeekState;
  /** The change of the week's score: the evaluation's points, less what the 0 floor cut off; 0 once locked. */
  readonly pointsAwarded: number;
  /** True for the one evaluation that reached the threshold. */
  readonly pardonGranted: boolean;
  /** True when the week is locked after this evaluation (the pardon event and every one after it). */
  readonly locked: boolean;
  /** How the evaluation was priced; null when it arrived in a locked week. */
  readonly points: EvaluationPoints | null;
  /** The final score and its factors; only on the pardon event. */
  readonly final: FinalScoreBreakdown | null;
}

/** The empty state of a player's week; throws `invalid_week_id` unless it is a week start. */
export function createPlayerWeekState(
  weekId: string,
  rules: GameRules = DEFAULT_GAME_RULES,
): PlayerWeekState {
  parseWeekId(weekId, rules);
  return {
    weekId,
    score: 0,
    scoredMessages: {},
    agentsTalkedTo: [],
    messagesSent: 0,
    firstMessageAt: null,
    pardonGrantedAt: null,
    finalScore: null,
    premiumServices: 0,
  };
}

/** Whether the week is locked: the pardon was granted and nothing changes it any more. */
export function isLocked(state: PlayerWeekState): boolean {
  return state.pardonGrantedAt !== null;
}

// Agent ids are keys of a plain record: read own properties only, so an agent called
// "constructor" does not find Object.prototype.constructor.
function scoredWith(state: PlayerWeekState, agentId: string): number {
  return Object.hasOwn(state.scoredMessages, agentId) ? (state.scoredMessages[agentId] ?? 0) : 0;
}

function withAgent(agents: readonly string[], agentId: string): readonly string[] {
  if (agents.includes(agentId)) return agents;
  // Code-unit order, not localeCompare: the same on every machine.
  return [...agents, agentId].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/**
 * Counts a message the player sent: messages sent, agents talked to, the week's first message.
 * Call it before the agent's evaluation of that message. Throws `wrong_week` for a message
 * outside the state's week: the message decides the week. Once the week is locked the state is
 * returned unchanged — nothing after the pardon counts, so nothing is counted.
 */
export function recordPlayerMessage(
  state: PlayerWeekState,
  message: { readonly agentId: string; readonly at: number },
  rules: GameRules = DEFAULT_GAME_RULES,
): PlayerWeekState {
  const { agentId, at } = validatePlayerMessage(message);
  const week = parseWeekId(state.weekId, rules);
  if (at < week.startMs || at >= week.endMs) {
    throw new GameInputError(
      'wrong_week',
      `a message at ${new Date(at).toISOString()} is not in week ${state.weekId}`,
    );
  }
  if (isLocked(state)) return state;
  return {
    ...state,
    agentsTalkedTo: withAgent(state.agentsTalkedTo, agentId),
    messagesSent: state.messagesSent + 1,
    firstMessageAt: state.firstMessageAt === null ? at : Math.min(state.firstMessageAt, at),
  };
}

/** Counts one premium service bought this week (an input of the premium factor); no-op once locked. */
export function recordPremiumService(state: PlayerWeekState): PlayerWeekState {
  if (isLocked(state)) return state;
  return { ...state, premiumServices: state.premiumServices + 1 };
}

/**
 * Applies an agent's evaluation of a player message: prices it (spread bonus, fatigue), adds
 * it in hundredths, keeps the score in [0, threshold − 0.01], and on the event that reaches the
 * threshold grants the pardon and computes the final score. After that the week is locked: an
 * evaluation is accepted (validated, so the caller can record it) but awards 0 and returns the
 * state unchanged. Its instant is not checked against the week: an evaluation belongs to the
 * week of the message it judges, and closing a week's board is the caller's cut-off.
 *
 * Throws `invalid_evaluation` for a score that is not an integer in range and `unknown_message`
 * when the player has sent this agent nothing this week (record the message first).
 */
export function applyEvaluation(
  state: PlayerWeekState,
  evaluation: { readonly agentId: string; readonly score: number; readonly at: number },
  rules: GameRules = DEFAULT_GAME_RULES,
): EvaluationOutcome {
  validateGameRules(rules);
  const { agentId, score, at } = validateEvaluation(evaluation, rules);
  if (isLocked(state)) {
    return {
      state,
      pointsAwarded: 0,
      pardonGranted: false,
      locked: true,
      points: null,
      final: null,
    };
  }
  if (!state.agentsTalkedTo.includes(agentId) || state.firstMessageAt === null) {
    throw new GameInputError(
      'unknown_message',
      `${agentId} evaluated a message the player never sent it in week ${state.weekId}`,
    );
  }
  if (at < state.firstMessageAt) {
    throw new GameInputError(
      'invalid_instant',
      `an evaluation at ${at} precedes the week's first message`,
    );
  }

  const scoredBefore = scoredWith(state, agentId);
  const points = evaluationPoints(
    score,
    { distinctAgents: state.agentsTalkedTo.length, scoredBeforeWithAgent: scoredBefore },
    rules,
  );
  const beforeCents = toCents(state.score);
  const counted: PlayerWeekState = {
    ...state,
    scoredMessages: { ...state.scoredMessages, [agentId]: scoredBefore + 1 },
  };
  return {
    ...reachScore(counted, beforeCents, beforeCents + toCents(points.points), at, rules),
    points,
  };
}

/** What adding points to an unlocked week did (an evaluation's or a premium payment's). */
export interface ScoreOutcome {
  readonly state: PlayerWeekState;
  readonly pointsAwarded: number;
  readonly pardonGranted: boolean;
  readonly locked: boolean;
  readonly final: FinalScoreBreakdown | null;
}

/**
 * The part every scoring event shares: moves `counted` (the state with the event already
 * counted, score not yet moved) from `beforeCents` to `targetCents` (floored at 0), and on the
 * event that reaches the threshold grants the pardon at `at` and computes the final score from
 * `counted` (so a premium service counted by the event is in its premium factor). A week without
 * a first message (a payment before any message) takes `at` as its start.
 */
export function reachScore(
  counted: PlayerWeekState,
  beforeCents: number,
  targetCents: number,
  at: number,
  rules: GameRules,
): ScoreOutcome {
  const thresholdCents = toCents(rules.pardonThreshold);
  const reachedCents = Math.max(0, targetCents);
  const moved: PlayerWeekState = { ...counted, score: fromCents(reachedCents) };
  const pointsAwarded = fromCents(reachedCents - beforeCents);
  if (reachedCents < thresholdCents) {
    return { state: moved, pointsAwarded, pardonGranted: false, locked: false, final: null };
  }
  const final = computeFinalScore(
    {
      firstMessageAt: counted.firstMessageAt ?? at,
      pardonAt: at,
      distinctAgents: counted.agentsTalkedTo.length,
      premiumServices: counted.premiumServices,
      pointsAtPardon: moved.score,
      messagesSent: counted.messagesSent,
    },
    rules,
  );
  return {
    state: { ...moved, pardonGrantedAt: at, finalScore: final.finalScore },
    pointsAwarded,
    pardonGranted: true,
    locked: true,
    final,
  };
}
