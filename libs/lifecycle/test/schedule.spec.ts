// Locks in schedule parsing (cron or interval, both forms resolved) and when each job is due.
import { Cron } from 'croner';
import fc from 'fast-check';
import {
  DEFAULT_LIFECYCLE_SETTINGS,
  HOUR_MS,
  JOB_NAMES,
  LifecycleConfigError,
  MINUTE_MS,
  cronOptions,
  nextRunTime,
  parseSchedule,
  planJobRuns,
} from '../src';

const at = (iso: string) => Date.parse(iso);

describe('parseSchedule', () => {
  it.each([
    ['1m', '* * * * *', MINUTE_MS],
    ['5m', '*/5 * * * *', 5 * MINUTE_MS],
    ['30m', '*/30 * * * *', 30 * MINUTE_MS],
    ['60m', '0 * * * *', HOUR_MS],
    ['1h', '0 * * * *', HOUR_MS],
    ['6h', '0 */6 * * *', 6 * HOUR_MS],
    ['24h', '0 0 * * *', 24 * HOUR_MS],
    ['900000', '*/15 * * * *', 15 * MINUTE_MS],
  ])('turns the interval %j into cron %j every %d ms', (input, cron, intervalMs) => {
    expect(parseSchedule(input)).toEqual({ cron, intervalMs });
  });

  it('takes a number as an interval in milliseconds', () => {
    expect(parseSchedule(15 * MINUTE_MS)).toEqual({ cron: '*/15 * * * *', intervalMs: 900_000 });
  });

  it.each([
    ['*/15 * * * *', 15 * MINUTE_MS],
    ['  */15   *  * * * ', 15 * MINUTE_MS],
    ['*/7 * * * *', 7 * MINUTE_MS],
    ['0 9 * * MON-FRI', 72 * HOUR_MS],
    ['0 0 1 * *', 31 * 24 * HOUR_MS],
  ])('accepts the cron expression %j, with its longest gap %d ms as the interval', (cron, ms) => {
    const schedule = parseSchedule(cron);
    expect(schedule.cron).toBe(cron.trim().split(/\s+/).join(' '));
    expect(schedule.intervalMs).toBe(ms);
  });

  it.each([
    ['61 * * * *', /"61 \* \* \* \*" is invalid: .*minute/],
    ['*/0 * * * *', /is invalid/],
    ['a b c d e', /is invalid/],
    ['0 0 30 2 *', /never fires/],
    ['? * * * *', /uses "\?"/],
    ['* * * *', /neither a 5-field cron expression .* nor an interval/],
    ['0 * * * * *', /neither a 5-field cron expression/],
    ['@hourly', /neither/],
    ['every 5 minutes', /neither/],
    ['30s', /whole number of minutes/],
    ['0m', /neither/],
    ['7m', /no 5-field cron equivalent/],
    ['90m', /no 5-field cron equivalent/],
    ['5h', /no 5-field cron equivalent/],
    ['48h', /no 5-field cron equivalent/],
  ])('rejects %j with a clear error', (input, message) => {
    expect(() => parseSchedule(input)).toThrow(LifecycleConfigError);
    expect(() => parseSchedule(input)).toThrow(message);
  });

  it.each([0, -MINUTE_MS, 1.5 * MINUTE_MS, Number.NaN])('rejects the interval %d ms', (ms) => {
    expect(() => parseSchedule(ms)).toThrow(/must be a positive whole number of minutes/);
  });

  it('gives croner a cron expression that fires once per interval', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(
          1,
          2,
          3,
          4,
          5,
          6,
          10,
          12,
          15,
          20,
          30,
          60,
          120,
          180,
          240,
          360,
          480,
          720,
          1440,
        ),
        fc.integer({ min: at('2024-01-01T00:00:00Z'), max: at('2030-01-01T00:00:00Z') }),
        (minutes, from) => {
          const schedule = parseSchedule(minutes * MINUTE_MS);
          const [first, second] = new Cron(schedule.cron, cronOptions())
            .nextRuns(2, new Date(from))
            .map((run) => run.getTime());
          expect(first).toBeDefined();
          expect(Number(second) - Number(first)).toBe(schedule.intervalMs);
          expect(Number(first) - from).toBeLessThanOrEqual(schedule.intervalMs);
        },
      ),
    );
  });
});

describe('planJobRuns', () => {
  const schedules = DEFAULT_LIFECYCLE_SETTINGS.schedules;
  const now = at('2026-11-28T10:20:00Z');

  it('runs a job that never ran straight away', () => {
    expect(planJobRuns(schedules, {}, now)).toEqual(
      JOB_NAMES.map((job) => ({ job, nextRunAt: now, due: true })),
    );
  });

  it('plans each job at its next cron tick after its last run, in UTC', () => {
    expect(
      planJobRuns(
        schedules,
        {
          'session-cleanup': at('2026-11-28T10:00:00Z'),
          'thread-cleanup': at('2026-11-28T10:00:00Z'),
          'pool-health': null,
        },
        now,
      ),
    ).toEqual([
      { job: 'session-cleanup', nextRunAt: at('2026-11-28T10:15:00Z'), due: true },
      { job: 'thread-cleanup', nextRunAt: at('2026-11-28T10:30:00Z'), due: false },
      { job: 'pool-health', nextRunAt: now, due: true },
    ]);
  });

  it('is due exactly at the tick and not one millisecond before', () => {
    const lastRun = { 'pool-health': at('2026-11-28T10:15:00Z') };
    const tick = at('2026-11-28T10:20:00Z');
    const [, , poolHealth] = planJobRuns(schedules, lastRun, tick);
    expect(poolHealth).toEqual({ job: 'pool-health', nextRunAt: tick, due: true });
    expect(planJobRuns(schedules, lastRun, tick - 1)[2]?.due).toBe(false);
  });

  it('realigns to the cron grid after a late run', () => {
    const late = at('2026-11-28T10:07:31Z');
    expect(nextRunTime(schedules['session-cleanup'], late, now)).toBe(at('2026-11-28T10:15:00Z'));
  });

  it('reports a schedule that fires no more as never due', () => {
    const yearly = parseSchedule('0 0 1 1 *');
    expect(nextRunTime(yearly, at('2999-06-01T00:00:00Z'), now)).toBe(Number.POSITIVE_INFINITY);
  });

  it('always plans the next run after the last run and at most one interval later', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...JOB_NAMES),
        fc.integer({ min: at('2020-01-01T00:00:00Z'), max: at('2040-01-01T00:00:00Z') }),
        (job, lastRunAt) => {
          const schedule = schedules[job];
          const next = nextRunTime(schedule, lastRunAt, lastRunAt);
          expect(next).toBeGreaterThan(lastRunAt);
          expect(next - lastRunAt).toBeLessThanOrEqual(schedule.intervalMs);
        },
      ),
    );
  });
});
