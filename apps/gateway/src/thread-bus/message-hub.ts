import type { StoredMessage } from '../shared/messages';

type Listener = (m: StoredMessage) => void;

/**
 * In-process fan-out of persisted messages to the event streams of their thread. Only messages
 * that are already in the database pass through here, so a stream never shows what could be lost.
 */
export class MessageHub {
  private readonly listeners = new Map<string, Set<Listener>>();

  subscribe(threadId: string, listener: Listener): () => void {
    let set = this.listeners.get(threadId);
    if (!set) {
      set = new Set();
      this.listeners.set(threadId, set);
    }
    set.add(listener);
    return () => {
      const s = this.listeners.get(threadId);
      if (!s) return;
      s.delete(listener);
      if (s.size === 0) this.listeners.delete(threadId);
    };
  }

  subscriberCount(threadId: string): number {
    return this.listeners.get(threadId)?.size ?? 0;
  }

  hasSubscribers(threadId: string): boolean {
    return this.listeners.has(threadId);
  }

  publish(m: StoredMessage): void {
    const set = this.listeners.get(m.threadId);
    if (!set) return;
    for (const l of [...set]) l(m);
  }
}
