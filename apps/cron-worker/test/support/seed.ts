// Rows for the lifecycle tests, written through the real repositories, with timestamps then set
// by SQL (the repositories stamp `now()`; the tests need exact instants).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Db } from '@pardon/db';
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
