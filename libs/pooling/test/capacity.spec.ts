// Locks in the design's sizing table and cost line (DESIGN.md §1, §4, §7).
import {
  DEFAULT_POOLING_SETTINGS,
  cpuThreadsPerPool,
  fleetCapacity,
  monthlyCost,
  tasksForPlayers,
  type PoolingSettings,
} from '../src';

describe('DEFAULT_POOLING_SETTINGS', () => {
  it('holds the design: 5 pools × 30 threads per task, 3 to 10 tasks, a 3 s P95 target', () => {
    expect(DEFAULT_POOLING_SETTINGS).toMatchObject({
      poolsPerTask: 5,
      threadsPerPool: 30,
      minTasks: 3,
      maxTasks: 10,
      p95TargetMs: 3000,
      hoursPerMonth: 730,
    });
  });

  it('prices a task-hour so that 5–7 tasks cost $210–294 a month', () => {
    expect(DEFAULT_POOLING_SETTINGS.taskHourPriceUsd).toBeGreaterThan(0.0575);
    expect(DEFAULT_POOLING_SETTINGS.taskHourPriceUsd).toBeLessThan(0.0576);
  });

  it('cannot be changed by an importer', () => {
    expect(Object.isFrozen(DEFAULT_POOLING_SETTINGS)).toBe(true);
  });
});

describe('fleetCapacity', () => {
  it('reproduces the design table: 30 per pool, 150 per task, 450 at 3 tasks, 1,500 at 10', () => {
    expect(fleetCapacity()).toEqual({ perPool: 30, perTask: 150, fleetMin: 450, fleetMax: 1500 });
  });

  it('follows the settings', () => {
    const settings: PoolingSettings = {
      ...DEFAULT_POOLING_SETTINGS,
      poolsPerTask: 4,
      threadsPerPool: 40,
      maxTasks: 12,
    };
    expect(fleetCapacity(settings)).toEqual({
      perPool: 40,
      perTask: 160,
      fleetMin: 480,
      fleetMax: 1920,
    });
  });
});

describe('tasksForPlayers', () => {
  it.each([
    [0, { tasks: 3, required: 0, clamped: 'min', capacity: 450, unserved: 0 }],
    [300, { tasks: 3, required: 2, clamped: 'min', capacity: 450, unserved: 0 }],
    [450, { tasks: 3, required: 3, clamped: null, capacity: 450, unserved: 0 }],
    [451, { tasks: 4, required: 4, clamped: null, capacity: 600, unserved: 0 }],
    [1500, { tasks: 10, required: 10, clamped: null, capacity: 1500, unserved: 0 }],
    [1501, { tasks: 10, required: 11, clamped: 'max', capacity: 1500, unserved: 1 }],
  ])('sizes the fleet for %d concurrent players', (players, expected) => {
    expect(tasksForPlayers(players)).toEqual(expected);
  });

  it.each([-1, Number.NaN, Infinity])('rejects %p players', (players) => {
    expect(() => tasksForPlayers(players)).toThrow(RangeError);
  });
});

describe('monthlyCost', () => {
  it('costs $210 a month for an average of 5 tasks and $294 for 7', () => {
    expect(monthlyCost(5).usd).toBeCloseTo(210, 6);
    expect(monthlyCost(7).usd).toBeCloseTo(294, 6);
    expect(monthlyCost(5).taskHours).toBe(3650);
  });

  it('shares the cost between the players the tasks hold, or the players given', () => {
    expect(monthlyCost(5).usdPerPlayer).toBeCloseTo(210 / 750, 9);
    expect(monthlyCost(5, { concurrentPlayers: 420 }).usdPerPlayer).toBeCloseTo(0.5, 9);
  });

  it('has no cost per player without players: free when nothing runs, infinite otherwise', () => {
    expect(monthlyCost(0)).toEqual({ taskHours: 0, usd: 0, usdPerPlayer: 0 });
    expect(monthlyCost(3, { concurrentPlayers: 0 }).usdPerPlayer).toBe(Infinity);
  });

  it('rejects negative tasks or players', () => {
    expect(() => monthlyCost(-1)).toThrow(/averageTasks/);
    expect(() => monthlyCost(3, { concurrentPlayers: -5 })).toThrow(/concurrentPlayers/);
  });
});

describe('cpuThreadsPerPool', () => {
  const gateway = {
    cpuMsPerReply: 20,
    cores: 1,
    maxUtilisation: 0.9,
    messageIntervalMs: 10_000,
    pools: 5,
  };

  it('shares the replies a core answers over the pools: 45 replies/s × 10 s / 5 pools = 90', () => {
    expect(cpuThreadsPerPool(gateway)).toBe(90);
    expect(cpuThreadsPerPool({ ...gateway, pools: 10 })).toBe(45);
    expect(cpuThreadsPerPool({ ...gateway, cores: 2, cpuMsPerReply: 33.3 })).toBe(108);
  });

  it.each([
    { cpuMsPerReply: 0 },
    { cores: -1 },
    { messageIntervalMs: Infinity },
    { maxUtilisation: 0 },
    { maxUtilisation: 1.5 },
    { pools: 0 },
  ])('rejects %j', (overrides) => {
    expect(() => cpuThreadsPerPool({ ...gateway, ...overrides })).toThrow(RangeError);
  });
});
