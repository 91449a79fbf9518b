// Public API of @pardon/lifecycle: expiry and health rules and job schedules, pure, with time
// passed in as epoch milliseconds (`now`) so callers and tests own the clock.
export { HOUR_MS, MINUTE_MS, parseDurationMs } from './lib/duration';
export { LifecycleConfigError } from './lib/errors';
export {
  DEFAULT_LIFECYCLE_SETTINGS,
  LifecycleSettingsSchema,
  parseLifecycleSettings,
  type LifecycleSettings,
  type LifecycleSettingsInput,
} from './lib/settings';
export {
  JOB_NAMES,
  cronOptions,
  nextRunTime,
  parseSchedule,
  planJobRuns,
  type JobName,
  type JobRun,
  type JobSchedule,
} from './lib/schedule';
export { isSessionExpired, sessionExpiryCutoff } from './lib/session';
export {
  orphanReason,
  threadIdleCutoff,
  type BusThreadState,
  type OrphanReason,
} from './lib/thread';
export {
  classifyPoolHealth,
  summarizePoolHealth,
  type PoolHealth,
  type PoolHealthInput,
  type PoolHealthStatus,
  type PoolHealthSummary,
} from './lib/pool-health';
