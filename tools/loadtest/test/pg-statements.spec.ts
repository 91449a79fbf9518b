import { topStatements, type PgStatementRow } from '../src/lib/pg-statements';

const row = (query: string, calls: number, totalMs: number, blocks = 0): PgStatementRow => ({
  query,
  calls: String(calls),
  totalMs,
  sharedBlksHit: String(blocks),
  sharedBlksRead: '0',
  rows: String(calls),
});

describe('topStatements', () => {
  it('orders by total time and gives each statement its cost per call and per reply', () => {
    const top = topStatements(
      [row('SELECT 1', 100, 10), row('INSERT INTO messages\n   VALUES ($1)', 200, 30, 800)],
      100,
    );
    expect(top.map((s) => s.query)).toEqual(['INSERT INTO messages VALUES ($1)', 'SELECT 1']);
    expect(top[0]).toMatchObject({
      calls: 200,
      callsPerReply: 2,
      msPerCall: 0.15,
      msPerReply: 0.3,
      share: 0.75,
      blocksPerCall: 4,
      rowsPerCall: 1,
    });
  });

  it('keeps the top N, drops statements never called and reports no per-reply cost without replies', () => {
    const rows = [row('a', 1, 3), row('b', 1, 2), row('c', 1, 1), row('never', 0, 0)];
    const top = topStatements(rows, 0, 2);
    expect(top.map((s) => s.query)).toEqual(['a', 'b']);
    expect(top.every((s) => s.msPerReply === 0 && s.callsPerReply === 0)).toBe(true);
  });
});
