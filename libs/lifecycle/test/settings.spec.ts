// Locks in the lifecycle defaults (DESIGN.md §5) and that bad settings fail with a clear message.
import {
  DEFAULT_LIFECYCLE_SETTINGS,
  LifecycleConfigError,
  LifecycleSettingsSchema,
  MINUTE_MS,
  parseLifecycleSettings,
} from '../src';

describe('lifecycle settings', () => {
  it("defaults to the design's thresholds and schedules", () => {
    expect(parseLifecycleSettings()).toEqual({
      sessionIdleMs: 60 * MINUTE_MS,
      threadIdleMs: 30 * MINUTE_MS,
      poolLoadThreshold: 0.9,
      schedules: {
        'session-cleanup': { cron: '*/15 * * * *', intervalMs: 15 * MINUTE_MS },
        'thread-cleanup': { cron: '*/30 * * * *', intervalMs: 30 * MINUTE_MS },
        'pool-health': { cron: '*/5 * * * *', intervalMs: 5 * MINUTE_MS },
      },
    });
    expect(DEFAULT_LIFECYCLE_SETTINGS).toEqual(parseLifecycleSettings({}));
  });

  it('freezes the shared defaults', () => {
    expect(Object.isFrozen(DEFAULT_LIFECYCLE_SETTINGS)).toBe(true);
    expect(Object.isFrozen(DEFAULT_LIFECYCLE_SETTINGS.schedules)).toBe(true);
    expect(Object.isFrozen(DEFAULT_LIFECYCLE_SETTINGS.schedules['pool-health'])).toBe(true);
  });

  it('overrides any threshold and schedule, keeping the other defaults', () => {
    const settings = parseLifecycleSettings({
      sessionIdleMs: '2h',
      threadIdleMs: 600_000,
      poolLoadThreshold: 0.75,
      schedules: { 'pool-health': '1m', 'thread-cleanup': '0 */2 * * *' },
    });
    expect(settings).toEqual({
      sessionIdleMs: 120 * MINUTE_MS,
      threadIdleMs: 10 * MINUTE_MS,
      poolLoadThreshold: 0.75,
      schedules: {
        'session-cleanup': { cron: '*/15 * * * *', intervalMs: 15 * MINUTE_MS },
        'thread-cleanup': { cron: '0 */2 * * *', intervalMs: 120 * MINUTE_MS },
        'pool-health': { cron: '* * * * *', intervalMs: MINUTE_MS },
      },
    });
  });

  it('names every bad field in one error', () => {
    let error: unknown;
    try {
      parseLifecycleSettings({
        sessionIdleMs: 0,
        threadIdleMs: '30 minutes',
        poolLoadThreshold: 1.5,
        schedules: { 'pool-health': '61 * * * *', 'session-cleanup': '7m' },
      });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(LifecycleConfigError);
    const message = (error as Error).message;
    expect(message).toMatch(/^invalid lifecycle settings:/);
    expect(message).toMatch(/at sessionIdleMs/);
    expect(message).toMatch(/got "30 minutes"[\s\S]*at threadIdleMs/);
    expect(message).toMatch(/at poolLoadThreshold/);
    expect(message).toMatch(/"61 \* \* \* \*" is invalid[\s\S]*at schedules\["pool-health"\]/);
    expect(message).toMatch(/"7m" has no 5-field cron equivalent/);
  });

  it('rejects a misspelt setting instead of ignoring it', () => {
    expect(() => parseLifecycleSettings({ sessionIdleMinutes: 60 })).toThrow(
      /Unrecognized key: "sessionIdleMinutes"/,
    );
    expect(() => parseLifecycleSettings({ schedules: { 'session-clean': '5m' } })).toThrow(
      /Unrecognized key: "session-clean"/,
    );
  });

  it('rejects input that is not an object', () => {
    expect(() => parseLifecycleSettings('60m')).toThrow(LifecycleConfigError);
  });

  it('exposes the schema so an app can embed it in its own environment schema', () => {
    expect(LifecycleSettingsSchema.parse({ poolLoadThreshold: 1 }).poolLoadThreshold).toBe(1);
  });
});
