import {
  createPlayerWeekState,
  type GameRules,
  type PlayerWeekState,
  type Week,
} from '@pardon/game';
import type pg from 'pg';
import { readWeekActivity, type WeekActivity } from './activity';

/** The stored part of a player's week (`player_weeks`), as read under its row lock. */
export interface WeekRow {
  score: string;
  scoredMessages: Record<string, number>;
  premiumServices: number;
  pardonGrantedAt: Date | null;
  finalScore: string | null;
}

const num = (v: string | null): number | null => (v === null ? null : Number(v));

/**
 * Creates the player's week row on first use and locks it (`FOR UPDATE`): every event that moves
 * a player's week (evaluations, premium payments, from any task) queues here, so they apply one
 * after another. Call it inside a transaction.
 */
export async function lockWeekRow(
  client: pg.PoolClient,
  wallet: string,
  weekId: string,
): Promise<WeekRow> {
  await client.query(
    `INSERT INTO player_weeks (wallet, week_id) VALUES ($1, $2) ON CONFLICT DO NOTHING`,
    [wallet, weekId],
  );
  const { rows } = await client.query<WeekRow>(
    `SELECT score::text AS score, scored_messages AS "scoredMessages",
            premium_services AS "premiumServices", pardon_granted_at AS "pardonGrantedAt",
            final_score::text AS "finalScore"
     FROM player_weeks WHERE wallet = $1 AND week_id = $2 FOR UPDATE`,
    [wallet, weekId],
  );
  return rows[0] as WeekRow;
}

/**
 * The libs/game state of a locked week: the stored row plus the activity counted from the
 * player's messages of the week (nothing else to keep true).
 */
export async function readWeekState(
  client: pg.PoolClient,
  wallet: string,
  week: Week,
  row: WeekRow,
  rules: GameRules,
): Promise<PlayerWeekState> {
  return weekStateOf(week, row, await readWeekActivity(client, wallet, week), rules);
}

/** The libs/game state of a week from its stored row and the player's activity in it. */
export function weekStateOf(
  week: Week,
  row: WeekRow,
  activity: WeekActivity,
  rules: GameRules,
): PlayerWeekState {
  return {
    ...createPlayerWeekState(week.id, rules),
    score: Number(row.score),
    scoredMessages: row.scoredMessages,
    ...activity,
    pardonGrantedAt: row.pardonGrantedAt ? row.pardonGrantedAt.getTime() : null,
    finalScore: num(row.finalScore),
    premiumServices: row.premiumServices,
  };
}

/** The row after `next` was applied to it (what a result reports without reading it again). */
export function weekRowAfter(row: WeekRow, next: PlayerWeekState): WeekRow {
  return {
    ...row,
    score: String(next.score),
    premiumServices: next.premiumServices,
    finalScore: next.finalScore === null ? null : String(next.finalScore),
    pardonGrantedAt: next.pardonGrantedAt === null ? null : new Date(next.pardonGrantedAt),
  };
}
