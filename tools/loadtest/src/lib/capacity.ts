// The pure parts of `npm run capacity`: which load to try next and when to stop (the design's
// targets, or the machine's cores saturated — never an admission constant), what each component
// of the task cost per step, and the projection to a 2-vCPU ECS task at its scale-out threshold.
import type { PgStatement } from './pg-statements';
import type { Sample } from './procfs';
import type { Targets } from './verdict';

/** The design's sizing of one task (DESIGN.md §4: 5 pools × 30 threads). */
export const DESIGN_PLAYERS_PER_TASK = 150;
/** The load issue 18 asks one task to carry (the design's whole fleet of 10 tasks). */
export const TARGET_PLAYERS = 1500;
/** ECS Fargate task size (DESIGN.md §8: 2 vCPU / 8 GB). */
export const TASK_VCPUS = 2;
/** The service scales out when the task's CPU stays above this share (DESIGN.md §8). */
export const SCALE_OUT_CPU = 0.7;
/** A step whose measured processes use this share of the machine's cores saturated it. */
export const CPU_SATURATED = 0.95;

/**
 * How the search steps the load: through `loads` (coarse, ascending) until a load fails the
 * targets or saturates the CPU, then `refine` bisections between the last pass and the first
 * failure. A failed load is run `confirm` more times and passes if any attempt passes: on a shared
 * machine other work only ever adds latency, so the better attempt is the closer estimate.
 */
export interface SearchPlan {
  loads: number[];
  refine: number;
  confirm: number;
}

export interface StepOutcome {
  players: number;
  /** Met the design's targets. */
  pass: boolean;
  /** The measured processes used at least CPU_SATURATED of the cores. */
  saturated: boolean;
}

/** One outcome per load, in the order loads were first tried: a pass if any attempt passed. */
export function outcomesByLoad(steps: StepOutcome[]): StepOutcome[] {
  const byLoad = new Map<number, StepOutcome>();
  for (const s of steps) {
    const seen = byLoad.get(s.players);
    byLoad.set(s.players, {
      players: s.players,
      pass: (seen?.pass ?? false) || s.pass,
      saturated: (seen?.saturated ?? false) || s.saturated,
    });
  }
  return [...byLoad.values()];
}

/** The largest passing load below the smallest failing one (0 when nothing passed). */
export function capacityOf(steps: StepOutcome[]): number {
  const loads = outcomesByLoad(steps);
  const firstFail = Math.min(Infinity, ...loads.filter((s) => !s.pass).map((s) => s.players));
  return Math.max(0, ...loads.filter((s) => s.pass && s.players < firstFail).map((s) => s.players));
}

/** The next load to try, or undefined when the search is over. */
export function nextPlayers(plan: SearchPlan, steps: StepOutcome[]): number | undefined {
  const ladder = [...plan.loads].sort((a, b) => a - b);
  if (steps.length === 0) return ladder[0];
  const last = steps[steps.length - 1] as StepOutcome;
  const attempts = steps.filter((s) => s.players === last.players);
  if (!attempts.some((a) => a.pass) && attempts.length < 1 + plan.confirm) return last.players;
  const loads = outcomesByLoad(steps);
  const fails = loads.filter((s) => !s.pass);
  if (fails.length === 0) {
    // A load that passed with the cores saturated is as far as this machine goes.
    if (loads.some((s) => s.saturated)) return undefined;
    const highest = Math.max(...loads.map((s) => s.players));
    return ladder.find((n) => n > highest);
  }
  const firstFailIndex = loads.findIndex((s) => !s.pass);
  const bisections = loads.length - firstFailIndex - 1;
  const lo = capacityOf(steps);
  const hi = Math.min(...fails.map((s) => s.players));
  if (bisections >= plan.refine || hi - lo <= 1) return undefined;
  return Math.floor((lo + hi) / 2);
}

/** Why the search ended, from its steps. */
export type StoppedBy = 'targets' | 'cpu' | 'largest load';

export function stoppedBy(steps: StepOutcome[]): StoppedBy {
  const loads = outcomesByLoad(steps);
  if (loads.some((s) => !s.pass)) return 'targets';
  return loads.some((s) => s.saturated) ? 'cpu' : 'largest load';
}

/** Whether the measured processes saturated the machine (`cores` of `cpus` busy). */
export function isSaturated(cores: number, cpus: number, threshold = CPU_SATURATED): boolean {
  return cores >= threshold * cpus;
}

/** A component of the measurement: inside the ECS task or outside it (database, load generator). */
export interface Component {
  name: string;
  inTask: boolean;
}

/** What one component used over a step's sustain window. */
export interface ComponentUsage extends Component {
  /** Mean CPU, in cores (CPU-seconds per second). */
  cores: number;
  /** Peak resident memory, MB. */
  rssMb: number;
  /** CPU per player: ms of CPU per second per player (cores × 1000 / players). */
  cpuMsPerPlayerS: number;
  /** CPU per reply: ms of CPU per agent reply (cores × 1000 / replies per second). */
  cpuMsPerReply: number;
}

const round = (x: number, digits: number) => Number(x.toFixed(digits));

/**
 * Each component's mean CPU and peak RSS over the samples taken in [fromMs, toMs] (the sustain
 * window: the ramp-up would dilute the mean), per player and per reply.
 */
export function usageOf(
  samples: Sample[],
  components: Component[],
  window: { fromMs: number; toMs: number },
  load: { players: number; repliesPerS: number },
): ComponentUsage[] {
  const inWindow = samples.filter((s) => s.tMs > window.fromMs && s.tMs <= window.toMs);
  return components.map((c) => {
    const cores = inWindow.map((s) => s.components[c.name]?.cores ?? 0);
    const mean = cores.length ? cores.reduce((a, b) => a + b, 0) / cores.length : 0;
    const rssKb = Math.max(0, ...inWindow.map((s) => s.components[c.name]?.rssKb ?? 0));
    return {
      ...c,
      cores: round(mean, 4),
      rssMb: round(rssKb / 1024, 1),
      cpuMsPerPlayerS: load.players > 0 ? round((mean * 1000) / load.players, 4) : 0,
      cpuMsPerReply: load.repliesPerS > 0 ? round((mean * 1000) / load.repliesPerS, 3) : 0,
    };
  });
}

/** Mean busy cores of the whole machine over the window (ours and any other work). */
export function machineCoresOf(samples: Sample[], window: { fromMs: number; toMs: number }) {
  const inWindow = samples.filter((s) => s.tMs > window.fromMs && s.tMs <= window.toMs);
  return inWindow.length
    ? round(inWindow.reduce((a, s) => a + s.machineCores, 0) / inWindow.length, 3)
    : 0;
}

export const sumCores = (usage: ComponentUsage[], only?: (c: ComponentUsage) => boolean) =>
  round(
    usage.filter((c) => !only || only(c)).reduce((a, c) => a + c.cores, 0),
    4,
  );

/** Self time of a profiled process, in ms and in % of its busy time, largest first. */
export interface StepProfile {
  busyMs: number;
  byFunction: Array<{ name: string; selfMs: number; pct: number }>;
  byPackage: Array<{ name: string; selfMs: number; pct: number }>;
  /** The .cpuprofile, relative to the repository (open it in Chrome's DevTools). */
  file: string;
}

/**
 * A visit's length: each of its `messages` waits for its reply and is followed by a pause (the
 * last one before the next visit).
 */
export function visitMs(messages: number, replyMs: number, thinkMeanMs: number): number {
  return messages * (replyMs + thinkMeanMs);
}

/**
 * How much faster than in the steady state players send at the end of a step's ramp-up. A player
 * sends its first message as it arrives, so a ramp shorter than a visit packs every player's
 * first visit into it: N / ramp players arriving a second, each with a visit's messages under
 * way, against N / visit in the steady state. A ramp at least a visit long never exceeds the
 * step's load.
 */
export function rampOvershoot(rampUpMs: number, visitLengthMs: number): number {
  if (!(rampUpMs > 0)) return Number.POSITIVE_INFINITY;
  return Math.max(1, visitLengthMs / rampUpMs);
}

/** One step as the capacity report shows it. */
export interface StepRecord {
  players: number;
  pass: boolean;
  failed: string[];
  saturated: boolean;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  errorRate: number;
  errorsByKind: Record<string, number>;
  /** Replies and requests per second over the sustain window. */
  repliesPerS: number;
  requestsPerS: number;
  /** Peak and mean open threads over the task's pools (gateway /health samples). */
  peakThreads: number;
  meanThreads: number;
  usage: ComponentUsage[];
  /** Summed CPU of the measured processes, and of the whole machine, in cores. */
  measuredCores: number;
  machineCores: number;
  /** The load generator's event-loop delay p99 (a late generator reports late replies). */
  loadgenLoopDelayP99Ms: number;
  /** PostgreSQL's costliest statements over the step (`--pg-statements`; ramp-up included). */
  pgStatements?: PgStatement[];
  /** Self time over the sustain window of the profiled components (`--cpu-prof`), by name. */
  profiles?: Record<string, StepProfile>;
  /** Each second's CPU per component, in cores (the whole step, ramp-up included). */
  cpuTimeline: Array<{ tS: number; cores: Record<string, number> }>;
  report: string;
}

/** The task's own processes at one step, scaled to a 2-vCPU task at the scale-out threshold. */
export interface Projection {
  players: number;
  fromStep: number;
  /** Gateway + agents + cron-worker at that step, in cores. */
  taskCores: number;
  /** taskCores / players × pace.scale: CPU-seconds per second per player. */
  coresPerPlayer: number;
  /**
   * Players wait for their replies before they think and send again, so at a step where replies
   * were slow each sent less often than on a task within its CPU threshold, and cost less CPU a
   * second: the step's CPU per player is scaled by the pace of the briskest passing step
   * (replies per player-second) over its own. 1 when the step was the briskest.
   */
  pace: { briskest: number; atStep: number; scale: number };
  vcpus: number;
  threshold: number;
  /** Players at which the gateway alone would use one core (a Node process runs JS on one thread). */
  gatewayOneCorePlayers: number;
  /** The task's CPU per player by component, largest first (share of the task's CPU). */
  shares: Array<{ name: string; share: number; cpuMsPerPlayerS: number }>;
  /**
   * The same with the task's idle CPU (no player) kept apart: players = (threshold × vcpus − idle)
   * / ((taskCores − idle) / players). Undefined without an idle measurement.
   */
  marginal?: { idleCores: number; coresPerPlayer: number; players: number };
}

/**
 * The capacity of a `vcpus` task at `threshold` CPU with the database and load generator outside
 * it: players = threshold × vcpus / (CPU-seconds per second per player of the task's processes),
 * taken at `step` (the largest passing one). Undefined without such a step.
 */
export function projectTask(
  step: StepRecord | undefined,
  vcpus = TASK_VCPUS,
  threshold = SCALE_OUT_CPU,
  idle: ComponentUsage[] = [],
  briskestPace = 0,
): Projection | undefined {
  if (!step || step.players <= 0) return undefined;
  const task = step.usage.filter((c) => c.inTask);
  const taskCores = sumCores(task);
  if (!(taskCores > 0)) return undefined;
  const atStep = step.repliesPerS / step.players;
  const scale = atStep > 0 && briskestPace > atStep ? briskestPace / atStep : 1;
  const coresPerPlayer = (taskCores / step.players) * scale;
  const gateway = step.usage.find((c) => c.name === 'gateway');
  const agents = task.filter((c) => c.name !== 'gateway' && c.name !== 'cron-worker');
  const groups = [
    { name: 'gateway', cores: gateway?.cores ?? 0 },
    { name: `agents (${agents.length})`, cores: sumCores(agents) },
    { name: 'cron-worker', cores: task.find((c) => c.name === 'cron-worker')?.cores ?? 0 },
  ].sort((a, b) => b.cores - a.cores);
  const idleCores = sumCores(idle, (c) => c.inTask);
  const marginalPerPlayer = ((taskCores - idleCores) / step.players) * scale;
  return {
    // The epsilon keeps 1.4 / 0.001 from flooring to 1399 on binary rounding.
    players: Math.floor((threshold * vcpus) / coresPerPlayer + 1e-9),
    fromStep: step.players,
    taskCores,
    coresPerPlayer,
    pace: {
      briskest: round(Math.max(briskestPace, atStep), 4),
      atStep: round(atStep, 4),
      scale: round(scale, 4),
    },
    vcpus,
    threshold,
    gatewayOneCorePlayers:
      gateway && gateway.cores > 0 ? Math.floor(step.players / gateway.cores) : Infinity,
    shares: groups.map((g) => ({
      name: g.name,
      share: round(g.cores / taskCores, 3),
      cpuMsPerPlayerS: round(((g.cores * 1000) / step.players) * scale, 4),
    })),
    ...(idle.length > 0 && marginalPerPlayer > 0
      ? {
          marginal: {
            idleCores,
            coresPerPlayer: marginalPerPlayer,
            players: Math.floor((threshold * vcpus - idleCores) / marginalPerPlayer + 1e-9),
          },
        }
      : {}),
  };
}

/** The highest replies per player-second of the passing steps (0 without one). */
export function briskestPace(steps: StepRecord[]): number {
  return Math.max(
    0,
    ...steps.filter((s) => s.pass && s.players > 0).map((s) => s.repliesPerS / s.players),
  );
}

/** What stopped the load from growing at a failed step, in words. */
export function limitOf(step: StepRecord | undefined, cpus: number, targets: Targets): string {
  if (!step) return 'not reached';
  const parts: string[] = [];
  if (step.failed.includes('p95')) parts.push(`p95 ${num(step.p95Ms)} ms ≥ ${num(targets.p95Ms)}`);
  if (step.failed.includes('p99')) parts.push(`p99 ${num(step.p99Ms)} ms ≥ ${num(targets.p99Ms)}`);
  if (step.failed.includes('errorRate')) {
    const top = Object.entries(step.errorsByKind).sort((a, b) => b[1] - a[1])[0];
    parts.push(`errors ${pct(step.errorRate)}${top ? ` (mostly ${top[0]})` : ''}`);
  }
  if (step.failed.includes('replies')) parts.push('no reply measured');
  if (step.saturated) {
    parts.push(`CPU saturated (${step.measuredCores.toFixed(2)} of ${cpus} cores)`);
  }
  return parts.join(', ') || 'passed';
}

export const num = (n: number) => n.toLocaleString('en-US');
export const pct = (x: number) => `${(x * 100).toFixed(2)} %`;
