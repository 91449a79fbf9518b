/**
 * Listeners per thread id: subscribe, ask whether a thread has any, and deliver to all of a
 * thread's listeners. A thread's entry exists only while it has a listener, so memory follows
 * the open streams, not every thread ever seen.
 */
export class ThreadListeners<T> {
  private readonly byThread = new Map<string, Set<(value: T) => void>>();

  /** Adds a listener; returns the function that removes it (idempotent). */
  subscribe(threadId: string, listener: (value: T) => void): () => void {
    let set = this.byThread.get(threadId);
    if (!set) {
      set = new Set();
      this.byThread.set(threadId, set);
    }
    set.add(listener);
    return () => {
      const s = this.byThread.get(threadId);
      if (!s) return;
      s.delete(listener);
      if (s.size === 0) this.byThread.delete(threadId);
    };
  }

  has(threadId: string): boolean {
    return this.byThread.has(threadId);
  }

  /** Calls every listener of the thread; a listener added or removed meanwhile waits for the next. */
  deliver(threadId: string, value: T): void {
    const set = this.byThread.get(threadId);
    if (!set) return;
    for (const listener of [...set]) listener(value);
  }
}
