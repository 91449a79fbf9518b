import { applyEvaluation, weekOf, type GameRules, type Week } from '@pardon/game';
import type pg from 'pg';
import { GAME_CHANNEL } from './events';
import { activityOf, weekActivitySql, type WeekActivityRow } from './activity';
import { weekRowAfter, weekStateOf, type WeekRow } from './week-row';

/** The judged message as the evaluation reads it. */
export interface MessageRow {
  threadId: string;
  senderId: string;
  mentions: string[];
  createdAt: Date;
  wallet: string;
  threadAgent: string;
}

/** A stored evaluation, as its result reports it. */
export interface EvaluationRow {
  id: string;
  points: string;
  scoreAfter: string;
  pardonGranted: boolean;
  score: number;
  reason: string;
  weekId: string;
  wallet: string;
}

const WEEK_COLUMNS = `xmin::text AS version, score::text AS score, scored_messages AS "scoredMessages",
  premium_services AS "premiumServices", pardon_granted_at AS "pardonGrantedAt",
  final_score::text AS "finalScore"`;

/**
 * Everything an evaluation reads, in one statement: the message, the player's week row (created
 * on first use, for a message of week $3 = [$4, $5) that this agent may judge) with its row
 * version (`xmin`: any update of the row changes it), a stored evaluation of (message, agent),
 * and the player's activity of the week.
 */
const READ_SQL = `
WITH msg AS (
  SELECT m.thread_id AS "threadId", m.sender_id AS "senderId", m.mentions,
         m.created_at AS "createdAt", s.wallet, t.agent_id AS "threadAgent"
  FROM messages m JOIN threads t ON t.id = m.thread_id JOIN sessions s ON s.id = t.session_id
  WHERE m.id = $1
), mine AS (
  SELECT wallet FROM msg
  WHERE "senderId" = wallet AND "threadAgent" = $2 AND $2 = ANY (mentions)
    AND "createdAt" >= $4 AND "createdAt" < $5
), ins AS (
  INSERT INTO player_weeks (wallet, week_id) SELECT wallet, $3 FROM mine ON CONFLICT DO NOTHING
  RETURNING ${WEEK_COLUMNS}
), cur AS (
  SELECT ${WEEK_COLUMNS} FROM player_weeks WHERE wallet = (SELECT wallet FROM mine) AND week_id = $3
), wk AS (
  SELECT * FROM ins UNION ALL SELECT * FROM cur LIMIT 1
), ev AS (
  SELECT id AS "evId", points::text AS "evPoints", score_after::text AS "evScoreAfter",
         pardon_granted AS "evPardonGranted", score AS "evScore", reason AS "evReason",
         week_id AS "evWeekId", wallet AS "evWallet"
  FROM evaluations WHERE message_id = $1 AND agent_id = $2
), act AS (
  ${weekActivitySql('(SELECT wallet FROM mine)', '$4', '$5')}
)
SELECT msg.*, wk.*, ev.*, act.* FROM msg LEFT JOIN wk ON true LEFT JOIN ev ON true
LEFT JOIN act ON true`;

/**
 * Stores the evaluation and moves the week in one statement, only if the week row is still the
 * version that was read ($10): the row is locked and re-checked (under READ COMMITTED a row
 * updated meanwhile is re-read, and its new `xmin` fails the check), so the week moves from
 * exactly the state the rules were applied to. No row back: the week moved meanwhile, or a
 * racing call stored this evaluation first; the caller reads again.
 */
const WRITE_SQL = `
WITH w AS (
  SELECT 1 FROM player_weeks WHERE wallet = $3 AND week_id = $4 AND xmin::text = $10 FOR UPDATE
), ev AS (
  INSERT INTO evaluations (message_id, agent_id, wallet, week_id, score, reason, points,
                           score_after, pardon_granted)
  SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9 FROM w
  ON CONFLICT (message_id, agent_id) DO NOTHING
  RETURNING id
), up AS (
  UPDATE player_weeks SET score = $8, scored_messages = $11, evaluations = evaluations + 1,
         pardon_granted_at = $12, final_score = $13, last_points = $7, last_reason = $6,
         last_agent_id = $2, last_evaluated_at = $14, updated_at = now()
  FROM ev WHERE wallet = $3 AND week_id = $4
)
SELECT ev.id, pg_notify('${GAME_CHANNEL}', $15) IS NULL AS announced FROM ev`;

type ReadRow = MessageRow &
  Partial<WeekRow & { version: string }> &
  Partial<{
    evId: string | null;
    evPoints: string;
    evScoreAfter: string;
    evPardonGranted: boolean;
    evScore: number;
    evReason: string;
    evWeekId: string;
    evWallet: string;
  }> &
  WeekActivityRow;

/** What one optimistic attempt found. */
export type AttemptOutcome =
  | { kind: 'missing' }
  | { kind: 'stored'; message: MessageRow; stored: EvaluationRow; week: WeekRow | undefined }
  | {
      kind: 'stored-now';
      message: MessageRow;
      evaluationId: string;
      week: WeekRow;
      outcome: ReturnType<typeof applyEvaluation>;
      weekId: string;
    }
  | { kind: 'moved' };

export interface AttemptInput {
  messageId: string;
  agentId: string;
  score: number;
  reason: string;
  at: number;
  /** The NOTIFY payload of the stored evaluation, from what the attempt computed. */
  announcement: (a: {
    message: MessageRow;
    weekId: string;
    outcome: ReturnType<typeof applyEvaluation>;
    week: WeekRow;
  }) => string;
}

/**
 * One optimistic attempt, two round trips and no transaction held open: read, apply the rules
 * in memory, write if nothing moved. `week` is the guess of the message's week (the week of the
 * evaluation's arrival); a message of another week is read again with its own.
 */
export async function attemptEvaluation(
  pool: pg.Pool,
  input: AttemptInput,
  rules: GameRules,
  judgeable: (message: MessageRow) => void,
): Promise<AttemptOutcome> {
  let week: Week = weekOf(input.at, rules);
  let row = await read(pool, input, week);
  if (row && (row.createdAt.getTime() < week.startMs || row.createdAt.getTime() >= week.endMs)) {
    week = weekOf(row.createdAt.getTime(), rules);
    row = await read(pool, input, week);
  }
  if (!row) return { kind: 'missing' };
  const message: MessageRow = {
    threadId: row.threadId,
    senderId: row.senderId,
    mentions: row.mentions,
    createdAt: row.createdAt,
    wallet: row.wallet,
    threadAgent: row.threadAgent,
  };
  judgeable(message);
  const weekRow: WeekRow | undefined =
    row.version === undefined || row.version === null
      ? undefined
      : {
          score: row.score as string,
          scoredMessages: row.scoredMessages as Record<string, number>,
          premiumServices: row.premiumServices as number,
          pardonGrantedAt: row.pardonGrantedAt ?? null,
          finalScore: row.finalScore ?? null,
        };
  if (row.evId) {
    const stored: EvaluationRow = {
      id: row.evId,
      points: row.evPoints as string,
      scoreAfter: row.evScoreAfter as string,
      pardonGranted: row.evPardonGranted as boolean,
      score: row.evScore as number,
      reason: row.evReason as string,
      weekId: row.evWeekId as string,
      wallet: row.evWallet as string,
    };
    return { kind: 'stored', message, stored, week: weekRow };
  }
  // The week row was created by a call whose snapshot this one does not see yet: read again.
  if (!weekRow) return { kind: 'moved' };
  const state = weekStateOf(week, weekRow, activityOf(row), rules);
  const at = Math.max(input.at, state.firstMessageAt ?? input.at);
  const outcome = applyEvaluation(state, { agentId: input.agentId, score: input.score, at }, rules);
  const next = outcome.state;
  const weekAfter = weekRowAfter(weekRow, next);
  const written = await pool.query<{ id: string }>({
    name: 'game.evaluate.write',
    text: WRITE_SQL,
    values: [
      input.messageId,
      input.agentId,
      message.wallet,
      week.id,
      input.score,
      input.reason,
      outcome.pointsAwarded,
      next.score,
      outcome.pardonGranted,
      row.version as string,
      JSON.stringify(next.scoredMessages),
      next.pardonGrantedAt === null ? null : new Date(next.pardonGrantedAt),
      next.finalScore,
      new Date(input.at),
      input.announcement({ message, weekId: week.id, outcome, week: weekAfter }),
    ],
  });
  const id = written.rows[0]?.id;
  if (!id) return { kind: 'moved' };
  return {
    kind: 'stored-now',
    message,
    evaluationId: id,
    week: weekAfter,
    outcome,
    weekId: week.id,
  };
}

async function read(
  pool: pg.Pool,
  input: { messageId: string; agentId: string },
  week: Week,
): Promise<ReadRow | undefined> {
  const { rows } = await pool.query<ReadRow>({
    name: 'game.evaluate.read',
    text: READ_SQL,
    values: [input.messageId, input.agentId, week.id, new Date(week.startMs), new Date(week.endMs)],
  });
  return rows[0];
}
