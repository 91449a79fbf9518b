/**
 * The LLM's time for one agent reply, as a distribution: the service time of the admission model.
 * `medianMs` is the typical reply; `fixed` is the scripted brain's simulated LLM in capacity runs.
 */
export type LatencyDistribution =
  | { readonly kind: 'fixed'; readonly medianMs: number }
  | { readonly kind: 'uniform'; readonly minMs: number; readonly maxMs: number }
  | { readonly kind: 'lognormal'; readonly medianMs: number; readonly sigma: number }
  | { readonly kind: 'exponential'; readonly meanMs: number };

export interface ServiceTime {
  readonly meanMs: number;
  /** The time 95 % of replies take at most. */
  readonly p95Ms: number;
  /** Squared coefficient of variation, variance / mean²: 0 fixed, 1 exponential. */
  readonly scv: number;
}

/** z of the standard normal's 95th percentile. */
const Z95 = 1.6448536269514722;

/** Mean, P95 and variability of a latency distribution; throws `RangeError` on bad parameters. */
export function serviceTime(latency: LatencyDistribution): ServiceTime {
  const positive = (name: string, value: number): void => {
    if (!(value > 0) || !Number.isFinite(value)) {
      throw new RangeError(`${name} must be a finite number > 0, got ${value}`);
    }
  };
  switch (latency.kind) {
    case 'fixed':
      positive('medianMs', latency.medianMs);
      return { meanMs: latency.medianMs, p95Ms: latency.medianMs, scv: 0 };
    case 'uniform': {
      const { minMs, maxMs } = latency;
      if (!(minMs >= 0) || !(maxMs >= minMs) || !Number.isFinite(maxMs) || !(maxMs > 0)) {
        throw new RangeError(`need 0 ≤ minMs ≤ maxMs, maxMs > 0, got ${minMs}, ${maxMs}`);
      }
      const meanMs = (minMs + maxMs) / 2;
      const variance = (maxMs - minMs) ** 2 / 12;
      return { meanMs, p95Ms: minMs + 0.95 * (maxMs - minMs), scv: variance / meanMs ** 2 };
    }
    case 'lognormal': {
      const { medianMs, sigma } = latency;
      positive('medianMs', medianMs);
      if (!(sigma >= 0) || !Number.isFinite(sigma)) {
        throw new RangeError(`sigma must be a finite number ≥ 0, got ${sigma}`);
      }
      return {
        meanMs: medianMs * Math.exp((sigma * sigma) / 2),
        p95Ms: medianMs * Math.exp(Z95 * sigma),
        scv: Math.expm1(sigma * sigma),
      };
    }
    case 'exponential':
      positive('meanMs', latency.meanMs);
      return { meanMs: latency.meanMs, p95Ms: Math.log(20) * latency.meanMs, scv: 1 };
  }
}

/** The latency distribution scaled by `factor` (every time × factor, same shape). */
export function scaleLatency(latency: LatencyDistribution, factor: number): LatencyDistribution {
  switch (latency.kind) {
    case 'fixed':
      return { kind: 'fixed', medianMs: latency.medianMs * factor };
    case 'uniform':
      return { kind: 'uniform', minMs: latency.minMs * factor, maxMs: latency.maxMs * factor };
    case 'lognormal':
      return { kind: 'lognormal', medianMs: latency.medianMs * factor, sigma: latency.sigma };
    case 'exponential':
      return { kind: 'exponential', meanMs: latency.meanMs * factor };
  }
}

const NUMBER = /^\d+(\.\d+)?$/;

/**
 * Parses a latency in the agents' `AGENT_LATENCY_MS` grammar (apps/agents latency.ts), plus the
 * model's exponential: `1500`, `fixed:1500`, `uniform:500:2500`, `lognormal:1500:0.4` (median,
 * sigma), `exponential:1500` (mean). Throws `RangeError` naming the problem.
 */
export function parseLatencyDistribution(spec: string): LatencyDistribution {
  const [head = '', ...rest] = spec.trim().split(':');
  const numbers = (n: number): number[] => {
    if (rest.length !== n || !rest.every((r) => NUMBER.test(r.trim()))) {
      throw new RangeError(
        `invalid latency "${spec}": ${head} takes ${n} non-negative number(s) (e.g. "fixed:1500", "uniform:500:2500", "lognormal:1500:0.4", "exponential:1500")`,
      );
    }
    return rest.map(Number);
  };
  let latency: LatencyDistribution;
  if (rest.length === 0 && NUMBER.test(head)) latency = { kind: 'fixed', medianMs: Number(head) };
  else if (head === 'fixed') latency = { kind: 'fixed', medianMs: numbers(1)[0] as number };
  else if (head === 'exponential')
    latency = { kind: 'exponential', meanMs: numbers(1)[0] as number };
  else if (head === 'uniform') {
    const [minMs, maxMs] = numbers(2) as [number, number];
    latency = { kind: 'uniform', minMs, maxMs };
  } else if (head === 'lognormal') {
    const [medianMs, sigma] = numbers(2) as [number, number];
    latency = { kind: 'lognormal', medianMs, sigma };
  } else {
    throw new RangeError(`invalid latency "${spec}": unknown distribution "${head}"`);
  }
  try {
    serviceTime(latency);
  } catch (error) {
    throw new RangeError(`invalid latency "${spec}": ${(error as Error).message}`);
  }
  return latency;
}

/** The spec form of a latency, as `parseLatencyDistribution` reads it (logs, docs). */
export function formatLatencyDistribution(latency: LatencyDistribution): string {
  switch (latency.kind) {
    case 'fixed':
      return `fixed:${latency.medianMs}`;
    case 'uniform':
      return `uniform:${latency.minMs}:${latency.maxMs}`;
    case 'lognormal':
      return `lognormal:${latency.medianMs}:${latency.sigma}`;
    case 'exponential':
      return `exponential:${latency.meanMs}`;
  }
}
