/**
 * Runs work keyed by thread: jobs of one thread run strictly one after another in arrival order;
 * jobs of different threads run concurrently, at most `concurrency` at a time. A thread whose job
 * finished goes to the back of the ready queue, so one chatty thread cannot starve the others.
 */
export class ThreadScheduler {
  private readonly queues = new Map<string, Array<() => Promise<void>>>();
  private readonly ready: string[] = [];
  private readonly active = new Set<string>();
  private pending = 0;
  private idleWaiters: Array<() => void> = [];
  private capacityWaiters: Array<() => void> = [];

  constructor(
    private readonly concurrency: number,
    private readonly onError: (threadId: string, error: unknown) => void,
  ) {
    if (!Number.isInteger(concurrency) || concurrency < 1) {
      throw new RangeError(`concurrency must be a positive integer, got ${concurrency}`);
    }
  }

  /** Queues `job` behind earlier jobs of the same thread. */
  enqueue(threadId: string, job: () => Promise<void>): void {
    this.pending++;
    const queue = this.queues.get(threadId);
    if (queue) {
      queue.push(job);
      return;
    }
    this.queues.set(threadId, [job]);
    this.ready.push(threadId);
    this.pump();
  }

  /** Jobs queued or running. */
  get size(): number {
    return this.pending;
  }

  /** Threads with a job running right now. */
  get running(): number {
    return this.active.size;
  }

  /** Resolves once fewer than `limit` jobs are queued or running (back-pressure for the poller). */
  whenBelow(limit: number): Promise<void> {
    if (this.pending < limit) return Promise.resolve();
    return new Promise((resolve) => {
      const check = (): void => {
        if (this.pending < limit) resolve();
        else this.capacityWaiters.push(check);
      };
      this.capacityWaiters.push(check);
    });
  }

  /** Resolves when every queued job has finished. */
  whenIdle(): Promise<void> {
    if (this.pending === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private pump(): void {
    while (this.active.size < this.concurrency && this.ready.length > 0) {
      const threadId = this.ready.shift() as string;
      const job = this.queues.get(threadId)?.shift();
      if (!job) {
        this.queues.delete(threadId);
        continue;
      }
      this.active.add(threadId);
      void this.run(threadId, job);
    }
  }

  private async run(threadId: string, job: () => Promise<void>): Promise<void> {
    try {
      await job();
    } catch (error) {
      this.onError(threadId, error);
    }
    this.active.delete(threadId);
    this.pending--;
    const queue = this.queues.get(threadId);
    if (queue && queue.length > 0) this.ready.push(threadId);
    else this.queues.delete(threadId);
    this.pump();
    const waiters = this.capacityWaiters;
    this.capacityWaiters = [];
    for (const waiter of waiters) waiter();
    if (this.pending === 0) {
      const idle = this.idleWaiters;
      this.idleWaiters = [];
      for (const resolve of idle) resolve();
    }
  }
}
