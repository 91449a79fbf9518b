// `npx nx run gateway:bench`: round-trip throughput and latency of the gateway with N concurrent
// players (each with a thread and an open event stream) talking to instant echo agents connected
// over MCP, against a bare Fastify route doing the same database insert, in the same run.
// Writes reports/bench/gateway.json and prints a table. Not a test: numbers, not assertions.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';
import { CoralToolClient, buildCoralSseUrl } from '@pardon/coral';
import {
  acquirePostgres,
  createMigratedTemplate,
  dropDatabase,
  freePort,
  withDatabase,
} from '@pardon/test-env';
import { createHashRing, poolIds } from '@pardon/pooling';
import pg from 'pg';
import nacl from 'tweetnacl';
import { Agent, request, setGlobalDispatcher } from 'undici';
import { issueToken } from '../src/lib/tokens';
import { encodeBase58 } from '../src/lib/wallet';

const ROOT = path.resolve(__dirname, '../../..');
const PLAYER_COUNTS = (process.env.BENCH_PLAYERS ?? '1000,2000').split(',').map(Number);
const DURATION_MS = Number(process.env.BENCH_DURATION_MS ?? 15_000);
const WARMUP_MS = Number(process.env.BENCH_WARMUP_MS ?? 5_000);
const POOLS = 5;
const AGENT = 'echo';
const AGENT_KEY = 'bench-agent-key-000000';
const DB_POOL = Number(process.env.BENCH_DB_POOL ?? 40);
const TOKEN_SECRET = 'bench-token-secret-0123456789abcdef';

setGlobalDispatcher(new Agent({ connections: null, pipelining: 1, keepAliveTimeout: 60_000 }));

interface Player {
  wallet: string;
  token: string;
  threadId: string;
  pending: ((at: number) => void) | undefined;
  close(): void;
}

const debug = { toAgent: [] as number[], sendDur: [] as number[], sendRetries: 0, lost: 0 };
const avg = (xs: number[]) => Math.round(xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length));

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const idx = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return sorted[Math.max(0, idx)] ?? NaN;
}

async function spawnProcess(
  file: string,
  env: Record<string, string>,
  ready: (url: string) => Promise<boolean>,
  url: string,
): Promise<ChildProcess> {
  const extra =
    file.endsWith('main.ts') && process.env.BENCH_GATEWAY_NODE_ARGS
      ? process.env.BENCH_GATEWAY_NODE_ARGS.split(' ')
      : [];
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

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  await new Promise<void>((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
    setTimeout(() => child.kill('SIGKILL'), 30_000).unref();
  });
}

let shed = 0;
let resets = 0;

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
      resets++;
      continue;
    }
    if (res.statusCode < 300) return;
    if (res.statusCode !== 503 && res.statusCode !== 429)
      throw new Error(`POST ${url}: ${res.statusCode} ${text}`);
    shed++;
    await new Promise((r) => setTimeout(r, 200 + Math.random() * 300));
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

async function openPlayer(
  base: string,
  p: { wallet: string; token: string; threadId: string },
): Promise<Player> {
  const { wallet, token, threadId } = p;
  const player: Player = { wallet, token, threadId, pending: undefined, close: () => undefined };
  const controller = new AbortController();
  const res = await request(`${base}/api/threads/${threadId}/events`, {
    headers: { authorization: `Bearer ${token}` },
    signal: controller.signal,
  });
  player.close = () => controller.abort();
  let buffer = '';
  res.body.on('data', (chunk: Buffer) => {
    buffer += chunk.toString('utf8');
    let idx: number;
    while ((idx = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, idx);
      buffer = buffer.slice(idx + 2);
      const data = block.split('\n').find((l) => l.startsWith('data: '));
      if (!data) continue;
      const m = JSON.parse(data.slice(6)) as { senderId: string };
      if (m.senderId === AGENT) player.pending?.(performance.now());
    }
  });
  res.body.on('error', () => undefined);
  return player;
}

/** Sends the echo, retrying a refused send (e.g. `persist_failed` while the database is saturated). */
async function echo(
  tools: CoralToolClient,
  threadId: string,
  content: string,
  to: string,
): Promise<void> {
  const ts = performance.now();
  for (let attempt = 0; attempt < 30; attempt++) {
    const r = await tools
      .sendMessage({ threadId, content: `echo: ${content}`, mentions: [to] })
      .catch(() => undefined);
    if (r?.result === 'send_message_success') {
      debug.sendDur.push(performance.now() - ts);
      return;
    }
    debug.sendRetries++;
    await new Promise((res) => setTimeout(res, 200 + Math.random() * 300));
  }
}

async function startEchoAgents(base: string): Promise<Array<() => Promise<void>>> {
  const stops: Array<() => Promise<void>> = [];
  for (let p = 0; p < POOLS; p++) {
    const transport = new SSEClientTransport(
      buildCoralSseUrl({
        baseUrl: base,
        applicationId: 'bench',
        privacyKey: 'bench',
        sessionId: `pool-${p}`,
        agentId: AGENT,
      }),
      { requestInit: { headers: { authorization: `Bearer ${AGENT_KEY}` } } },
    );
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
          const at = m.content.split('@')[1];
          if (at) debug.toAgent.push(performance.now() - Number(at));
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

/** Closed loop: each player sends, waits for the echo on its stream, sends again. */
async function runGatewayLoad(
  base: string,
  players: Player[],
): Promise<{ count: number; latencies: number[]; ms: number }> {
  const latencies: number[] = [];
  let count = 0;
  let measuring = false;
  const start = performance.now();
  let measureStart = 0;
  const endAt = start + WARMUP_MS + DURATION_MS;
  setTimeout(() => {
    measuring = true;
    measureStart = performance.now();
  }, WARMUP_MS);
  await Promise.all(
    players.map(async (p, i) => {
      let k = 0;
      while (performance.now() < endAt) {
        const t0 = performance.now();
        const echoed = new Promise<number>((resolve) => (p.pending = resolve));
        await sendWithRetry(
          `${base}/api/threads/${p.threadId}/messages`,
          { content: `m${i}-${k}@${t0}`, clientMessageId: `b-${i}-${k++}` },
          p.token,
        );
        // A reply that never comes (it should not) must not hang the bench: give up after 60 s.
        const t1 = await Promise.race([
          echoed,
          new Promise<number>((res) => setTimeout(() => res(-1), 60_000)),
        ]);
        if (t1 < 0) {
          debug.lost++;
          continue;
        }
        p.pending = undefined;
        if (measuring && t1 <= endAt) {
          latencies.push(t1 - t0);
          count++;
        }
      }
    }),
  );
  return { count, latencies, ms: endAt - measureStart };
}

async function runBaselineLoad(
  base: string,
  players: Player[],
): Promise<{ count: number; ms: number }> {
  let count = 0;
  let measuring = false;
  let measureStart = 0;
  const endAt = performance.now() + WARMUP_MS + DURATION_MS;
  setTimeout(() => {
    measuring = true;
    measureStart = performance.now();
  }, WARMUP_MS);
  await Promise.all(
    players.map(async (p, i) => {
      let k = 0;
      while (performance.now() < endAt) {
        await sendWithRetry(`${base}/insert`, {
          threadId: p.threadId,
          senderId: p.wallet,
          content: `m${i}-${k}`,
          clientMessageId: `base-${Date.now()}-${k++}`,
        });
        if (measuring && performance.now() <= endAt) count++;
      }
    }),
  );
  return { count, ms: endAt - measureStart };
}

async function main(): Promise<void> {
  const maxPlayers = Math.max(...PLAYER_COUNTS);
  console.log(
    `gateway bench: players ${PLAYER_COUNTS.join(', ')}, ${DURATION_MS} ms each after ${WARMUP_MS} ms warm-up`,
  );
  const pg = await acquirePostgres();
  const children: ChildProcess[] = [];
  let dbName: string | undefined;
  const stops: Array<() => Promise<void>> = [];
  const players: Player[] = [];
  try {
    dbName = await createMigratedTemplate(pg.adminUrl);
    const dbUrl = withDatabase(pg.adminUrl, dbName);
    const gwPort = await freePort();
    const gwUrl = `http://127.0.0.1:${gwPort}`;
    children.push(
      await spawnProcess(
        path.join(ROOT, 'apps/gateway/src/main.ts'),
        {
          PORT: String(gwPort),
          HOST: '127.0.0.1',
          POOL_COUNT: String(POOLS),
          POOL_CAPACITY: String(Math.ceil(maxPlayers / POOLS) * 2),
          REQUIRED_AGENTS: AGENT,
          AGENT_API_KEY: AGENT_KEY,
          TOKEN_SECRET,
          DATABASE_URL: dbUrl,
          DATABASE_POOL_SIZE: String(DB_POOL),
          RATE_LIMIT_IP_PER_MIN: '100000000',
          RATE_LIMIT_WALLET_PER_MIN: '100000000',
          LOG_LEVEL: 'error',
          TASK_ID: 'bench',
        },
        async (u) => (await request(`${u}/health`)).body.text().then(() => true),
        gwUrl,
      ),
    );
    stops.push(...(await startEchoAgents(gwUrl)));
    const t0 = performance.now();
    const created = await createPlayers(dbUrl, maxPlayers);
    await inBatches(created, 100, async (p) => {
      players.push(await openPlayer(gwUrl, p));
    });
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

    const rows = [];
    for (const n of PLAYER_COUNTS) {
      const subset = players.slice(0, n);
      const g = await runGatewayLoad(gwUrl, subset);
      const b = await runBaselineLoad(baseUrl, subset);
      const sorted = g.latencies.sort((x, y) => x - y);
      const msgsPerSec = (g.count / g.ms) * 1000;
      const baselineMsgsPerSec = (b.count / b.ms) * 1000;
      const round = (x: number) => Math.round(x * 100) / 100;
      rows.push({
        players: n,
        msgsPerSec: round(msgsPerSec),
        p50Ms: round(percentile(sorted, 50)),
        p95Ms: round(percentile(sorted, 95)),
        p99Ms: round(percentile(sorted, 99)),
        baselineMsgsPerSec: round(baselineMsgsPerSec),
        ratio: round(msgsPerSec / baselineMsgsPerSec),
      });
      console.log(
        `  ${n} players: ${g.count} round trips; mean ms player send → agent has it ${avg(debug.toAgent)}, agent send call ${avg(debug.sendDur)}; 503/429 retried ${shed}; connection resets retried ${resets}; agent sends retried ${debug.sendRetries}; replies not seen in 60 s ${debug.lost}`,
      );
      shed = 0;
      resets = 0;
      debug.sendRetries = 0;
      debug.lost = 0;
      debug.toAgent.length = 0;
      debug.sendDur.length = 0;
    }
    console.table(rows);
    const out = path.join(ROOT, 'reports/bench/gateway.json');
    mkdirSync(path.dirname(out), { recursive: true });
    writeFileSync(out, `${JSON.stringify(rows, null, 2)}\n`);
    console.log(`wrote ${path.relative(ROOT, out)}`);
  } finally {
    for (const p of players) p.close();
    await Promise.all(stops.map((s) => s()));
    for (const c of children.reverse()) await stop(c);
    if (dbName) await dropDatabase(pg.adminUrl, dbName).catch(() => undefined);
    await pg.release();
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
