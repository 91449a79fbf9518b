// Locks in the retry policy: only transient failures are retried, with full-jitter exponential
// backoff bounded by attempts and by total time, each retry logged, and exhaustion reported as
// DatabaseUnavailableError.
import { DatabaseUnavailableError, isTransientError, withRetry } from '../src';
import { recordingLogger } from '../src/testing';

function pgError(code: string): Error {
  return Object.assign(new Error(`pg ${code}`), { code, severity: 'ERROR' });
}

describe('isTransientError', () => {
  test.each([
    [
      'connection refused',
      Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }),
    ],
    ['connection reset', Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' })],
    ['serialization failure', pgError('40001')],
    ['deadlock', pgError('40P01')],
    ['admin shutdown', pgError('57P01')],
    ['server starting up', pgError('57P03')],
    ['too many connections', pgError('53300')],
    ['connection exception class 08', pgError('08006')],
    ['Prisma cannot reach the server', Object.assign(new Error('P1001'), { code: 'P1001' })],
    ['Prisma write conflict', Object.assign(new Error('P2034'), { code: 'P2034' })],
    [
      'a driver adapter error carrying a SQLSTATE',
      Object.assign(new Error('adapter'), { cause: { kind: 'postgres', code: '57P01' } }),
    ],
    [
      'a driver adapter "not reachable"',
      { name: 'DriverAdapterError', cause: { kind: 'DatabaseNotReachable' } },
    ],
    ['pg losing the socket mid-query', new Error('Connection terminated unexpectedly')],
    [
      'an AggregateError of refused connections',
      Object.assign(
        new AggregateError([Object.assign(new Error('x'), { code: 'ECONNREFUSED' })]),
        {},
      ),
    ],
  ])('treats %s as transient', (_name, error) => {
    expect(isTransientError(error)).toBe(true);
  });

  test.each([
    ['a unique violation', pgError('23505')],
    ['a foreign key violation', pgError('23503')],
    ['a check violation', pgError('23514')],
    ['invalid text representation', pgError('22P02')],
    ['a syntax error', pgError('42601')],
    ['Prisma unique constraint', Object.assign(new Error('P2002'), { code: 'P2002' })],
    [
      'an adapter unique violation',
      Object.assign(new Error('adapter'), { cause: { kind: 'UniqueConstraintViolation' } }),
    ],
    ['a plain programming error', new TypeError('x is undefined')],
    ['a non-error value', 'boom'],
  ])('does not treat %s as transient', (_name, error) => {
    expect(isTransientError(error)).toBe(false);
  });
});

describe('withRetry', () => {
  const fakeClock = () => {
    let now = 0;
    return {
      now: () => now,
      sleep: async (ms: number) => {
        now += ms;
      },
    };
  };

  test('returns the result of the first successful attempt, retrying transient failures', async () => {
    const clock = fakeClock();
    const logger = recordingLogger();
    let calls = 0;
    const result = await withRetry(
      async () => {
        calls++;
        if (calls < 3) throw pgError('57P01');
        return 'done';
      },
      { ...clock, logger, random: () => 0.5, operation: 'op' },
    );
    expect(result).toBe('done');
    expect(calls).toBe(3);
    expect(logger.warnings).toHaveLength(2);
    expect(logger.warnings[0]?.obj).toMatchObject({ operation: 'op', attempt: 1, delayMs: 50 });
    expect(logger.warnings[1]?.obj).toMatchObject({ attempt: 2, delayMs: 100 });
  });

  test('rethrows a non-transient error at once without retrying or logging', async () => {
    const logger = recordingLogger();
    let calls = 0;
    const unique = pgError('23505');
    await expect(
      withRetry(
        async () => {
          calls++;
          throw unique;
        },
        { logger },
      ),
    ).rejects.toBe(unique);
    expect(calls).toBe(1);
    expect(logger.warnings).toHaveLength(0);
  });

  test('draws each delay uniformly below an exponentially growing, capped window (full jitter)', async () => {
    const clock = fakeClock();
    const delays: number[] = [];
    await expect(
      withRetry(
        async () => {
          throw pgError('40001');
        },
        {
          ...clock,
          maxAttempts: 8,
          maxElapsedMs: 1e9,
          baseDelayMs: 100,
          maxDelayMs: 1000,
          random: () => 0.999,
          logger: { warn: (obj) => delays.push(obj['delayMs'] as number) },
        },
      ),
    ).rejects.toBeInstanceOf(DatabaseUnavailableError);
    expect(delays).toEqual([99, 199, 399, 799, 999, 999, 999]);
  });

  test('gives up after maxAttempts with a DatabaseUnavailableError carrying the cause', async () => {
    const clock = fakeClock();
    let calls = 0;
    const cause = pgError('57P01');
    const error = await withRetry(
      async () => {
        calls++;
        throw cause;
      },
      { ...clock, maxAttempts: 4, random: () => 0 },
    ).catch((e: unknown) => e);
    expect(calls).toBe(4);
    expect(error).toBeInstanceOf(DatabaseUnavailableError);
    expect((error as DatabaseUnavailableError).attempts).toBe(4);
    expect((error as DatabaseUnavailableError).cause).toBe(cause);
    expect((error as DatabaseUnavailableError).retryAfterSeconds).toBeGreaterThanOrEqual(1);
  });

  test('never starts a retry that would end past the total time budget', async () => {
    const clock = fakeClock();
    let calls = 0;
    await expect(
      withRetry(
        async () => {
          calls++;
          throw pgError('08006');
        },
        {
          ...clock,
          maxAttempts: 100,
          maxElapsedMs: 1000,
          baseDelayMs: 200,
          maxDelayMs: 400,
          random: () => 0.999,
        },
      ),
    ).rejects.toBeInstanceOf(DatabaseUnavailableError);
    // delays 199 + 399 + 399 = 997 ms; the next 399 ms would cross 1,000 ms.
    expect(calls).toBe(4);
    expect(clock.now()).toBeLessThan(1000);
  });
});
