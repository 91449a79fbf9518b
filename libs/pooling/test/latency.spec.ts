// Locks in the LLM latency distributions of the admission model: the agents' AGENT_LATENCY_MS
// grammar (plus exponential), and each distribution's mean, P95 and variability.
import {
  formatLatencyDistribution,
  parseLatencyDistribution,
  serviceTime,
  type LatencyDistribution,
} from '../src';
import { scaleLatency } from '../src/lib/latency';

describe('parseLatencyDistribution', () => {
  it.each<[string, LatencyDistribution]>([
    ['1500', { kind: 'fixed', medianMs: 1500 }],
    [' fixed:1500 ', { kind: 'fixed', medianMs: 1500 }],
    ['uniform:500:2500', { kind: 'uniform', minMs: 500, maxMs: 2500 }],
    ['lognormal:1500:0.4', { kind: 'lognormal', medianMs: 1500, sigma: 0.4 }],
    ['exponential:900', { kind: 'exponential', meanMs: 900 }],
  ])('reads %p as the agents do', (spec, latency) => {
    expect(parseLatencyDistribution(spec)).toEqual(latency);
    expect(parseLatencyDistribution(formatLatencyDistribution(latency))).toEqual(latency);
  });

  it.each([
    ['', /unknown distribution/],
    ['gamma:2:3', /unknown distribution "gamma"/],
    ['fixed', /fixed takes 1/],
    ['lognormal:1500', /lognormal takes 2/],
    ['uniform:a:b', /uniform takes 2/],
    ['uniform:2500:500', /minMs ≤ maxMs/],
    ['0', /medianMs must be .* > 0/],
    ['exponential:0', /meanMs must be .* > 0/],
  ])('rejects %p, naming the problem', (spec, message) => {
    expect(() => parseLatencyDistribution(spec)).toThrow(message);
  });
});

describe('serviceTime', () => {
  it('gives a fixed time as its own P95 and no variability', () => {
    expect(serviceTime({ kind: 'fixed', medianMs: 1500 })).toEqual({
      meanMs: 1500,
      p95Ms: 1500,
      scv: 0,
    });
  });

  it('puts an exponential P95 at ln 20 ≈ 3 × the mean', () => {
    const s = serviceTime({ kind: 'exponential', meanMs: 1500 });
    expect(s.p95Ms).toBeCloseTo(4493.6, 1);
    expect(s.scv).toBe(1);
  });

  it('puts a lognormal P95 at median × e^(1.645 σ), its mean at median × e^(σ²/2)', () => {
    const s = serviceTime({ kind: 'lognormal', medianMs: 1500, sigma: 0.4 });
    expect(s.p95Ms).toBeCloseTo(2896.2, 1);
    expect(s.meanMs).toBeCloseTo(1624.9, 1);
    expect(s.scv).toBeCloseTo(Math.exp(0.16) - 1, 12);
  });

  it('spreads a uniform time over its range', () => {
    const s = serviceTime({ kind: 'uniform', minMs: 500, maxMs: 2500 });
    expect(s).toEqual({ meanMs: 1500, p95Ms: 2400, scv: 2000 ** 2 / 12 / 1500 ** 2 });
  });

  it('rejects a negative sigma or a non-finite time', () => {
    expect(() => serviceTime({ kind: 'lognormal', medianMs: 1, sigma: -1 })).toThrow(/sigma/);
    expect(() => serviceTime({ kind: 'fixed', medianMs: Infinity })).toThrow(/medianMs/);
  });

  it.each<LatencyDistribution>([
    { kind: 'fixed', medianMs: 1000 },
    { kind: 'uniform', minMs: 100, maxMs: 300 },
    { kind: 'lognormal', medianMs: 1000, sigma: 0.5 },
    { kind: 'exponential', meanMs: 1000 },
  ])('scales %j in time, keeping its shape', (latency) => {
    const a = serviceTime(latency);
    const b = serviceTime(scaleLatency(latency, 2));
    expect(b.meanMs).toBeCloseTo(2 * a.meanMs, 9);
    expect(b.p95Ms).toBeCloseTo(2 * a.p95Ms, 9);
    expect(b.scv).toBeCloseTo(a.scv, 12);
  });
});
