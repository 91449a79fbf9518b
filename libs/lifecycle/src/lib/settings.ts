import { z } from 'zod';
import { MINUTE_MS, parseDurationMs } from './duration';
import { LifecycleConfigError } from './errors';
import { parseSchedule } from './schedule';

const DurationMsSchema = z.union([z.number(), z.string()]).transform((value, ctx) => {
  const ms = typeof value === 'number' ? value : parseDurationMs(value);
  if (ms !== null && Number.isSafeInteger(ms) && ms > 0) return ms;
  ctx.addIssue({
    code: 'custom',
    message: `expected a positive duration in ms or like "30m", got ${JSON.stringify(value)}`,
  });
  return z.NEVER;
});

const ScheduleSchema = z.union([z.number(), z.string()]).transform((value, ctx) => {
  try {
    return parseSchedule(value);
  } catch (error) {
    ctx.addIssue({ code: 'custom', message: (error as Error).message });
    return z.NEVER;
  }
});

/**
 * Lifecycle thresholds and job schedules; every field is optional and defaults to the design's
 * values. Durations take ms or `"30m"`-style text; schedules take a cron expression or an interval.
 * Unknown keys are rejected so a misspelt setting fails instead of silently keeping its default.
 */
export const LifecycleSettingsSchema = z.strictObject({
  /** A session with no player activity for this long is expired. */
  sessionIdleMs: DurationMsSchema.prefault(60 * MINUTE_MS),
  /** A bus thread idle this long is orphaned. */
  threadIdleMs: DurationMsSchema.prefault(30 * MINUTE_MS),
  /** A pool at or above this load fraction (active threads / capacity) is at best degraded. */
  poolLoadThreshold: z.number().gt(0).lte(1).default(0.9),
  schedules: z
    .strictObject({
      'session-cleanup': ScheduleSchema.prefault('*/15 * * * *'),
      'thread-cleanup': ScheduleSchema.prefault('*/30 * * * *'),
      'pool-health': ScheduleSchema.prefault('*/5 * * * *'),
    })
    .prefault({}),
});

/** What callers may pass: any subset, in any accepted form. */
export type LifecycleSettingsInput = z.input<typeof LifecycleSettingsSchema>;
/** Resolved settings: durations in ms, schedules as {@link JobSchedule}s. */
export type LifecycleSettings = z.output<typeof LifecycleSettingsSchema>;

/**
 * Validates settings and fills in defaults. Call once at start-up; throws
 * {@link LifecycleConfigError} naming every bad field, so a bad deploy fails fast.
 */
export function parseLifecycleSettings(input: unknown = {}): LifecycleSettings {
  const result = LifecycleSettingsSchema.safeParse(input);
  if (!result.success) {
    throw new LifecycleConfigError(`invalid lifecycle settings:\n${z.prettifyError(result.error)}`);
  }
  return result.data;
}

/** The design's defaults: 60 min session idle, 30 min thread idle, 90 % load, 15/30/5 min jobs. */
export const DEFAULT_LIFECYCLE_SETTINGS: LifecycleSettings =
  freezeSettings(parseLifecycleSettings());

// The defaults are shared by every caller that omits settings, so nobody may change them.
function freezeSettings(settings: LifecycleSettings): LifecycleSettings {
  Object.values(settings.schedules).forEach((schedule) => Object.freeze(schedule));
  Object.freeze(settings.schedules);
  return Object.freeze(settings);
}
