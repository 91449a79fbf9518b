import { applyEvaluation, GameInputError, weekOf, type GameRules } from '@pardon/game';
import type pg from 'pg';
import { inTransaction, type RepoContext } from '../context';
import { InvalidInputError, NotFoundError } from '../errors';
import { GAME_CHANNEL, type GameEvent } from './events';
import { attemptEvaluation, type EvaluationRow, type MessageRow } from './evaluate-at-once';
import { lockWeekRow, readWeekState, weekRowAfter, type WeekRow } from './week-row';

export interface EvaluateInput {
  /** The player message judged (`<threadId>-<seq>`). */
  messageId: string;
  /** The agent that judges it: the thread's agent, mentioned by the message. */
  agentId: string;
  /** −3…+3 (the rules' range). */
  score: number;
  reason: string;
  /** When the evaluation arrived (epoch ms); the clock is the caller's. */
  at: number;
  /** Who announces it on GAME_CHANNEL (the task's id): a task skips its own announcements. */
  announceAs?: string;
}

/** The stored result of an evaluation, the same on every retry of it. */
export interface EvaluationResult {
  evaluationId: string;
  messageId: string;
  threadId: string;
  agentId: string;
  wallet: string;
  weekId: string;
  score: number;
  reason: string;
  /** The change of the week's score this evaluation made (0 once the week is locked). */
  pointsAwarded: number;
  /** The week's score right after it. */
  newScore: number;
  pardonGranted: boolean;
  /** Set, with the pardon's instant, only on the evaluation that granted it. */
  finalScore: number | null;
  pardonGrantedAt: number | null;
  /** False when this call found the evaluation stored by an earlier one. */
  created: boolean;
}

/** The announcement of a stored evaluation (GAME_CHANNEL, and the thread's streams). */
export function gameEventOf(result: EvaluationResult, origin: string | null): GameEvent {
  return {
    threadId: result.threadId,
    messageId: result.messageId,
    agentId: result.agentId,
    weekId: result.weekId,
    points: result.pointsAwarded,
    score: result.newScore,
    reason: result.reason,
    pardonGranted: result.pardonGranted,
    finalScore: result.finalScore,
    pardonGrantedAt: result.pardonGrantedAt,
    origin,
  };
}

/** Why an evaluation is refused (the message is not one this agent may judge). */
export class EvaluationRefusedError extends InvalidInputError {
  constructor(
    readonly reason: 'not_player_message' | 'not_mentioned' | 'not_thread_agent',
    message: string,
  ) {
    super('messageId', message);
  }
}

export const MAX_REASON_CHARS = 500;

const num = (v: string | null): number | null => (v === null ? null : Number(v));

/**
 * Stores an agent's evaluation of a player message and moves the player's week with it,
 * atomically: first optimistically (one statement reads, the rules run in memory, one statement
 * writes the evaluation and the week only if the week's row is still the version that was read),
 * and when the week keeps moving under it, in a transaction that locks the week's row first. Either
 * way concurrent evaluations of one player (from any task) apply one after another, and a crash
 * leaves both or neither. An evaluation exists once per (message, agent): a retry, a redelivery
 * or a racing second task gets the stored result back and changes nothing. The pardon is granted
 * by the one evaluation that reaches the threshold (also guarded by a unique index).
 */
export function evaluateMessage(
  ctx: RepoContext,
  input: EvaluateInput,
  rules: GameRules,
): Promise<EvaluationResult> {
  if (typeof input.reason !== 'string' || input.reason.trim() === '') {
    return Promise.reject(new InvalidInputError('reason', 'reason must be a short text'));
  }
  if (input.reason.length > MAX_REASON_CHARS) {
    return Promise.reject(
      new InvalidInputError('reason', `reason must be at most ${MAX_REASON_CHARS} characters`),
    );
  }
  if (
    !Number.isInteger(input.score) ||
    input.score < rules.minEvaluation ||
    input.score > rules.maxEvaluation
  ) {
    return Promise.reject(
      new InvalidInputError(
        'score',
        `score must be an integer from ${rules.minEvaluation} to ${rules.maxEvaluation}`,
      ),
    );
  }
  return ctx.run('game.evaluate', async () => {
    for (let attempt = 0; attempt < OPTIMISTIC_ATTEMPTS; attempt++) {
      const r = await attemptEvaluation(
        ctx.writerPool,
        {
          ...input,
          announcement: (a) =>
            JSON.stringify(gameEventOf(resultOf(input, a, ''), input.announceAs ?? null)),
        },
        rules,
        (message) => judgeable(message, input.agentId),
      ).catch((error: unknown) => {
        if (error instanceof GameInputError) {
          throw new InvalidInputError('evaluation', error.message);
        }
        throw error;
      });
      switch (r.kind) {
        case 'missing':
          throw new NotFoundError('message', input.messageId);
        case 'stored':
          return toResult(r.stored, input, r.message, r.week, false);
        case 'stored-now':
          return resultOf(input, r, r.evaluationId);
        case 'moved':
          break;
      }
    }
    // Contended (the player's week moved under every attempt): queue on its row lock instead.
    return inTransaction(ctx.writerPool, (client) => evaluateIn(client, input, rules));
  });
}

/**
 * Optimistic attempts before an evaluation queues on the week's row lock. An attempt costs two
 * round trips and holds no lock while the rules run; the lock costs ten (a transaction) and is
 * what a week moved by concurrent evaluations (a player in two threads at once) falls back to.
 */
const OPTIMISTIC_ATTEMPTS = 3;

/** The result of an evaluation this call stored (what the write statement committed). */
function resultOf(
  input: EvaluateInput,
  a: {
    message: MessageRow;
    weekId: string;
    outcome: ReturnType<typeof applyEvaluation>;
    week: WeekRow;
  },
  evaluationId: string,
): EvaluationResult {
  const row: EvaluationRow = {
    id: evaluationId,
    points: String(a.outcome.pointsAwarded),
    scoreAfter: String(a.outcome.state.score),
    pardonGranted: a.outcome.pardonGranted,
    score: input.score,
    reason: input.reason,
    weekId: a.weekId,
    wallet: a.message.wallet,
  };
  return toResult(row, input, a.message, a.week, true);
}

/** Refuses a message this agent may not judge (the same checks on every path). */
function judgeable(message: MessageRow, agentId: string): void {
  if (message.senderId !== message.wallet) {
    throw new EvaluationRefusedError(
      'not_player_message',
      'Only a player message can be evaluated.',
    );
  }
  if (message.threadAgent !== agentId) {
    throw new EvaluationRefusedError(
      'not_thread_agent',
      `${agentId} is not the agent of this message's thread.`,
    );
  }
  if (!message.mentions.includes(agentId)) {
    throw new EvaluationRefusedError('not_mentioned', `The message does not mention ${agentId}.`);
  }
}

async function evaluateIn(
  client: pg.PoolClient,
  input: EvaluateInput,
  rules: GameRules,
): Promise<EvaluationResult> {
  const message = await readMessage(client, input.messageId);
  judgeable(message, input.agentId);
  const week = weekOf(message.createdAt.getTime(), rules);
  const wallet = message.wallet;

  // The week's row, created on first use and locked: evaluations of one player queue here.
  const row = await lockWeekRow(client, wallet, week.id);
  const stored = await findEvaluation(client, input.messageId, input.agentId);
  if (stored) return toResult(stored, input, message, row, false);

  const state = await readWeekState(client, wallet, week, row, rules);
  let outcome;
  try {
    const at = Math.max(input.at, state.firstMessageAt ?? input.at);
    outcome = applyEvaluation(state, { agentId: input.agentId, score: input.score, at }, rules);
  } catch (error) {
    if (error instanceof GameInputError) throw new InvalidInputError('evaluation', error.message);
    throw error;
  }
  const next = outcome.state;
  const inserted = await client.query<EvaluationRow>(
    `INSERT INTO evaluations (message_id, agent_id, wallet, week_id, score, reason, points,
                              score_after, pardon_granted)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
     RETURNING id, points::text AS points, score_after::text AS "scoreAfter",
               pardon_granted AS "pardonGranted", score, reason, week_id AS "weekId", wallet`,
    [
      input.messageId,
      input.agentId,
      wallet,
      week.id,
      input.score,
      input.reason,
      outcome.pointsAwarded,
      next.score,
      outcome.pardonGranted,
    ],
  );
  await client.query(
    `UPDATE player_weeks SET score = $3, scored_messages = $4, evaluations = evaluations + 1,
            pardon_granted_at = $5, final_score = $6, last_points = $7, last_reason = $8,
            last_agent_id = $9, last_evaluated_at = $10, updated_at = now()
     WHERE wallet = $1 AND week_id = $2`,
    [
      wallet,
      week.id,
      next.score,
      JSON.stringify(next.scoredMessages),
      next.pardonGrantedAt === null ? null : new Date(next.pardonGrantedAt),
      next.finalScore,
      outcome.pointsAwarded,
      input.reason,
      input.agentId,
      new Date(input.at),
    ],
  );
  const weekAfter = weekRowAfter(row, next);
  const result = toResult(inserted.rows[0] as EvaluationRow, input, message, weekAfter, true);
  const event = gameEventOf(result, input.announceAs ?? null);
  await client.query(`SELECT pg_notify($1, $2)`, [GAME_CHANNEL, JSON.stringify(event)]);
  return result;
}

async function readMessage(client: pg.PoolClient, messageId: string): Promise<MessageRow> {
  const rows = await client.query<MessageRow>(
    `SELECT m.thread_id AS "threadId", m.sender_id AS "senderId", m.mentions,
            m.created_at AS "createdAt", s.wallet, t.agent_id AS "threadAgent"
     FROM messages m JOIN threads t ON t.id = m.thread_id JOIN sessions s ON s.id = t.session_id
     WHERE m.id = $1`,
    [messageId],
  );
  const row = rows.rows[0];
  if (!row) throw new NotFoundError('message', messageId);
  return row;
}

async function findEvaluation(
  client: pg.PoolClient,
  messageId: string,
  agentId: string,
): Promise<EvaluationRow | undefined> {
  const rows = await client.query<EvaluationRow>(
    `SELECT id, points::text AS points, score_after::text AS "scoreAfter",
            pardon_granted AS "pardonGranted", score, reason, week_id AS "weekId", wallet
     FROM evaluations WHERE message_id = $1 AND agent_id = $2`,
    [messageId, agentId],
  );
  return rows.rows[0];
}

function toResult(
  row: EvaluationRow,
  input: EvaluateInput,
  message: MessageRow,
  week: WeekRow | undefined,
  created: boolean,
): EvaluationResult {
  return {
    evaluationId: row.id,
    messageId: input.messageId,
    threadId: message.threadId,
    agentId: input.agentId,
    wallet: row.wallet,
    weekId: row.weekId,
    score: row.score,
    reason: row.reason,
    pointsAwarded: Number(row.points),
    newScore: Number(row.scoreAfter),
    pardonGranted: row.pardonGranted,
    finalScore: row.pardonGranted ? num(week?.finalScore ?? null) : null,
    pardonGrantedAt: row.pardonGranted ? (week?.pardonGrantedAt?.getTime() ?? null) : null,
    created,
  };
}
