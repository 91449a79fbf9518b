import type { FastifyBaseLogger } from 'fastify';
import { MESSAGE_PAGE } from '../shared/message-pages';
import { toWire, type StoredMessage } from '../shared/messages';
import type { SseWriter } from '../shared/sse';
import type { Store } from '../shared/store';
import type { SeqHint } from './remote-hints';

export interface ThreadStreamSources {
  store: Pick<Store, 'listMessages'>;
  /** Live stored messages of the thread from this task; returns the unsubscribe. */
  subscribeLocal(threadId: string, fn: (m: StoredMessage) => void): () => void;
  /** Hints of messages other tasks stored; returns the unsubscribe. */
  subscribeRemote(threadId: string, fn: (h: SeqHint) => void): () => void;
  log: FastifyBaseLogger;
}

/**
 * Runs one thread's event stream on `writer`: subscribes to live messages first, replays the
 * database after `lastSeq`, then goes live, emitting each seq once and in order. A seq that skips
 * ahead (a reply persisted by another task, or two appends finishing out of order) is filled from
 * the database, so a reconnecting client sees no gap and no duplicate. Subscriptions end when
 * the writer closes.
 */
export async function runThreadStream(
  writer: SseWriter,
  threadId: string,
  lastSeqAtStart: number,
  sources: ThreadStreamSources,
): Promise<void> {
  let lastSeq = lastSeqAtStart;
  let chain = Promise.resolve();
  let replayed = false;
  const backlog: Array<StoredMessage | SeqHint> = [];

  const emit = (m: StoredMessage) => {
    if (m.seq <= lastSeq) return;
    writer.event(m.id, toWire(m));
    lastSeq = m.seq;
  };
  const fill = async (upTo: number) => {
    while (!writer.isClosed && lastSeq < upTo) {
      const page = await sources.store.listMessages(threadId, lastSeq, MESSAGE_PAGE);
      if (page.length === 0) return;
      for (const m of page) emit(m);
    }
  };
  const handle = (item: StoredMessage | SeqHint) => {
    chain = chain
      .then(async () => {
        if (writer.isClosed || item.seq <= lastSeq) return;
        if ('id' in item && item.seq === lastSeq + 1) emit(item);
        else await fill(item.seq);
      })
      .catch((err: unknown) => {
        sources.log.warn({ err, threadId }, 'event stream could not catch up; closing it');
        writer.close();
      });
  };
  const onItem = (item: StoredMessage | SeqHint) => {
    if (replayed) handle(item);
    else backlog.push(item);
  };
  const unsubscribe = sources.subscribeLocal(threadId, onItem);
  const unhint = sources.subscribeRemote(threadId, onItem);
  writer.onClose(() => {
    unsubscribe();
    unhint();
  });
  try {
    await fill(Number.MAX_SAFE_INTEGER);
  } catch (err) {
    sources.log.warn({ err, threadId }, 'event stream replay failed');
    writer.close();
    return;
  }
  replayed = true;
  for (const item of backlog.splice(0)) handle(item);
}
