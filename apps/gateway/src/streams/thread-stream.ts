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
  /** The thread closing on this task's buses, with its summary; returns the unsubscribe. */
  subscribeClosed(threadId: string, fn: (summary: string) => void): () => void;
  /** Set when the thread was already closed when the stream opened: the reason to end with. */
  closedAtStart?: string | undefined;
  log: FastifyBaseLogger;
}

/** The last event of a stream whose thread closed; the stream then ends. */
export const CLOSED_EVENT = 'closed';

/**
 * Runs one thread's event stream on `writer`: subscribes to live messages first, replays the
 * database after `lastSeq`, then goes live, emitting each seq once and in order. A seq that skips
 * ahead (a reply persisted by another task, or two appends finishing out of order) is filled from
 * the database, so a reconnecting client sees no gap and no duplicate. When the thread closes
 * (or was closed already), every message stored before is emitted, then `event: closed` with
 * `{threadId, reason}`, and the stream ends. Subscriptions end when the writer closes.
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
  type Item = StoredMessage | SeqHint | { closed: string };
  const backlog: Item[] = [];

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
  const end = async (reason: string) => {
    // Nothing is stored in a closed thread, so what the database holds now is all there is.
    await fill(Number.MAX_SAFE_INTEGER);
    writer.event(undefined, { threadId, reason }, CLOSED_EVENT);
    writer.close();
  };
  const handle = (item: Item) => {
    chain = chain
      .then(async () => {
        if (writer.isClosed) return;
        if ('closed' in item) return end(item.closed);
        if (item.seq <= lastSeq) return;
        if ('id' in item && item.seq === lastSeq + 1) emit(item);
        else await fill(item.seq);
      })
      .catch((err: unknown) => {
        sources.log.warn({ err, threadId }, 'event stream could not catch up; closing it');
        writer.close();
      });
  };
  const onItem = (item: Item) => {
    if (replayed) handle(item);
    else backlog.push(item);
  };
  const unsubscribe = sources.subscribeLocal(threadId, onItem);
  const unhint = sources.subscribeRemote(threadId, onItem);
  const unclosed = sources.subscribeClosed(threadId, (reason) => onItem({ closed: reason }));
  writer.onClose(() => {
    unsubscribe();
    unhint();
    unclosed();
  });
  try {
    await fill(Number.MAX_SAFE_INTEGER);
  } catch (err) {
    sources.log.warn({ err, threadId }, 'event stream replay failed');
    writer.close();
    return;
  }
  replayed = true;
  if (sources.closedAtStart !== undefined) backlog.push({ closed: sources.closedAtStart });
  for (const item of backlog.splice(0)) handle(item);
}
