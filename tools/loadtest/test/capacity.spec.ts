// Locks in the capacity search (a coarse ladder of loads until one fails the design's targets or
// saturates the CPU, then bisection; capacity = the largest pass below the smallest failure; never
// an admission constant), the per-component CPU and memory of a step, the projection to a 2-vCPU
// task at 70 % CPU, what a failed step is blamed on, and the Markdown report with its charts.
import {
  briskestPace,
  capacityOf,
  isSaturated,
  limitOf,
  machineCoresOf,
  nextPlayers,
  projectTask,
  rampOvershoot,
  stoppedBy,
  usageOf,
  visitMs,
  type ComponentUsage,
  type StepRecord,
} from '../src/lib/capacity';
import { renderCapacityDoc, type CapacityRun } from '../src/lib/capacity-doc';
import type { Sample } from '../src/lib/procfs';
import { DESIGN_TARGETS } from '../src/lib/verdict';

const plan = { loads: [250, 500, 1000, 1500, 2000, 2500], refine: 1, confirm: 0 };
const ok = (players: number, saturated = false) => ({ players, pass: true, saturated });
const bad = (players: number, saturated = false) => ({ players, pass: false, saturated });

describe('capacity search', () => {
  it('climbs the ladder of loads while steps pass, up to 2,500 players', () => {
    expect(nextPlayers(plan, [])).toBe(250);
    expect(nextPlayers(plan, [ok(250)])).toBe(500);
    expect(nextPlayers(plan, [ok(250), ok(500)])).toBe(1000);
    expect(nextPlayers(plan, [ok(250), ok(500), ok(1000), ok(1500), ok(2000)])).toBe(2500);
    expect(
      nextPlayers(plan, [ok(250), ok(500), ok(1000), ok(1500), ok(2000), ok(2500)]),
    ).toBeUndefined();
    expect(nextPlayers({ ...plan, loads: [500, 250] }, [])).toBe(250);
  });

  it('stops climbing once a step saturated the CPU, even when it met the targets', () => {
    const steps = [ok(250), ok(500), ok(1000, true)];
    expect(nextPlayers(plan, steps)).toBeUndefined();
    expect(capacityOf(steps)).toBe(1000);
    expect(stoppedBy(steps)).toBe('cpu');
  });

  it('bisects once between the last pass and the first failure', () => {
    const steps = [ok(250), ok(500), ok(1000), bad(1500)];
    expect(nextPlayers(plan, steps)).toBe(1250);
    expect(nextPlayers(plan, [...steps, ok(1250)])).toBeUndefined();
    expect(capacityOf([...steps, ok(1250)])).toBe(1250);
    expect(capacityOf([...steps, bad(1250)])).toBe(1000);
    expect(stoppedBy([...steps, ok(1250)])).toBe('targets');
    const twice = { ...plan, refine: 2 };
    expect(nextPlayers(twice, [...steps, ok(1250)])).toBe(1375);
    expect(nextPlayers(twice, [...steps, bad(1250)])).toBe(1125);
  });

  it('bisects below the first load when even that fails, and stops when no load is left between', () => {
    expect(nextPlayers(plan, [bad(250)])).toBe(125);
    expect(nextPlayers({ loads: [1, 2], refine: 5, confirm: 0 }, [ok(1), bad(2)])).toBeUndefined();
  });

  it('says the plan ran out when every load passed without saturating the CPU', () => {
    expect(stoppedBy([ok(250), ok(2500)])).toBe('largest load');
  });

  it('runs a failed load again before believing it, and counts it passed if any attempt passed', () => {
    const confirming = { ...plan, confirm: 1 };
    expect(nextPlayers(confirming, [ok(250), bad(500)])).toBe(500);
    expect(nextPlayers(confirming, [ok(250), bad(500), ok(500)])).toBe(1000);
    expect(capacityOf([ok(250), bad(500), ok(500)])).toBe(500);
    expect(nextPlayers(confirming, [ok(250), bad(500), bad(500)])).toBe(375);
    expect(nextPlayers(confirming, [ok(250), bad(500), bad(500), bad(375)])).toBe(375);
    expect(
      nextPlayers(confirming, [ok(250), bad(500), bad(500), bad(375), bad(375)]),
    ).toBeUndefined();
  });

  it('calls the CPU saturated at 95 % of the cores', () => {
    expect(isSaturated(1.9, 2)).toBe(true);
    expect(isSaturated(1.89, 2)).toBe(false);
    expect(isSaturated(0.5, 2, 0.25)).toBe(true);
  });
});

const components = [
  { name: 'gateway', inTask: true },
  { name: 'agent-a', inTask: true },
  { name: 'postgres', inTask: false },
];

describe('ramp-up', () => {
  it('is as long as a visit, or the players it adds send more than the step carries', () => {
    // Three messages, each a 1.5 s reply and a 7.5 s pause: 27 s a visit.
    const visit = visitMs(3, 1500, 7500);
    expect(visit).toBe(27_000);
    expect(rampOvershoot(20_000, visit)).toBeCloseTo(1.35, 6);
    expect(rampOvershoot(27_000, visit)).toBe(1);
    expect(rampOvershoot(40_000, visit)).toBe(1);
    expect(rampOvershoot(0, visit)).toBe(Number.POSITIVE_INFINITY);
  });
});

describe('usage per component', () => {
  const sample = (tMs: number, gw: number, agent: number, pg: number, rssKb = 1024): Sample => ({
    tMs,
    components: {
      gateway: { cores: gw, rssKb },
      'agent-a': { cores: agent, rssKb: 2048 },
      postgres: { cores: pg, rssKb: 4096 },
    },
    machineCores: gw + agent + pg + 0.1,
  });

  it('averages CPU over the sustain window only, takes peak RSS, and divides by players and replies', () => {
    const samples = [
      sample(1000, 5, 5, 5, 99_999), // ramp-up: outside the window
      sample(2000, 0.4, 0.1, 0.2, 2048),
      sample(3000, 0.6, 0.1, 0.2, 3072),
    ];
    const usage = usageOf(
      samples,
      components,
      { fromMs: 1000, toMs: 3000 },
      {
        players: 500,
        repliesPerS: 50,
      },
    );
    expect(usage[0]).toEqual({
      name: 'gateway',
      inTask: true,
      cores: 0.5,
      rssMb: 3,
      // 0.5 CPU-s/s ÷ 500 players = 1 ms per second per player; ÷ 50 replies/s = 10 ms per reply.
      cpuMsPerPlayerS: 1,
      cpuMsPerReply: 10,
    });
    expect(usage[2]).toMatchObject({ name: 'postgres', inTask: false, cores: 0.2, rssMb: 4 });
    expect(machineCoresOf(samples, { fromMs: 1000, toMs: 3000 })).toBe(0.9);
    expect(
      usageOf([], components, { fromMs: 0, toMs: 1 }, { players: 0, repliesPerS: 0 })[0],
    ).toEqual({
      name: 'gateway',
      inTask: true,
      cores: 0,
      rssMb: 0,
      cpuMsPerPlayerS: 0,
      cpuMsPerReply: 0,
    });
  });
});

const use = (name: string, cores: number, inTask = true, rssMb = 100): ComponentUsage => ({
  name,
  inTask,
  cores,
  rssMb,
  cpuMsPerPlayerS: 0,
  cpuMsPerReply: 0,
});

const step = (over: Partial<StepRecord>): StepRecord => ({
  players: 1000,
  pass: true,
  failed: [],
  saturated: false,
  p50Ms: 1510,
  p95Ms: 1900,
  p99Ms: 2300,
  errorRate: 0,
  errorsByKind: {},
  repliesPerS: 120,
  requestsPerS: 400,
  peakThreads: 900,
  meanThreads: 850.5,
  usage: [
    use('gateway', 0.4),
    ...['a', 'b', 'c', 'd', 'e', 'f'].map((x) => use(`agent-${x}`, 0.03)),
    use('cron-worker', 0.02),
    use('postgres', 0.3, false, 200),
    use('load generator', 0.5, false),
  ],
  measuredCores: 1.4,
  machineCores: 1.5,
  loadgenLoopDelayP99Ms: 40,
  cpuTimeline: [],
  report: 'reports/load-tests/x',
  ...over,
});

const docSteps = [
  step({ players: 250, p95Ms: 1550 }),
  step({ players: 500, p95Ms: 1700 }),
  step({ players: 1000 }),
  step({
    players: 1500,
    pass: false,
    failed: ['p95'],
    p95Ms: 3600,
    saturated: true,
    measuredCores: 1.96,
  }),
  step({ players: 1500, pass: false, failed: ['p95'], p95Ms: 3500 }),
  step({ players: 1250, pass: false, failed: ['p99'], p99Ms: 5200 }),
];
const run = (): CapacityRun => ({
  startedAt: '2026-12-02T03:00:00.000Z',
  finishedAt: '2026-12-02T03:25:00.000Z',
  command: 'npm run capacity -- --confirm 1',
  machine: {
    cpus: 2,
    cpuModel: 'Test CPU',
    node: '20.20.0',
    loadBefore: [1, 2, 3],
    loadAfter: [2, 2, 2],
  },
  settings: {
    pools: 5,
    poolCapacity: 100000,
    agentConcurrency: 64,
    agentLatency: 'fixed:1500',
    think: '5s:10s',
    messagesPerConversation: 3,
    stepDuration: '80s',
    rampUp: '20s',
    warmup: '20s',
    plan: { ...plan, confirm: 1 },
  },
  targets: { ...DESIGN_TARGETS },
  idle: step({}).usage.map((u) => ({ ...u, cores: 0.001 })),
  steps: docSteps,
  capacity: capacityOf(docSteps),
  stoppedBy: stoppedBy(docSteps),
  projection: projectTask(docSteps[2]),
});

describe('projection to a 2-vCPU task at 70 % CPU', () => {
  it("divides 0.7 × 2 cores by the task's own CPU per player (database and load generator left out)", () => {
    const p = projectTask(step({}));
    // Task: 0.4 + 6 × 0.03 + 0.02 = 0.6 cores for 1000 players = 6e-4 CPU-s/s per player.
    expect(p?.taskCores).toBeCloseTo(0.6, 6);
    expect(p?.coresPerPlayer).toBeCloseTo(6e-4, 9);
    expect(p?.players).toBe(2333); // 1.4 / 6e-4 = 2333.3
    expect(p?.fromStep).toBe(1000);
    // The gateway alone would reach one core at 1000 / 0.4 = 2500 players.
    expect(p?.gatewayOneCorePlayers).toBe(2500);
    expect(p?.shares.map((s) => s.name)).toEqual(['gateway', 'agents (6)', 'cron-worker']);
    expect(p?.shares[0]?.share).toBeCloseTo(0.667, 3);
  });

  it("keeps the task's idle CPU apart in a second, marginal figure", () => {
    const idle = [use('gateway', 0.05), use('cron-worker', 0.05), use('postgres', 0.2, false)];
    const p = projectTask(step({}), 2, 0.7, idle);
    // (0.6 − 0.1 idle) / 1000 = 5e-4 per player; (1.4 − 0.1) / 5e-4 = 2600.
    expect(p?.marginal?.idleCores).toBeCloseTo(0.1, 6);
    expect(p?.marginal?.coresPerPlayer).toBeCloseTo(5e-4, 9);
    expect(p?.marginal?.players).toBe(2600);
    expect(projectTask(step({}))?.marginal).toBeUndefined();
    const doc = renderCapacityDoc({ ...run(), projection: p });
    expect(doc).toContain('(0.7 × 2 − 0.1000) / 5.000e-4 = **2,600** players');
  });

  it('scales a slow step to the pace of the briskest passing one: its players sent less often', () => {
    // At 1000 players and 100 replies/s each player got 0.1 replies a second; the 250-player step
    // got 0.12. Within its CPU threshold the task's players would send at 0.12, 1.2 × as often.
    const slow = step({ repliesPerS: 100 });
    const steps = [
      step({ players: 250, repliesPerS: 30 }),
      step({ players: 2000, pass: false, repliesPerS: 300 }),
      slow,
    ];
    expect(briskestPace(steps)).toBeCloseTo(0.12, 9);
    const p = projectTask(slow, 2, 0.7, [], briskestPace(steps));
    expect(p?.pace).toEqual({ briskest: 0.12, atStep: 0.1, scale: 1.2 });
    expect(p?.coresPerPlayer).toBeCloseTo(7.2e-4, 9);
    expect(p?.players).toBe(1944); // 1.4 / 7.2e-4 = 1944.4
    expect(p?.shares[0]?.cpuMsPerPlayerS).toBeCloseTo(0.48, 6);
    // A step as brisk as any keeps its own CPU per player; so does a run without a pace.
    expect(projectTask(slow, 2, 0.7, [], 0.05)?.pace.scale).toBe(1);
    expect(projectTask(slow)?.players).toBe(2333);
    const doc = renderCapacityDoc({ ...run(), projection: p });
    expect(doc).toContain('pace              = 0.12 / 0.1 = 1.2');
    expect(doc).toContain('= 7.200e-4 CPU-s/s');
  });

  it('takes other task sizes and thresholds, and projects nothing without a passing step', () => {
    expect(projectTask(step({}), 4, 0.5)?.players).toBe(3333);
    expect(projectTask(undefined)).toBeUndefined();
    expect(projectTask(step({ usage: [use('gateway', 0)] }))).toBeUndefined();
  });
});

describe('limits', () => {
  it('names each missed target and a saturated CPU', () => {
    expect(
      limitOf(
        step({
          pass: false,
          failed: ['p95', 'errorRate'],
          p95Ms: 3400,
          errorRate: 0.02,
          errorsByKind: { 'timeout:reply': 9, x: 1 },
          saturated: true,
          measuredCores: 1.97,
        }),
        2,
        DESIGN_TARGETS,
      ),
    ).toBe(
      'p95 3,400 ms ≥ 3,000, errors 2.00 % (mostly timeout:reply), CPU saturated (1.97 of 2 cores)',
    );
    expect(limitOf(step({ failed: ['p99'], p99Ms: 5100 }), 2, DESIGN_TARGETS)).toBe(
      'p99 5,100 ms ≥ 5,000',
    );
    expect(limitOf(undefined, 2, DESIGN_TARGETS)).toBe('not reached');
  });
});

describe('capacity document', () => {
  const doc = renderCapacityDoc(run());

  it('shows the hand-kept profile findings before the setup, and no section without them', () => {
    const withFindings = renderCapacityDoc(run(), '\nThe gateway spends most in `writev`.\n');
    expect(withFindings).toMatch(
      /## Profile findings\n\nThe gateway spends most in `writev`\.\n\n## Setup/,
    );
    expect(doc).not.toContain('## Profile findings');
    expect(renderCapacityDoc(run(), '  \n')).not.toContain('## Profile findings');
  });

  it("puts both capacity figures next to the design's 150 and the 1,500 target", () => {
    expect(run().capacity).toBe(1000);
    expect(doc).toContain('npm run capacity -- --confirm 1');
    expect(doc).toContain(
      "| the design's sizing (pools × 30 threads, DESIGN.md §4) | 150 | 1.0 × | 10 % |",
    );
    expect(doc).toMatch(
      /\(a\) measured end to end on this machine.* \| \*\*1,000\*\* \| 6\.7 × \| 67 % \|/,
    );
    expect(doc).toMatch(
      /\(b\) a 2-vCPU task at 70 % CPU.* \| \*\*2,333\*\* \| 15\.6 × \| 156 % \|/,
    );
    expect(doc).toContain('players (b)       = 0.7 × 2 cores / 6.000e-4 = 2,333');
    expect(doc).toContain(
      '1,500 players failed (p95 3,600 ms ≥ 3,000, CPU saturated (1.96 of 2 cores))',
    );
  });

  it('says how far (a) is from 1,500 and what the CPU shows is in the way', () => {
    expect(doc).toContain('**(a) end to end** is 500 players short of 1,500 (67 % of it)');
    expect(doc).toContain(
      'the largest users were load generator 0.50, gateway 0.40, postgres 0.30',
    );
    expect(doc).toContain('and other work on the machine 0.00 (the whole machine 1.50)');
    expect(doc).toContain(
      'Throughput stopped growing with the load: 1,000 players got 120 replies/s',
    );
    expect(doc).toContain('got 120 (67 % of the rate per player)');
    expect(doc).toContain(
      'CPU per reply at 1,000 players: gateway 3.3 ms, six agents 1.5 ms, PostgreSQL 2.5 ms, load generator and balancer 4.2 ms (3.3 HTTP requests per reply)',
    );
    // (b) meets it, so no (b) shortfall; the gateway's one core (2,500 players) is above (b).
    expect(doc).not.toContain('**(b) a 2-vCPU task** is');
    expect(doc).not.toContain('needs a whole core');
    const slow = renderCapacityDoc({
      ...run(),
      projection: projectTask(step({ usage: [use('gateway', 0.8), use('cron-worker', 0.2)] })),
    });
    expect(slow).toContain('**(b) a 2-vCPU task** is 100 players short of 1,500 (93 % of it)');
    expect(slow).toContain(
      'gateway 80 %, cron-worker 20 %, agents (0) 0 %: the gateway is what is in the way',
    );
  });

  it('tables every attempt, CPU, CPU per player and per reply, and RSS per component, with inline SVG charts', () => {
    expect(doc).toContain(
      '| 1500 | FAIL (p95), CPU saturated | 1,510 ms | 3,600 ms | 2,300 ms | 0.00 % | – | 120 | 900 / 850.5 | 1.96 | 1.50 | 40 ms |',
    );
    expect(doc).toContain('| component | idle | 250 | 500 | 1000 | 1500 | 1500 #2 | 1250 |');
    expect(doc).toContain('| gateway | 0.001 | 0.400 | 0.400 | 0.400 | 0.400 | 0.400 | 0.400 |');
    expect(doc).toContain('| postgres (outside the task) | 0.001 |');
    expect(doc).toContain('| **task (gateway + agents + cron-worker)** |  | 0.600 |');
    // CPU per player of the task: 0.6 cores × 1000 / 250 players = 2.4 ms per second.
    expect(doc).toMatch(
      /\| \*\*task \(gateway \+ agents \+ cron-worker\)\*\* \| 2\.4000 \| 1\.2000 \| 0\.6000 \|/,
    );
    // Per reply: 0.6 × 1000 / 120 replies/s = 5 ms.
    expect(doc).toMatch(/\| \*\*task \(gateway \+ agents \+ cron-worker\)\*\* \| 5\.00 \|/);
    expect(doc).toContain('## Memory (peak RSS, MB)');
    expect(doc.match(/<svg /g)).toHaveLength(2);
    expect(doc).toContain('aria-label="CPU per component against players');
    expect(doc).toContain('p95 target 3,000 ms');
  });

  it('says whether other work shared the machine, from the load before and the CPU during the run', () => {
    expect(doc).toContain('Nothing else ran on the machine');
    const shared = renderCapacityDoc({
      ...run(),
      machine: { ...run().machine, loadBefore: [3, 2, 1] },
    });
    expect(shared).toContain('The machine was shared with other work');
    expect(shared).toContain('Figure (a) is a floor');
    const busy = renderCapacityDoc({
      ...run(),
      steps: docSteps.map((s) => ({ ...s, machineCores: s.measuredCores + 0.5 })),
    });
    expect(busy).toContain('other processes used 0.50 of its 2 cores on average');
  });

  it("gives the host's speed and how each step was judged, where the run recorded them", () => {
    expect(doc).not.toContain('Host speed');
    expect(doc).toContain('latency and errors over the whole step, the ramp-up included');
    const newer = renderCapacityDoc({
      ...run(),
      machine: { ...run().machine, referenceCpuMs: { before: 210.5, after: 230 } },
      settings: { ...run().settings, judgedAfterRampUp: true },
    });
    expect(newer).toContain('took 210.5 ms of CPU before the run and');
    expect(newer).toContain('230 ms after it');
    expect(newer).toContain('CPU, latency and errors measured over the rest');
  });

  it('says when the CPU stopped the search, and when a run was shortened', () => {
    const cpu = [
      step({ players: 250 }),
      step({ players: 500, saturated: true, measuredCores: 1.95 }),
    ];
    const d = renderCapacityDoc({
      ...run(),
      steps: cpu,
      capacity: capacityOf(cpu),
      stoppedBy: stoppedBy(cpu),
      note: 'A shortened run.',
    });
    expect(d).toContain(
      'The search stopped on the CPU: 500 players met the targets with the cores saturated',
    );
    expect(d).toContain('> A shortened run.');
  });
});
