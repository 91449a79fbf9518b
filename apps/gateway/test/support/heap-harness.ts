// A gateway in a process of its own with `gc` exposed, for the memory test (test/bounded-memory):
// agents connected over MCP, players opening a thread, posting a message (the agent never
// answers, so each thread also holds an unread mention) and closing it, thousands of times; the
// heap is measured after a full GC once warm and again after the rest. Prints one JSON line.
// Env: DATABASE_URL, PORT; HARNESS_WARMUP, HARNESS_THREADS (threads after the warm-up).
import { getHeapSpaceStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { loadConfig } from '../../src/config';
import { createServer } from '../../src/server';
import { connectRoster } from './agents';
import { agentSecretOf, testEnv } from './gateway';
import { newWallet, request, signIn } from './wallet';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const WORKERS = 8;
const OPS_TOKEN = 'heap-harness-ops-token-0123456789';
const GRACE_MS = 50;

async function main(): Promise<void> {
  const env = process.env;
  const config = loadConfig(
    testEnv(env['DATABASE_URL'] ?? '', {
      PORT: env['PORT'] ?? '0',
      TASK_ID: 'heap-harness',
      CLOSED_THREAD_GRACE_MS: String(GRACE_MS),
      RATE_LIMIT_IP_PER_MIN: '10000000',
      RATE_LIMIT_WALLET_PER_MIN: '10000000',
      LOG_LEVEL: 'warn',
      OPS_TOKEN,
    }),
  );
  const server = await createServer(config);
  const url = await server.listen();
  const agents = await connectRoster(
    url,
    agentSecretOf,
    ['pool-0', 'pool-1'],
    ['agent-a', 'agent-b'],
  );
  const players = await Promise.all(
    Array.from({ length: WORKERS }, async () => {
      const token = await signIn(url, newWallet());
      const s = await request('POST', `${url}/api/sessions`, { token });
      if (s.status !== 200) throw new Error(`session: ${s.status} ${JSON.stringify(s.json)}`);
      return token;
    }),
  );

  let seq = 0;
  const cycle = async (token: string, count: number) => {
    for (let i = 0; i < count; i++) {
      const t = await request('POST', `${url}/api/threads`, {
        token,
        body: { agentId: 'agent-a' },
      });
      if (t.status !== 201) throw new Error(`thread: ${t.status} ${JSON.stringify(t.json)}`);
      const id = t.json.threadId as string;
      seq += 1;
      const m = await request('POST', `${url}/api/threads/${id}/messages`, {
        token,
        body: { content: `hello ${seq} ${'x'.repeat(200)}`, clientMessageId: `m${seq}` },
      });
      if (m.status !== 202) throw new Error(`post: ${m.status} ${JSON.stringify(m.json)}`);
      const d = await request('DELETE', `${url}/api/threads/${id}`, { token });
      if (d.status !== 200) throw new Error(`delete: ${d.status} ${JSON.stringify(d.json)}`);
    }
  };
  const run = (total: number) =>
    Promise.all(players.map((token) => cycle(token, Math.ceil(total / WORKERS))));

  const held = async () => {
    const health = await request('GET', `${url}/health`, { token: OPS_TOKEN });
    return (health.json.pools as Array<{ heldThreads: number }>).reduce(
      (n, p) => n + p.heldThreads,
      0,
    );
  };
  const measure = async () => {
    // Closed threads leave the buses after their grace: wait until none is held (a busy machine
    // runs the grace timers late), then collect.
    const deadline = Date.now() + 30_000;
    while ((await held()) > 0) {
      if (Date.now() > deadline) throw new Error(`threads still held after 30 s: ${await held()}`);
      await new Promise((resolve) => setTimeout(resolve, GRACE_MS));
    }
    gc();
    gc();
    // Data only: code the JIT compiles late (more so on a busy machine) is not a leak.
    return getHeapSpaceStatistics()
      .filter((space) => !space.space_name.startsWith('code'))
      .reduce((sum, space) => sum + space.space_used_size, 0);
  };

  const warmup = Number(env['HARNESS_WARMUP'] ?? 300);
  const threads = Number(env['HARNESS_THREADS'] ?? 2000);
  await run(warmup);
  const warm = await measure();
  await run(threads);
  const after = await measure();
  const health = await request('GET', `${url}/health`);
  const activeThreads = (health.json.pools as Array<{ activeThreads: number }>).reduce(
    (n, p) => n + p.activeThreads,
    0,
  );
  process.stdout.write(
    `${JSON.stringify({
      warmup,
      threads,
      heapWarm: warm,
      heapAfter: after,
      bytesPerClosedThread: (after - warm) / threads,
      activeThreads,
    })}\n`,
  );
  await Promise.all(agents.map((a) => a.close()));
  await server.close();
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
