// Local supervision like ECS's: a process of the topology that dies (a task's gateway, one of its
// agents, a cron-worker) is started again, after a backoff that doubles on every failure in a row
// and starts over once the process has stayed up for a while. Deliberate restarts and stops go
// through `suspend`/`stop`, so the supervisor never races them.
import type { ExitInfo, ManagedProcess } from './processes';

export interface SupervisorOptions {
  /** Delay before the first restart after a crash. Default 1 s. */
  initialBackoffMs?: number;
  /** The backoff doubles up to this. Default 30 s. */
  maxBackoffMs?: number;
  /** A process up this long counts as healthy: its next crash starts the backoff over. Default 60 s. */
  stableAfterMs?: number;
  /** Told of every exit, restart and failed restart (e.g. for a status line). */
  onEvent?: (event: SupervisorEvent) => void;
}

export type SupervisorEvent =
  | { kind: 'exited'; unit: string; exit: ExitInfo; restartInMs: number }
  | { kind: 'restarted'; unit: string; pid: number; restarts: number }
  | { kind: 'restart-failed'; unit: string; error: Error; restartInMs: number };

/** One supervised process: how to find the live one and how to start a new one. */
export interface SupervisedUnit {
  /** Unique, e.g. `gateway task-1`; restarts are counted under it. */
  name: string;
  /** Restarts are also counted under this group, e.g. `task-1` for a gateway and its agents. */
  group?: string;
  current(): ManagedProcess;
  start(): Promise<ManagedProcess>;
}

interface UnitState {
  unit: SupervisedUnit;
  failures: number;
  restarts: number;
  suspended: number;
  timer: NodeJS.Timeout | undefined;
  watched: ManagedProcess | undefined;
}

const DEFAULTS = { initialBackoffMs: 1_000, maxBackoffMs: 30_000, stableAfterMs: 60_000 };

export class Supervisor {
  private readonly units = new Map<string, UnitState>();
  private readonly settings: typeof DEFAULTS;
  private stopped = false;

  constructor(private readonly options: SupervisorOptions = {}) {
    this.settings = {
      initialBackoffMs: options.initialBackoffMs ?? DEFAULTS.initialBackoffMs,
      maxBackoffMs: options.maxBackoffMs ?? DEFAULTS.maxBackoffMs,
      stableAfterMs: options.stableAfterMs ?? DEFAULTS.stableAfterMs,
    };
  }

  /** Starts watching the unit's current process. */
  watch(unit: SupervisedUnit): void {
    if (this.units.has(unit.name)) throw new Error(`${unit.name} is already supervised`);
    const state: UnitState = {
      unit,
      failures: 0,
      restarts: 0,
      suspended: 0,
      timer: undefined,
      watched: undefined,
    };
    this.units.set(unit.name, state);
    this.follow(state);
  }

  /**
   * Runs a deliberate stop or restart of the unit (e.g. a test replacing a gateway): exits meanwhile
   * are not crashes, and the process the unit has afterwards is the one watched.
   */
  async suspend<T>(name: string, fn: () => Promise<T>): Promise<T> {
    const state = this.units.get(name);
    if (!state) return fn();
    state.suspended += 1;
    clearTimeout(state.timer);
    state.timer = undefined;
    try {
      return await fn();
    } finally {
      state.suspended -= 1;
      if (state.suspended === 0) this.follow(state);
    }
  }

  /** Restarts of one unit, or of every unit of a group (e.g. `task-1`), or of all. */
  restarts(nameOrGroup?: string): number {
    let total = 0;
    for (const s of this.units.values()) {
      if (nameOrGroup === undefined || s.unit.name === nameOrGroup || s.unit.group === nameOrGroup)
        total += s.restarts;
    }
    return total;
  }

  /** No more restarts, from now on (call it before stopping what it supervises). */
  stop(): void {
    this.stopped = true;
    for (const s of this.units.values()) clearTimeout(s.timer);
  }

  private follow(state: UnitState): void {
    if (this.stopped || state.suspended > 0) return;
    const proc = state.unit.current();
    if (!proc.alive()) {
      this.schedule(state, undefined);
      return;
    }
    if (state.watched === proc) return;
    state.watched = proc;
    const startedAt = Date.now();
    void proc.exited.then((exit) => {
      if (state.watched !== proc) return;
      state.watched = undefined;
      if (this.stopped || state.suspended > 0) return;
      if (Date.now() - startedAt >= this.settings.stableAfterMs) state.failures = 0;
      this.schedule(state, exit);
    });
  }

  private backoff(state: UnitState): number {
    const { initialBackoffMs, maxBackoffMs } = this.settings;
    return Math.min(maxBackoffMs, initialBackoffMs * 2 ** Math.min(state.failures, 30));
  }

  private schedule(state: UnitState, exit: ExitInfo | undefined): void {
    if (state.timer) return;
    const delay = this.backoff(state);
    state.failures += 1;
    if (exit)
      this.options.onEvent?.({ kind: 'exited', unit: state.unit.name, exit, restartInMs: delay });
    state.timer = setTimeout(() => {
      state.timer = undefined;
      void this.restart(state);
    }, delay);
  }

  private async restart(state: UnitState): Promise<void> {
    if (this.stopped || state.suspended > 0) return;
    if (state.unit.current().alive()) {
      this.follow(state);
      return;
    }
    try {
      const proc = await state.unit.start();
      if (this.stopped) {
        await proc.stop(2_000);
        return;
      }
      state.restarts += 1;
      this.options.onEvent?.({
        kind: 'restarted',
        unit: state.unit.name,
        pid: proc.pid,
        restarts: state.restarts,
      });
      this.follow(state);
    } catch (error) {
      if (this.stopped) return;
      const restartInMs = this.backoff(state);
      this.options.onEvent?.({
        kind: 'restart-failed',
        unit: state.unit.name,
        error: error instanceof Error ? error : new Error(String(error)),
        restartInMs,
      });
      this.schedule(state, undefined);
    }
  }
}
