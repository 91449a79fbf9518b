// Rows for the lifecycle tests, written through the real repositories, with timestamps then set
// by SQL (the repositories stamp `now()`; the tests need exact instants).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Db } from '@pardon/db';
import { DEFAULT_GAME_RULES } from '@pardon/game';
import { testWallet } from '@pardon/db/testing';
import type pg from 'pg';

let walletSeq = 1000;

export async function seedSession(
  db: Db,
  sql: pg.Pool,
  options: { lastActivityAt: Date; pool?: string; taskId?: string; threads?: number },
): Promise<{ sessionId: string; threadIds: string[] }> {
  const { session } = await db.sessions.openOrReuse({
    wallet: testWallet(walletSeq++),
    pool: options.pool ?? 'pool-0',
    taskId: options.taskId ?? 'task-a',
  });
  const threadIds: string[] = [];
  for (let i = 0; i < (options.threads ?? 1); i++) {
    threadIds.push((await db.threads.create({ sessionId: session.id, agentId: `agent-${i}` })).id);
  }
  await sql.query(
    'UPDATE sessions SET last_activity_at = $2, started_at = $2 WHERE id = $1::uuid',
    [session.id, options.lastActivityAt],
  );
  // Threads are as fresh as their session unless a test says otherwise.
  await sql.query(
    'UPDATE threads SET last_message_at = $2, created_at = $2 WHERE session_id = $1::uuid',
    [session.id, options.lastActivityAt],
  );
  return { sessionId: session.id, threadIds };
}

export async function setThreadActivity(sql: pg.Pool, threadId: string, at: Date): Promise<void> {
  await sql.query('UPDATE threads SET last_message_at = $2 WHERE id = $1::uuid', [threadId, at]);
}

export async function rowState(
  sql: pg.Pool,
  table: 'sessions' | 'threads',
  id: string,
): Promise<{ ended: boolean; reason: string | null }> {
  const column = table === 'sessions' ? 'ended_at' : 'closed_at';
  const reason = table === 'sessions' ? 'end_reason' : 'close_reason';
  const { rows } = await sql.query<{ ended: boolean; reason: string | null }>(
    `SELECT ${column} IS NOT NULL AS ended, ${reason} AS reason FROM ${table} WHERE id = $1::uuid`,
    [id],
  );
  if (!rows[0]) throw new Error(`no ${table} row ${id}`);
  return rows[0];
}

export interface HealthPool {
  pool: string;
  agentsConnected: string[];
  missingAgents: string[];
  activeThreads: number;
  capacity: number;
}

/**
 * A real HTTP server answering `GET /health` with the gateway's documented body (DESIGN.md §6),
 * standing in for a gateway task where the test needs to choose the pools' state. `hold` keeps
 * requests open (a slow gateway) until `release()`.
 */
export async function startHealthServer(pools: HealthPool[], taskId = 'task-a') {
  const held: ServerResponse[] = [];
  const seen: number[] = [];
  let hold = false;
  const answer = (res: ServerResponse) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ status: 'ok', taskId, database: 'up', pools }));
  };
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    if (req.url !== '/health') {
      res.writeHead(404).end();
      return;
    }
    seen.push(Date.now());
    if (hold) held.push(res);
    else answer(res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    requests: seen,
    setHold(value: boolean) {
      hold = value;
    },
    heldCount: () => held.length,
    /** Answers every request held so far. */
    releaseHeld() {
      for (const res of held.splice(0)) answer(res);
    },
    close: async () => {
      for (const res of held.splice(0)) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * One stored evaluation of a player message, with its points, pardon flag and creation instant
 * then set by SQL (the metrics read only these columns). Its session and thread are ended, so the
 * active-session metrics do not see them.
 */
export async function seedEvaluation(
  db: Db,
  sql: pg.Pool,
  options: { at: Date; points: string; pardonGranted: boolean },
): Promise<{ wallet: string; evaluationId: string }> {
  const wallet = testWallet(walletSeq++);
  const { session } = await db.sessions.openOrReuse({ wallet, pool: 'pool-9', taskId: 'task-z' });
  const thread = await db.threads.create({ sessionId: session.id, agentId: 'cz' });
  const { message } = await db.messages.append({
    threadId: thread.id,
    senderId: wallet,
    content: 'a fair deal',
    mentions: ['cz'],
  });
  const r = await db.game.evaluate(
    { messageId: message.id, agentId: 'cz', score: 1, reason: 'seeded', at: Date.now() },
    DEFAULT_GAME_RULES,
  );
  await sql.query(
    `UPDATE evaluations SET created_at = $2, points = $3::numeric, pardon_granted = $4
     WHERE id = $1::uuid`,
    [r.evaluationId, options.at, options.points, options.pardonGranted],
  );
  await sql.query(
    `UPDATE threads SET closed_at = now(), close_reason = 'idle' WHERE id = $1::uuid`,
    [thread.id],
  );
  await sql.query(`UPDATE sessions SET ended_at = now(), end_reason = 'idle' WHERE id = $1::uuid`, [
    session.id,
  ]);
  return { wallet, evaluationId: r.evaluationId };
}

/** A pardoned player on a week's board (the row weekly-close reads), written by SQL. */
export async function seedPardon(
  db: Db,
  sql: pg.Pool,
  options: { weekId: string; finalScore: number; at: Date },
): Promise<string> {
  const wallet = testWallet(walletSeq++);
  await db.users.upsert(wallet);
  await sql.query(
    `INSERT INTO player_weeks (wallet, week_id, score, pardon_granted_at, final_score)
     VALUES ($1, $2, 90, $3, $4)`,
    [wallet, options.weekId, options.at, options.finalScore],
  );
  return wallet;
}
