import type pg from 'pg';

/** What a player did in a week, counted from their stored messages (nothing else to keep true). */
export interface WeekActivity {
  messagesSent: number;
  /** Agents the player wrote to, in code-unit order. */
  agentsTalkedTo: string[];
  firstMessageAt: number | null;
}

/** The columns {@link activityOf} reads. */
export interface WeekActivityRow {
  sent: string;
  agents: string[];
  first: Date | null;
}

/**
 * The player's (`$wallet`) messages in `[$start, $end)` (on `messages(sender_id, created_at)`),
 * as the columns of a {@link WeekActivityRow}; the placeholders are the caller's.
 */
export function weekActivitySql(wallet: string, start: string, end: string): string {
  return `SELECT count(*)::text AS sent, coalesce(array_agg(DISTINCT t.agent_id), '{}') AS agents,
            min(m.created_at) AS first
     FROM messages m JOIN threads t ON t.id = m.thread_id JOIN sessions s ON s.id = t.session_id
     WHERE m.sender_id = ${wallet} AND s.wallet = ${wallet} AND m.created_at >= ${start}
       AND m.created_at < ${end}`;
}

export function activityOf(row: WeekActivityRow | undefined): WeekActivity {
  return {
    messagesSent: Number(row?.sent ?? 0),
    agentsTalkedTo: [...(row?.agents ?? [])].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)),
    firstMessageAt: row?.first ? row.first.getTime() : null,
  };
}

/** The player's messages in `[startMs, endMs)`. */
export async function readWeekActivity(
  q: Pick<pg.PoolClient, 'query'>,
  wallet: string,
  week: { startMs: number; endMs: number },
): Promise<WeekActivity> {
  const { rows } = await q.query<WeekActivityRow>(weekActivitySql('$1', '$2', '$3'), [
    wallet,
    new Date(week.startMs),
    new Date(week.endMs),
  ]);
  return activityOf(rows[0]);
}
