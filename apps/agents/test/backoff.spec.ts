// Locks in reconnect behaviour: full-jitter exponential delays, retrying forever, stopping at once.
import { backoffDelay, retryForever } from '../src/lib/backoff';

describe('backoffDelay', () => {
  const policy = { baseMs: 100, capMs: 5_000 };

  it('doubles the ceiling per attempt up to the cap', () => {
    const top = () => 0.999999;
    expect([1, 2, 3, 4, 5, 6, 7, 8].map((n) => backoffDelay(policy, n, top))).toEqual([
      100, 200, 400, 800, 1600, 3200, 5000, 5000,
    ]);
  });

  it('draws uniformly between zero and the ceiling (full jitter)', () => {
    expect(backoffDelay(policy, 4, () => 0)).toBe(0);
    expect(backoffDelay(policy, 4, () => 0.5)).toBe(400);
  });

  it('stays finite for very large attempt numbers', () => {
    expect(backoffDelay(policy, 10_000, () => 0.999999)).toBe(5000);
  });
});

describe('retryForever', () => {
  it('retries until the attempt succeeds, reporting each failure with its delay', async () => {
    const delays: number[] = [];
    const retries: number[] = [];
    const result = await retryForever(
      async (n) => {
        if (n < 5) throw new Error(`fail ${n}`);
        return n;
      },
      {
        signal: new AbortController().signal,
        policy: { baseMs: 10, capMs: 40 },
        random: () => 0.999999,
        sleep: async (ms) => {
          delays.push(ms);
        },
        onRetry: ({ attempt }) => retries.push(attempt),
      },
    );
    expect(result).toBe(5);
    expect(retries).toEqual([1, 2, 3, 4]);
    expect(delays).toEqual([10, 20, 40, 40]);
  });

  it('stops waiting as soon as the signal is aborted', async () => {
    const controller = new AbortController();
    const started = Date.now();
    const pending = retryForever(
      async () => {
        throw new Error('down');
      },
      { signal: controller.signal, policy: { baseMs: 60_000, capMs: 60_000 }, random: () => 1 },
    );
    setTimeout(() => controller.abort(new Error('stop')), 20);
    await expect(pending).rejects.toThrow('stop');
    expect(Date.now() - started).toBeLessThan(5_000);
  });
});
