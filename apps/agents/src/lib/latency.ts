import type { Random } from './rng';

/**
 * Simulated thinking time of the scripted brain (`AGENT_LATENCY_MS`), so load tests see agent
 * latency shaped like an LLM's instead of instant replies.
 *
 * Accepted forms:
 * - `1500` or `fixed:1500` — always 1500 ms (`0` disables the delay);
 * - `uniform:500:2500` — uniform between 500 and 2500 ms;
 * - `lognormal:1500:0.4` — log-normal with median 1500 ms and sigma 0.4 (LLM latencies are
 *   right-skewed: most replies near the median, a long tail of slow ones).
 */
export type LatencySpec =
  | { kind: 'fixed'; ms: number }
  | { kind: 'uniform'; minMs: number; maxMs: number }
  | { kind: 'lognormal'; medianMs: number; sigma: number };

/** A sample is never longer than this, so one unlucky tail draw cannot stall a thread for minutes. */
export const MAX_LATENCY_MS = 120_000;

export class LatencySpecError extends Error {
  constructor(spec: string, reason: string) {
    super(
      `invalid latency "${spec}": ${reason} (expected e.g. "1500", "fixed:1500", "uniform:500:2500" or "lognormal:1500:0.4")`,
    );
    this.name = 'LatencySpecError';
  }
}

function parseNumber(spec: string, text: string | undefined, what: string): number {
  if (text === undefined || text.trim() === '' || !/^\d+(\.\d+)?$/.test(text.trim())) {
    throw new LatencySpecError(spec, `${what} must be a non-negative number`);
  }
  return Number(text);
}

/** Parses an `AGENT_LATENCY_MS` value; throws `LatencySpecError` naming the problem. */
export function parseLatency(spec: string): LatencySpec {
  const parts = spec.trim().split(':');
  const [head, ...rest] = parts;
  const arity = (n: number): void => {
    if (rest.length !== n) throw new LatencySpecError(spec, `${head} takes ${n} parameter(s)`);
  };
  switch (head) {
    case 'fixed':
      arity(1);
      return { kind: 'fixed', ms: parseNumber(spec, rest[0], 'ms') };
    case 'uniform': {
      arity(2);
      const minMs = parseNumber(spec, rest[0], 'min');
      const maxMs = parseNumber(spec, rest[1], 'max');
      if (maxMs < minMs) throw new LatencySpecError(spec, 'max must not be below min');
      return { kind: 'uniform', minMs, maxMs };
    }
    case 'lognormal': {
      arity(2);
      const medianMs = parseNumber(spec, rest[0], 'median');
      const sigma = parseNumber(spec, rest[1], 'sigma');
      if (medianMs <= 0) throw new LatencySpecError(spec, 'median must be positive');
      return { kind: 'lognormal', medianMs, sigma };
    }
    default:
      if (rest.length === 0) return { kind: 'fixed', ms: parseNumber(spec, head, 'ms') };
      throw new LatencySpecError(spec, `unknown distribution "${head}"`);
  }
}

/** Draws one delay in whole milliseconds from the distribution. */
export function sampleLatency(spec: LatencySpec, random: Random): number {
  let ms: number;
  switch (spec.kind) {
    case 'fixed':
      ms = spec.ms;
      break;
    case 'uniform':
      ms = spec.minMs + random() * (spec.maxMs - spec.minMs);
      break;
    case 'lognormal': {
      // Box–Muller; 1 - random() keeps the logarithm's argument in (0, 1].
      const z = Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
      ms = spec.medianMs * Math.exp(spec.sigma * z);
      break;
    }
  }
  return Math.min(MAX_LATENCY_MS, Math.max(0, Math.round(ms)));
}

/** The human-readable form used in logs and the README. */
export function formatLatency(spec: LatencySpec): string {
  switch (spec.kind) {
    case 'fixed':
      return `fixed:${spec.ms}`;
    case 'uniform':
      return `uniform:${spec.minMs}:${spec.maxMs}`;
    case 'lognormal':
      return `lognormal:${spec.medianMs}:${spec.sigma}`;
  }
}
