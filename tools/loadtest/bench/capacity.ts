// `npm run capacity`: the largest number of concurrent players one task (one gateway, six agents,
// a cron-worker, on this machine) serves within the design's targets, for 5 and 10 pools, next to
// the design's sizing and libs/pooling's predictions. Writes docs/capacity.md and
// reports/bench/capacity.json; each step's load-test report goes to reports/load-tests/.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SingleBar } from 'cli-progress';
import { Command } from 'commander';
import { REPO_ROOT, startTopology, type Topology } from '@pardon/topology';
import {
  capacityOf,
  nextPlayers,
  predict,
  renderCapacityDoc,
  type CapacityRun,
  type PoolCountResult,
  type Prediction,
  type SearchPlan,
  type StepRecord,
} from '../src/lib/capacity';
import { parseDuration } from '../src/lib/duration';
import { DEFAULT_MIX } from '../src/lib/mix';
import { parseRange } from '../src/lib/options';
import { writeReports } from '../src/lib/reports';
import { runLoadTest, type Summary } from '../src/lib/runner';
import { DESIGN_TARGETS } from '../src/lib/verdict';

/** The agents' default (apps/agents README): concurrent replies per agent per pool. */
const AGENT_CONCURRENCY = 4;
const POOL_CAPACITY = 30;
const AGENTS = 6;

function meanLatencyMs(spec: string): number {
  const parts = spec.split(':');
  if (parts.length === 1) return Number(parts[0]);
  const [kind, a, b] = parts;
  if (kind === 'fixed' || kind === 'lognormal') return Number(a); // lognormal: its median
  if (kind === 'uniform') return (Number(a) + Number(b)) / 2;
  throw new RangeError(`unknown latency spec ${spec}`);
}

function stepRecord(summary: Summary, report: string): StepRecord {
  const totals = summary.pools.samples.map((s) =>
    Object.values(s.activeThreads).reduce((a, b) => a + b, 0),
  );
  // Mean over the sustain phase only: the ramp-up would dilute it.
  const sustainFrom = summary.config.phases.rampUpMs / 1000;
  const sustained = summary.pools.samples
    .filter((s) => s.tS >= sustainFrom)
    .map((s) => Object.values(s.activeThreads).reduce((a, b) => a + b, 0));
  return {
    players: summary.config.players,
    pass: summary.verdict.pass,
    failed: summary.verdict.checks.filter((c) => !c.pass).map((c) => c.name),
    p50Ms: summary.latency.p50Ms,
    p95Ms: summary.latency.p95Ms,
    p99Ms: summary.latency.p99Ms,
    errorRate: summary.errorRate,
    errorsByKind: summary.errorsByKind,
    repliesPerS: summary.throughput.repliesPerS,
    messagesPerS: summary.throughput.messagesPerS,
    peakThreads: Math.max(0, ...totals),
    meanThreads: sustained.length
      ? Math.round((sustained.reduce((a, b) => a + b, 0) / sustained.length) * 10) / 10
      : 0,
    report: path.relative(REPO_ROOT, report),
  };
}

/** The task being measured, stopped on Ctrl-C or SIGTERM so that no process outlives the script. */
let current: Topology | undefined;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    console.error(`\n${signal}: stopping the topology`);
    void (current?.stop() ?? Promise.resolve()).finally(() => process.exit(130));
  });
}

async function main(): Promise<void> {
  const program = new Command('capacity')
    .description('Steps the load on one local task until it misses the design targets.')
    .option('--pools <list>', 'pool counts to measure', '5,10')
    .option('--start <n>', 'first load (players)', '50')
    .option('--step <n>', 'load added per step', '50')
    .option('--max <n>', 'highest load tried', '400')
    .option('--refine <n>', 'bisection steps after the first failure', '1')
    .option('--confirm <n>', 'extra attempts at a failing load (passes if any attempt passes)', '1')
    .option('--warmup <d>', 'unjudged warm-up run after the task starts', '20s')
    .option('--step-duration <d>', 'length of each step', '75s')
    .option('--ramp-up <d>', 'ramp-up within each step', '15s')
    .option(
      '--agent-latency <spec>',
      'AGENT_LATENCY_MS of the agents (the simulated LLM)',
      'fixed:1500',
    )
    .option('--think <min:max>', 'pause between a player’s messages', '5s:10s')
    .option('--messages <n>', 'messages per thread and visit', '3')
    .option(
      '--doc <file>',
      'where the Markdown report goes',
      path.join(REPO_ROOT, 'docs/capacity.md'),
    )
    .option(
      '--json <file>',
      'where the JSON goes',
      path.join(REPO_ROOT, 'reports/bench/capacity.json'),
    )
    .option('--seed <s>', 'seed of the players', 'capacity')
    .option('--render <json>', "only rewrite --doc from an earlier run's JSON (no load)");
  program.parse(process.argv);
  const o = program.opts<Record<string, string>>();
  if (o.render) {
    const saved = JSON.parse(readFileSync(o.render, 'utf8')) as CapacityRun & {
      predictions: Record<string, Prediction>;
    };
    const predictions = new Map(
      Object.entries(saved.predictions).map(([pools, p]) => [Number(pools), p] as const),
    );
    await writeDoc(o.doc as string, renderCapacityDoc(saved, predictions));
    console.log(`wrote ${path.relative(REPO_ROOT, o.doc as string)} from ${o.render}`);
    return;
  }
  const plan: SearchPlan = {
    start: Number(o.start),
    step: Number(o.step),
    max: Number(o.max),
    refine: Number(o.refine),
    confirm: Number(o.confirm),
  };
  const stepMs = parseDuration(o.stepDuration as string);
  const rampUpMs = parseDuration(o.rampUp as string);
  const think = parseRange(o.think as string);
  const messages = Number(o.messages);
  const poolCounts = (o.pools as string).split(',').map(Number);
  const agentLatency = o.agentLatency as string;
  const command = `npm run capacity -- ${process.argv.slice(2).join(' ')}`.trim();

  const startedAt = new Date().toISOString();
  const loadBefore = os.loadavg();
  const results: PoolCountResult[] = [];
  const measuredRates: number[] = [];
  for (const pools of poolCounts) {
    console.log(`\n== ${pools} pools: starting one task (agents at ${agentLatency}) ==`);
    const topo = await startTopology({
      pools,
      agentLatency,
      logLevel: 'warn',
      // Through the balancer with the default rate limits: each virtual player has its own
      // loopback address (the load test's playerSourceAddress), as real players have their own.
      proxy: true,
      env: {
        gateway: { POOL_CAPACITY: String(POOL_CAPACITY) },
        agents: { AGENT_CONCURRENCY: String(AGENT_CONCURRENCY) },
      },
    });
    current = topo;
    const steps: StepRecord[] = [];
    const configFor = (players: number, phases: { rampUpMs: number; sustainMs: number }) => ({
      url: topo.url,
      players,
      phases: { ...phases, rampDownMs: 0 },
      mix: { ...DEFAULT_MIX },
      thinkMs: think,
      messagesPerConversation: messages,
      replyTimeoutMs: 10_000,
      requestTimeoutMs: 10_000,
      maxRequests: players * Math.ceil((phases.rampUpMs + phases.sustainMs) / 1000) * 5 + 1000,
      returningWallets: players * 2,
      seed: `${o.seed}-${pools}`,
      bucketMs: 5000,
      healthIntervalMs: 2000,
      targets: { ...DESIGN_TARGETS },
    });
    try {
      // JIT, connection pools and PostgreSQL caches warm up on a small unjudged load first.
      const warmupMs = parseDuration(o.warmup as string);
      if (warmupMs > 0) {
        const warm = await runLoadTest(
          configFor(Math.max(5, Math.round(plan.start / 5)), {
            rampUpMs: Math.round(warmupMs / 4),
            sustainMs: warmupMs - Math.round(warmupMs / 4),
          }),
        );
        console.log(
          `warm-up: ${warm.totals.replies} replies, p95 ${warm.latency.p95Ms} ms (not judged)`,
        );
        await drain(topo.url);
      }
      for (
        let players = nextPlayers(plan, steps);
        players !== undefined;
        players = nextPlayers(plan, steps)
      ) {
        const bar = new SingleBar({
          format: `${String(players).padStart(4)} players {bar} {value}/{total}s | req {requests} | p95 {p95} ms | errors {errors}`,
          noTTYOutput: true,
          notTTYSchedule: 15_000,
        });
        bar.start(Math.ceil(stepMs / 1000), 0, { requests: 0, p95: 0, errors: 0 });
        const summary = await runLoadTest(
          configFor(players, { rampUpMs, sustainMs: stepMs - rampUpMs }),
          {
            onProgress: (p) =>
              bar.update(Math.min(Math.ceil(stepMs / 1000), Math.floor(p.elapsedMs / 1000)), {
                requests: p.requests,
                p95: p.p95Ms,
                errors: p.errors,
              }),
          },
        );
        bar.stop();
        const dir = writeReports(summary, path.join(REPO_ROOT, 'reports/load-tests'));
        const record = stepRecord(summary, dir);
        steps.push(record);
        console.log(
          `${String(players).padStart(4)} players: ${record.pass ? 'pass' : `FAIL (${record.failed.join(', ')})`}` +
            ` p50 ${record.p50Ms} p95 ${record.p95Ms} p99 ${record.p99Ms} ms, errors ${(record.errorRate * 100).toFixed(2)} %` +
            ` ${JSON.stringify(record.errorsByKind)}, threads peak ${record.peakThreads}`,
        );
        // Let the previous step's threads close before the next one is judged.
        await drain(topo.url);
      }
    } finally {
      await topo.stop();
      current = undefined;
    }
    const capacity = capacityOf(steps);
    const best = steps.find((s) => s.players === capacity && s.pass);
    if (best && best.meanThreads > 0) measuredRates.push(best.messagesPerS / best.meanThreads);
    results.push({ pools, poolCapacity: POOL_CAPACITY, capacity, steps });
    console.log(`== ${pools} pools: capacity ${capacity} players ==`);
  }
  const messagesPerThreadPerSec = measuredRates.length
    ? measuredRates.reduce((a, b) => a + b, 0) / measuredRates.length
    : 1 / ((think.min + think.max) / 2 / 1000 + meanLatencyMs(agentLatency) / 1000);
  const predictions = new Map<number, Prediction>(
    poolCounts.map((pools) => [
      pools,
      predict(pools, {
        llmLatencyMs: meanLatencyMs(agentLatency),
        agentConcurrencyPerPool: AGENTS * AGENT_CONCURRENCY,
        messagesPerThreadPerSec,
      }),
    ]),
  );
  const run: CapacityRun = {
    startedAt,
    finishedAt: new Date().toISOString(),
    command,
    machine: {
      cpus: os.cpus().length,
      cpuModel: os.cpus()[0]?.model.trim() ?? 'unknown CPU',
      node: process.versions.node,
      loadBefore,
      loadAfter: os.loadavg(),
    },
    settings: {
      agentLatency,
      agentConcurrency: AGENT_CONCURRENCY,
      think: o.think as string,
      messagesPerConversation: messages,
      stepDuration: o.stepDuration as string,
      rampUp: o.rampUp as string,
      warmup: o.warmup as string,
      plan,
    },
    results,
  };
  mkdirSync(path.dirname(o.json as string), { recursive: true });
  writeFileSync(
    o.json as string,
    `${JSON.stringify({ ...run, predictions: Object.fromEntries(predictions) }, null, 2)}\n`,
  );
  mkdirSync(path.dirname(o.doc as string), { recursive: true });
  await writeDoc(o.doc as string, renderCapacityDoc(run, predictions));
  console.log('\n| pools | capacity | design | Erlang (defaults) | Erlang (this machine) |');
  for (const r of results) {
    const p = predictions.get(r.pools) as Prediction;
    console.log(
      `| ${r.pools} | ${r.capacity} | ${p.designPlayers} | ${p.erlangDefaultPlayers} | ${p.erlangMeasuredPlayers} |`,
    );
  }
  console.log(
    `wrote ${path.relative(REPO_ROOT, o.doc as string)} and ${path.relative(REPO_ROOT, o.json as string)}`,
  );
}

/** Writes the Markdown formatted as the repository's Prettier settings want it. */
async function writeDoc(file: string, markdown: string): Promise<void> {
  const prettier = await import('prettier');
  const options = (await prettier.resolveConfig(file)) ?? {};
  writeFileSync(file, await prettier.format(markdown, { ...options, filepath: file }));
}

/** Waits (up to 30 s) until the task reports no open thread. */
async function drain(url: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    try {
      const res = await fetch(`${url}/health`);
      const body = (await res.json()) as { pools: Array<{ activeThreads: number }> };
      if (body.pools.every((p) => p.activeThreads === 0)) return;
    } catch {
      // not answering yet: try again until the deadline
    }
    await new Promise((r) => setTimeout(r, 500));
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
