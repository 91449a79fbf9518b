import type { PoolBus } from '@pardon/coral';
import type { FastifyBaseLogger } from 'fastify';
import { readAllMessages } from '../shared/message-pages';
import type { Store, ThreadRow } from '../shared/store';
import type { PlayerThreads } from './player-threads';

/** The name a player thread has on the bus (agents see it in their mentions). */
export function threadName(wallet: string, agentId: string): string {
  return `${agentId} × ${wallet.slice(0, 8)}`;
}

/**
 * Materialises a player thread on its bus from the database, with every message and every
 * participant that spoke in it. The bus's default read positions (just after each participant's
 * own last message) deliver a trailing unanswered player message to the agent again, once.
 */
export async function rebuildThread(
  thread: ThreadRow,
  deps: {
    bus: PoolBus;
    store: Pick<Store, 'listMessages'>;
    threads: PlayerThreads;
    log: FastifyBaseLogger;
  },
): Promise<void> {
  const messages = await readAllMessages(deps.store, thread.id);
  const participants = new Set([thread.agentId]);
  for (const m of messages) if (m.senderId !== thread.wallet) participants.add(m.senderId);
  const isClosed = thread.closedAt !== null || thread.sessionEnded;
  deps.threads.hold(thread.id, {
    pool: thread.pool,
    wallet: thread.wallet,
    agentId: thread.agentId,
    closed: isClosed,
  });
  const { created } = deps.bus.materializeThread({
    id: thread.id,
    name: threadName(thread.wallet, thread.agentId),
    creatorId: thread.wallet,
    participantIds: [...participants],
    messages: messages.map((m) => ({
      id: m.id,
      senderId: m.senderId,
      content: m.content,
      timestamp: m.createdAt.getTime(),
      mentions: m.mentions,
    })),
    isClosed,
  });
  if (created && messages.length > 0) {
    deps.log.info(
      { threadId: thread.id, pool: thread.pool, messages: messages.length },
      'thread rebuilt from the database',
    );
  }
}
