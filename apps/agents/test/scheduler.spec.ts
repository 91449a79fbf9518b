// Locks in the reply ordering guarantees: in order within a thread, concurrent across threads,
// bounded, also at the default concurrency of 64 slots per pool.
import { ThreadScheduler } from '../src/lib/scheduler';

function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

describe('ThreadScheduler', () => {
  it('runs the jobs of one thread strictly in arrival order, one at a time', async () => {
    const scheduler = new ThreadScheduler(8, () => undefined);
    const log: string[] = [];
    let running = 0;
    for (let i = 0; i < 5; i++) {
      scheduler.enqueue('t1', async () => {
        running++;
        expect(running).toBe(1);
        log.push(`start ${i}`);
        await new Promise((r) => setTimeout(r, 5 - i));
        log.push(`end ${i}`);
        running--;
      });
    }
    await scheduler.whenIdle();
    expect(log).toEqual([0, 1, 2, 3, 4].flatMap((i) => [`start ${i}`, `end ${i}`]));
  });

  it('does not let a slow thread delay another thread', async () => {
    const scheduler = new ThreadScheduler(2, () => undefined);
    const slow = deferred();
    const done: string[] = [];
    scheduler.enqueue('slow', async () => {
      await slow.promise;
      done.push('slow');
    });
    scheduler.enqueue('fast', async () => {
      done.push('fast');
    });
    await new Promise((r) => setImmediate(r));
    expect(done).toEqual(['fast']);
    slow.resolve();
    await scheduler.whenIdle();
    expect(done).toEqual(['fast', 'slow']);
  });

  it('never runs more threads at once than its concurrency', async () => {
    const scheduler = new ThreadScheduler(3, () => undefined);
    let running = 0;
    let peak = 0;
    for (let t = 0; t < 10; t++) {
      for (let j = 0; j < 3; j++) {
        scheduler.enqueue(`t${t}`, async () => {
          running++;
          peak = Math.max(peak, running);
          await new Promise((r) => setTimeout(r, 1));
          running--;
        });
      }
    }
    expect(scheduler.size).toBe(30);
    await scheduler.whenIdle();
    expect(peak).toBe(3);
    expect(scheduler.size).toBe(0);
  });

  it('reports a failed job and goes on with the next job of the same thread', async () => {
    const errors: Array<[string, unknown]> = [];
    const scheduler = new ThreadScheduler(1, (threadId, error) => errors.push([threadId, error]));
    const done: number[] = [];
    scheduler.enqueue('t', async () => {
      throw new Error('boom');
    });
    scheduler.enqueue('t', async () => {
      done.push(2);
    });
    await scheduler.whenIdle();
    expect(done).toEqual([2]);
    expect(errors).toHaveLength(1);
    expect(errors[0]?.[0]).toBe('t');
  });

  it('releases back-pressure waiters once the backlog drains below the limit', async () => {
    const scheduler = new ThreadScheduler(1, () => undefined);
    const gate = deferred();
    scheduler.enqueue('a', () => gate.promise);
    scheduler.enqueue('b', async () => undefined);
    let released = false;
    const waiting = scheduler.whenBelow(2).then(() => (released = true));
    await new Promise((r) => setImmediate(r));
    expect(released).toBe(false);
    gate.resolve();
    await waiting;
    expect(scheduler.size).toBeLessThan(2);
  });

  it('keeps every thread in order, one reply at a time, at the default 64 slots and hundreds of threads', async () => {
    const scheduler = new ThreadScheduler(64, () => undefined);
    const runningPerThread = new Map<string, number>();
    const done = new Map<string, number[]>();
    let running = 0;
    let peak = 0;
    for (let j = 0; j < 4; j++) {
      for (let t = 0; t < 300; t++) {
        const thread = `t${t}`;
        scheduler.enqueue(thread, async () => {
          running++;
          peak = Math.max(peak, running);
          runningPerThread.set(thread, (runningPerThread.get(thread) ?? 0) + 1);
          expect(runningPerThread.get(thread)).toBe(1);
          await new Promise((r) => setTimeout(r, (t * 7 + j * 3) % 5));
          runningPerThread.set(thread, (runningPerThread.get(thread) ?? 0) - 1);
          done.set(thread, [...(done.get(thread) ?? []), j]);
          running--;
        });
      }
    }
    await scheduler.whenIdle();
    expect(peak).toBe(64);
    expect(done.size).toBe(300);
    for (const order of done.values()) expect(order).toEqual([0, 1, 2, 3]);
  });

  it('refuses a concurrency below one', () => {
    expect(() => new ThreadScheduler(0, () => undefined)).toThrow(RangeError);
  });
});
