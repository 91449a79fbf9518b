import type { StoredMessage } from '../shared/messages';
import { ThreadListeners } from '../shared/thread-listeners';

/**
 * In-process fan-out of persisted messages to the event streams of their thread. Only messages
 * that are already in the database pass through here, so a stream never shows what could be lost.
 */
export class MessageHub {
  private readonly listeners = new ThreadListeners<StoredMessage>();

  subscribe(threadId: string, listener: (m: StoredMessage) => void): () => void {
    return this.listeners.subscribe(threadId, listener);
  }

  publish(m: StoredMessage): void {
    this.listeners.deliver(m.threadId, m);
  }
}
