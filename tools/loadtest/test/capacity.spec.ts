// Locks in the capacity search (step up until a failure, then bisect; capacity = the largest pass
// below the smallest failure), the predictions taken from libs/pooling, what a failed step is
// blamed on, and the Markdown report's tables and rerun command.
import {
  capacityOf,
  limitOf,
  nextPlayers,
  predict,
  renderCapacityDoc,
  type CapacityRun,
  type StepRecord,
} from '../src/lib/capacity';

const plan = { start: 50, step: 50, max: 400, refine: 1, confirm: 0 };

describe('capacity search', () => {
  it('starts at the first load and steps up while runs pass', () => {
    expect(nextPlayers(plan, [])).toBe(50);
    expect(nextPlayers(plan, [{ players: 50, pass: true }])).toBe(100);
    expect(
      nextPlayers(plan, [
        { players: 50, pass: true },
        { players: 100, pass: true },
      ]),
    ).toBe(150);
  });

  it('stops at the maximum when everything passes', () => {
    const small = { ...plan, max: 120 };
    expect(nextPlayers(small, [{ players: 100, pass: true }])).toBe(120);
    expect(nextPlayers(small, [{ players: 120, pass: true }])).toBeUndefined();
  });

  it('bisects between the last pass and the first failure, as many times as planned', () => {
    const steps = [
      { players: 50, pass: true },
      { players: 100, pass: true },
      { players: 150, pass: false },
    ];
    expect(nextPlayers(plan, steps)).toBe(125);
    expect(nextPlayers(plan, [...steps, { players: 125, pass: true }])).toBeUndefined();
    const twice = { ...plan, refine: 2 };
    expect(nextPlayers(twice, [...steps, { players: 125, pass: true }])).toBe(137);
    expect(nextPlayers(twice, [...steps, { players: 125, pass: false }])).toBe(112);
  });

  it('bisects below the first load when even that fails, and stops when no load is left between', () => {
    expect(nextPlayers(plan, [{ players: 50, pass: false }])).toBe(25);
    expect(
      nextPlayers({ ...plan, refine: 5 }, [
        { players: 1, pass: true },
        { players: 2, pass: false },
      ]),
    ).toBeUndefined();
  });

  it('takes the largest pass below the smallest failure as the capacity', () => {
    expect(capacityOf([])).toBe(0);
    expect(capacityOf([{ players: 50, pass: false }])).toBe(0);
    expect(
      capacityOf([
        { players: 50, pass: true },
        { players: 100, pass: false },
        { players: 75, pass: true },
      ]),
    ).toBe(75);
    // A noisy pass above a failure does not count.
    expect(
      capacityOf([
        { players: 50, pass: true },
        { players: 100, pass: false },
        { players: 150, pass: true },
      ]),
    ).toBe(50);
  });
});

describe('confirming failures', () => {
  const confirming = { ...plan, confirm: 1 };

  it('runs a failed load again before believing it', () => {
    expect(nextPlayers(confirming, [{ players: 50, pass: false }])).toBe(50);
    expect(
      nextPlayers(confirming, [
        { players: 50, pass: true },
        { players: 100, pass: false },
      ]),
    ).toBe(100);
  });

  it('counts a load as passed when any attempt passed, and moves on', () => {
    const steps = [
      { players: 50, pass: true },
      { players: 100, pass: false },
      { players: 100, pass: true },
    ];
    expect(nextPlayers(confirming, steps)).toBe(150);
    expect(capacityOf(steps)).toBe(100);
  });

  it('bisects once both attempts failed, and confirms the bisection step too', () => {
    const steps = [
      { players: 50, pass: true },
      { players: 100, pass: false },
      { players: 100, pass: false },
    ];
    expect(nextPlayers(confirming, steps)).toBe(75);
    expect(nextPlayers(confirming, [...steps, { players: 75, pass: false }])).toBe(75);
    expect(
      nextPlayers(confirming, [
        ...steps,
        { players: 75, pass: false },
        { players: 75, pass: false },
      ]),
    ).toBeUndefined();
    expect(capacityOf([...steps, { players: 75, pass: false }, { players: 75, pass: false }])).toBe(
      50,
    );
  });
});

describe('predictions', () => {
  it("takes the design's sizing and the Erlang-C limits from libs/pooling", () => {
    const p = predict(5, {
      llmLatencyMs: 1500,
      agentConcurrencyPerPool: 24,
      messagesPerThreadPerSec: 0.1,
    });
    expect(p.designPlayers).toBe(150);
    expect(p.erlangDefaultThreadsPerPool).toBe(46);
    expect(p.erlangDefaultPlayers).toBe(230);
    // Exponential service: the modelled p95 of an idle pool is ln(20) × 1.5 s ≈ 4.5 s > 3 s.
    expect(p.erlangMeasuredIdleP95Ms).toBeGreaterThan(4400);
    expect(p.erlangMeasuredPlayers).toBe(0);
    expect(predict(10, p.measuredSettings).designPlayers).toBe(300);
  });
});

const step = (over: Partial<StepRecord>): StepRecord => ({
  players: 100,
  pass: true,
  failed: [],
  p50Ms: 1600,
  p95Ms: 1900,
  p99Ms: 2300,
  errorRate: 0,
  errorsByKind: {},
  repliesPerS: 9.5,
  messagesPerS: 9.6,
  peakThreads: 80,
  meanThreads: 70.5,
  report: 'reports/load-tests/x',
  ...over,
});

describe('limits', () => {
  it('blames admission when pools were full, other errors by kind, else latency', () => {
    expect(
      limitOf(
        step({
          pass: false,
          failed: ['errorRate'],
          errorsByKind: { 'http_503:capacity_exhausted': 40, x: 1 },
        }),
        30,
        5,
      ),
    ).toBe('admission: every pool full (POOL_CAPACITY 30 × 5 pools)');
    expect(
      limitOf(
        step({ pass: false, failed: ['errorRate'], errorsByKind: { 'timeout:reply': 9 } }),
        30,
        5,
      ),
    ).toBe('errors (timeout:reply)');
    expect(limitOf(step({ pass: false, failed: ['p95'], p95Ms: 3400, p99Ms: 4100 }), 30, 5)).toBe(
      'latency (p95 3400 ms, p99 4100 ms)',
    );
    expect(limitOf(undefined, 30, 5)).toMatch(/every step passed/);
  });
});

describe('capacity document', () => {
  it('tables the measured capacity next to the predictions, with every step and the rerun command', () => {
    const run: CapacityRun = {
      startedAt: '2026-11-28T08:00:00.000Z',
      finishedAt: '2026-11-28T08:20:00.000Z',
      command: 'npm run capacity -- --pools 5',
      machine: {
        cpus: 2,
        cpuModel: 'Test CPU',
        node: '20.20.0',
        loadBefore: [3, 2, 1],
        loadAfter: [4, 3, 2],
      },
      settings: {
        agentLatency: 'fixed:1500',
        agentConcurrency: 4,
        think: '5s:10s',
        messagesPerConversation: 3,
        stepDuration: '75s',
        rampUp: '15s',
        warmup: '20s',
        plan,
      },
      results: [
        {
          pools: 5,
          poolCapacity: 30,
          capacity: 100,
          steps: [
            step({ players: 50 }),
            step({ players: 100 }),
            step({
              players: 150,
              pass: false,
              failed: ['errorRate'],
              errorRate: 0.04,
              errorsByKind: { 'http_503:capacity_exhausted': 12 },
            }),
          ],
        },
      ],
    };
    const predictions = new Map([
      [
        5,
        predict(5, {
          llmLatencyMs: 1500,
          agentConcurrencyPerPool: 24,
          messagesPerThreadPerSec: 0.11,
        }),
      ],
    ]);
    const doc = renderCapacityDoc(run, predictions);
    expect(doc).toContain('npm run capacity -- --pools 5');
    expect(doc).toContain(
      '| 5 | **100** | 150 | 230 (46/pool) | 0 | 150 players: admission: every pool full',
    );
    expect(doc).toContain(
      '| 150 | FAIL (errorRate) | 1,600 ms | 1,900 ms | 2,300 ms | 4.00 % | http_503:capacity_exhausted × 12',
    );
    expect(doc).toContain('3.00 / 2.00 / 1.00 before');
    // A 1-minute load of 3 on 2 cores before the run: other work was running.
    expect(doc).toContain('The machine was shared with other work while this ran');
    const quiet = renderCapacityDoc(
      { ...run, machine: { ...run.machine, loadBefore: [1.9, 2, 2] } },
      predictions,
    );
    expect(quiet).toContain('Nothing else ran on the machine');
    expect(quiet).not.toContain('shared with other work');
  });
});
