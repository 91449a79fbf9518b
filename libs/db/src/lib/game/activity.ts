import type pg from 'pg';

/** What a player did in a week, counted from their stored messages (nothing else to keep true). */
export interface WeekActivity {
  messagesSent: number;
  /** Agents the player wrote to, in code-unit order. */
  agentsTalkedTo: string[];
  firstMessageAt: number | null;
}

/** The player's messages in `[startMs, endMs)` (on `messages(sender_id, created_at)`). */
export async function readWeekActivity(
  q: Pick<pg.PoolClient, 'query'>,
  wallet: string,
  week: { startMs: number; endMs: number },
): Promise<WeekActivity> {
  const { rows } = await q.query<{ sent: string; agents: string[]; first: Date | null }>(
    `SELECT count(*)::text AS sent, coalesce(array_agg(DISTINCT t.agent_id), '{}') AS agents,
            min(m.created_at) AS first
     FROM messages m JOIN threads t ON t.id = m.thread_id JOIN sessions s ON s.id = t.session_id
     WHERE m.sender_id = $1 AND s.wallet = $1 AND m.created_at >= $2 AND m.created_at < $3`,
    [wallet, new Date(week.startMs), new Date(week.endMs)],
  );
  const row = rows[0];
  return {
    messagesSent: Number(row?.sent ?? 0),
    agentsTalkedTo: [...(row?.agents ?? [])].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)),
    firstMessageAt: row?.first ? row.first.getTime() : null,
  };
}
