// `npm run capacity`: the largest number of concurrent players one task (one gateway, six agents,
// a cron-worker, on this machine) serves within the design's targets, with the players coming
// through the sticky balancer from their own addresses and the gateway's default rate limits, and
// where each component's CPU and memory go. Stops on the targets or on the CPU, never on
// admission. Writes docs/capacity.md and reports/bench/capacity.json; each step's load-test report
// goes to reports/load-tests/.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { SingleBar } from 'cli-progress';
import { Command } from 'commander';
import pg from 'pg';
import {
  AGENT_IDS,
  REPO_ROOT,
  RemoteProfiler,
  startTopology,
  summariseProfile,
  type Topology,
} from '@pardon/topology';
import { freePort } from '@pardon/test-env';
import {
  briskestPace,
  capacityOf,
  isSaturated,
  machineCoresOf,
  nextPlayers,
  projectTask,
  rampOvershoot,
  stoppedBy,
  sumCores,
  usageOf,
  visitMs,
  type Component,
  type SearchPlan,
  type StepRecord,
} from '../src/lib/capacity';
import { renderCapacityDoc, type CapacityRun } from '../src/lib/capacity-doc';
import { parseDuration } from '../src/lib/duration';
import { DEFAULT_MIX } from '../src/lib/mix';
import { referenceCpuMs } from '../src/lib/host-speed';
import { parseRange } from '../src/lib/options';
import { PG_STATEMENTS_SQL, topStatements, type PgStatementRow } from '../src/lib/pg-statements';
import { ProcSampler, parsePostmasterPid, type Sample, type Tracked } from '../src/lib/procfs';
import { writeReports } from '../src/lib/reports';
import { runLoadTest, type Summary } from '../src/lib/runner';
import { DESIGN_TARGETS } from '../src/lib/verdict';

/** `--gateway-node-args "--a --b=1"` → ['--a', '--b=1']. */
const splitArgs = (text: string | undefined): string[] => text?.split(/\s+/).filter(Boolean) ?? [];

/** The hand-kept profile findings for the document; none when the file is missing. */
function readFindings(file: string): string | undefined {
  return existsSync(file) ? readFileSync(file, 'utf8') : undefined;
}

/** Sustain-window replies and requests per second, from the run's 5 s timeline buckets. */
function sustainRates(summary: Summary, fromS: number, toS: number) {
  const buckets = summary.timeline.filter((b) => b.tS >= fromS && b.tS < toS);
  const seconds = Math.max(1, toS - fromS);
  return {
    repliesPerS: Number((buckets.reduce((a, b) => a + b.replies, 0) / seconds).toFixed(3)),
    requestsPerS: Number((buckets.reduce((a, b) => a + b.requests, 0) / seconds).toFixed(3)),
  };
}

function threadsOf(summary: Summary, fromS: number) {
  const total = (s: { activeThreads: Record<string, number> }) =>
    Object.values(s.activeThreads).reduce((a, b) => a + b, 0);
  const sustained = summary.pools.samples.filter((s) => s.tS >= fromS).map(total);
  return {
    peakThreads: Math.max(0, ...summary.pools.samples.map(total)),
    meanThreads: sustained.length
      ? Math.round((sustained.reduce((a, b) => a + b, 0) / sustained.length) * 10) / 10
      : 0,
  };
}

/** The processes measured: the task's, PostgreSQL's and this one (players and the balancer). */
function trackedOf(topo: Topology): Tracked[] {
  const task = topo.tasks[0] as Topology['tasks'][number];
  const postmaster = (): number | undefined => {
    if (!topo.postgres) return undefined;
    try {
      return parsePostmasterPid(
        readFileSync(path.join(topo.postgres.dataDir, 'postmaster.pid'), 'utf8'),
      );
    } catch {
      return undefined;
    }
  };
  return [
    { name: 'gateway', inTask: true, pid: () => task.gateway.pid },
    ...AGENT_IDS.map((id) => ({ name: id, inTask: true, pid: () => task.agents.get(id)?.pid })),
    { name: 'cron-worker', inTask: true, pid: () => topo.cronWorkers[0]?.pid },
    { name: 'postgres', inTask: false, pid: postmaster, withDescendants: true },
    { name: 'load generator', inTask: false, pid: () => process.pid },
  ];
}

/**
 * Statistics for the young tables, as a production database has them: until autovacuum's first
 * analyze (a minute or more into the run), the gateways' prepared statements keep the generic
 * plans they chose for empty tables (sequential scans), and the first step measured those: at
 * 1,000 players 940 buffer hits (0.9 ms) per message append and 42 ms per thread admission,
 * against 39 hits (0.24 ms) and 0.7 ms with the tables analysed after the warm-up.
 */
async function analyze(databaseUrl: string): Promise<void> {
  await withClient(databaseUrl, (client) => client.query('ANALYZE'));
}

async function withClient<T>(databaseUrl: string, run: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    return await run(client);
  } finally {
    await client.end();
  }
}

/**
 * The agent `--cpu-prof` profiles beside the gateway: the agents run the same code, and the one
 * players ask for first carries the most threads.
 */
const PROFILED_AGENT = 'trump-donald';

/** `--pg-statements`: PostgreSQL's statement counters, reset before each step and read after it. */
const statementCounters = {
  settings: { shared_preload_libraries: 'pg_stat_statements', 'pg_stat_statements.max': '1000' },
  install: (databaseUrl: string) =>
    withClient(databaseUrl, (c) => c.query('CREATE EXTENSION IF NOT EXISTS pg_stat_statements')),
  reset: (databaseUrl: string) =>
    withClient(databaseUrl, (c) => c.query('SELECT pg_stat_statements_reset()')),
  read: (databaseUrl: string) =>
    withClient(databaseUrl, async (c) => (await c.query<PgStatementRow>(PG_STATEMENTS_SQL)).rows),
};

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
    .description(
      'Steps the load on one local task until it misses the design targets or saturates the CPU.',
    )
    .option('--pools <n>', 'pools of the task', '5')
    .option('--loads <list>', 'loads tried in order (players)', '250,500,1000,1500,2000,2500')
    .option('--refine <n>', 'bisection steps after the first failure', '1')
    .option('--confirm <n>', 'extra attempts at a failing load (passes if any attempt passes)', '1')
    .option(
      '--pool-capacity <n>',
      "the gateway's POOL_CAPACITY (large: admission must not be the limit)",
      '100000',
    )
    .option('--agent-concurrency <n>', "the agents' AGENT_CONCURRENCY", '64')
    .option('--warmup <d>', 'unjudged warm-up run after the task starts', '20s')
    .option('--idle <d>', 'measure the components with no player for this long first', '10s')
    .option('--step-duration <d>', 'length of each step', '100s')
    .option(
      '--ramp-up <d>',
      'ramp-up within each step, at least a visit long (not judged: the steady state after it is)',
      '40s',
    )
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
    .option('--note <text>', 'a remark printed at the top of the document')
    .option(
      '--findings <file>',
      'the profile findings shown in the document (kept by hand)',
      path.join(REPO_ROOT, 'docs/capacity-findings.md'),
    )
    .option('--seed <s>', 'seed of the players', 'capacity')
    .option(
      '--pg-statements',
      "record PostgreSQL's costliest statements of each step (pg_stat_statements) in the JSON",
    )
    .option(
      '--gateway-node-args <args>',
      'Node options of the gateway, space-separated (e.g. "--max-semi-space-size=32"), to compare settings',
    )
    .option('--agent-node-args <args>', 'Node options of every agent, the same way')
    .option(
      '--cpu-prof',
      "profile the gateway over each step's sustain window (its inspector); the top frames go in the JSON, the profiles to reports/bench/profiles/",
    )
    .option('--render <json>', "only rewrite --doc from an earlier run's JSON (no load)")
    .option(
      '--rewrite-json',
      'with --render, also write the run with its figures derived again to --json',
    );
  program.parse(process.argv);
  const o = program.opts<Record<string, string>>();
  if (o.render) {
    const saved = JSON.parse(readFileSync(o.render, 'utf8')) as CapacityRun;
    // The figures are derived again from the steps, so a run drawn by a newer version gets its rules.
    const run = {
      ...saved,
      ...derived(saved.steps, saved.idle),
      ...(o.note ? { note: o.note } : {}),
    };
    await writeDoc(o.doc as string, renderCapacityDoc(run, readFindings(o.findings as string)));
    if (program.opts<{ rewriteJson?: boolean }>().rewriteJson) {
      writeFileSync(o.json as string, `${JSON.stringify(run, null, 2)}\n`);
    }
    console.log(`wrote ${path.relative(REPO_ROOT, o.doc as string)} from ${o.render}`);
    return;
  }
  const plan: SearchPlan = {
    loads: (o.loads as string).split(',').map(Number),
    refine: Number(o.refine),
    confirm: Number(o.confirm),
  };
  if (plan.loads.some((n) => !Number.isInteger(n) || n <= 0)) {
    throw new RangeError(`--loads must be positive integers, got ${o.loads}`);
  }
  const stepMs = parseDuration(o.stepDuration as string);
  const rampUpMs = parseDuration(o.rampUp as string);
  const think = parseRange(o.think as string);
  const messages = Number(o.messages);
  const pools = Number(o.pools);
  const poolCapacity = Number(o.poolCapacity);
  const agentConcurrency = Number(o.agentConcurrency);
  const agentLatency = o.agentLatency as string;
  const cpus = os.cpus().length;
  const pgStatements = program.opts<{ pgStatements?: boolean }>().pgStatements === true;
  const gatewayNodeArgs = splitArgs(o.gatewayNodeArgs);
  const agentNodeArgs = splitArgs(o.agentNodeArgs);
  // `--cpu-prof`: the gateway and one agent, each through its inspector on a port of its own.
  const inspectPorts =
    program.opts<{ cpuProf?: boolean }>().cpuProf === true
      ? { gateway: await freePort(), [PROFILED_AGENT]: await freePort() }
      : undefined;
  const command = `npm run capacity -- ${process.argv.slice(2).join(' ')}`.trim();

  const startedAt = new Date().toISOString();
  const loadBefore = os.loadavg();
  const referenceBefore = referenceCpuMs();
  console.log(`host speed: reference work ${referenceBefore} ms of CPU (lower is faster)`);
  console.log(
    `== one task, ${pools} pools, agents at ${agentLatency}, POOL_CAPACITY ${poolCapacity}, AGENT_CONCURRENCY ${agentConcurrency} ==`,
  );
  const topo = await startTopology({
    pools,
    agentLatency,
    logLevel: 'warn',
    // Through the balancer with the default rate limits: each virtual player has its own
    // loopback address (the runner's playerSourceAddress), as real players have their own.
    proxy: true,
    // The tables start empty and grow a hundredfold within minutes; production's are large and
    // analysed. Autovacuum looking every 5 s (the default is a minute) keeps the young tables'
    // statistics as current, so no statement runs for long on a plan made for a table a tenth
    // of its size (each analyze makes the gateways' prepared statements plan again).
    postgres: {
      settings: {
        autovacuum_naptime: '5s',
        ...(pgStatements ? statementCounters.settings : {}),
      },
    },
    // No player pays here: the local chain would only add idle work to this process.
    payments: false,
    gatewayNodeArgs: () => [
      ...gatewayNodeArgs,
      ...(inspectPorts ? [`--inspect=127.0.0.1:${inspectPorts.gateway}`] : []),
    ],
    agentNodeArgs: (agentId: string) => [
      ...agentNodeArgs,
      ...(inspectPorts && agentId === PROFILED_AGENT
        ? [`--inspect=127.0.0.1:${inspectPorts[PROFILED_AGENT]}`]
        : []),
    ],
    env: {
      gateway: { POOL_CAPACITY: String(poolCapacity) },
      agents: { AGENT_CONCURRENCY: String(agentConcurrency) },
    },
  });
  current = topo;
  const profilers = inspectPorts
    ? await Promise.all(
        Object.entries(inspectPorts).map(async ([name, port]) => ({
          name,
          profiler: await RemoteProfiler.connect(`http://127.0.0.1:${port}`),
        })),
      )
    : [];
  const tracked = trackedOf(topo);
  const components: Component[] = tracked.map(({ name, inTask }) => ({ name, inTask }));
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
    // The steady state at `players` is judged, not the ramp-up towards it.
    judgedFromMs: phases.rampUpMs,
  });
  let idle: CapacityRun['idle'] = [];
  try {
    // JIT, connection pools and PostgreSQL caches warm up on a small unjudged load first.
    const warmupMs = parseDuration(o.warmup as string);
    if (warmupMs > 0) {
      const warm = await runLoadTest(
        configFor(Math.max(5, Math.round((plan.loads[0] ?? 50) / 5)), {
          rampUpMs: Math.round(warmupMs / 4),
          sustainMs: warmupMs - Math.round(warmupMs / 4),
        }),
      );
      console.log(
        `warm-up: ${warm.totals.replies} replies, p95 ${warm.latency.p95Ms} ms (not judged)`,
      );
      const visit = visitMs(messages, warm.latency.p50Ms, (think.min + think.max) / 2);
      const overshoot = rampOvershoot(rampUpMs, visit);
      if (overshoot > 1.05) {
        console.warn(
          `warning: a visit takes ≈ ${Math.round(visit / 1000)} s, longer than the ${rampUpMs / 1000} s ramp-up: its end sends ${overshoot.toFixed(2)} × the step's steady load (use --ramp-up ${Math.ceil(visit / 1000)}s or more)`,
        );
      }
      await drain(topo.url);
    }
    await analyze(topo.databaseUrl);
    if (pgStatements) await statementCounters.install(topo.databaseUrl);
    const idleMs = parseDuration(o.idle as string);
    if (idleMs > 0) {
      const sampler = new ProcSampler(tracked, cpus);
      sampler.start();
      await new Promise((r) => setTimeout(r, idleMs));
      idle = usageOf(
        sampler.stop(),
        components,
        { fromMs: 0, toMs: idleMs + 1000 },
        {
          players: 0,
          repliesPerS: 0,
        },
      );
      console.log(
        `idle: task ${sumCores(idle, (c) => c.inTask).toFixed(3)} cores, all measured ${sumCores(idle).toFixed(3)}`,
      );
    }
    for (
      let players = nextPlayers(plan, steps);
      players !== undefined;
      players = nextPlayers(plan, steps)
    ) {
      const bar = new SingleBar({
        format: `step ${steps.length + 1} ${String(players).padStart(4)} players {bar} {value}/{total}s | req {requests} | p95 {p95} ms | errors {errors} | CPU {cpu} cores`,
        noTTYOutput: true,
        notTTYSchedule: 15_000,
      });
      const sampler = new ProcSampler(tracked, cpus);
      const loop = monitorEventLoopDelay({ resolution: 20 });
      bar.start(Math.ceil(stepMs / 1000), 0, { requests: 0, p95: 0, errors: 0, cpu: '0.00' });
      if (pgStatements) await statementCounters.reset(topo.databaseUrl);
      sampler.start();
      loop.enable();
      // The sustain window only: the ramp-up's connection set-up is not the steady round trip.
      const profiling =
        profilers.length > 0
          ? new Promise<void>((resolve) => setTimeout(resolve, rampUpMs)).then(() =>
              Promise.all(profilers.map((p) => p.profiler.start())),
            )
          : undefined;
      const summary = await runLoadTest(
        configFor(players, { rampUpMs, sustainMs: stepMs - rampUpMs }),
        {
          onProgress: (p) =>
            bar.update(Math.min(Math.ceil(stepMs / 1000), Math.floor(p.elapsedMs / 1000)), {
              requests: p.requests,
              p95: p.p95Ms,
              errors: p.errors,
              cpu: sampler.latestCores().toFixed(2),
            }),
        },
      );
      const samples = sampler.stop();
      loop.disable();
      bar.stop();
      await profiling;
      const profiles = await Promise.all(
        profilers.map(async (p) => ({ name: p.name, profile: await p.profiler.stop() })),
      );
      const dir = writeReports(summary, path.join(REPO_ROOT, 'reports/load-tests'));
      const record = stepRecord(summary, dir, samples, components, rampUpMs, stepMs, cpus);
      record.loadgenLoopDelayP99Ms = Math.round(loop.percentile(99) / 1e6);
      if (pgStatements) {
        record.pgStatements = topStatements(
          await statementCounters.read(topo.databaseUrl),
          summary.totals.replies,
        );
      }
      for (const { name, profile } of profiles) {
        const file = path.join(
          REPO_ROOT,
          'reports/bench/profiles',
          `capacity-step-${steps.length + 1}-${players}-players-${name}.cpuprofile`,
        );
        mkdirSync(path.dirname(file), { recursive: true });
        writeFileSync(file, JSON.stringify(profile));
        record.profiles = {
          ...record.profiles,
          [name]: { ...summariseProfile(profile, REPO_ROOT), file: path.relative(REPO_ROOT, file) },
        };
      }
      steps.push(record);
      console.log(
        `${String(players).padStart(4)} players: ${record.pass ? 'pass' : `FAIL (${record.failed.join(', ')})`}` +
          `${record.saturated ? ' CPU SATURATED' : ''}` +
          ` p50 ${record.p50Ms} p95 ${record.p95Ms} p99 ${record.p99Ms} ms, errors ${(record.errorRate * 100).toFixed(2)} %` +
          ` ${JSON.stringify(record.errorsByKind)}, CPU ${record.measuredCores.toFixed(2)} measured / ${record.machineCores.toFixed(2)} machine` +
          ` (${record.usage.map((u) => `${u.name} ${u.cores.toFixed(2)}`).join(', ')})`,
      );
      for (const [name, p] of Object.entries(record.profiles ?? {})) {
        console.log(`  ${name} profile: ${p.busyMs} ms busy (${p.file})`);
        for (const f of [...p.byFunction.slice(0, 8), ...p.byPackage.slice(0, 6)]) {
          console.log(
            `    ${f.pct.toFixed(1).padStart(5)} % ${String(f.selfMs).padStart(6)} ms  ${f.name}`,
          );
        }
      }
      for (const st of record.pgStatements?.slice(0, 6) ?? []) {
        console.log(
          `  pg ${st.msPerReply.toFixed(3)} ms/reply ${st.callsPerReply.toFixed(2)} calls/reply ${st.msPerCall.toFixed(3)} ms/call ${st.blocksPerCall} blocks/call: ${st.query.slice(0, 90)}`,
        );
      }
      // Let the previous step's threads close before the next one is judged.
      await drain(topo.url);
    }
  } finally {
    for (const p of profilers) p.profiler.close();
    await topo.stop();
    current = undefined;
  }
  const run: CapacityRun = {
    startedAt,
    finishedAt: new Date().toISOString(),
    command,
    machine: {
      cpus,
      cpuModel: os.cpus()[0]?.model.trim() ?? 'unknown CPU',
      node: process.versions.node,
      loadBefore,
      loadAfter: os.loadavg(),
      referenceCpuMs: { before: referenceBefore, after: referenceCpuMs() },
    },
    settings: {
      pools,
      poolCapacity,
      agentConcurrency,
      agentLatency,
      think: o.think as string,
      messagesPerConversation: messages,
      stepDuration: o.stepDuration as string,
      rampUp: o.rampUp as string,
      judgedAfterRampUp: true,
      warmup: o.warmup as string,
      plan,
    },
    targets: { ...DESIGN_TARGETS },
    idle,
    steps,
    ...derived(steps, idle),
    ...(o.note ? { note: o.note } : {}),
  };
  mkdirSync(path.dirname(o.json as string), { recursive: true });
  writeFileSync(o.json as string, `${JSON.stringify(run, null, 2)}\n`);
  mkdirSync(path.dirname(o.doc as string), { recursive: true });
  await writeDoc(o.doc as string, renderCapacityDoc(run, readFindings(o.findings as string)));
  console.log(
    `\n(a) measured end to end: ${run.capacity} players; (b) 2-vCPU task at 70 %: ${run.projection?.players ?? '–'} players; stopped by ${run.stoppedBy}`,
  );
  console.log(
    `wrote ${path.relative(REPO_ROOT, o.doc as string)} and ${path.relative(REPO_ROOT, o.json as string)}`,
  );
}

/** The figures that follow from the steps: (a), what stopped the search, (b). */
function derived(
  steps: StepRecord[],
  idle: CapacityRun['idle'],
): Pick<CapacityRun, 'capacity' | 'stoppedBy' | 'projection'> {
  const capacity = capacityOf(steps);
  const largestPass = steps
    .filter((s) => s.pass && s.players === capacity)
    .sort((a, b) => a.p95Ms - b.p95Ms)[0];
  return {
    capacity,
    stoppedBy: stoppedBy(steps),
    projection: projectTask(largestPass, undefined, undefined, idle, briskestPace(steps)),
  };
}

function stepRecord(
  summary: Summary,
  report: string,
  samples: Sample[],
  components: Component[],
  rampUpMs: number,
  stepMs: number,
  cpus: number,
): StepRecord {
  const rates = sustainRates(summary, rampUpMs / 1000, stepMs / 1000);
  const window = { fromMs: rampUpMs, toMs: stepMs };
  const usage = usageOf(samples, components, window, {
    players: summary.config.players,
    repliesPerS: rates.repliesPerS,
  });
  const measuredCores = sumCores(usage);
  return {
    players: summary.config.players,
    pass: summary.verdict.pass,
    failed: summary.verdict.checks.filter((c) => !c.pass).map((c) => c.name),
    saturated: isSaturated(measuredCores, cpus),
    p50Ms: summary.judged.latency.p50Ms,
    p95Ms: summary.judged.latency.p95Ms,
    p99Ms: summary.judged.latency.p99Ms,
    errorRate: summary.judged.errorRate,
    errorsByKind: summary.judged.errorsByKind,
    ...rates,
    ...threadsOf(summary, rampUpMs / 1000),
    usage,
    measuredCores,
    machineCores: machineCoresOf(samples, window),
    loadgenLoopDelayP99Ms: 0,
    cpuTimeline: samples.map((s) => ({
      tS: Math.round(s.tMs / 100) / 10,
      cores: Object.fromEntries(
        Object.entries(s.components).map(([name, c]) => [name, Number(c.cores.toFixed(3))]),
      ),
    })),
    report: path.relative(REPO_ROOT, report),
  };
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
