// What every db benchmark does at the end: the median of its runs, its JSON report, its exit code.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** The middle value (the mean of the two middle ones for an even count). */
export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2
    ? (sorted[mid] ?? NaN)
    : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

/** Writes `reports/bench/<name>.json` with the time of the measurement, and says where. */
export function writeReport(name: string, data: Record<string, unknown>): void {
  const file = path.resolve(__dirname, `../../../reports/bench/${name}.json`);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(
    file,
    `${JSON.stringify({ ...data, measuredAt: new Date().toISOString() }, null, 2)}\n`,
  );
  console.log(`wrote ${path.relative(process.cwd(), file)}`);
}

/** Runs a benchmark's main; a failure is printed and makes the exit code 1. */
export function runBench(main: () => Promise<void>): void {
  main().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
