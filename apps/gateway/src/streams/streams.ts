import type { ServerResponse } from 'node:http';
import type { FastifyBaseLogger } from 'fastify';
import type { Gauge } from 'prom-client';
import { SseWriter } from '../shared/sse';
import type { Store } from '../shared/store';
import type { ThreadBus } from '../thread-bus/thread-bus';
import { ownedThread } from '../shared/owned-thread';
import type { RemoteHints } from './remote-hints';
import { StreamSlots } from './stream-slots';
import { runThreadStream } from './thread-stream';

export interface StreamsOptions {
  store: Pick<Store, 'getThread' | 'listMessages' | 'seqOf'>;
  threadBus: ThreadBus;
  hints: RemoteHints;
  perThreadLimit: number;
  heartbeatMs: number;
  openStreams: Gauge;
  log: FastifyBaseLogger;
}

export interface PreparedStream {
  start(res: ServerResponse): Promise<void>;
}

/** Players' event streams on their threads: admission, the streams themselves, shutdown. */
export class Streams {
  private readonly open = new Set<SseWriter>();
  private readonly slots: StreamSlots;

  constructor(private readonly options: StreamsOptions) {
    this.slots = new StreamSlots(options.perThreadLimit);
  }

  /**
   * Checks ownership and limits (so they still answer as JSON errors), puts a live thread on its
   * bus, then returns the stream's starter for the route to hand the raw response to.
   */
  async prepare(wallet: string, threadId: string, lastEventId?: string): Promise<PreparedStream> {
    const { store, threadBus } = this.options;
    const thread = await ownedThread(store, wallet, threadId);
    this.slots.requireFree(threadId);
    // An id that names no message of this thread replays from the start.
    const lastSeq = lastEventId === undefined ? 0 : (store.seqOf(threadId, lastEventId) ?? 0);
    if (!thread.closedAt && !thread.sessionEnded && threadBus.hostsPool(thread.pool)) {
      await threadBus.ensureOnBus(thread);
    }
    const release = this.slots.take(threadId);
    return {
      start: async (res) => {
        const writer = new SseWriter(res, this.options.heartbeatMs);
        this.open.add(writer);
        this.options.openStreams.inc();
        writer.onClose(() => {
          release();
          this.open.delete(writer);
          this.options.openStreams.dec();
        });
        await runThreadStream(writer, threadId, lastSeq, {
          store,
          subscribeLocal: (id, fn) => threadBus.subscribe(id, fn),
          subscribeRemote: (id, fn) => this.options.hints.follow(id, fn),
          log: this.options.log,
        });
      },
    };
  }

  /** Ends every open stream (shutdown). */
  closeAll(): void {
    for (const w of [...this.open]) w.close();
  }
}
