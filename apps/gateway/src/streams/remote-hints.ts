import { ThreadListeners } from '../shared/thread-listeners';

/** A hint that a thread has messages up to `seq` (persisted by another task); streams fetch them. */
export interface SeqHint {
  threadId: string;
  seq: number;
}

/**
 * Cross-task hints for event streams: the task's NOTIFY listener reports each message another
 * task stored, and every stream of this task that follows the thread catches up from the database.
 */
export class RemoteHints {
  private readonly listeners = new ThreadListeners<SeqHint>();

  /** Follows a thread's remote messages; returns the unsubscribe. */
  follow(threadId: string, fn: (hint: SeqHint) => void): () => void {
    return this.listeners.subscribe(threadId, fn);
  }

  /** True when some stream of this task follows the thread (so a NOTIFY is worth handling). */
  isFollowed(threadId: string): boolean {
    return this.listeners.has(threadId);
  }

  /** Another task persisted message `seq` of `threadId`. */
  remoteMessage(threadId: string, seq: number): void {
    this.listeners.deliver(threadId, { threadId, seq });
  }
}
