import type pg from 'pg';

// The game's custom metrics (cron-worker: PointsAwarded, PardonsGranted) read straight from the
// evaluations table over one publish interval. A plain query over a pg pool or client the caller
// owns: the Db's repositories stay the application's API, this is the metrics' one read.

/** Anything that runs a parameterised query: a `pg.Pool`, `pg.Client` or pooled client. */
export type GameMetricsQueryable = Pick<pg.Pool, 'query'>;

export interface GameIntervalTotals {
  /** Sum of the positive points evaluations awarded in the interval (penalties not subtracted). */
  pointsAwarded: number;
  /** Evaluations in the interval that granted a pardon. */
  pardonsGranted: number;
  /** Evaluations stored in the interval, whatever their points. */
  evaluations: number;
}

/**
 * Totals of the evaluations created in `[from, to)` (on the `created_at` index): the points they
 * awarded (only `points > 0`) and the pardons they granted.
 */
export async function gameIntervalTotals(
  sql: GameMetricsQueryable,
  window: { from: Date; to: Date },
): Promise<GameIntervalTotals> {
  const { rows } = await sql.query<{ points: string | null; pardons: string; n: string }>(
    `SELECT coalesce(sum(points) FILTER (WHERE points > 0), 0)::text AS points,
            count(*) FILTER (WHERE pardon_granted)::text AS pardons,
            count(*)::text AS n
     FROM evaluations WHERE created_at >= $1 AND created_at < $2`,
    [window.from, window.to],
  );
  const row = rows[0];
  return {
    pointsAwarded: Number(row?.points ?? 0),
    pardonsGranted: Number(row?.pardons ?? 0),
    evaluations: Number(row?.n ?? 0),
  };
}
