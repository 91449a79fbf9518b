import { GatewayError } from '../errors';

/** Counts the open event streams per thread against the per-thread limit. */
export class StreamSlots {
  private readonly perThread = new Map<string, number>();

  constructor(private readonly perThreadLimit: number) {}

  /** Throws 429 `too_many_streams` when the thread has no free slot (nothing is taken). */
  requireFree(threadId: string): void {
    if ((this.perThread.get(threadId) ?? 0) >= this.perThreadLimit) {
      throw new GatewayError(
        'GW_ERR_TOO_MANY_STREAMS',
        `At most ${this.perThreadLimit} event streams per thread.`,
        { retryAfterS: 5 },
      );
    }
  }

  /** Takes a slot; the returned release frees it once, however often it is called. */
  take(threadId: string): () => void {
    this.perThread.set(threadId, (this.perThread.get(threadId) ?? 0) + 1);
    let held = true;
    return () => {
      if (!held) return;
      held = false;
      const n = (this.perThread.get(threadId) ?? 1) - 1;
      if (n <= 0) this.perThread.delete(threadId);
      else this.perThread.set(threadId, n);
    };
  }
}
