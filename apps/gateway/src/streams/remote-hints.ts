/** A hint that a thread has messages up to `seq` (persisted by another task); streams fetch them. */
export interface SeqHint {
  threadId: string;
  seq: number;
}

type HintListener = (hint: SeqHint) => void;

/**
 * Cross-task hints for event streams: the task's NOTIFY listener reports each message another
 * task stored, and every stream of this task that follows the thread catches up from the database.
 */
export class RemoteHints {
  private readonly listeners = new Map<string, Set<HintListener>>();

  /** Follows a thread's remote messages; returns the unsubscribe. */
  follow(threadId: string, fn: HintListener): () => void {
    let set = this.listeners.get(threadId);
    if (!set) {
      set = new Set();
      this.listeners.set(threadId, set);
    }
    set.add(fn);
    return () => {
      const s = this.listeners.get(threadId);
      s?.delete(fn);
      if (s && s.size === 0) this.listeners.delete(threadId);
    };
  }

  /** True when some stream of this task follows the thread (so a NOTIFY is worth handling). */
  isFollowed(threadId: string): boolean {
    return this.listeners.has(threadId);
  }

  /** Another task persisted message `seq` of `threadId`. */
  remoteMessage(threadId: string, seq: number): void {
    const set = this.listeners.get(threadId);
    if (!set) return;
    for (const fn of [...set]) fn({ threadId, seq });
  }
}
