import {
  formatTokenAmount,
  runWeeklyClose,
  type Db,
  type JobLogger,
  type WeekPrize,
} from '@pardon/db';
import type { GameRules } from '@pardon/game';

/** What the operations routes read and write of the game (libs/db's `db.game`). */
export type GameOps = Pick<Db['game'], 'closeWeek' | 'prizes' | 'board' | 'activity'>;

/** A prize row on the wire: base units and whole tokens, both exact decimal strings. */
export interface PrizeView {
  place: number;
  wallet: string;
  finalScore: number;
  amountBaseUnits: string;
  amountTokens: string;
}

export interface WeeklyCloseReport {
  job: 'weekly-close';
  weekId: string;
  created: boolean;
  closedAt: string;
  winners: number;
  paidBaseUnits: string;
  paidTokens: string;
  prizes: PrizeView[];
}

export function prizeView(p: WeekPrize, rules: GameRules): PrizeView {
  return {
    place: p.place,
    wallet: p.wallet,
    finalScore: p.finalScore,
    amountBaseUnits: p.amountBaseUnits,
    amountTokens: formatTokenAmount(p.amountBaseUnits, rules.tokenDecimals),
  };
}

const NOT_RECORDED = { record: async () => undefined };

/**
 * weekly-close as this task runs it by hand (`/api/cron/weekly-close`, the ops page): libs/db's
 * shared runner, so it closes the same week the cron-worker would, idempotently, and records the
 * run in cron_runs when the database's `cronRuns` is at hand.
 */
export async function weeklyClose(
  deps: {
    game: Pick<GameOps, 'closeWeek'>;
    cronRuns: Pick<Db['cronRuns'], 'record'> | undefined;
    rules: GameRules;
    logger?: JobLogger | undefined;
  },
  now: number,
): Promise<WeeklyCloseReport> {
  const r = await runWeeklyClose({
    db: { game: deps.game, cronRuns: deps.cronRuns ?? NOT_RECORDED },
    rules: deps.rules,
    now,
    ...(deps.logger ? { logger: deps.logger } : {}),
  });
  return {
    job: 'weekly-close',
    weekId: r.weekId,
    created: r.created,
    closedAt: r.closedAt,
    winners: r.winners,
    paidBaseUnits: r.paidBaseUnits,
    paidTokens: formatTokenAmount(r.paidBaseUnits, deps.rules.tokenDecimals),
    prizes: r.prizes.map((p) => prizeView(p, deps.rules)),
  };
}

/** The prizes of a week as CSV (header first, `\n` line ends; wallets are base58, never quoted). */
export function prizesCsv(prizes: WeekPrize[], rules: GameRules): string {
  const lines = ['place,wallet,final_score,amount_base_units,amount_tokens'];
  for (const p of prizes) {
    const v = prizeView(p, rules);
    lines.push(
      [v.place, v.wallet, v.finalScore.toFixed(2), v.amountBaseUnits, v.amountTokens].join(','),
    );
  }
  return `${lines.join('\n')}\n`;
}
