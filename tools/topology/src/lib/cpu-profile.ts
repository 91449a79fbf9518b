// Summaries of a V8 CPU profile (taken over the inspector, as `node --cpu-prof` would) for the
// gateway bench and the capacity search: self time by function and by package, so a report says
// where a process's CPU went without opening DevTools.
import path from 'node:path';
import { WebSocket } from 'undici';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}

export interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

export interface ProfileFrame {
  name: string;
  selfMs: number;
  /** Share of the busy (non-idle) time of the profile, in %. */
  pct: number;
}

export interface ProfileSummary {
  /** Sampled time on a CPU (the profile minus `(idle)`), ms. */
  busyMs: number;
  byFunction: ProfileFrame[];
  byPackage: ProfileFrame[];
}

/** V8's pseudo-frames: `(idle)` is waiting for work, the others are real CPU time. */
const IDLE = '(idle)';

/** The package a script belongs to: an npm package, a project of this repo, or Node itself. */
export function packageOf(url: string, functionName: string, root: string): string {
  if (url === '') return functionName.startsWith('(') ? functionName : '(native)';
  if (url.startsWith('node:')) return 'node';
  const file = url.startsWith('file://') ? decodeURIComponent(new URL(url).pathname) : url;
  const nm = file.lastIndexOf('/node_modules/');
  if (nm >= 0) {
    const parts = file.slice(nm + '/node_modules/'.length).split('/');
    return parts[0]?.startsWith('@') ? `${parts[0]}/${parts[1]}` : (parts[0] ?? 'node_modules');
  }
  const rel = path.relative(root, file);
  if (rel.startsWith('..')) return 'other';
  const parts = rel.split(path.sep);
  // libs/db's generated Prisma client is Prisma's code, not ours.
  if (parts[0] === 'libs' && parts[3] === 'generated') return `${parts[1]} (prisma generated)`;
  return parts.slice(0, 2).join('/');
}

function frameName(node: ProfileNode, root: string): string {
  const { functionName, url, lineNumber } = node.callFrame;
  if (url === '') return functionName || '(anonymous)';
  const file = url.startsWith('file://') ? decodeURIComponent(new URL(url).pathname) : url;
  const nm = file.lastIndexOf('/node_modules/');
  const where = nm >= 0 ? file.slice(nm + '/node_modules/'.length) : path.relative(root, file);
  return `${functionName || '(anonymous)'} ${where}:${lineNumber + 1}`;
}

function top(totals: Map<string, number>, busyUs: number, n: number): ProfileFrame[] {
  return [...totals.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(([name, us]) => ({
      name,
      selfMs: Math.round(us / 1000),
      pct: Math.round((us / Math.max(1, busyUs)) * 1000) / 10,
    }));
}

/** Self time of a profile grouped by function and by package, the `n` largest of each. */
export function summariseProfile(profile: CpuProfile, root: string, n = 15): ProfileSummary {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const selfUs = new Map<number, number>();
  profile.samples.forEach((id, i) => {
    selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
  });
  const fns = new Map<string, number>();
  const pkgs = new Map<string, number>();
  let busyUs = 0;
  for (const [id, us] of selfUs) {
    const node = byId.get(id);
    if (!node || node.callFrame.functionName === IDLE) continue;
    busyUs += us;
    const fn = frameName(node, root);
    fns.set(fn, (fns.get(fn) ?? 0) + us);
    const pkg = packageOf(node.callFrame.url, node.callFrame.functionName, root);
    pkgs.set(pkg, (pkgs.get(pkg) ?? 0) + us);
  }
  return {
    busyMs: Math.round(busyUs / 1000),
    byFunction: top(fns, busyUs, n),
    byPackage: top(pkgs, busyUs, n),
  };
}

/**
 * The V8 profiler of another Node process, driven over its inspector (`--inspect=host:port`):
 * the bench profiles the gateway during the phases it measures, not its start-up and set-up.
 */
export class RemoteProfiler {
  private nextId = 1;
  private readonly pending = new Map<number, (result: unknown) => void>();

  private constructor(private readonly ws: WebSocket) {
    ws.addEventListener('message', (event) => {
      const msg = JSON.parse(String(event.data)) as { id?: number; result?: unknown };
      if (msg.id !== undefined) this.pending.get(msg.id)?.(msg.result);
    });
  }

  /** Connects to the inspector listening on `inspectUrl` (`http://host:port`). */
  static async connect(inspectUrl: string): Promise<RemoteProfiler> {
    const list = (await (await fetch(`${inspectUrl}/json/list`)).json()) as Array<{
      webSocketDebuggerUrl: string;
    }>;
    const target = list[0]?.webSocketDebuggerUrl;
    if (!target) throw new Error(`no inspector target at ${inspectUrl}`);
    const ws = new WebSocket(target);
    await new Promise<void>((resolve, reject) => {
      ws.addEventListener('open', () => resolve(), { once: true });
      ws.addEventListener('error', () => reject(new Error(`cannot open ${target}`)), {
        once: true,
      });
    });
    const profiler = new RemoteProfiler(ws);
    await profiler.call('Profiler.enable');
    return profiler;
  }

  private call(method: string, params: Record<string, unknown> = {}): Promise<unknown> {
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.pending.set(id, (result) => {
        this.pending.delete(id);
        resolve(result);
      });
      this.ws.send(JSON.stringify({ id, method, params }));
    });
  }

  async start(intervalUs = 1000): Promise<void> {
    await this.call('Profiler.setSamplingInterval', { interval: intervalUs });
    await this.call('Profiler.start');
  }

  async stop(): Promise<CpuProfile> {
    const r = (await this.call('Profiler.stop')) as { profile: CpuProfile };
    return r.profile;
  }

  close(): void {
    this.ws.close();
  }
}
