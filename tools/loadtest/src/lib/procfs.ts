// What the capacity bench reads from Linux's /proc to tell where a task's CPU and memory go: the
// CPU time of each thread (`schedstat`), the resident memory of each process (`status`), a
// process's parent (`stat`, to find PostgreSQL's backends) and the machine's busy time (`stat`).
// Parsers are pure (fixture-tested); the sampler reads /proc once a second.
import { readdirSync, readFileSync } from 'node:fs';

/** CPU time a thread has run, in ns: the first field of `/proc/<pid>/task/<tid>/schedstat`. */
export function parseSchedstat(text: string): number {
  const first = text.trim().split(/\s+/)[0];
  const ns = Number(first);
  if (first === undefined || first === '' || !Number.isFinite(ns)) {
    throw new SyntaxError(`not a schedstat line: "${text.trim()}"`);
  }
  return ns;
}

/** Resident memory of a process from `/proc/<pid>/status`, in kB (missing fields: 0). */
export interface MemoryKb {
  rss: number;
  anon: number;
  file: number;
  shmem: number;
}

export function parseStatus(text: string): MemoryKb {
  const field = (name: string): number => {
    const m = new RegExp(`^${name}:\\s+(\\d+)\\s+kB`, 'm').exec(text);
    return m ? Number(m[1]) : 0;
  };
  return {
    rss: field('VmRSS'),
    anon: field('RssAnon'),
    file: field('RssFile'),
    shmem: field('RssShmem'),
  };
}

/**
 * Resident memory of a group of processes (PostgreSQL's postmaster and backends) without counting
 * shared pages once per process: every process's private (anonymous) pages plus the largest
 * file-backed and shared part of any one of them (shared_buffers is mapped by all).
 */
export function groupRssKb(members: MemoryKb[]): number {
  if (members.length === 1) return (members[0] as MemoryKb).rss;
  const anon = members.reduce((sum, m) => sum + m.anon, 0);
  const shared = Math.max(0, ...members.map((m) => m.file + m.shmem));
  return anon + shared;
}

/** The parent PID and start time (clock ticks since boot) from `/proc/<pid>/stat`. */
export function parseProcStat(text: string): { ppid: number; startTicks: number } {
  // The command name is in parentheses and may itself hold spaces or parentheses.
  const close = text.lastIndexOf(')');
  if (close < 0) throw new SyntaxError('not a /proc/<pid>/stat line');
  const fields = text
    .slice(close + 2)
    .trim()
    .split(/\s+/);
  // Fields after the name start at field 3 (state): ppid is field 4, starttime field 22.
  return { ppid: Number(fields[1]), startTicks: Number(fields[19]) };
}

/** Busy and total jiffies of all CPUs from the `cpu` line of `/proc/stat`. */
export function parseMachineStat(text: string): { busy: number; total: number } {
  const line = text.split('\n').find((l) => l.startsWith('cpu '));
  if (!line) throw new SyntaxError('no cpu line in /proc/stat');
  const [user, nice, system, idle, iowait, irq, softirq, steal] = line
    .trim()
    .split(/\s+/)
    .slice(1)
    .map(Number) as number[];
  const busy =
    (user ?? 0) + (nice ?? 0) + (system ?? 0) + (irq ?? 0) + (softirq ?? 0) + (steal ?? 0);
  return { busy, total: busy + (idle ?? 0) + (iowait ?? 0) };
}

/** The first line of PostgreSQL's `postmaster.pid` (in its data directory) is its PID. */
export function parsePostmasterPid(text: string): number {
  const pid = Number(text.split('\n')[0]?.trim());
  if (!Number.isInteger(pid) || pid <= 0) throw new SyntaxError('no PID in postmaster.pid');
  return pid;
}

/** `root` and every process below it, given each process's parent. */
export function descendants(root: number, parents: Map<number, number>): number[] {
  const children = new Map<number, number[]>();
  for (const [pid, ppid] of parents) children.set(ppid, [...(children.get(ppid) ?? []), pid]);
  const out: number[] = [];
  const queue = [root];
  while (queue.length) {
    const pid = queue.shift() as number;
    out.push(pid);
    queue.push(...(children.get(pid) ?? []));
  }
  return out;
}

const read = (file: string): string | undefined => {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined; // the process or thread exited between listing and reading
  }
};

/** CPU ns of all threads of a process (GC and libuv threads included); undefined once gone. */
export function processCpuNs(pid: number): number | undefined {
  let tids: string[];
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return undefined;
  }
  let ns = 0;
  for (const tid of tids) {
    const text = read(`/proc/${pid}/task/${tid}/schedstat`);
    if (text !== undefined) ns += parseSchedstat(text);
  }
  return ns;
}

/** Every process's parent, from a scan of /proc. */
export function processParents(): Map<number, { ppid: number; startTicks: number }> {
  const out = new Map<number, { ppid: number; startTicks: number }>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const text = read(`/proc/${entry}/stat`);
    if (text !== undefined) out.set(Number(entry), parseProcStat(text));
  }
  return out;
}

/** A component the bench accounts for: one process, or a process and its descendants. */
export interface Tracked {
  name: string;
  /** Inside the ECS task (gateway, agents, cron-worker) or outside it (database, load generator). */
  inTask: boolean;
  pid: () => number | undefined;
  withDescendants?: boolean;
}

/** One second of one component: CPU in cores (CPU-seconds per second) and resident memory. */
export interface ComponentSample {
  cores: number;
  rssKb: number;
}

export interface Sample {
  /** Ms since the sampler started. */
  tMs: number;
  components: Record<string, ComponentSample>;
  /** The whole machine's busy CPUs (ours and everybody else's), from /proc/stat. */
  machineCores: number;
}

/**
 * Samples every tracked component once a `intervalMs` from `start()` to `stop()`: CPU as the
 * change of the summed thread run time of its processes (a process first seen after the start —
 * a new PostgreSQL backend — counts from zero), RSS as read at the sample.
 */
export class ProcSampler {
  readonly samples: Sample[] = [];
  private timer: NodeJS.Timeout | undefined;
  private t0 = 0;
  private lastT = 0;
  private lastCpu = new Map<string, Map<string, number>>();
  private lastMachine: { busy: number; total: number } | undefined;
  private readonly cpus: number;

  constructor(
    private readonly tracked: Tracked[],
    cpus: number,
    private readonly intervalMs = 1000,
  ) {
    this.cpus = cpus;
  }

  start(): void {
    this.t0 = performance.now();
    this.lastT = 0;
    this.lastCpu = this.readCpu().cpu;
    this.lastMachine = parseMachineStat(readFileSync('/proc/stat', 'utf8'));
    this.timer = setInterval(() => this.sample(), this.intervalMs);
    this.timer.unref();
  }

  stop(): Sample[] {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    return this.samples;
  }

  /** The newest sample's summed CPU of every component, in cores (0 before the first). */
  latestCores(): number {
    const last = this.samples[this.samples.length - 1];
    return last ? Object.values(last.components).reduce((s, c) => s + c.cores, 0) : 0;
  }

  private pidsOf(t: Tracked, parents: Map<number, { ppid: number; startTicks: number }>) {
    const pid = t.pid();
    if (pid === undefined) return [];
    if (!t.withDescendants) return [pid];
    const byParent = new Map([...parents].map(([p, s]) => [p, s.ppid] as const));
    return descendants(pid, byParent);
  }

  /** Per component, each process's CPU ns keyed `<pid>@<start>` (a reused PID is a new process). */
  private readCpu(): { cpu: Map<string, Map<string, number>>; rss: Map<string, number> } {
    const parents = processParents();
    const cpu = new Map<string, Map<string, number>>();
    const rss = new Map<string, number>();
    for (const t of this.tracked) {
      const members: MemoryKb[] = [];
      const own = new Map<string, number>();
      cpu.set(t.name, own);
      for (const pid of this.pidsOf(t, parents)) {
        const ns = processCpuNs(pid);
        if (ns === undefined) continue;
        own.set(`${pid}@${parents.get(pid)?.startTicks ?? 0}`, ns);
        const status = read(`/proc/${pid}/status`);
        if (status !== undefined) members.push(parseStatus(status));
      }
      rss.set(t.name, members.length ? groupRssKb(members) : 0);
    }
    return { cpu, rss };
  }

  private sample(): void {
    const tMs = performance.now() - this.t0;
    const { cpu, rss } = this.readCpu();
    const dtNs = (tMs - this.lastT) * 1e6;
    const components: Record<string, ComponentSample> = {};
    for (const t of this.tracked) {
      const before = this.lastCpu.get(t.name);
      let ns = 0;
      for (const [key, value] of cpu.get(t.name) ?? []) ns += value - (before?.get(key) ?? 0);
      components[t.name] = {
        cores: dtNs > 0 ? Math.max(0, ns / dtNs) : 0,
        rssKb: rss.get(t.name) ?? 0,
      };
    }
    const machine = parseMachineStat(readFileSync('/proc/stat', 'utf8'));
    const last = this.lastMachine ?? machine;
    const dTotal = machine.total - last.total;
    const machineCores = dTotal > 0 ? ((machine.busy - last.busy) / dTotal) * this.cpus : 0;
    this.samples.push({ tMs: Math.round(tMs), components, machineCores });
    this.lastCpu = cpu;
    this.lastT = tMs;
    this.lastMachine = machine;
  }
}
