// docs/capacity.md from a capacity run: the two capacity figures next to the design's, the step
// table, CPU and memory per component, and inline SVG charts (svg.ts).
import {
  CPU_SATURATED,
  DESIGN_PLAYERS_PER_TASK,
  isSaturated,
  TARGET_PLAYERS,
  limitOf,
  num,
  pct,
  sumCores,
  type ComponentUsage,
  type Projection,
  type SearchPlan,
  type StepRecord,
  type StoppedBy,
} from './capacity';
import { lineChart, type Series } from './svg';
import type { Targets } from './verdict';

export interface CapacityRun {
  startedAt: string;
  finishedAt: string;
  command: string;
  machine: {
    cpus: number;
    cpuModel: string;
    node: string;
    loadBefore: number[];
    loadAfter: number[];
    /**
     * CPU ms of a fixed reference work (host-speed.ts) before and after the run: how fast the
     * host was, to compare runs on different hosts (absent in runs before 2026-12-03).
     */
    referenceCpuMs?: { before: number; after: number };
  };
  settings: {
    pools: number;
    poolCapacity: number;
    agentConcurrency: number;
    agentLatency: string;
    think: string;
    messagesPerConversation: number;
    stepDuration: string;
    rampUp: string;
    /**
     * Latency and errors judged after the ramp-up, as CPU is (runs before 2026-12-03 judged the
     * whole step, the ramp-up's burst included).
     */
    judgedAfterRampUp?: boolean;
    warmup: string;
    plan: SearchPlan;
  };
  targets: Targets;
  /** The components with no player (after the warm-up, before the first step). */
  idle: ComponentUsage[];
  steps: StepRecord[];
  /** (a) The largest passing load below the smallest failing one, end to end on this machine. */
  capacity: number;
  stoppedBy: StoppedBy;
  /** (b) A 2-vCPU task at the scale-out threshold, from the largest passing step. */
  projection: Projection | undefined;
  /** Said at the top of the document (e.g. a shortened run). */
  note?: string;
}

const cores = (x: number) => x.toFixed(3);
const mb = (x: number) => x.toFixed(0);
const share = (x: number) => `${Math.round(x * 100)} %`;

/** The attempts' column labels: `1500`, and `1500 #2` for a second attempt at the same load. */
function columnLabels(steps: StepRecord[]): string[] {
  const seen = new Map<number, number>();
  return steps.map((s) => {
    const n = (seen.get(s.players) ?? 0) + 1;
    seen.set(s.players, n);
    return n > 1 ? `${s.players} #${n}` : String(s.players);
  });
}

/** The best attempt (lowest p95) per load, by load: what the charts plot. */
function bestPerLoad(steps: StepRecord[]): StepRecord[] {
  const best = new Map<number, StepRecord>();
  for (const s of steps) {
    const b = best.get(s.players);
    if (!b || (s.pass && !b.pass) || (s.pass === b.pass && s.p95Ms < b.p95Ms))
      best.set(s.players, s);
  }
  return [...best.values()].sort((a, b) => a.players - b.players);
}

/** Rows of a components × steps table (one cell per step), with totals. */
function componentTable(
  run: CapacityRun,
  cell: (u: ComponentUsage, s: StepRecord) => string,
  totals: Array<{ label: string; value: (s: StepRecord) => string }>,
  idle?: (u: ComponentUsage) => string,
): string[] {
  const labels = columnLabels(run.steps);
  const withIdle = idle !== undefined && run.idle.length > 0;
  const head = ['component', ...(withIdle ? ['idle'] : []), ...labels];
  const lines = [
    `| ${head.join(' | ')} |`,
    `| --------- | ${head
      .slice(1)
      .map(() => '--:')
      .join(' | ')} |`,
  ];
  const names = run.steps[0]?.usage ?? run.idle;
  for (const c of names) {
    const idleCell = withIdle ? [idle(run.idle.find((u) => u.name === c.name) ?? c)] : [];
    const cells = run.steps.map((s) => {
      const u = s.usage.find((x) => x.name === c.name);
      return u ? cell(u, s) : '–';
    });
    lines.push(
      `| ${c.name}${c.inTask ? '' : ' (outside the task)'} | ${[...idleCell, ...cells].join(' | ')} |`,
    );
  }
  for (const t of totals) {
    lines.push(
      `| **${t.label}** | ${[...(withIdle ? [''] : []), ...run.steps.map((s) => t.value(s))].join(' | ')} |`,
    );
  }
  return lines;
}

const isAgent = (u: ComponentUsage) => u.inTask && u.name !== 'gateway' && u.name !== 'cron-worker';

function charts(run: CapacityRun): string[] {
  const best = bestPerLoad(run.steps);
  const latency = lineChart({
    title: 'send → reply latency against players (best attempt per load)',
    yLabel: 'ms',
    xLabel: 'players',
    series: [
      { name: 'p50', points: best.map((s) => [s.players, s.p50Ms]) },
      { name: 'p95', points: best.map((s) => [s.players, s.p95Ms]) },
      { name: 'p99', points: best.map((s) => [s.players, s.p99Ms]) },
    ],
    refLines: [
      { value: run.targets.p95Ms, label: `p95 target ${num(run.targets.p95Ms)} ms` },
      { value: run.targets.p99Ms, label: `p99 target ${num(run.targets.p99Ms)} ms` },
    ],
  });
  const of = (pick: (u: ComponentUsage[]) => number): Series['points'] =>
    best.map((s) => [s.players, Number(pick(s.usage).toFixed(3))]);
  const named = (name: string) => (u: ComponentUsage[]) =>
    u.find((c) => c.name === name)?.cores ?? 0;
  const cpu = lineChart({
    title: 'CPU per component against players (cores = CPU-seconds per second)',
    yLabel: 'cores',
    xLabel: 'players',
    series: [
      { name: 'gateway', points: of(named('gateway')) },
      { name: 'six agents', points: of((u) => sumCores(u, isAgent)) },
      { name: 'cron-worker', points: of(named('cron-worker')) },
      { name: 'PostgreSQL', points: of(named('postgres')) },
      { name: 'load generator', points: of(named('load generator')) },
      { name: 'task (gw+agents+cron)', points: of((u) => sumCores(u, (c) => c.inTask)) },
      { name: 'all measured', points: best.map((s) => [s.players, s.measuredCores]), dashed: true },
      { name: 'whole machine', points: best.map((s) => [s.players, s.machineCores]), dashed: true },
    ],
    refLines: [
      {
        value: run.machine.cpus * CPU_SATURATED,
        label: `${CPU_SATURATED * 100} % of ${run.machine.cpus} cores`,
      },
    ],
  });
  return [latency, '', cpu];
}

/** Where the task's CPU goes at the projection's step, and what is short of the target. */
function shortfall(run: CapacityRun): string[] {
  const lines: string[] = [];
  const p = run.projection;
  const gap = (players: number) =>
    `${num(TARGET_PLAYERS - players)} players short of ${num(TARGET_PLAYERS)} (${((players / TARGET_PLAYERS) * 100).toFixed(0)} % of it)`;
  if (run.capacity >= TARGET_PLAYERS && p && p.players >= TARGET_PLAYERS) {
    return [`Both figures meet the ${num(TARGET_PLAYERS)}-player target.`];
  }
  if (run.capacity < TARGET_PLAYERS) {
    const failed = run.steps.find((s) => s.players > run.capacity && (!s.pass || s.saturated));
    const where = failed ?? run.steps.find((s) => s.players === run.capacity);
    const top = where
      ? [...where.usage].sort((a, b) => b.cores - a.cores).slice(0, 3)
      : ([] as ComponentUsage[]);
    const other = where ? Math.max(0, where.machineCores - where.measuredCores) : 0;
    const machineFull = where !== undefined && isSaturated(where.machineCores, run.machine.cpus);
    lines.push(
      `- **(a) end to end** is ${gap(run.capacity)}.` +
        (where
          ? ` At ${num(where.players)} players the measured processes used ${where.measuredCores.toFixed(2)} of ${run.machine.cpus} cores` +
            ` and other work on the machine ${other.toFixed(2)} (the whole machine ${where.machineCores.toFixed(2)}${machineFull ? ': saturated' : ''});` +
            ` the largest users were ${top.map((u) => `${u.name} ${u.cores.toFixed(2)}`).join(', ')}.`
          : ''),
    );
    const pass = run.steps.find((s) => s.pass && s.players === run.capacity);
    if (failed && pass && pass.repliesPerS > 0) {
      const perPlayer = (s: StepRecord) => s.repliesPerS / s.players;
      const ratio = perPlayer(failed) / perPlayer(pass);
      if (ratio < 0.9) {
        lines.push(
          `  Throughput stopped growing with the load: ${num(pass.players)} players got ${pass.repliesPerS} replies/s and ${num(failed.players)}`,
          `  got ${failed.repliesPerS} (${(ratio * 100).toFixed(0)} % of the rate per player): the replies queued for CPU rather than for agents.`,
        );
      }
    }
    if (pass) {
      const perReply = (name: string, pick: (u: ComponentUsage) => boolean) =>
        `${name} ${((sumCores(pass.usage, pick) * 1000) / pass.repliesPerS).toFixed(1)} ms`;
      if (pass.repliesPerS > 0) {
        lines.push(
          `  CPU per reply at ${num(pass.players)} players: ${[
            perReply('gateway', (u) => u.name === 'gateway'),
            perReply('six agents', isAgent),
            perReply('PostgreSQL', (u) => u.name === 'postgres'),
            perReply('load generator and balancer', (u) => u.name === 'load generator'),
          ].join(
            ', ',
          )} (${(pass.requestsPerS / pass.repliesPerS).toFixed(1)} HTTP requests per reply).`,
        );
      }
    }
  }
  if (p && p.players < TARGET_PLAYERS) {
    const need = (TARGET_PLAYERS * p.coresPerPlayer) / p.threshold;
    lines.push(
      `- **(b) a 2-vCPU task** is ${gap(p.players)}: ${num(TARGET_PLAYERS)} players at ${(p.coresPerPlayer * 1000).toFixed(3)} ms of CPU per second`,
      `  per player need ${(TARGET_PLAYERS * p.coresPerPlayer).toFixed(2)} cores, i.e. ${need.toFixed(1)} vCPUs at ${p.threshold * 100} %, or the task's CPU per player`,
      `  must fall ${((1 - p.players / TARGET_PLAYERS) * 100).toFixed(0)} %. Of the task's CPU, ${p.shares
        .map((s) => `${s.name} ${(s.share * 100).toFixed(0)} %`)
        .join(', ')}: the ${p.shares[0]?.name} is what is in the way.`,
    );
  }
  if (p && Number.isFinite(p.gatewayOneCorePlayers) && p.gatewayOneCorePlayers < p.players) {
    lines.push(
      `- The gateway is one Node process: its JavaScript runs on one thread, and at this rate it would need a whole core`,
      `  at ${num(p.gatewayOneCorePlayers)} players, below (b). A task that big needs the gateway's CPU per player cut, or more than one gateway process.`,
    );
  }
  return lines;
}

/**
 * Whether other work ran: a 1-minute load average at or above the core count before the run, or
 * other processes' CPU during the steps, means the measured processes did not have the cores to
 * themselves, so (a) is a floor ((b) counts CPU time, which other work does not inflate much).
 */
function machineNote(run: CapacityRun): string[] {
  const others = run.steps.map((s) => Math.max(0, s.machineCores - s.measuredCores));
  const meanOther = others.length ? others.reduce((a, b) => a + b, 0) / others.length : 0;
  if ((run.machine.loadBefore[0] ?? 0) < run.machine.cpus && meanOther < 0.1 * run.machine.cpus) {
    return [
      'Nothing else ran on the machine, but the load generator, PostgreSQL, the gateway, six agents',
      'and a cron-worker all share its cores.',
    ];
  }
  return [
    `The machine was shared with other work: other processes used ${meanOther.toFixed(2)} of its ${run.machine.cpus} cores on average during`,
    'the steps, on top of the load generator, PostgreSQL, the gateway, six agents and a cron-worker.',
    'Figure (a) is a floor; rerun on a quiet machine for the definitive one. Figure (b) counts the CPU',
    'time of the task’s own processes, which other work inflates far less.',
  ];
}

/** docs/capacity.md from a capacity run. */
export function renderCapacityDoc(run: CapacityRun, findings?: string): string {
  const load = (l: number[]) => l.map((x) => x.toFixed(2)).join(' / ');
  const p = run.projection;
  const best = run.steps.find((s) => s.players === run.capacity && s.pass);
  const plan = run.settings.plan;
  const stopped: Record<StoppedBy, string> = {
    targets: `the design's targets: ${
      run.steps
        .filter((s) => !s.pass)
        .map(
          (s) => `${num(s.players)} players failed (${limitOf(s, run.machine.cpus, run.targets)})`,
        )
        .join('; ') || 'a load failed'
    }`,
    cpu: `the CPU: ${num(run.steps.find((s) => s.saturated)?.players ?? 0)} players met the targets with the cores saturated, so no larger load was tried`,
    'largest load': `the end of the plan: every load up to ${num(Math.max(...plan.loads))} passed without saturating the CPU`,
  };
  const lines: string[] = [
    '# Capacity of one task, measured',
    '',
    'Generated by `npm run capacity` ([`tools/loadtest/bench/capacity.ts`](../tools/loadtest/bench/capacity.ts));',
    'rerun it to refresh every number here (it also writes `reports/bench/capacity.json`, and one',
    'load-test report per step under `reports/load-tests/`).',
    '',
    '```sh',
    run.command.replace(/\s+--$/, ''),
    '```',
    '',
    `Run ${run.startedAt} → ${run.finishedAt} on ${run.machine.cpus} × ${run.machine.cpuModel}, Node ${run.machine.node};`,
    `load average (1/5/15 min) ${load(run.machine.loadBefore)} before and ${load(run.machine.loadAfter)} after.`,
    ...(run.machine.referenceCpuMs
      ? [
          `Host speed: a fixed reference work (\`tools/loadtest/src/lib/host-speed.ts\`) took ${run.machine.referenceCpuMs.before} ms of CPU before the run and`,
          `${run.machine.referenceCpuMs.after} ms after it (lower is faster; CPU per reply on another host scales roughly with it).`,
        ]
      : []),
    ...machineNote(run),
    ...(run.note ? ['', `> ${run.note}`] : []),
    '',
    '## Result',
    '',
    `| figure | players per task | against the design's ${DESIGN_PLAYERS_PER_TASK} | against ${num(TARGET_PLAYERS)} |`,
    '| ------ | ---------------: | ------------------: | ----------: |',
    `| the design's sizing (pools × 30 threads, DESIGN.md §4) | ${DESIGN_PLAYERS_PER_TASK} | 1.0 × | ${share(DESIGN_PLAYERS_PER_TASK / TARGET_PLAYERS)} |`,
    `| **(a) measured end to end on this machine** (PostgreSQL and the load generator share its ${run.machine.cpus} cores) | **${num(run.capacity)}** | ${(run.capacity / DESIGN_PLAYERS_PER_TASK).toFixed(1)} × | ${share(run.capacity / TARGET_PLAYERS)} |`,
    p
      ? `| **(b) a ${p.vcpus}-vCPU task at ${p.threshold * 100} % CPU** (the ECS scale-out threshold; PostgreSQL and the load generator outside it), projected | **${num(p.players)}** | ${(p.players / DESIGN_PLAYERS_PER_TASK).toFixed(1)} × | ${share(p.players / TARGET_PLAYERS)} |`
      : '| **(b) a 2-vCPU task at 70 % CPU**, projected | – (no step passed) | | |',
    '',
    `The search stopped on ${stopped[run.stoppedBy]}.`,
    '',
  ];
  if (p) {
    const gw = run.steps.find((s) => s.players === p.fromStep && s.pass);
    lines.push(
      `**Projection (b)**, from the task's own processes (gateway + six agents + cron-worker) at the largest passing step,`,
      `${num(p.fromStep)} players${gw ? ` (p95 ${num(gw.p95Ms)} ms)` : ''}:`,
      '',
      '```text',
      `task CPU          = ${p.taskCores.toFixed(4)} cores (CPU-seconds per second)`,
      ...(p.pace.scale > 1
        ? [
            `pace              = ${p.pace.briskest} / ${p.pace.atStep} = ${p.pace.scale} (replies per player-second, briskest passing step / this one)`,
            `CPU per player    = ${p.taskCores.toFixed(4)} / ${p.fromStep} × ${p.pace.scale} = ${p.coresPerPlayer.toExponential(3)} CPU-s/s (${(p.coresPerPlayer * 1000).toFixed(4)} ms per second)`,
          ]
        : [
            `CPU per player    = ${p.taskCores.toFixed(4)} / ${p.fromStep} = ${p.coresPerPlayer.toExponential(3)} CPU-s/s (${(p.coresPerPlayer * 1000).toFixed(4)} ms per second)`,
          ]),
      `players (b)       = ${p.threshold} × ${p.vcpus} cores / ${p.coresPerPlayer.toExponential(3)} = ${num(p.players)}`,
      '```',
      '',
      ...(p.marginal
        ? [
            `Keeping apart what the task uses with no player (${p.marginal.idleCores.toFixed(4)} cores idle: heartbeats, timers, the`,
            `cron-worker's jobs), each player adds ${(p.marginal.coresPerPlayer * 1000).toFixed(4)} ms of CPU per second, and the same ${p.threshold * 100} % of ${p.vcpus} vCPUs`,
            `holds (${p.threshold} × ${p.vcpus} − ${p.marginal.idleCores.toFixed(4)}) / ${p.marginal.coresPerPlayer.toExponential(3)} = **${num(p.marginal.players)}** players.`,
            '',
          ]
        : []),
      ...(p.pace.scale > 1
        ? [
            'The pace: a player waits for each reply before it thinks and sends again, so at a step with slower replies',
            'every player sent less often than on a task within its CPU threshold; its CPU per player is scaled to the',
            'briskest passing step’s pace (without it, the slowest passing step would project the most players).',
            '',
          ]
        : []),
      'It assumes the task’s CPU grows in proportion to players (the tables below show how close that is)',
      'and that latency holds while the task stays under 70 % CPU; PostgreSQL (RDS in production) and the',
      'load balancer and players (the load generator here) are not the task’s CPU.',
      '',
    );
  }
  lines.push(...shortfall(run), '');
  // Profiles are read by people, not by this script: their findings are kept in a file of their
  // own and shown here, so that a rerun refreshes the numbers without losing what they explain.
  if (findings && findings.trim() !== '') {
    lines.push('## Profile findings', '', findings.trim(), '');
  }
  lines.push(
    '## Setup',
    '',
    `- One task from \`@pardon/topology\`: embedded PostgreSQL, one gateway with ${run.settings.pools} pools, six agent processes with the`,
    `  scripted brain at \`AGENT_LATENCY_MS=${run.settings.agentLatency}\` (the simulated LLM), one cron-worker.`,
    '- Players reach the task as in production: through the sticky load balancer (`proxy: true`; it runs',
    '  inside the load generator’s process), each virtual player from its own loopback address (127.1.x.y,',
    '  its own undici `Agent({ localAddress })`), and the gateway keeps its **default rate limits** (no',
    '  `RATE_LIMIT_*` set).',
    `- Admission is not the limit: the gateway runs with \`POOL_CAPACITY=${run.settings.poolCapacity}\` (\`--pool-capacity\`) and the agents with`,
    `  \`AGENT_CONCURRENCY=${run.settings.agentConcurrency}\` (\`--agent-concurrency\`). The gateway's default capacity is the smaller of`,
    '  libs/pooling’s admission model and a CPU bound taken from this very measurement (`GATEWAY_CPU_MS_PER_REPLY`), so the',
    '  search lifts it to find the CPU limit instead of reading its own earlier figure back.',
    `- Players follow the planned mix (new 30 %, returning 50 %, multi-agent 15 %, leaderboard 5 %), pause`,
    `  ${run.settings.think} between messages, send ${run.settings.messagesPerConversation} messages per thread and close their threads when they leave.`,
    `- Loads ${plan.loads.map(num).join(', ')}, then ${plan.refine} bisection(s) between the last pass and the first failure; a failing`,
    `  load is run ${plan.confirm} more time(s) and passes if any attempt passes. Each step: ${run.settings.stepDuration} (ramp-up ${run.settings.rampUp},`,
    run.settings.judgedAfterRampUp
      ? '  at least a visit long, so the players it adds never send faster than the step’s steady state; CPU, latency and errors measured over the rest),'
      : '  CPU measured over the rest; latency and errors over the whole step, the ramp-up included),',
    `  judged on the design's targets (send → reply p95 < ${num(run.targets.p95Ms)} ms, p99 < ${num(run.targets.p99Ms)} ms,`,
    `  errors < ${run.targets.errorRate * 100} %). The search also stops once a step's measured processes use ≥ ${CPU_SATURATED * 100} % of the`,
    `  ${run.machine.cpus} cores. Warm-up first: ${run.settings.warmup}, not judged.`,
    '- CPU: every second, the run time of every thread of each process (`/proc/<pid>/task/*/schedstat`);',
    '  PostgreSQL is the postmaster (PID from `postmaster.pid`) and all its children, summed. Memory:',
    '  peak `VmRSS` (`/proc/<pid>/status`); for PostgreSQL each process’s private memory plus the largest',
    '  shared part once (shared buffers are mapped by every backend). "Whole machine" is `/proc/stat`:',
    '  the difference from "all measured" is other work on the machine.',
    '',
    '## Steps',
    '',
    '| players | verdict | p50 | p95 | p99 | errors | top error | replies/s | open threads (peak / mean) | measured CPU (cores) | machine CPU | load generator loop delay p99 |',
    '| ------: | ------- | --: | --: | --: | -----: | --------- | --------: | -------------------------: | -------------------: | ----------: | ----------------------------: |',
  );
  for (const s of run.steps) {
    const top = Object.entries(s.errorsByKind).sort((a, b) => b[1] - a[1])[0];
    const verdict = s.pass ? 'pass' : `FAIL (${s.failed.join(', ')})`;
    lines.push(
      `| ${s.players} | ${verdict}${s.saturated ? ', CPU saturated' : ''} | ${num(s.p50Ms)} ms | ${num(s.p95Ms)} ms | ${num(s.p99Ms)} ms | ${pct(s.errorRate)} | ${top ? `${top[0]} × ${top[1]}` : '–'} | ${s.repliesPerS} | ${s.peakThreads} / ${s.meanThreads} | ${s.measuredCores.toFixed(2)} | ${s.machineCores.toFixed(2)} | ${num(s.loadgenLoopDelayP99Ms)} ms |`,
    );
  }
  if (best === undefined && run.steps.length === 0) lines.push('', 'No step ran.');
  lines.push('', '## Charts', '', ...charts(run), '');
  const taskTotal = (s: StepRecord) => sumCores(s.usage, (c) => c.inTask);
  lines.push(
    '## CPU per component (cores, mean over the sustain window)',
    '',
    ...componentTable(
      run,
      (u) => cores(u.cores),
      [
        { label: 'task (gateway + agents + cron-worker)', value: (s) => cores(taskTotal(s)) },
        { label: 'all measured', value: (s) => cores(s.measuredCores) },
        { label: 'whole machine', value: (s) => cores(s.machineCores) },
      ],
      (u) => cores(u.cores),
    ),
    '',
    '## CPU per player (ms of CPU per second per player)',
    '',
    ...componentTable(run, (u) => u.cpuMsPerPlayerS.toFixed(4), [
      {
        label: 'task (gateway + agents + cron-worker)',
        value: (s) => ((taskTotal(s) * 1000) / s.players).toFixed(4),
      },
      { label: 'all measured', value: (s) => ((s.measuredCores * 1000) / s.players).toFixed(4) },
    ]),
    '',
    '## CPU per reply (ms of CPU per agent reply)',
    '',
    ...componentTable(run, (u) => u.cpuMsPerReply.toFixed(2), [
      {
        label: 'task (gateway + agents + cron-worker)',
        value: (s) =>
          s.repliesPerS > 0 ? ((taskTotal(s) * 1000) / s.repliesPerS).toFixed(2) : '–',
      },
      {
        label: 'all measured',
        value: (s) =>
          s.repliesPerS > 0 ? ((s.measuredCores * 1000) / s.repliesPerS).toFixed(2) : '–',
      },
    ]),
    '',
    '## Memory (peak RSS, MB)',
    '',
    ...componentTable(
      run,
      (u) => mb(u.rssMb),
      [
        {
          label: 'task (gateway + agents + cron-worker)',
          value: (s) => mb(s.usage.filter((c) => c.inTask).reduce((a, c) => a + c.rssMb, 0)),
        },
      ],
      (u) => mb(u.rssMb),
    ),
    '',
  );
  return lines.join('\n');
}
