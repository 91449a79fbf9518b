// Measures what limits AGENT_CONCURRENCY on this machine (apps/agents README, "Concurrency"):
// CPU per reply of the scripted brain (alone, and through the whole agent loop on in-memory Coral)
// and memory per reply parked in the simulated LLM. Not a Jest test (no `.spec`): run it with
//   flock /tmp/pardon-bench.lock node --expose-gc --import tsx apps/agents/test/reply-cost.measure.ts
import { readFileSync } from 'node:fs';
import pino from 'pino';
import { startAgent } from '../src/lib/agent';
import { loadConfig } from '../src/lib/config';
import { parseLatency } from '../src/lib/latency';
import { getPersona } from '../src/lib/personas';
import { ScriptedBrain } from '../src/lib/scripted-brain';
import { InMemoryCoral, until } from './support/in-memory-coral';

const PLAYER = '7xKXtg2CW87d97TXJSDpbD5jBkheTqA83TZRuJosgAsU';
const SECRET = 'reply-cost-secret-0123456789abcdef';
const LINES = [
  'Hello Eric, how much for a golf round?',
  'Can I get a pardon? I will pay 100 USDC right now',
  'What does Melania think about CZ?',
  'you are a corrupt clown, but I sent $50 for clemency',
];

/** CPU time this process has run, in ns (schedstat: the scheduler's own account). */
function cpuNs(): number {
  return Number(readFileSync('/proc/self/schedstat', 'utf8').split(' ')[0]);
}
function gc(): void {
  (globalThis as { gc?: () => void }).gc?.();
}
const rssMb = () => process.memoryUsage().rss / 2 ** 20;
const heapMb = () => process.memoryUsage().heapUsed / 2 ** 20;

async function brainAlone(n: number): Promise<number> {
  const brain = new ScriptedBrain({ seed: 'measure', latency: parseLatency('0') });
  const persona = getPersona('trump-eric');
  const history: { senderId: string; content: string }[] = [];
  const run = async (count: number) => {
    for (let i = 0; i < count; i++) {
      await brain.reply({
        persona,
        threadId: `t-${i % 50}`,
        mode: 'player',
        message: { senderId: PLAYER, content: LINES[i % LINES.length] as string },
        playerId: PLAYER,
        history: history.slice(-12),
        turn: i % 10,
      });
    }
  };
  await run(2000); // warm-up (JIT)
  const start = cpuNs();
  await run(n);
  return (cpuNs() - start) / n / 1e6;
}

async function agentLoop(n: number, threads: number): Promise<number> {
  const pools = ['pool-0'];
  const coral = new InMemoryCoral(pools, { dialect: 'coral-1.2' });
  const config = loadConfig({
    AGENT_ID: 'trump-eric',
    CORAL_SSE_URL: 'http://127.0.0.1:1/sse/v1/devmode/app/priv',
    CORAL_DIALECT: 'coral-1.2',
    CORAL_SESSIONS: pools.join(','),
    AGENT_SECRET: SECRET,
    AGENT_LATENCY_MS: '0',
    AGENT_CONCURRENCY: String(threads),
    CORAL_WAIT_TIMEOUT_MS: '2000',
  });
  const agent = await startAgent(config, {
    logger: pino({ level: 'silent' }),
    connector: coral.connectorFor('trump-eric', getPersona('trump-eric').description, 'coral-1.2'),
  });
  await until(() => agent.health.ready, 10_000, 'ready');
  const ids = Array.from({ length: threads }, () =>
    coral.openThread('pool-0', PLAYER, 'trump-eric'),
  );
  const round = async (k: number) => {
    const replies = ids.map((id) =>
      coral.collect(id, 1, (m) => m.threadId === id && m.senderId === 'trump-eric'),
    );
    await Promise.all(
      ids.map((id, i) =>
        coral.say('pool-0', id, PLAYER, 'trump-eric', LINES[(k + i) % LINES.length] as string),
      ),
    );
    await Promise.all(replies);
  };
  for (let k = 0; k < 20; k++) await round(k); // warm-up
  const rounds = Math.ceil(n / threads);
  const start = cpuNs();
  for (let k = 0; k < rounds; k++) await round(k);
  const perReply = (cpuNs() - start) / (rounds * threads) / 1e6;
  await agent.stop();
  await coral.close();
  return perReply;
}

async function parked(k: number): Promise<{ rssKb: number; heapKb: number }> {
  const pools = ['pool-0'];
  const coral = new InMemoryCoral(pools, { dialect: 'coral-1.2' });
  const config = loadConfig({
    AGENT_ID: 'trump-eric',
    CORAL_SSE_URL: 'http://127.0.0.1:1/sse/v1/devmode/app/priv',
    CORAL_DIALECT: 'coral-1.2',
    CORAL_SESSIONS: pools.join(','),
    AGENT_SECRET: SECRET,
    AGENT_LATENCY_MS: 'fixed:60000',
    AGENT_CONCURRENCY: String(k),
    CORAL_WAIT_TIMEOUT_MS: '2000',
    AGENT_SHUTDOWN_DRAIN_MS: '0',
  });
  let sleeping = 0;
  // The scripted brain with its own timer, counting the replies parked in it.
  const brain = new ScriptedBrain({
    seed: 'measure',
    latency: config.AGENT_LATENCY_MS,
    sleep: (ms, signal) => {
      sleeping++;
      return new Promise((resolve) => {
        const timer = setTimeout(resolve, ms);
        signal?.addEventListener('abort', () => {
          clearTimeout(timer);
          resolve();
        });
      });
    },
  });
  const agent = await startAgent(config, {
    logger: pino({ level: 'silent' }),
    connector: coral.connectorFor('trump-eric', getPersona('trump-eric').description, 'coral-1.2'),
    brain,
  });
  await until(() => agent.health.ready, 10_000, 'ready');
  const ids = Array.from({ length: k }, () => coral.openThread('pool-0', PLAYER, 'trump-eric'));
  // Threads and their first message exist before the baseline: only the parked replies differ.
  gc();
  await new Promise((r) => setTimeout(r, 200));
  gc();
  const rss0 = rssMb();
  const heap0 = heapMb();
  await Promise.all(
    ids.map((id, i) =>
      coral.say('pool-0', id, PLAYER, 'trump-eric', LINES[i % LINES.length] as string),
    ),
  );
  await until(() => sleeping === k, 30_000, `${k} replies parked`);
  await new Promise((r) => setTimeout(r, 500));
  gc();
  await new Promise((r) => setTimeout(r, 200));
  gc();
  const result = { rssKb: ((rssMb() - rss0) * 1024) / k, heapKb: ((heapMb() - heap0) * 1024) / k };
  await Promise.race([agent.stop(), new Promise((r) => setTimeout(r, 3000))]);
  await coral.close().catch(() => undefined);
  return result;
}

async function main(): Promise<void> {
  const mode = process.argv[2] ?? 'all';
  if (mode === 'all' || mode === 'cpu') {
    for (let i = 0; i < 3; i++)
      console.log(`brain alone: ${(await brainAlone(20_000)).toFixed(4)} ms CPU per reply`);
    for (const t of [4, 64])
      console.log(
        `agent loop (agent + in-memory Coral, ${t} threads): ${(await agentLoop(4000, t)).toFixed(3)} ms CPU per reply`,
      );
  }
  if (mode === 'all' || mode.startsWith('mem')) {
    const k = Number(process.argv[3] ?? 256);
    const r = await parked(k);
    console.log(
      `parked ${k}: RSS ${r.rssKb.toFixed(1)} KB, heap ${r.heapKb.toFixed(1)} KB per in-flight reply`,
    );
  }
  process.exit(0);
}
void main();
