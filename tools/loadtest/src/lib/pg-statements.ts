/** One row of `pg_stat_statements` over a step, as {@link PG_STATEMENTS_SQL} reads it. */
export interface PgStatementRow {
  query: string;
  calls: string;
  totalMs: number;
  sharedBlksHit: string;
  sharedBlksRead: string;
  rows: string;
}

/** What a statement cost the step, per call and per reply. */
export interface PgStatement {
  /** The normalised text, whitespace collapsed, cut to `QUERY_CHARS`. */
  query: string;
  calls: number;
  callsPerReply: number;
  msPerCall: number;
  /** Execution time per reply, ms (planning excluded, as pg_stat_statements' default). */
  msPerReply: number;
  /** Share of the step's statement time. */
  share: number;
  blocksPerCall: number;
  rowsPerCall: number;
}

const QUERY_CHARS = 160;

/** The statements of every database and user ({@link topStatements} orders them). */
export const PG_STATEMENTS_SQL = `SELECT query, calls::text AS calls, total_exec_time AS "totalMs",
    shared_blks_hit::text AS "sharedBlksHit", shared_blks_read::text AS "sharedBlksRead",
    rows::text AS rows
  FROM pg_stat_statements`;

const round = (n: number, digits: number): number => Number(n.toFixed(digits));

/**
 * The `top` statements of a step that stored `replies` replies, with what each cost per call and
 * per reply (`rows` as read after the step, counters reset before it). Without replies the
 * per-reply figures are 0.
 */
export function topStatements(rows: PgStatementRow[], replies: number, top = 12): PgStatement[] {
  const total = rows.reduce((a, r) => a + r.totalMs, 0);
  return rows
    .filter((r) => Number(r.calls) > 0)
    .sort((a, b) => b.totalMs - a.totalMs)
    .slice(0, top)
    .map((r) => {
      const calls = Number(r.calls);
      const perReply = (n: number) => (replies > 0 ? n / replies : 0);
      return {
        query: r.query.replace(/\s+/g, ' ').trim().slice(0, QUERY_CHARS),
        calls,
        callsPerReply: round(perReply(calls), 3),
        msPerCall: round(r.totalMs / calls, 4),
        msPerReply: round(perReply(r.totalMs), 4),
        share: total > 0 ? round(r.totalMs / total, 4) : 0,
        blocksPerCall: round((Number(r.sharedBlksHit) + Number(r.sharedBlksRead)) / calls, 1),
        rowsPerCall: round(Number(r.rows) / calls, 2),
      };
    });
}
