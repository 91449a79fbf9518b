import { Cron, type CronOptions } from 'croner';
import { MINUTE_MS, parseDurationMs } from './duration';
import { LifecycleConfigError } from './errors';

/** The lifecycle jobs the cron-worker runs, by the names it logs and exposes under `/api/cron/*`. */
export const JOB_NAMES = ['session-cleanup', 'thread-cleanup', 'pool-health'] as const;
export type JobName = (typeof JOB_NAMES)[number];

/** A validated schedule, in both forms: the cron expression for croner and a period in ms. */
export interface JobSchedule {
  /** Five-field cron expression, evaluated in UTC (see {@link cronOptions}). */
  readonly cron: string;
  /**
   * The period in ms. For an irregular expression (`0 9 * * 1-5`) it is the longest gap between
   * consecutive runs, i.e. how long a healthy job may normally go without running.
   */
  readonly intervalMs: number;
}

/** The next run of one job, as {@link planJobRuns} reports it. */
export interface JobRun {
  readonly job: JobName;
  /** Epoch ms; `Infinity` when the expression never fires again. */
  readonly nextRunAt: number;
  readonly due: boolean;
}

// Irregular expressions are sampled from a fixed instant so the same text always yields the same
// interval; 32 runs cross hour, day, week and month boundaries for any practical expression.
const SAMPLE_FROM = new Date(Date.UTC(2024, 0, 1));
const SAMPLE_RUNS = 32;

/**
 * Options to pass to croner alongside a {@link JobSchedule}'s `cron`, so the cron-worker fires
 * exactly when {@link planJobRuns} predicts. A fresh object each call: croner mutates its options.
 */
export function cronOptions(): CronOptions {
  // A UTC offset rather than `timezone: 'UTC'`: same instants, without Intl on every step.
  return { utcOffset: 0, legacyMode: true };
}

/**
 * Parses a schedule written either as a five-field cron expression (`*\/15 * * * *`) or as an
 * interval (`15m`, `1h`, `900000` ms, or a number of ms). Throws {@link LifecycleConfigError}
 * saying what was expected when it is neither, or when an interval has no cron equivalent.
 */
export function parseSchedule(input: string | number): JobSchedule {
  if (typeof input === 'number') return intervalSchedule(input, `${input}`);
  const text = input.trim();
  const ms = parseDurationMs(text);
  if (ms !== null) return intervalSchedule(ms, text);
  const fields = text.split(/\s+/);
  if (fields.length === 5) return cronSchedule(fields.join(' '));
  throw new LifecycleConfigError(
    `schedule "${input}" is neither a 5-field cron expression (e.g. "*/15 * * * *") ` +
      `nor an interval (e.g. "15m", "1h", "900000")`,
  );
}

/**
 * When each job should next run: a job that never ran is due now; otherwise its next cron tick
 * strictly after its last run. A job is due when that time is not after `now`.
 */
export function planJobRuns(
  schedules: Readonly<Record<JobName, JobSchedule>>,
  lastRunAt: Readonly<Partial<Record<JobName, number | null>>>,
  now: number,
): JobRun[] {
  return JOB_NAMES.map((job) => {
    const nextRunAt = nextRunTime(schedules[job], lastRunAt[job] ?? null, now);
    return { job, nextRunAt, due: nextRunAt <= now };
  });
}

/** The next run of one schedule; see {@link planJobRuns}. */
export function nextRunTime(schedule: JobSchedule, lastRunAt: number | null, now: number): number {
  if (lastRunAt === null) return now;
  const next = new Cron(schedule.cron, cronOptions()).nextRun(new Date(lastRunAt));
  return next?.getTime() ?? Number.POSITIVE_INFINITY;
}

function intervalSchedule(ms: number, written: string): JobSchedule {
  if (!Number.isSafeInteger(ms) || ms <= 0 || ms % MINUTE_MS !== 0) {
    throw new LifecycleConfigError(
      `schedule interval "${written}" must be a positive whole number of minutes (cron runs at minute resolution)`,
    );
  }
  const minutes = ms / MINUTE_MS;
  const hours = minutes / 60;
  let cron: string | undefined;
  if (minutes === 1) cron = '* * * * *';
  else if (minutes < 60 && 60 % minutes === 0) cron = `*/${minutes} * * * *`;
  else if (hours === 1) cron = '0 * * * *';
  else if (hours === 24) cron = '0 0 * * *';
  else if (Number.isInteger(hours) && 24 % hours === 0) cron = `0 */${hours} * * *`;
  if (cron === undefined) {
    throw new LifecycleConfigError(
      `schedule interval "${written}" has no 5-field cron equivalent: use minutes that divide 60, ` +
        `hours that divide 24, or write a cron expression`,
    );
  }
  return { cron, intervalMs: ms };
}

function cronSchedule(cron: string): JobSchedule {
  // croner replaces `?` with the current time while parsing, which would make the schedule
  // depend on when the settings were read.
  if (cron.includes('?')) {
    throw new LifecycleConfigError(`cron expression "${cron}" uses "?", which is not supported`);
  }
  let runs: Date[];
  try {
    runs = new Cron(cron, cronOptions()).nextRuns(SAMPLE_RUNS, SAMPLE_FROM);
  } catch (error) {
    throw new LifecycleConfigError(
      `cron expression "${cron}" is invalid: ${(error as Error).message}`,
    );
  }
  if (runs.length < 2) {
    throw new LifecycleConfigError(`cron expression "${cron}" never fires`);
  }
  let intervalMs = 0;
  let previous: Date | undefined;
  for (const run of runs) {
    if (previous) intervalMs = Math.max(intervalMs, run.getTime() - previous.getTime());
    previous = run;
  }
  return { cron, intervalMs };
}
