// Locks in the AGENT_LATENCY_MS grammar and the shape of each distribution.
import {
  formatLatency,
  LatencySpecError,
  MAX_LATENCY_MS,
  parseLatency,
  sampleLatency,
} from '../src/lib/latency';
import { seededRandom } from '../src/lib/rng';

describe('parseLatency', () => {
  it.each([
    ['1500', { kind: 'fixed', ms: 1500 }],
    ['0', { kind: 'fixed', ms: 0 }],
    [' fixed:250 ', { kind: 'fixed', ms: 250 }],
    ['uniform:500:2500', { kind: 'uniform', minMs: 500, maxMs: 2500 }],
    ['lognormal:1500:0.4', { kind: 'lognormal', medianMs: 1500, sigma: 0.4 }],
  ])('reads %p', (spec, expected) => {
    expect(parseLatency(spec)).toEqual(expected);
  });

  it.each([
    '',
    'abc',
    '-5',
    'fixed',
    'fixed:1:2',
    'uniform:5',
    'uniform:9:3',
    'lognormal:0:0.4',
    'gamma:1:2',
    '1e3',
  ])('rejects %p with a message naming the accepted forms', (spec) => {
    expect(() => parseLatency(spec)).toThrow(LatencySpecError);
    expect(() => parseLatency(spec)).toThrow(/lognormal:1500:0.4/);
  });

  it('formats back to the canonical string', () => {
    expect(formatLatency(parseLatency('lognormal:1500:0.4'))).toBe('lognormal:1500:0.4');
    expect(formatLatency(parseLatency('1500'))).toBe('fixed:1500');
    expect(formatLatency(parseLatency('uniform:1:2'))).toBe('uniform:1:2');
  });
});

describe('sampleLatency', () => {
  const draw = (spec: string, n: number) => {
    const random = seededRandom('latency-test');
    const parsed = parseLatency(spec);
    return Array.from({ length: n }, () => sampleLatency(parsed, random));
  };

  it('returns the fixed value every time', () => {
    expect(new Set(draw('1500', 50))).toEqual(new Set([1500]));
  });

  it('keeps uniform samples inside their bounds and spreads them out', () => {
    const samples = draw('uniform:500:2500', 2000);
    expect(Math.min(...samples)).toBeGreaterThanOrEqual(500);
    expect(Math.max(...samples)).toBeLessThanOrEqual(2500);
    const mean = samples.reduce((a, b) => a + b, 0) / samples.length;
    expect(mean).toBeGreaterThan(1400);
    expect(mean).toBeLessThan(1600);
  });

  it('centres log-normal samples on the median with a right-skewed tail', () => {
    const samples = draw('lognormal:1500:0.4', 4000).sort((a, b) => a - b);
    const median = samples[samples.length / 2] as number;
    const p95 = samples[Math.floor(samples.length * 0.95)] as number;
    expect(median).toBeGreaterThan(1400);
    expect(median).toBeLessThan(1600);
    // exp(1.645 * 0.4) ≈ 1.93: the 95th percentile sits near 2900 ms.
    expect(p95).toBeGreaterThan(2600);
    expect(p95).toBeLessThan(3200);
    expect(Math.min(...samples)).toBeGreaterThan(0);
  });

  it('never exceeds the cap, however wide the distribution', () => {
    expect(Math.max(...draw('lognormal:100000:3', 500))).toBeLessThanOrEqual(MAX_LATENCY_MS);
  });

  it('is reproducible from the same seed', () => {
    expect(draw('lognormal:1500:0.4', 20)).toEqual(draw('lognormal:1500:0.4', 20));
  });
});
