// Benchmark (not a test): PostgreSQL's CPU per `messages.append`, with the statement planned on
// every call (an unnamed statement, as before) and prepared once per connection (a named one, as
// the repository sends it), interleaved in the same run. Server CPU is the backend's own, from
// /proc/<pid>/schedstat, so the client's time does not count. Prints a table, writes
// reports/bench/db-append.json. Run: npx nx run db:bench
import { readFileSync } from 'node:fs';
import { applyMigrations, dropDatabase, startPostgresServer, withDatabase } from '@pardon/test-env';
import pg from 'pg';
import { APPEND_SQL } from '../src/lib/messages';
import { median, runBench, writeReport } from './report';

const THREADS = 2_000;
const APPENDS_PER_ROUND = 2_000;
const ROUNDS = 5;

type Mode = 'planned every call' | 'prepared';
const MODES: Mode[] = ['planned every call', 'prepared'];

/** ms the backend `pid` has spent on a CPU. */
function backendCpuMs(pid: number): number {
  return Number(readFileSync(`/proc/${pid}/schedstat`, 'utf8').split(' ')[0]) / 1e6;
}

/** One player (user, session, thread) per thread; wallets are base58 (no 0, O, I, l). */
async function seed(client: pg.Client): Promise<Array<{ id: string; wallet: string }>> {
  const { rows } = await client.query<{ id: string; wallet: string }>(
    `WITH u AS (
       INSERT INTO users (wallet)
       SELECT lpad(translate(g::text, '0', 'z'), 40, 'x') FROM generate_series(1, $1) g
       RETURNING wallet
     ), s AS (
       INSERT INTO sessions (wallet, pool, task_id) SELECT wallet, 'pool-0', 'bench' FROM u
       RETURNING id, wallet
     )
     INSERT INTO threads (session_id, pool, agent_id)
     SELECT id, 'pool-0', 'cz' FROM s
     RETURNING id::text, (SELECT wallet FROM s WHERE s.id = session_id) AS wallet`,
    [THREADS],
  );
  return rows;
}

async function main(): Promise<void> {
  const server = await startPostgresServer();
  const name = `pardon_bench_append_${process.pid}`;
  const admin = new pg.Client({ connectionString: server.adminUrl });
  const results: Record<Mode, number[]> = { 'planned every call': [], prepared: [] };
  try {
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`);
    const url = withDatabase(server.adminUrl, name);
    await applyMigrations(url);
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      const threads = await seed(client);
      const pid = (await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]
        ?.pid as number;
      let n = 0;
      const append = (mode: Mode) => {
        const thread = threads[n % threads.length] as { id: string; wallet: string };
        n += 1;
        const values = [thread.id, thread.wallet, `message ${n}`, ['cz'], `c-${n}`, 'bench'];
        return mode === 'prepared'
          ? client.query({ name: 'messages.append', text: APPEND_SQL, values })
          : client.query(APPEND_SQL, values);
      };
      // Warm-up: caches, JIT of the client, the first executions of the prepared statement.
      for (let i = 0; i < 500; i++) await append(i % 2 ? 'prepared' : 'planned every call');
      for (let round = 0; round < ROUNDS; round++) {
        for (const mode of MODES) {
          const before = backendCpuMs(pid);
          for (let i = 0; i < APPENDS_PER_ROUND; i++) await append(mode);
          results[mode].push((backendCpuMs(pid) - before) / APPENDS_PER_ROUND);
        }
        process.stdout.write(`round ${round + 1}/${ROUNDS}\n`);
      }
    } finally {
      await client.end();
    }
  } finally {
    await admin.end().catch(() => undefined);
    await dropDatabase(server.adminUrl, name).catch(() => undefined);
    await server.close();
  }
  const planned = median(results['planned every call']);
  const prepared = median(results.prepared);
  console.table(
    MODES.map((mode) => ({
      statement: mode,
      'server CPU ms per append (median)': median(results[mode]).toFixed(3),
      'rounds (ms)': results[mode].map((x) => x.toFixed(3)).join(' / '),
    })),
  );
  console.log(`prepared / planned every call: ${(prepared / planned).toFixed(2)}`);
  writeReport('db-append', {
    benchmark: 'db: server CPU per messages.append',
    threads: THREADS,
    appendsPerRound: APPENDS_PER_ROUND,
    rounds: ROUNDS,
    plannedEveryCallMs: Number(planned.toFixed(3)),
    preparedMs: Number(prepared.toFixed(3)),
    ratio: Number((prepared / planned).toFixed(3)),
    roundsMs: results,
  });
}

runBench(main);
