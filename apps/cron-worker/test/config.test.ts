// Locks in fail-fast configuration: the real process refuses to start on a missing database or
// an unparsable schedule, naming the variable; and the parsed defaults are the design's.
import { loadConfig, ConfigError } from '../src/lib/config';
import { runOnce, startWorkerProcess, stderrText, stopAllWorkers } from './support/worker';

afterAll(stopAllWorkers);

describe('cron-worker configuration', () => {
  it('refuses to start without DATABASE_URL, saying so', async () => {
    const worker = startWorkerProcess('no-db', {});
    const exit = await worker.exited;
    expect(exit.code).toBe(1);
    expect(stderrText(worker)).toContain('cron-worker: invalid configuration');
    expect(stderrText(worker)).toContain('DATABASE_URL: DATABASE_URL is required');
  });

  it('refuses to start on an unparsable schedule and a bad duration, naming every bad variable', async () => {
    const worker = startWorkerProcess('bad-schedule', {
      DATABASE_URL: 'postgresql://nobody@127.0.0.1:1/none',
      SESSION_CLEANUP_SCHEDULE: 'every now and then',
      POOL_HEALTH_SCHEDULE: '7m',
      SESSION_IDLE: 'an hour',
    });
    const exit = await worker.exited;
    expect(exit.code).toBe(1);
    const stderr = stderrText(worker);
    expect(stderr).toMatch(/SESSION_CLEANUP_SCHEDULE: schedule "every now and then" is neither/);
    expect(stderr).toMatch(/POOL_HEALTH_SCHEDULE: schedule interval "7m" has no 5-field cron/);
    expect(stderr).toMatch(/SESSION_IDLE: expected a duration/);
  });

  it('rejects an unknown job for --once with the list of jobs', async () => {
    const { code, proc } = await runOnce('vacuum', {
      DATABASE_URL: 'postgresql://x@127.0.0.1:1/x',
    });
    expect(code).not.toBe(0);
    expect(stderrText(proc)).toMatch(/session-cleanup, thread-cleanup, pool-health, weekly-close/);
  });

  it('fails a --once run with a clear message and exit 1 when the database does not answer', async () => {
    const { code, proc } = await runOnce('session-cleanup', {
      DATABASE_URL: 'postgresql://nobody@127.0.0.1:1/none',
      METRICS_SINK: 'off',
    });
    expect(code).toBe(1);
    expect(stderrText(proc)).toContain('cron-worker: session-cleanup failed');
  });

  it('defaults to the design: 15/30/5 min jobs, 60/30 min idle, EMF without AWS', () => {
    const config = loadConfig({ DATABASE_URL: 'postgresql://u@127.0.0.1:5432/db' });
    expect(config.settings).toMatchObject({
      sessionIdleMs: 60 * 60_000,
      threadIdleMs: 30 * 60_000,
      poolLoadThreshold: 0.9,
      schedules: {
        'session-cleanup': { cron: '*/15 * * * *', intervalMs: 15 * 60_000 },
        'thread-cleanup': { cron: '*/30 * * * *', intervalMs: 30 * 60_000 },
        'pool-health': { cron: '*/5 * * * *', intervalMs: 5 * 60_000 },
      },
    });
    expect(config.metrics).toMatchObject({ sink: 'emf', namespace: 'PardonSimulator' });
  });

  it('schedules weekly-close every 10 minutes and reads the game rules as the gateway does', () => {
    const config = loadConfig({ DATABASE_URL: 'postgresql://u@127.0.0.1:5432/db' });
    expect(config.schedules['weekly-close']).toEqual({ cron: '*/10 * * * *', intervalMs: 600_000 });
    expect(config.gameRules).toMatchObject({
      weekStart: { weekdayUtc: 1, hourUtc: 14, minuteUtc: 0 },
      boardSize: 100,
      tokenDecimals: 6,
      prizePoolBaseUnits: 10_000_000_000n,
    });
    const custom = loadConfig({
      DATABASE_URL: 'postgresql://u@127.0.0.1:5432/db',
      WEEKLY_CLOSE_SCHEDULE: '5m',
      GAME_WEEK_START: 'Sun 00:30',
      GAME_PRIZE_POOL_TOKENS: '250',
      GAME_TOKEN_DECIMALS: '9',
      GAME_BOARD_SIZE: '10',
    });
    expect(custom.schedules['weekly-close']).toEqual({ cron: '*/5 * * * *', intervalMs: 300_000 });
    expect(custom.gameRules).toMatchObject({
      weekStart: { weekdayUtc: 0, hourUtc: 0, minuteUtc: 30 },
      boardSize: 10,
      tokenDecimals: 9,
      prizePoolBaseUnits: 250_000_000_000n,
    });
    expect(() =>
      loadConfig({ DATABASE_URL: 'postgresql://u@127.0.0.1:5432/db', GAME_WEEK_START: 'monday' }),
    ).toThrow(/GAME_WEEK_START: must look like "mon 14:00"/);
  });

  it('accepts intervals and six-field (seconds) cron, and sends metrics to CloudWatch when AWS is configured', () => {
    const config = loadConfig({
      DATABASE_URL: 'postgresql://u@127.0.0.1:5432/db',
      SESSION_CLEANUP_SCHEDULE: '10m',
      POOL_HEALTH_SCHEDULE: '*/2 * * * * *',
      AWS_ENDPOINT_URL: 'http://127.0.0.1:5000',
    });
    expect(config.settings.schedules['session-cleanup']).toEqual({
      cron: '*/10 * * * *',
      intervalMs: 600_000,
    });
    expect(config.settings.schedules['pool-health']).toEqual({
      cron: '*/2 * * * * *',
      intervalMs: 2000,
    });
    expect(config.metrics).toMatchObject({ sink: 'cloudwatch', region: 'us-east-1' });
  });

  it('treats blank variables as unset and reports a bad metrics sink', () => {
    const error = (() => {
      try {
        loadConfig({ DATABASE_URL: '  ', METRICS_SINK: 'statsd' });
      } catch (caught) {
        return caught;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).issues).toEqual([
      expect.stringMatching(/^DATABASE_URL: /),
      expect.stringMatching(/^METRICS_SINK: /),
    ]);
  });
});
