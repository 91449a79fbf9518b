/** What this task knows of a player (database-backed) thread it holds on one of its buses. */
export interface HeldThread {
  pool: string;
  wallet: string;
  agentId: string;
  closed: boolean;
}

/**
 * The player threads on this task's buses, by id. Agent-only threads (created by agents with
 * `coral_create_thread`) are not here: they have no row and live on the bus alone.
 */
export class PlayerThreads {
  private readonly held = new Map<string, HeldThread>();

  get(threadId: string): HeldThread | undefined {
    return this.held.get(threadId);
  }

  has(threadId: string): boolean {
    return this.held.has(threadId);
  }

  hold(threadId: string, thread: HeldThread): void {
    this.held.set(threadId, thread);
  }

  /** Marks a held thread closed; false when the thread is not a player thread held here. */
  markClosed(threadId: string): boolean {
    const known = this.held.get(threadId);
    if (!known) return false;
    known.closed = true;
    return true;
  }

  /** Drops a thread from the registry (a closed thread after its grace). */
  forget(threadId: string): void {
    this.held.delete(threadId);
  }

  /** Ids of the held threads that are open. */
  openIds(): string[] {
    const open: string[] = [];
    for (const [id, t] of this.held) if (!t.closed) open.push(id);
    return open;
  }

  /** How many threads are held (open, and closed ones within their grace). */
  get size(): number {
    return this.held.size;
  }
}
