// Locks in the Erlang-C reply-time model against textbook values and its own limits.
import fc from 'fast-check';
import {
  DEFAULT_POOLING_SETTINGS,
  erlangC,
  estimateReplyTime,
  maxThreadsPerPool,
  type PoolingSettings,
} from '../src';

const LN20 = Math.log(20); // P95 of an exponential is ln(20) × its mean

function model(overrides: Partial<PoolingSettings>): PoolingSettings {
  return { ...DEFAULT_POOLING_SETTINGS, ...overrides };
}

describe('erlangC', () => {
  it('matches textbook values: C(3 servers, 2 Erlangs) = 4/9, C(11, 10) ≈ 0.6821', () => {
    expect(erlangC(3, 2)).toBeCloseTo(4 / 9, 12);
    expect(erlangC(11, 10)).toBeCloseTo(0.6821, 4);
  });

  it('is the utilisation for a single server (M/M/1)', () => {
    expect(erlangC(1, 0.3)).toBeCloseTo(0.3, 12);
  });

  it('is 0 without load and 1 once the load reaches the servers', () => {
    expect(erlangC(4, 0)).toBe(0);
    expect(erlangC(4, 4)).toBe(1);
    expect(erlangC(4, 9)).toBe(1);
  });

  it('stays a probability for large fleets', () => {
    const c = erlangC(500, 480);
    expect(c).toBeGreaterThan(0);
    expect(c).toBeLessThan(1);
  });

  it.each([
    [0, 1],
    [2.5, 1],
    [3, -1],
    [3, Number.NaN],
  ])('rejects %p servers with %p Erlangs', (servers, load) => {
    expect(() => erlangC(servers, load)).toThrow(RangeError);
  });
});

describe('estimateReplyTime', () => {
  it('gives an M/M/1 queue its exponential reply time: P95 = ln 20 / (μ − λ)', () => {
    // λ = 0.5/s, μ = 1/s.
    const estimate = estimateReplyTime(
      1,
      model({ agentConcurrencyPerPool: 1, llmLatencyMs: 1000, messagesPerThreadPerSec: 0.5 }),
    );
    expect(estimate.utilisation).toBeCloseTo(0.5, 12);
    expect(estimate.probabilityOfWaiting).toBeCloseTo(0.5, 12);
    expect(estimate.meanWaitMs).toBeCloseTo(1000, 6);
    expect(estimate.p95ReplyMs).toBeCloseTo((LN20 / 0.5) * 1000, 3);
  });

  it('is the LLM latency alone for an idle pool', () => {
    const estimate = estimateReplyTime(0);
    expect(estimate.probabilityOfWaiting).toBe(0);
    expect(estimate.p95ReplyMs).toBeCloseTo(LN20 * DEFAULT_POOLING_SETTINGS.llmLatencyMs, 3);
  });

  it('is continuous where the wait drains at the service rate (λ = (c − 1)μ)', () => {
    const at = (rate: number) =>
      estimateReplyTime(
        1,
        model({ agentConcurrencyPerPool: 2, llmLatencyMs: 1000, messagesPerThreadPerSec: rate }),
      ).p95ReplyMs;
    expect(at(1)).toBeCloseTo(at(1 + 1e-7), 2);
    expect(at(1)).toBeCloseTo(at(1 - 1e-7), 2);
  });

  it('reports an overloaded pool as unstable with infinite times', () => {
    const estimate = estimateReplyTime(
      100,
      model({ agentConcurrencyPerPool: 2, llmLatencyMs: 1000, messagesPerThreadPerSec: 0.1 }),
    );
    expect(estimate).toMatchObject({ stable: false, meanWaitMs: Infinity, p95ReplyMs: Infinity });
    expect(estimate.utilisation).toBeCloseTo(5, 12);
  });

  it('puts the design load, 30 threads per pool, under the 3 s P95 target', () => {
    const estimate = estimateReplyTime(30);
    expect(estimate.stable).toBe(true);
    expect(estimate.p95ReplyMs).toBeLessThan(DEFAULT_POOLING_SETTINGS.p95TargetMs);
  });

  it('never gets faster as threads are added', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 60 }),
        fc.integer({ min: 1, max: 10 }),
        (threads, c) => {
          const settings = model({ agentConcurrencyPerPool: c });
          expect(estimateReplyTime(threads + 1, settings).p95ReplyMs).toBeGreaterThanOrEqual(
            estimateReplyTime(threads, settings).p95ReplyMs,
          );
        },
      ),
    );
  });

  it.each([
    [-1, {}],
    [1, { llmLatencyMs: 0 }],
    [1, { messagesPerThreadPerSec: -1 }],
    [1, { agentConcurrencyPerPool: 0 }],
  ])('rejects %p threads with settings %j', (threads, overrides) => {
    expect(() => estimateReplyTime(threads, model(overrides))).toThrow(RangeError);
  });
});

describe('maxThreadsPerPool', () => {
  it('finds the most threads that keep P95 within target: one more misses it', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 12 }),
        fc.integer({ min: 200, max: 950 }),
        fc.double({ min: 0.01, max: 0.5, noNaN: true }),
        fc.integer({ min: 1000, max: 10_000 }),
        (c, latency, rate, target) => {
          const settings = model({
            agentConcurrencyPerPool: c,
            llmLatencyMs: latency,
            messagesPerThreadPerSec: rate,
            p95TargetMs: target,
          });
          const max = maxThreadsPerPool(settings);
          if (max > 0)
            expect(estimateReplyTime(max, settings).p95ReplyMs).toBeLessThanOrEqual(target);
          expect(estimateReplyTime(max + 1, settings).p95ReplyMs).toBeGreaterThan(target);
        },
      ),
    );
  });

  it('holds 46 threads per pool for a 3 s P95 with the default traffic assumptions', () => {
    expect(maxThreadsPerPool()).toBe(46);
  });

  it('is 0 when even an idle pool misses the target', () => {
    expect(maxThreadsPerPool(model({ llmLatencyMs: 2000 }))).toBe(0);
  });

  it('rejects a missing target or traffic', () => {
    expect(() => maxThreadsPerPool(model({ p95TargetMs: 0 }))).toThrow(/p95TargetMs/);
    expect(() => maxThreadsPerPool(model({ messagesPerThreadPerSec: 0 }))).toThrow(
      /messagesPerThreadPerSec/,
    );
  });
});
