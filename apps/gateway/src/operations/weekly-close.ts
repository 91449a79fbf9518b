import type { Db, WeekPrize, WeeklyCloseResult } from '@pardon/db';
import { formatTokenAmount, type GameRules } from '@pardon/game';

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

/** The wire form of a weekly-close run (libs/db's runner), amounts also in whole tokens. */
export function weeklyCloseReport(r: WeeklyCloseResult, rules: GameRules): WeeklyCloseReport {
  return {
    job: 'weekly-close',
    weekId: r.weekId,
    created: r.created,
    closedAt: r.closedAt,
    winners: r.winners,
    paidBaseUnits: r.paidBaseUnits,
    paidTokens: formatTokenAmount(r.paidBaseUnits, rules.tokenDecimals),
    prizes: r.prizes.map((p) => prizeView(p, rules)),
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
