import { DEFAULT_GAME_RULES, previousWeek, weekOf, type GameRules } from '@pardon/game';
import type { Db } from '../db';
import type { WeekPrize } from '../game';
import { recorded, type JobLogger } from './runners';

// weekly-close: the game's one scheduled job. It closes the last week that has ended, so it can
// run often (every few minutes after the week start) and by hand: a second run finds the close.

export interface WeeklyCloseOptions {
  /** The game's close and the job's last-run record are all the job needs of the data layer. */
  db: { game: Pick<Db['game'], 'closeWeek'>; cronRuns: Pick<Db['cronRuns'], 'record'> };
  /** The configured rules (week start, board size, prize pool). Default DEFAULT_GAME_RULES. */
  rules?: GameRules;
  /** Epoch ms the job considers "now": the week closed is the one before now's week. */
  now: number;
  logger?: JobLogger;
}

export interface WeeklyCloseResult {
  job: 'weekly-close';
  /** The week closed: the one that ended last at `now`. */
  weekId: string;
  /** False when the week had been closed before (by another run, worker or operator). */
  created: boolean;
  closedAt: string;
  /** Pardoned players on the frozen board (at most the rules' board size). */
  winners: number;
  /** Sum of the prizes owed, in integer base units of the token, as a decimal string. */
  paidBaseUnits: string;
  /** Kept out of the cron_runs summary (only scalar fields are recorded). */
  prizes: WeekPrize[];
}

/**
 * Closes `previousWeek(weekOf(now))` with `db.game.closeWeek`: freezes its board and records the
 * prizes it owes, once. Idempotent and safe to race: closeWeek serialises closers of a week on an
 * advisory lock and the later ones return the stored close (`created: false`). Recorded in
 * cron_runs as `weekly-close`.
 */
export function runWeeklyClose(options: WeeklyCloseOptions): Promise<WeeklyCloseResult> {
  const { db, now, logger } = options;
  return recorded(db, 'weekly-close', { now, logger }, async () => {
    const rules = options.rules ?? DEFAULT_GAME_RULES;
    const week = previousWeek(weekOf(now, rules), rules);
    const close = await db.game.closeWeek(week.id, rules);
    const paid = close.prizes.reduce((sum, p) => sum + BigInt(p.amountBaseUnits), 0n);
    const result: WeeklyCloseResult = {
      job: 'weekly-close',
      weekId: close.weekId,
      created: close.created,
      closedAt: close.closedAt.toISOString(),
      winners: close.winners,
      paidBaseUnits: paid.toString(),
      prizes: close.prizes,
    };
    if (close.created) {
      logger?.info(
        { weekId: result.weekId, winners: result.winners, paidBaseUnits: result.paidBaseUnits },
        'weekly-close: week closed',
      );
    }
    return result;
  });
}
