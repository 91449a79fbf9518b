/** The design's targets for a run (DESIGN.md, issue 9): p95 < 3 s, p99 < 5 s, errors < 1 %. */
export interface Targets {
  p95Ms: number;
  p99Ms: number;
  errorRate: number;
}

export const DESIGN_TARGETS: Readonly<Targets> = Object.freeze({
  p95Ms: 3000,
  p99Ms: 5000,
  errorRate: 0.01,
});

export interface Check {
  name: 'p95' | 'p99' | 'errorRate' | 'replies';
  actual: number;
  limit: number;
  /** How the actual compares with the limit for a pass. */
  op: '<' | '>=';
  pass: boolean;
}

export interface Verdict {
  pass: boolean;
  checks: Check[];
}

/**
 * Judges a run: latency percentiles and error rate strictly under the targets, and at least one
 * measured reply (a run that measured nothing proves nothing, so it fails).
 */
export function judge(
  measured: { p95Ms: number; p99Ms: number; errorRate: number; replies: number },
  targets: Targets = DESIGN_TARGETS,
): Verdict {
  const checks: Check[] = [
    { name: 'replies', actual: measured.replies, limit: 1, op: '>=', pass: measured.replies >= 1 },
    {
      name: 'p95',
      actual: measured.p95Ms,
      limit: targets.p95Ms,
      op: '<',
      pass: measured.p95Ms < targets.p95Ms,
    },
    {
      name: 'p99',
      actual: measured.p99Ms,
      limit: targets.p99Ms,
      op: '<',
      pass: measured.p99Ms < targets.p99Ms,
    },
    {
      name: 'errorRate',
      actual: measured.errorRate,
      limit: targets.errorRate,
      op: '<',
      pass: measured.errorRate < targets.errorRate,
    },
  ];
  return { pass: checks.every((c) => c.pass), checks };
}

/** One line per check, for the console. */
export function describeVerdict(verdict: Verdict): string[] {
  const fmt = (c: Check) =>
    c.name === 'errorRate'
      ? `${(c.actual * 100).toFixed(2)} % ${c.op} ${(c.limit * 100).toFixed(2)} %`
      : c.name === 'replies'
        ? `${c.actual} ${c.op} ${c.limit}`
        : `${Math.round(c.actual)} ms ${c.op} ${c.limit} ms`;
  return verdict.checks.map((c) => `${c.pass ? 'PASS' : 'FAIL'}  ${c.name.padEnd(9)} ${fmt(c)}`);
}
