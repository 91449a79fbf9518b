import { createHash } from 'node:crypto';
import type { MessageDraft, PersistedMessageRef, PoolBus } from '@pardon/coral';
import type { Counter } from 'prom-client';
import type { Store } from '../shared/store';
import type { MessageHub } from './message-hub';
import type { PlayerThreads } from './player-threads';
import type { ReplyLatency } from './reply-latency';

export interface AgentRepliesOptions {
  store: Pick<Store, 'appendMessage'>;
  threads: PlayerThreads;
  hub: MessageHub;
  latency: ReplyLatency;
  messages: Counter<'pool' | 'sender'>;
}

/**
 * The buses' persist-before-deliver hook: an agent message in a player thread is stored before
 * the bus appends, delivers or acknowledges it, then published to the thread's streams.
 */
export function agentReplyPersister(
  options: AgentRepliesOptions,
): (draft: MessageDraft, bus: PoolBus) => Promise<PersistedMessageRef> {
  return async (draft, bus) => {
    if (!options.threads.has(draft.threadId)) {
      // Agent-only threads have no row to belong to; they live on the bus alone.
      return { id: crypto.randomUUID(), timestamp: Date.now() };
    }
    const { message, created } = await options.store.appendMessage({
      threadId: draft.threadId,
      senderId: draft.senderId,
      content: draft.content,
      mentions: draft.mentions,
      clientMessageId: agentReplyKey(draft, bus),
    });
    // An existing row is the earlier attempt that committed although it reported a failure: it
    // was never published (streams emit each seq once, so publishing it now is safe).
    if (created) options.messages.inc({ pool: draft.poolId, sender: 'agent' });
    options.latency.replyStored(draft.threadId, draft.poolId, draft.senderId);
    options.hub.publish(message);
    return { id: message.id, timestamp: message.createdAt.getTime() };
  };
}

/**
 * Idempotency key of an agent message. Agents retry a reply refused with `persist_failed`, and
 * the data layer retries an append whose connection dropped; either can follow an attempt that
 * committed but whose answer was lost, which would store the reply twice. A failed attempt
 * leaves the bus unchanged, so the sender's last message on the bus is the same for every
 * attempt of one reply and moves on once it is stored: with the content and mentions it names
 * the reply (a different message sent meanwhile has a different key). Two different messages
 * with the same content sent concurrently would share that key, which is why agents that can
 * send `idempotencyKey` (ours) do.
 */
export function agentReplyKey(draft: MessageDraft, bus: PoolBus): string {
  // Our agents name each message and reuse the name on its retries: exact, whatever the bus
  // holds meanwhile. Coral agents do not; for them the key is derived as described above.
  if (draft.idempotencyKey !== undefined) {
    return `agent:${draft.senderId}:${draft.idempotencyKey}`;
  }
  const previous = bus.lastMessageOf(draft.threadId, draft.senderId)?.id ?? '';
  const digest = createHash('sha256')
    .update(JSON.stringify([draft.senderId, previous, draft.mentions, draft.content]))
    .digest('base64url');
  return `agent:${digest}`;
}
