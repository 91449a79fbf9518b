import type { ServerResponse } from 'node:http';
import type { FastifyBaseLogger } from 'fastify';
import type { Gauge } from 'prom-client';
import { isGone, SseWriter } from '../shared/sse';
import type { Store } from '../shared/store';
import type { ThreadBus } from '../thread-bus/thread-bus';
import { ownedThread } from '../shared/owned-thread';
import type { RemoteHints } from './remote-hints';
import { StreamSlots } from './stream-slots';
import { runThreadStream } from './thread-stream';

/** Named events beside the messages (the game's score and pardon), by thread. */
export interface NamedEventSource {
  /** Calls `fn` with each event for the thread; returns the unsubscribe. */
  subscribe(threadId: string, fn: (event: { name: string; data: unknown }) => void): () => void;
}

export interface StreamsOptions {
  /** Events a stream carries beside the messages; none when unset. */
  namedEvents?: NamedEventSource;
  store: Pick<Store, 'getThread' | 'listMessages' | 'seqOf'>;
  threadBus: ThreadBus;
  hints: RemoteHints;
  perThreadLimit: number;
  perWalletLimit: number;
  heartbeatMs: number;
  openStreams: Gauge;
  log: FastifyBaseLogger;
}

export interface PreparedStream {
  /** Runs the stream on the raw response; frees the slot when it ends, or at once if gone. */
  start(res: ServerResponse): Promise<void>;
}

/** Players' event streams on their threads: admission, the streams themselves, shutdown. */
export class Streams {
  private readonly open = new Set<SseWriter>();
  private readonly slots: StreamSlots;

  constructor(private readonly options: StreamsOptions) {
    this.slots = new StreamSlots({
      perThread: options.perThreadLimit,
      perWallet: options.perWalletLimit,
    });
  }

  /**
   * Checks ownership and takes a slot (so refusals still answer as JSON errors), puts a live
   * thread on its bus, then returns the stream's starter for the route to hand the raw response
   * to. The slot is taken in the same synchronous step as its check, before any rebuild `await`,
   * and released on every path: a failed rebuild, a client already gone, the stream's end.
   */
  async prepare(wallet: string, threadId: string, lastEventId?: string): Promise<PreparedStream> {
    const { store, threadBus } = this.options;
    // A thread this task holds open for this wallet is the wallet's and on its bus already: no
    // ownership query (a close elsewhere reaches the stream as the bus's close event).
    const thread = threadBus.heldOpen(threadId, wallet)
      ? undefined
      : await ownedThread(store, wallet, threadId);
    const release = this.slots.take(threadId, wallet);
    try {
      // An id that names no message of this thread replays from the start.
      const lastSeq = lastEventId === undefined ? 0 : (store.seqOf(threadId, lastEventId) ?? 0);
      const closedAtStart =
        thread !== undefined && (thread.closedAt !== null || thread.sessionEnded);
      if (thread && !closedAtStart && threadBus.hostsPool(thread.pool)) {
        await threadBus.ensureOnBus(thread);
      }
      return {
        start: (res) => this.start(res, threadId, lastSeq, closedAtStart, release),
      };
    } catch (err) {
      release();
      throw err;
    }
  }

  /** Slots held now (threads, wallets); both are 0 when no stream is open. */
  slotsHeld(): { threads: number; wallets: number } {
    return this.slots.size;
  }

  /** Ends every open stream (shutdown). */
  closeAll(): void {
    for (const w of [...this.open]) w.close();
  }

  private async start(
    res: ServerResponse,
    threadId: string,
    lastSeq: number,
    closedAtStart: boolean,
    release: () => void,
  ): Promise<void> {
    const { store, threadBus, log } = this.options;
    if (isGone(res)) {
      // The client hung up while the stream was being prepared: no writer, timer or subscription.
      release();
      return;
    }
    const writer = new SseWriter(res, this.options.heartbeatMs);
    this.open.add(writer);
    this.options.openStreams.inc();
    const unnamed = this.options.namedEvents?.subscribe(threadId, (e) =>
      writer.event(undefined, e.data, e.name),
    );
    writer.onClose(() => {
      release();
      unnamed?.();
      this.open.delete(writer);
      this.options.openStreams.dec();
    });
    try {
      await runThreadStream(writer, threadId, lastSeq, {
        store,
        subscribeLocal: (id, fn) => threadBus.subscribe(id, fn),
        subscribeRemote: (id, fn) => this.options.hints.follow(id, fn),
        subscribeClosed: (id, fn) => threadBus.onClosed(id, fn),
        closedAtStart: closedAtStart ? 'The thread is closed.' : undefined,
        log,
      });
    } catch (err) {
      log.warn({ err, threadId }, 'event stream failed');
      writer.close();
    }
  }
}
