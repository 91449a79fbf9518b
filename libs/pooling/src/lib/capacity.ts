import { DEFAULT_POOLING_SETTINGS, type PoolingSettings } from './settings';

export interface FleetCapacity {
  /** Concurrent players (one active thread each) per pool. */
  readonly perPool: number;
  /** Concurrent players per task: pools per task × threads per pool. */
  readonly perTask: number;
  /** Concurrent players at the minimum task count. */
  readonly fleetMin: number;
  /** Concurrent players at the maximum task count. */
  readonly fleetMax: number;
}

export interface TasksNeeded {
  /** Tasks to run: the tasks required, clamped to [minTasks, maxTasks]. */
  readonly tasks: number;
  /** Tasks the load needs before clamping. */
  readonly required: number;
  /** Which bound clamped `required`, if any. */
  readonly clamped: 'min' | 'max' | null;
  /** Concurrent players `tasks` hold. */
  readonly capacity: number;
  /** Players beyond `capacity`: more than the fleet can take at its maximum. */
  readonly unserved: number;
}

export interface MonthlyCost {
  readonly taskHours: number;
  readonly usd: number;
  /** `usd` per concurrent player (the players given, else the capacity of the tasks). */
  readonly usdPerPlayer: number;
}

function requireNonNegative(name: string, value: number): void {
  if (!Number.isFinite(value) || value < 0) {
    throw new RangeError(`${name} must be a finite number ≥ 0, got ${value}`);
  }
}

/** Capacity per pool, per task and per fleet (design: 30, 150, 450 at 3 tasks, 1,500 at 10). */
export function fleetCapacity(settings: PoolingSettings = DEFAULT_POOLING_SETTINGS): FleetCapacity {
  const perTask = settings.poolsPerTask * settings.threadsPerPool;
  return {
    perPool: settings.threadsPerPool,
    perTask,
    fleetMin: perTask * settings.minTasks,
    fleetMax: perTask * settings.maxTasks,
  };
}

/** Tasks needed to hold `players` concurrent players, within the service's task bounds. */
export function tasksForPlayers(
  players: number,
  settings: PoolingSettings = DEFAULT_POOLING_SETTINGS,
): TasksNeeded {
  requireNonNegative('players', players);
  const { perTask } = fleetCapacity(settings);
  const required = Math.ceil(players / perTask);
  const clamped =
    required < settings.minTasks ? 'min' : required > settings.maxTasks ? 'max' : null;
  const tasks =
    clamped === 'min' ? settings.minTasks : clamped === 'max' ? settings.maxTasks : required;
  const capacity = tasks * perTask;
  return { tasks, required, clamped, capacity, unserved: Math.max(0, players - capacity) };
}

/**
 * Monthly cost of running `averageTasks` tasks (a fractional average is fine) and its cost per
 * concurrent player. An estimate from the settings' task-hour price, not a bill.
 */
export function monthlyCost(
  averageTasks: number,
  options: { readonly concurrentPlayers?: number } = {},
  settings: PoolingSettings = DEFAULT_POOLING_SETTINGS,
): MonthlyCost {
  requireNonNegative('averageTasks', averageTasks);
  const players = options.concurrentPlayers ?? averageTasks * fleetCapacity(settings).perTask;
  requireNonNegative('concurrentPlayers', players);
  const taskHours = averageTasks * settings.hoursPerMonth;
  const usd = taskHours * settings.taskHourPriceUsd;
  // No players: nothing to share the cost between (free when nothing runs either).
  const usdPerPlayer = players > 0 ? usd / players : usd > 0 ? Infinity : 0;
  return { taskHours, usd, usdPerPlayer };
}

export interface CpuBudget {
  /** CPU time one player message and its reply cost the process (or task), in ms. */
  readonly cpuMsPerReply: number;
  /** Cores it may use: 1 for one Node process (one event loop), the vCPUs for a whole task. */
  readonly cores: number;
  /** Share of those cores the pools may fill, in (0, 1]: headroom for bursts and GC. */
  readonly maxUtilisation: number;
  /** Time between two messages of one thread (player think time + reply), in ms. */
  readonly messageIntervalMs: number;
  /** Pools sharing the budget (a gateway's `POOL_COUNT`). */
  readonly pools: number;
}

/**
 * Threads per pool a CPU budget answers: replies per second within `maxUtilisation` of `cores`
 * (cores × maxUtilisation × 1000 / cpuMsPerReply), each thread sending one message per
 * `messageIntervalMs`, shared by `pools`. Use it beside `maxThreadsPerPool(model)`: the smaller
 * of the two is what a pool can hold.
 */
export function cpuThreadsPerPool(budget: CpuBudget): number {
  const { cpuMsPerReply, cores, maxUtilisation, messageIntervalMs, pools } = budget;
  for (const [name, value] of Object.entries({ cpuMsPerReply, cores, messageIntervalMs })) {
    if (!(value > 0) || !Number.isFinite(value)) {
      throw new RangeError(`${name} must be a finite number > 0, got ${value}`);
    }
  }
  if (!(maxUtilisation > 0 && maxUtilisation <= 1)) {
    throw new RangeError(`maxUtilisation must be in (0, 1], got ${maxUtilisation}`);
  }
  if (!Number.isInteger(pools) || pools < 1) {
    throw new RangeError(`pools must be a positive integer, got ${pools}`);
  }
  // Rounded to a micro-thread first, so that 0.9 × 1000 / 20 × 10 / 5 is 90, not 89.99….
  const threads = (cores * maxUtilisation * messageIntervalMs) / cpuMsPerReply / pools;
  return Math.floor(Math.round(threads * 1e6) / 1e6);
}
