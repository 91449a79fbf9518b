// Locks in the Erlang-C reply-time models against textbook values and their own limits: the
// design's exponential M/M/c per pool, and the admission model (per-agent M/G/c, the LLM time by
// its distribution) the gateway's POOL_CAPACITY comes from.
import fc from 'fast-check';
import {
  DEFAULT_ADMISSION_MODEL,
  DEFAULT_POOLING_SETTINGS,
  erlangC,
  estimateReplyTime,
  maxThreadsPerPool,
  serviceTime,
  type AdmissionModel,
  type LatencyDistribution,
  type PoolingSettings,
} from '../src';
import { scaleLatency } from '../src/lib/latency';

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

describe('the admission model (per-agent M/G/c, the LLM time by its distribution)', () => {
  const admission = (overrides: Partial<AdmissionModel> = {}): AdmissionModel => ({
    ...DEFAULT_ADMISSION_MODEL,
    ...overrides,
  });
  const latencies = fc.oneof(
    fc
      .integer({ min: 100, max: 4000 })
      .map((ms): LatencyDistribution => ({ kind: 'fixed', medianMs: ms })),
    fc
      .tuple(fc.integer({ min: 100, max: 3000 }), fc.double({ min: 0, max: 1, noNaN: true }))
      .map(([ms, sigma]): LatencyDistribution => ({ kind: 'lognormal', medianMs: ms, sigma })),
    fc
      .integer({ min: 100, max: 1500 })
      .map((ms): LatencyDistribution => ({ kind: 'exponential', meanMs: ms })),
    fc
      .tuple(fc.integer({ min: 0, max: 2000 }), fc.integer({ min: 1, max: 2000 }))
      .map(([min, span]): LatencyDistribution => ({
        kind: 'uniform',
        minMs: min,
        maxMs: min + span,
      })),
  );
  const models = fc.record({
    agentConcurrency: fc.integer({ min: 1, max: 128 }),
    agentsPerPool: fc.integer({ min: 1, max: 8 }),
    llmLatency: latencies,
    messageIntervalMs: fc.integer({ min: 2000, max: 30_000 }),
    p95TargetMs: fc.integer({ min: 500, max: 6000 }),
  });

  it('holds 2,504 threads per pool with the defaults (64 per agent, a fixed 1.5 s LLM, 10 s between messages)', () => {
    expect(maxThreadsPerPool(DEFAULT_ADMISSION_MODEL)).toBe(2504);
    expect(estimateReplyTime(2504, DEFAULT_ADMISSION_MODEL).p95ReplyMs).toBeLessThanOrEqual(3000);
    expect(Object.isFrozen(DEFAULT_ADMISSION_MODEL)).toBe(true);
  });

  it('holds 115 threads per pool at the former concurrency of 4 per agent', () => {
    expect(maxThreadsPerPool(admission({ agentConcurrency: 4 }))).toBe(115);
  });

  it('takes a fixed LLM time as its own P95: an idle pool answers in 1.5 s, not 4.5 s', () => {
    expect(estimateReplyTime(0, DEFAULT_ADMISSION_MODEL)).toEqual({
      utilisation: 0,
      stable: true,
      probabilityOfWaiting: 0,
      meanWaitMs: 0,
      p95ReplyMs: 1500,
    });
  });

  it('is 0 when the LLM alone misses the target: exponential 1.5 s (P95 4.5 s), lognormal σ 0.8', () => {
    expect(
      maxThreadsPerPool(admission({ llmLatency: { kind: 'exponential', meanMs: 1500 } })),
    ).toBe(0);
    expect(
      maxThreadsPerPool(
        admission({ llmLatency: { kind: 'lognormal', medianMs: 1500, sigma: 0.8 } }),
      ),
    ).toBe(0);
  });

  it('never queues while each agent holds at most its concurrency of threads', () => {
    const model = admission({ agentConcurrency: 4, messageIntervalMs: 1600 });
    expect(estimateReplyTime(24, model)).toMatchObject({
      probabilityOfWaiting: 0,
      p95ReplyMs: 1500,
    });
    expect(estimateReplyTime(25, model).probabilityOfWaiting).toBeGreaterThan(0);
  });

  it('waits like M/M/c with exponential LLM time, and half as long with a fixed one (M/D/c)', () => {
    // One agent, 2 slots, 4 threads, a message per 2 s each: λ = 2/s, E[S] = 0.5 s, a = 1 Erlang.
    const base = {
      agentConcurrency: 2,
      agentsPerPool: 1,
      messageIntervalMs: 2000,
      p95TargetMs: 1e9,
    };
    const exp = estimateReplyTime(4, { ...base, llmLatency: { kind: 'exponential', meanMs: 500 } });
    const fixed = estimateReplyTime(4, { ...base, llmLatency: { kind: 'fixed', medianMs: 500 } });
    const c = erlangC(2, 1);
    expect(c).toBeCloseTo(1 / 3, 12);
    // Mean M/M/c wait C / (cμ − λ) = (1/3) / (4/s − 2/s) = 1/6 s.
    expect(exp.meanWaitMs).toBeCloseTo(1000 / 6, 9);
    expect(fixed.meanWaitMs).toBeCloseTo(1000 / 12, 9);
    // P95: ln(C / 0.05) / (cμ − λ) of wait (× ½ when fixed) plus the LLM's own P95.
    expect(exp.p95ReplyMs).toBeCloseTo((Math.log(c / 0.05) / 2) * 1000 + Math.log(20) * 500, 6);
    expect(fixed.p95ReplyMs).toBeCloseTo((Math.log(c / 0.05) / 4) * 1000 + 500, 6);
  });

  it('is unstable once an agent is offered more than its concurrency', () => {
    const model = admission({ agentConcurrency: 1, agentsPerPool: 1, messageIntervalMs: 1000 });
    expect(estimateReplyTime(2, model)).toMatchObject({ stable: false, p95ReplyMs: Infinity });
  });

  it('finds the most threads that keep P95 within target: one more misses it', () => {
    fc.assert(
      fc.property(models, (model) => {
        const max = maxThreadsPerPool(model);
        if (max > 0)
          expect(estimateReplyTime(max, model).p95ReplyMs).toBeLessThanOrEqual(model.p95TargetMs);
        expect(estimateReplyTime(max + 1, model).p95ReplyMs).toBeGreaterThan(model.p95TargetMs);
      }),
    );
  });

  it('is 0 exactly when the LLM alone misses the target, else at least every slot of every agent', () => {
    fc.assert(
      fc.property(models, (model) => {
        const max = maxThreadsPerPool(model);
        if (serviceTime(model.llmLatency).p95Ms > model.p95TargetMs) expect(max).toBe(0);
        else expect(max).toBeGreaterThanOrEqual(model.agentConcurrency * model.agentsPerPool);
      }),
    );
  });

  it('never holds fewer threads with more concurrency', () => {
    fc.assert(
      fc.property(models, fc.integer({ min: 1, max: 64 }), (model, more) => {
        const wider = { ...model, agentConcurrency: model.agentConcurrency + more };
        expect(maxThreadsPerPool(wider)).toBeGreaterThanOrEqual(maxThreadsPerPool(model));
      }),
    );
  });

  it('never holds more threads with a slower LLM', () => {
    fc.assert(
      fc.property(models, fc.double({ min: 1, max: 3, noNaN: true }), (model, factor) => {
        const slower = { ...model, llmLatency: scaleLatency(model.llmLatency, factor) };
        expect(maxThreadsPerPool(slower)).toBeLessThanOrEqual(maxThreadsPerPool(model));
      }),
    );
  });

  it('never gets faster as threads are added', () => {
    fc.assert(
      fc.property(models, fc.integer({ min: 0, max: 5000 }), (model, threads) => {
        expect(estimateReplyTime(threads + 1, model).p95ReplyMs).toBeGreaterThanOrEqual(
          estimateReplyTime(threads, model).p95ReplyMs,
        );
      }),
    );
  });

  it.each<Partial<AdmissionModel>>([
    { agentConcurrency: 0 },
    { agentConcurrency: 1.5 },
    { agentsPerPool: 0 },
    { messageIntervalMs: 0 },
    { p95TargetMs: Infinity },
    { llmLatency: { kind: 'fixed', medianMs: 0 } },
  ])('rejects %j', (overrides) => {
    expect(() => maxThreadsPerPool(admission(overrides))).toThrow(RangeError);
    expect(() => estimateReplyTime(1, admission(overrides))).toThrow(RangeError);
  });
});
