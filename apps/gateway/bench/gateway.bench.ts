// `npx nx run gateway:bench`: round-trip throughput and latency of the gateway with N concurrent
// players (each with a thread and an open event stream) talking to instant echo agents connected
// over MCP, against a bare Fastify route doing the same database insert, in the same run.
// Writes reports/bench/gateway.json and prints a table. Not a test: numbers, not assertions.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';
import type { FetchLike } from '@modelcontextprotocol/sdk/shared/transport.js';
import { CoralToolClient, buildCoralSseUrl, agentSecretEnvName } from '@pardon/coral';
import {
  acquirePostgres,
  createMigratedTemplate,
  dropDatabase,
  freePort,
  withDatabase,
} from '@pardon/test-env';
import { createHashRing, poolIds } from '@pardon/pooling';
import { RemoteProfiler, summariseProfile, type ProfileSummary } from '@pardon/topology';
import pg from 'pg';
import nacl from 'tweetnacl';
import { Agent, request, setGlobalDispatcher } from 'undici';
import { issueToken } from '../src/sign-in/tokens';
import { encodeBase58 } from '../src/sign-in/wallet';

const ROOT = path.resolve(__dirname, '../../..');
const PLAYER_COUNTS = (process.env.BENCH_PLAYERS ?? '1000,2000').split(',').map(Number);
/** Saturation phase (closed loop): warm-up, then the measured window. */
const SAT_WARMUP_MS = Number(process.env.BENCH_SAT_WARMUP_MS ?? 3_000);
const SAT_MS = Number(process.env.BENCH_SAT_MS ?? 10_000);
/** Realistic phase (open loop): each player sends every PERIOD_MS ± 50 %, as libs/pooling assumes. */
const OPEN_MS = Number(process.env.BENCH_OPEN_MS ?? 30_000);
const OPEN_WARMUP_MS = Number(process.env.BENCH_OPEN_WARMUP_MS ?? 5_000);
const PERIOD_MS = Number(process.env.BENCH_PERIOD_MS ?? 10_000);
/** A reply not on the player's stream this long after the send counts as lost. */
const REPLY_TIMEOUT_MS = 30_000;
const POOLS = 5;
const AGENT = 'echo';
/** The bench agent's own secret (the gateway checks it against the agent id). */
const AGENT_KEY = 'bench-agent-secret-0123456789abcdef01234567';
const DB_POOL = Number(process.env.BENCH_DB_POOL ?? 20);
const TOKEN_SECRET = 'bench-token-secret-0123456789abcdef';
/**
 * BENCH_CPU_PROF=1 runs the gateway under `--cpu-prof --cpu-prof-dir PROFILE_DIR` (the whole
 * run, written when it exits, for DevTools) and with its inspector open, over which the bench
 * also profiles each gateway open-loop phase alone: that phase's top self-time frames go in the
 * report. The profiler costs the gateway CPU of its own: compare profiled runs with profiled runs.
 */
const CPU_PROF = process.env.BENCH_CPU_PROF === '1';
/** One folder per run: Node writes a profile per thread (tsx's loader hooks run in their own). */
const PROFILE_DIR = path.join(
  ROOT,
  'reports/bench/profiles',
  `gateway-${new Date().toISOString().replace(/[:.]/g, '-')}`,
);
/** The target of issue 18: gateway CPU per round trip at most this many baseline inserts. */
const CPU_RATIO_TARGET = 2;
/** The target of the open-loop p99 the gateway adds at the realistic rate, ms. */
const P99_TARGET_MS = 50;

/** On a loaded machine accepting a connection can take longer than undici's default 10 s. */
const CONNECT_TIMEOUT_MS = 60_000;
setGlobalDispatcher(
  new Agent({
    connections: null,
    pipelining: 1,
    keepAliveTimeout: 60_000,
    connectTimeout: CONNECT_TIMEOUT_MS,
  }),
);
/**
 * Event streams get a dispatcher of their own: undici scans a pool's connections for a free one
 * on every request, and 2,000 busy stream connections in the senders' pool made that scan the
 * bench client's largest cost (13 % of its time in a profile), stealing CPU from the gateway.
 */
const streamDispatcher = new Agent({ connections: null, connectTimeout: CONNECT_TIMEOUT_MS });

interface Player {
  index: number;
  wallet: string;
  token: string;
  threadId: string;
  close(): void;
}

/** One player message in flight, keyed by its content; the echo carries the key back. */
interface Trip {
  t0: number;
  posted?: number;
  agentHas?: number;
  echoed?: number;
  done?: (at: number) => void;
}
const trips = new Map<string, Trip>();

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const idx = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return sorted[Math.max(0, idx)] ?? NaN;
}

const round = (x: number) => (Number.isFinite(x) ? Math.round(x * 10) / 10 : x);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function spawnProcess(
  file: string,
  env: Record<string, string>,
  ready: (url: string) => Promise<boolean>,
  url: string,
  extra: string[] = [],
): Promise<ChildProcess> {
  const child = spawn(process.execPath, [...extra, '--import', 'tsx', file], {
    cwd: ROOT,
    env: {
      ...process.env,
      ...env,
      TSX_TSCONFIG_PATH: path.join(ROOT, 'apps/gateway/tsconfig.json'),
    },
    stdio: ['ignore', process.env.BENCH_VERBOSE ? 'inherit' : 'ignore', 'inherit'],
  });
  spawned.add(child);
  child.once('exit', () => spawned.delete(child));
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${file} exited with ${child.exitCode}`);
    if (await ready(url).catch(() => false)) return child;
    if (Date.now() > deadline) throw new Error(`${file} did not start`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

const spawned = new Set<ChildProcess>();
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    for (const c of spawned) c.kill('SIGTERM');
    process.exit(130);
  });
}
// However the bench ends (an unhandled rejection included), no gateway or baseline outlives it.
process.once('exit', () => {
  for (const c of spawned) c.kill('SIGKILL');
});

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  await new Promise<void>((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
    setTimeout(() => child.kill('SIGKILL'), 30_000).unref();
  });
}

/**
 * Players are created in bulk in the database (users, sessions on their ring pool, threads) with
 * tokens minted by the gateway's own token code: the bench measures messages, not sign-in.
 */
async function createPlayers(
  dbUrl: string,
  n: number,
): Promise<Array<{ wallet: string; token: string; threadId: string }>> {
  const ring = createHashRing(poolIds(POOLS));
  const wallets = Array.from({ length: n }, () => encodeBase58(nacl.sign.keyPair().publicKey));
  const pools = wallets.map((w) => ring.lookup(w));
  const client = new pg.Client({ connectionString: dbUrl });
  await client.connect();
  try {
    await client.query('INSERT INTO users (wallet) SELECT unnest($1::text[])', [wallets]);
    const { rows } = await client.query<{ wallet: string; thread_id: string }>(
      `WITH s AS (
         INSERT INTO sessions (wallet, pool, task_id)
         SELECT w, p, 'bench' FROM unnest($1::text[], $2::text[]) AS x(w, p)
         RETURNING id, wallet, pool
       ), t AS (
         INSERT INTO threads (session_id, pool, agent_id) SELECT id, pool, $3 FROM s
         RETURNING id, session_id
       )
       SELECT s.wallet, t.id::text AS thread_id FROM t JOIN s ON s.id = t.session_id`,
      [wallets, pools, AGENT],
    );
    return rows.map((r) => ({
      wallet: r.wallet,
      threadId: r.thread_id,
      token: issueToken(TOKEN_SECRET, r.wallet, 3600).token,
    }));
  } finally {
    await client.end();
  }
}

const counters = { shed: 0, resets: 0, agentRetries: 0 };

/**
 * A 503 (database saturated: the gateway sheds load with Retry-After) or 429 is retried with the
 * same clientMessageId, as a client would; the retries are counted and reported.
 */
async function sendWithRetry(url: string, body: unknown, token?: string): Promise<void> {
  for (;;) {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (token) headers.authorization = `Bearer ${token}`;
    let res;
    let text: string;
    try {
      res = await request(url, { method: 'POST', headers, body: JSON.stringify(body) });
      text = await res.body.text();
    } catch (err) {
      // A reset connection under overload: the send may or may not have landed, and resending
      // with the same clientMessageId is exactly what makes that safe.
      if ((err as { code?: string }).code !== 'ECONNRESET') throw err;
      counters.resets++;
      continue;
    }
    if (res.statusCode < 300) return;
    if (res.statusCode !== 503 && res.statusCode !== 429 && res.statusCode !== 408)
      throw new Error(`POST ${url}: ${res.statusCode} ${text}`);
    counters.shed++;
    await sleep(200 + Math.random() * 300);
  }
}

async function inBatches<T>(items: T[], size: number, fn: (t: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: size }, async () => {
      while (next < items.length) await fn(items[next++] as T);
    }),
  );
}

const ECHO = 'echo: ';

async function openPlayer(
  base: string,
  index: number,
  p: { wallet: string; token: string; threadId: string },
): Promise<Player> {
  const controller = new AbortController();
  const res = await request(`${base}/api/threads/${p.threadId}/events`, {
    headers: { authorization: `Bearer ${p.token}` },
    signal: controller.signal,
    dispatcher: streamDispatcher,
  });
  if (res.statusCode !== 200) throw new Error(`events of player ${index}: ${res.statusCode}`);
  let buffer = '';
  res.body.on('data', (chunk: Buffer) => {
    buffer += chunk.toString('utf8');
    let idx: number;
    while ((idx = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, idx);
      buffer = buffer.slice(idx + 2);
      const data = block.split('\n').find((l) => l.startsWith('data: '));
      if (!data) continue;
      const m = JSON.parse(data.slice(6)) as { senderId: string; content: string };
      if (m.senderId === AGENT && m.content.startsWith(ECHO)) {
        trips.get(m.content.slice(ECHO.length))?.done?.(performance.now());
      }
    }
  });
  res.body.on('error', () => undefined);
  return { index, ...p, close: () => controller.abort() };
}

/** Sends the echo, retrying a refused send (e.g. `persist_failed` while the database is saturated). */
async function echo(tools: CoralToolClient, threadId: string, key: string, to: string) {
  for (let attempt = 0; attempt < 30; attempt++) {
    const r = await tools
      .sendMessage({ threadId, content: `${ECHO}${key}`, mentions: [to] })
      .catch(() => undefined);
    if (r?.result === 'send_message_success') {
      const trip = trips.get(key);
      if (trip) trip.echoed = performance.now();
      return;
    }
    counters.agentRetries++;
    await sleep(200 + Math.random() * 300);
  }
}

/**
 * The agents' message POSTs through undici's request API instead of the global fetch: fetch's
 * web streams and abort signals were half of the bench client's CPU in a profile, CPU the
 * gateway under test then lacked on this 2-core machine. Everything else (the SSE GET) is fetch.
 */
const leanFetch: FetchLike = async (url, init) => {
  if (init?.method !== 'POST') return fetch(url, init);
  const headers: Record<string, string> = {};
  new Headers(init.headers).forEach((value, name) => (headers[name] = value));
  const res = await request(url, {
    method: 'POST',
    headers,
    body: init.body as string,
    signal: init.signal ?? undefined,
  });
  const text = await res.body.text();
  const responseHeaders = new Headers();
  for (const [name, value] of Object.entries(res.headers)) {
    if (typeof value === 'string') responseHeaders.set(name, value);
  }
  // 204/205/304 and 1xx may not carry a body; 202 (the usual answer) may.
  const body = text.length > 0 && res.statusCode !== 204 ? text : null;
  return new Response(body, { status: res.statusCode, headers: responseHeaders });
};

/** One instant echo agent per pool, connected over MCP like the real agents. */
async function startEchoAgents(base: string): Promise<Array<() => Promise<void>>> {
  const stops: Array<() => Promise<void>> = [];
  for (let p = 0; p < POOLS; p++) {
    const url = buildCoralSseUrl({
      baseUrl: base,
      applicationId: 'bench',
      privacyKey: 'bench',
      sessionId: `pool-${p}`,
      agentId: AGENT,
    });
    const transport = new SSEClientTransport(url, {
      requestInit: { headers: { authorization: `Bearer ${AGENT_KEY}` } },
      fetch: leanFetch,
    });
    const client = new Client({ name: `echo-${p}`, version: '1' });
    await client.connect(transport);
    const tools = new CoralToolClient(client);
    let stopped = false;
    const loop = (async () => {
      while (!stopped) {
        const r = await tools.waitForMentions({ timeoutMs: 5_000 }).catch(() => undefined);
        if (!r || r.result !== 'wait_for_mentions_success') continue;
        // Instant echo: every mention is answered at once, concurrently.
        for (const m of r.messages) {
          const trip = trips.get(m.content);
          if (trip) trip.agentHas = performance.now();
          void echo(tools, m.threadId, m.content, m.senderId);
        }
      }
    })();
    stops.push(async () => {
      stopped = true;
      await client.close().catch(() => undefined);
      await loop;
    });
  }
  return stops;
}

let tripSeq = 0;

/**
 * One round trip: POST the message, wait for the echo on the player's stream. Resolves the
 * latency in ms, or Infinity when the reply did not come within REPLY_TIMEOUT_MS (a loss).
 */
async function roundTrip(base: string, p: Player): Promise<number> {
  const key = `${p.index}.${tripSeq++}`;
  const t0 = performance.now();
  const trip: Trip = { t0 };
  const replied = new Promise<number>((resolve) => (trip.done = resolve));
  trips.set(key, trip);
  try {
    await sendWithRetry(
      `${base}/api/threads/${p.threadId}/messages`,
      { content: key, clientMessageId: key },
      p.token,
    );
    trip.posted = performance.now();
    let timer: NodeJS.Timeout | undefined;
    const t1 = await Promise.race([
      replied,
      new Promise<number>((res) => (timer = setTimeout(() => res(Infinity), REPLY_TIMEOUT_MS))),
    ]);
    clearTimeout(timer);
    if (t1 === Infinity) lost.push(trip);
    else if (trip.agentHas !== undefined && trip.echoed !== undefined) {
      stages.n++;
      stages.post += trip.posted - t0;
      stages.toAgent += trip.agentHas - t0;
      stages.echo += trip.echoed - trip.agentHas;
      stages.toStream += t1 - trip.echoed;
    }
    return t1 - t0;
  } finally {
    trips.delete(key);
  }
}
const lost: Trip[] = [];
/** Sums of each stage of completed round trips (ms), to say where the time goes. */
const stages = { n: 0, post: 0, toAgent: 0, echo: 0, toStream: 0 };

function stageReport(): string {
  if (stages.n === 0) return '';
  const m = (x: number) => Math.round(x / stages.n);
  return `; mean ms: POST answered ${m(stages.post)}, send → agent has it ${m(stages.toAgent)}, agent's send_message call ${m(stages.echo)}, echo accepted → on player stream ${m(stages.toStream)}`;
}

/** Where lost round trips stopped: posted, reached the agent, echo accepted, never on the stream. */
function lossReport(): string {
  if (lost.length === 0) return 'none';
  const n = (f: (t: Trip) => boolean) => lost.filter(f).length;
  return `${lost.length} (posted ${n((t) => t.posted !== undefined)}, reached agent ${n((t) => t.agentHas !== undefined)}, echo accepted ${n((t) => t.echoed !== undefined)})`;
}

/**
 * Seconds a process's main thread (a Node event loop; a PostgreSQL backend) has spent running on
 * a CPU and runnable but waiting for one, from /proc/<pid>/schedstat: on a shared machine the
 * second is time nobody's code is to blame for.
 */
function sched(pid: number | undefined): { run: number; wait: number } {
  if (pid === undefined) return { run: 0, wait: 0 };
  try {
    const [run, wait] = readFileSync(`/proc/${pid}/schedstat`, 'utf8').split(' ').map(Number);
    return { run: (run ?? 0) / 1e9, wait: (wait ?? 0) / 1e9 };
  } catch {
    return { run: 0, wait: 0 };
  }
}

/**
 * User and kernel CPU seconds of a process's main thread (/proc/<pid>/task/<pid>/stat, in clock
 * ticks of 10 ms): how much of a server's CPU is system calls and the loopback network stack
 * they run, rather than JavaScript.
 */
function userSys(pid: number | undefined): { user: number; sys: number } {
  if (pid === undefined) return { user: 0, sys: 0 };
  try {
    const stat = readFileSync(`/proc/${pid}/task/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces) start at the state, field 3.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { user: Number(fields[11]) / 100, sys: Number(fields[12]) / 100 };
  } catch {
    return { user: 0, sys: 0 };
  }
}

const PARTIES = ['gateway', 'baseline', 'bench', 'postgres'] as const;
type Usage = Record<(typeof PARTIES)[number], { run: number; wait: number }> & {
  backends: Map<number, { run: number; wait: number }>;
  /** Transactions the bench database has committed (each statement is its own, mostly). */
  commits: number;
  /** User/kernel split of the gateway's and the baseline's main threads. */
  split: { gateway: { user: number; sys: number }; baseline: { user: number; sys: number } };
  /** Row and scan counters of the tables a message touches (pg_stat_user_tables). */
  tables: Record<string, TableCounters>;
};

interface TableCounters {
  inserted: number;
  updated: number;
  indexScans: number;
  seqScans: number;
}

/**
 * CPU of each party, so a phase can say where the time went. PostgreSQL = its backends; one that
 * came or went during the phase counts from zero or not at all.
 */
async function usage(
  pids: { gateway?: number; baseline?: number },
  db: pg.Pool,
  since?: Usage,
): Promise<Usage> {
  const { rows } = await db.query<{ pid: number }>(
    'SELECT pid FROM pg_stat_activity WHERE pid <> pg_backend_pid()',
  );
  const backends = new Map(rows.map((r) => [r.pid, sched(r.pid)]));
  const stat = await db.query<{ n: string }>(
    'SELECT xact_commit::text AS n FROM pg_stat_database WHERE datname = current_database()',
  );
  const tables = await db.query<{
    relname: string;
    ins: string;
    upd: string;
    idx: string;
    seq: string;
  }>(
    `SELECT relname, n_tup_ins::text AS ins, n_tup_upd::text AS upd,
            COALESCE(idx_scan, 0)::text AS idx, seq_scan::text AS seq
     FROM pg_stat_user_tables WHERE relname = ANY($1::text[])`,
    [['messages', 'threads', 'sessions', 'users']],
  );
  const postgres = { run: 0, wait: 0 };
  for (const [pid, b] of backends) {
    const before = since?.backends.get(pid) ?? { run: 0, wait: 0 };
    postgres.run += b.run - before.run;
    postgres.wait += b.wait - before.wait;
  }
  return {
    gateway: sched(pids.gateway),
    baseline: sched(pids.baseline),
    bench: sched(process.pid),
    postgres: since ? postgres : { run: 0, wait: 0 },
    backends,
    commits: Number(stat.rows[0]?.n ?? 0),
    split: { gateway: userSys(pids.gateway), baseline: userSys(pids.baseline) },
    tables: Object.fromEntries(
      tables.rows.map((t) => [
        t.relname,
        {
          inserted: Number(t.ins),
          updated: Number(t.upd),
          indexScans: Number(t.idx),
          seqScans: Number(t.seq),
        },
      ]),
    ),
  };
}

/**
 * Database work per unit (round trip or insert) over a phase: transactions committed, and per
 * table rows inserted and updated and index scans. Counts every client of the database (the
 * gateway's background jobs included, the other process's too, which is idle meanwhile).
 */
function dbPerUnit(a: Usage, b: Usage, units: number) {
  const per = (x: number) => Math.round((x / Math.max(1, units)) * 100) / 100;
  const tables: Record<string, TableCounters> = {};
  for (const [name, after] of Object.entries(b.tables)) {
    const before = a.tables[name] ?? { inserted: 0, updated: 0, indexScans: 0, seqScans: 0 };
    tables[name] = {
      inserted: per(after.inserted - before.inserted),
      updated: per(after.updated - before.updated),
      indexScans: per(after.indexScans - before.indexScans),
      seqScans: per(after.seqScans - before.seqScans),
    };
  }
  return { transactions: per(b.commits - a.commits), tables };
}

function dbReport(d: ReturnType<typeof dbPerUnit>): string {
  const t = Object.entries(d.tables)
    .map(([n, c]) => `${n} +${c.inserted}/~${c.updated}/idx ${c.indexScans}`)
    .join(', ');
  return `database per unit: ${d.transactions} transactions; rows inserted/updated/index scans: ${t}`;
}

/** Per party: % of the phase on a CPU / % runnable but waiting for a CPU. */
function cpuPercent(a: Usage, b: Usage, ms: number): string {
  const pct = (x: number) => Math.round((x / (ms / 1000)) * 100);
  return `% of the phase on cpu/waiting for cpu: ${PARTIES.map(
    (k) => `${k} ${pct(b[k].run - a[k].run)}/${pct(b[k].wait - a[k].wait)}`,
  ).join(', ')}`;
}

interface PhaseResult {
  /** Completed inside the measured window. */
  count: number;
  /** Completed during the whole phase, warm-up included (what the CPU figures divide by). */
  total: number;
  ms: number;
  latencies: number[];
}

/** Saturation: every player sends, waits for its reply (or insert), sends again. */
async function closedLoop(players: Player[], once: (p: Player) => Promise<number>) {
  const latencies: number[] = [];
  let count = 0;
  let total = 0;
  const measureFrom = performance.now() + SAT_WARMUP_MS;
  const endAt = measureFrom + SAT_MS;
  await Promise.all(
    players.map(async (p) => {
      while (performance.now() < endAt) {
        const t0 = performance.now();
        const ms = await once(p);
        total++;
        // Throughput counts what completes inside the window, whenever it started: with N
        // players each waiting, a round trip may take longer than the window itself.
        if (t0 + ms >= measureFrom && t0 + ms <= endAt) {
          latencies.push(ms);
          count++;
        }
      }
    }),
  );
  return { count, total, ms: SAT_MS, latencies } satisfies PhaseResult;
}

/**
 * Realistic load: each player sends on its own schedule (every PERIOD_MS ± 50 %, first send at a
 * random point of the first period), whether or not earlier replies came: open loop, so the
 * offered rate is players / PERIOD_MS whatever the latency.
 */
async function openLoop(players: Player[], once: (p: Player) => Promise<number>) {
  const latencies: number[] = [];
  const start = performance.now();
  const measureFrom = start + OPEN_WARMUP_MS;
  const endAt = start + OPEN_MS;
  const inFlight: Array<Promise<void>> = [];
  let total = 0;
  await Promise.all(
    players.map(async (p) => {
      // Each player's schedule starts ten periods in the past and is run forward to now: the
      // sends then arrive at the steady rate from the first second. Starting every player at a
      // random point of one period instead overlaps first and second sends and offers up to
      // 1.5x the rate in the first periods, a surge the realistic load never has.
      let next = start - 10 * PERIOD_MS + Math.random() * PERIOD_MS;
      while (next < start) next += PERIOD_MS * (0.5 + Math.random());
      for (;;) {
        if (next >= endAt) return;
        await sleep(Math.max(0, next - performance.now()));
        const scheduled = next;
        inFlight.push(
          once(p).then((ms) => {
            total++;
            if (scheduled >= measureFrom) latencies.push(ms);
          }),
        );
        next += PERIOD_MS * (0.5 + Math.random());
      }
    }),
  );
  await Promise.all(inFlight);
  return {
    count: latencies.length,
    total,
    ms: OPEN_MS - OPEN_WARMUP_MS,
    latencies,
  } satisfies PhaseResult;
}

function stats(r: PhaseResult) {
  const sorted = [...r.latencies].sort((x, y) => x - y);
  return {
    perSec: (r.count / r.ms) * 1000,
    p50: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    p99: percentile(sorted, 99),
  };
}

async function insertOnce(base: string, p: Player): Promise<number> {
  const key = `base.${p.index}.${tripSeq++}`;
  const t0 = performance.now();
  await sendWithRetry(`${base}/insert`, {
    threadId: p.threadId,
    senderId: p.wallet,
    content: key,
    clientMessageId: key,
  });
  return performance.now() - t0;
}

async function main(): Promise<void> {
  const maxPlayers = Math.max(...PLAYER_COUNTS);
  console.log(
    `gateway bench: players ${PLAYER_COUNTS.join(', ')}; open loop ${OPEN_MS} ms (one message per player every ${PERIOD_MS} ms ± 50 %), saturation ${SAT_MS} ms after ${SAT_WARMUP_MS} ms warm-up; load average ${loadavg()
      .map((x) => x.toFixed(2))
      .join(' ')}`,
  );
  const postgres = await acquirePostgres();
  const children: ChildProcess[] = [];
  let dbName: string | undefined;
  let monitor: pg.Pool | undefined;
  const stops: Array<() => Promise<void>> = [];
  const players: Player[] = [];
  let report: Record<string, unknown> = {};
  let profiler: RemoteProfiler | undefined;
  const profiles: Array<ProfileSummary & { players: number; phase: string; file: string }> = [];
  try {
    dbName = await createMigratedTemplate(postgres.adminUrl);
    const dbUrl = withDatabase(postgres.adminUrl, dbName);
    const db = new pg.Pool({ connectionString: dbUrl, max: 1 });
    monitor = db;
    const gwPort = await freePort();
    const gwUrl = `http://127.0.0.1:${gwPort}`;
    const gatewayNodeArgs = process.env.BENCH_GATEWAY_NODE_ARGS?.split(' ') ?? [];
    const inspectPort = CPU_PROF ? await freePort() : undefined;
    if (inspectPort !== undefined) {
      mkdirSync(PROFILE_DIR, { recursive: true });
      gatewayNodeArgs.push(
        '--cpu-prof',
        '--cpu-prof-dir',
        PROFILE_DIR,
        `--inspect=127.0.0.1:${inspectPort}`,
      );
    }
    const gateway = await spawnProcess(
      path.join(ROOT, 'apps/gateway/src/main.ts'),
      {
        PORT: String(gwPort),
        HOST: '127.0.0.1',
        POOL_COUNT: String(POOLS),
        POOL_CAPACITY: String(Math.ceil(maxPlayers / POOLS) * 2),
        REQUIRED_AGENTS: AGENT,
        [agentSecretEnvName(AGENT)]: AGENT_KEY,
        TOKEN_SECRET,
        DATABASE_URL: dbUrl,
        DATABASE_POOL_SIZE: String(DB_POOL),
        // All players share 127.0.0.1 here; in production each has its own address.
        RATE_LIMIT_IP_PER_MIN: '100000000',
        RATE_LIMIT_WALLET_PER_MIN: '100000000',
        LOG_LEVEL: 'error',
        TASK_ID: 'bench',
      },
      async (u) => (await request(`${u}/health`)).body.text().then(() => true),
      gwUrl,
      gatewayNodeArgs,
    );
    children.push(gateway);
    if (inspectPort !== undefined) {
      profiler = await RemoteProfiler.connect(`http://127.0.0.1:${inspectPort}`);
    }
    stops.push(...(await startEchoAgents(gwUrl)));
    const t0 = performance.now();
    const created = await createPlayers(dbUrl, maxPlayers);
    await inBatches(
      created.map((c, i) => ({ c, i })),
      50,
      async ({ c, i }) => {
        players.push(await openPlayer(gwUrl, i, c));
      },
    );
    players.sort((a, b) => a.index - b.index);
    console.log(
      `set up ${players.length} players (session, thread, open event stream) in ${Math.round(performance.now() - t0)} ms`,
    );

    const basePort = await freePort();
    const baseUrl = `http://127.0.0.1:${basePort}`;
    const baseline = await spawnProcess(
      path.join(__dirname, 'baseline-server.ts'),
      { PORT: String(basePort), DATABASE_URL: dbUrl, DATABASE_POOL_SIZE: String(DB_POOL) },
      async (u) => (await request(`${u}/insert`, { method: 'POST' })).body.text().then(() => true),
      baseUrl,
    );
    children.push(baseline);
    const pids = { gateway: gateway.pid, baseline: baseline.pid };

    const rows = [];
    for (const n of PLAYER_COUNTS) {
      const subset = players.slice(0, n);
      const phase = async (name: string, run: () => Promise<PhaseResult>) => {
        Object.assign(counters, { shed: 0, resets: 0, agentRetries: 0 });
        lost.length = 0;
        Object.assign(stages, { n: 0, post: 0, toAgent: 0, echo: 0, toStream: 0 });
        const before = await usage(pids, db);
        const started = performance.now();
        const result = await run();
        const after = await usage(pids, db, before);
        const s = stats(result);
        // Per unit completed over the whole phase, as the CPU figures are.
        const dbWork = dbPerUnit(before, after, result.total);
        console.log(
          `  ${n} players, ${name}: ${result.count} measured, ${round(s.perSec)}/s, p50 ${round(s.p50)} ms, p99 ${round(s.p99)} ms; lost ${lossReport()}; 503/429 retried ${counters.shed}, resets ${counters.resets}, agent sends retried ${counters.agentRetries}; ${cpuPercent(before, after, performance.now() - started)}; load ${loadavg()[0]?.toFixed(2)}; ${dbReport(dbWork)}${stageReport()}`,
        );
        // CPU ms each party spent per completed round trip (or insert) over the whole phase.
        const perUnit = (k: (typeof PARTIES)[number]) =>
          round(((after[k].run - before[k].run) * 1000) / Math.max(1, result.total));
        // Kernel share of the server's CPU (system calls, the loopback TCP stack), in %.
        const kernelPct = (k: 'gateway' | 'baseline') => {
          const sys = after.split[k].sys - before.split[k].sys;
          const all = sys + after.split[k].user - before.split[k].user;
          return all > 0 ? Math.round((sys / all) * 100) : NaN;
        };
        const cpuMs = {
          gateway: perUnit('gateway'),
          gatewayKernelPct: kernelPct('gateway'),
          baseline: perUnit('baseline'),
          baselineKernelPct: kernelPct('baseline'),
          // The gateway's CPU per second of the phase: in a baseline phase, its background.
          gatewayMsPerSec: round(
            ((after.gateway.run - before.gateway.run) * 1e6) / (performance.now() - started),
          ),
          client: perUnit('bench'),
          postgres: round((after.postgres.run * 1000) / Math.max(1, result.total)),
        };
        return { ...s, lost: lost.length, cpuMs, db: dbWork };
      };
      /** Runs a gateway phase, under the profiler when there is one. */
      const profiled = async <T>(name: string, run: () => Promise<T>): Promise<T> => {
        if (!profiler) return run();
        await profiler.start();
        const result = await run();
        const taken = await profiler.stop();
        const file = path.join(PROFILE_DIR, `${name.replace(/ /g, '-')}-${n}-players.cpuprofile`);
        writeFileSync(file, JSON.stringify(taken));
        profiles.push({
          players: n,
          phase: name,
          file: path.relative(ROOT, file),
          ...summariseProfile(taken, ROOT),
        });
        return result;
      };
      const open = await profiled('gateway open loop', () =>
        phase('gateway open loop', () => openLoop(subset, (p) => roundTrip(gwUrl, p))),
      );
      // The gateway meanwhile holds its streams and agent connections and does nothing else:
      // its profile here is the background every round trip's CPU figure carries.
      const openBase = await profiled('gateway idle in baseline open loop', () =>
        phase('baseline open loop', () => openLoop(subset, (p) => insertOnce(baseUrl, p))),
      );
      const sat = await profiled('gateway saturation', () =>
        phase('gateway saturation', () => closedLoop(subset, (p) => roundTrip(gwUrl, p))),
      );
      const satBase = await phase('baseline saturation', () =>
        closedLoop(subset, (p) => insertOnce(baseUrl, p)),
      );
      const ratio = (a: number, b: number) => Math.round((a / b) * 100) / 100;
      rows.push({
        players: n,
        // The headline of issue 18: gateway CPU per round trip against the baseline's CPU per
        // insert, both at the realistic rate (open loop), same run; target ≤ CPU_RATIO_TARGET.
        cpuMsPerRoundTrip: open.cpuMs.gateway,
        cpuMsPerBaselineInsert: openBase.cpuMs.baseline,
        cpuRatio: ratio(open.cpuMs.gateway, openBase.cpuMs.baseline),
        cpuRatioTarget: CPU_RATIO_TARGET,
        // Throughput and ratio: saturation phase (closed loop, every player always waiting).
        msgsPerSec: round(sat.perSec),
        baselineMsgsPerSec: round(satBase.perSec),
        ratio: ratio(sat.perSec, satBase.perSec),
        // A round trip stores two messages (the player's and the reply) with the insert the
        // baseline does once per request: the same ratio counted per stored message.
        storedMsgsPerSec: round(2 * sat.perSec),
        storedRatio: ratio(2 * sat.perSec, satBase.perSec),
        // Latency: open-loop phase at the realistic offered load (players / PERIOD_MS). With an
        // instant agent the whole round trip is the time the gateway adds.
        offeredPerSec: round(open.perSec),
        p50Ms: round(open.p50),
        p95Ms: round(open.p95),
        p99Ms: round(open.p99),
        p99TargetMs: P99_TARGET_MS,
        lost: open.lost + sat.lost,
        baselineP99Ms: round(openBase.p99),
        saturationP50Ms: round(sat.p50),
        saturationP99Ms: round(sat.p99),
        // Database transactions committed per round trip / per baseline insert (open loop).
        dbTransactionsPerRoundTrip: open.db.transactions,
        dbTransactionsPerBaselineInsert: openBase.db.transactions,
        // Every party's CPU per unit, at the realistic rate and at saturation.
        cpuMs: {
          roundTrip: open.cpuMs,
          baselineInsert: openBase.cpuMs,
          saturationRoundTrip: sat.cpuMs,
          saturationBaselineInsert: satBase.cpuMs,
          saturationRatio: ratio(sat.cpuMs.gateway, satBase.cpuMs.baseline),
        },
        db: {
          roundTrip: open.db,
          baselineInsert: openBase.db,
          saturationRoundTrip: sat.db,
          saturationBaselineInsert: satBase.db,
        },
      });
    }
    console.table(
      rows.map((r) => ({
        players: r.players,
        'gw cpu ms/rt': r.cpuMsPerRoundTrip,
        'base cpu ms/ins': r.cpuMsPerBaselineInsert,
        [`cpu ratio (≤${CPU_RATIO_TARGET})`]: r.cpuRatio,
        'sat cpu ratio': r.cpuMs.saturationRatio,
        'rt/s': r.msgsPerSec,
        'ins/s': r.baselineMsgsPerSec,
        'rt/ins': r.ratio,
        'stored/ins': r.storedRatio,
        'p50 ms': r.p50Ms,
        'p95 ms': r.p95Ms,
        [`p99 ms (≤${P99_TARGET_MS})`]: r.p99Ms,
        'db xact/rt': r.dbTransactionsPerRoundTrip,
        'db xact/ins': r.dbTransactionsPerBaselineInsert,
        lost: r.lost,
      })),
    );
    console.table(
      rows.map((r) => ({
        players: r.players,
        'gateway cpu ms/round trip': r.cpuMs.roundTrip.gateway,
        'client cpu ms/round trip': r.cpuMs.roundTrip.client,
        'postgres cpu ms/round trip': r.cpuMs.roundTrip.postgres,
        'baseline cpu ms/insert': r.cpuMs.baselineInsert.baseline,
        'client cpu ms/insert': r.cpuMs.baselineInsert.client,
        'postgres cpu ms/insert': r.cpuMs.baselineInsert.postgres,
        'gateway kernel %': r.cpuMs.roundTrip.gatewayKernelPct,
        'gateway idle ms/s': r.cpuMs.baselineInsert.gatewayMsPerSec,
        'baseline kernel %': r.cpuMs.baselineInsert.baselineKernelPct,
        'sat gateway ms/rt': r.cpuMs.saturationRoundTrip.gateway,
        'sat baseline ms/ins': r.cpuMs.saturationBaselineInsert.baseline,
      })),
    );
    console.log(
      'cpu ratio, p50/p95/p99 (round trip with an instant agent: what the gateway adds), db xact and CPU per unit: open loop at the realistic rate; rt/s, ins/s and their ratios (per round trip, per stored message), sat cpu ratio: saturation (closed loop).',
    );
    report = { loadAverage: loadavg(), cpus: cpus().length, rows };
  } finally {
    profiler?.close();
    for (const p of players) p.close();
    await Promise.all(stops.map((s) => s()));
    for (const c of children.reverse()) await stop(c);
    await monitor?.end();
    if (dbName) await dropDatabase(postgres.adminUrl, dbName).catch(() => undefined);
    await postgres.release();
  }
  for (const p of profiles) {
    console.log(
      `gateway CPU profile of the ${p.phase} phase, ${p.players} players (${p.file}): ${p.busyMs} ms busy; top self time`,
    );
    console.table(p.byFunction.map((f) => ({ function: f.name, ms: f.selfMs, '%': f.pct })));
    console.table(p.byPackage.map((f) => ({ package: f.name, ms: f.selfMs, '%': f.pct })));
  }
  const last = profiles.filter((p) => p.phase === 'gateway open loop').at(-1);
  // `top`: the open loop of the largest player count (the phase the CPU ratio is taken in);
  // every profiled phase in `phases`.
  const profile = last
    ? {
        wholeRunDir: path.relative(ROOT, PROFILE_DIR),
        players: last.players,
        busyMs: last.busyMs,
        top: { byFunction: last.byFunction, byPackage: last.byPackage },
        phases: profiles,
      }
    : undefined;
  const out = path.join(ROOT, 'reports/bench/gateway.json');
  mkdirSync(path.dirname(out), { recursive: true });
  writeFileSync(
    out,
    `${JSON.stringify({ ...report, ...(profile ? { profile } : {}) }, null, 2)}\n`,
  );
  console.log(
    `wrote ${path.relative(ROOT, out)}; load average ${loadavg()
      .map((x) => x.toFixed(2))
      .join(' ')}`,
  );
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
