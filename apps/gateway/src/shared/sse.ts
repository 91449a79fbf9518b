import type { ServerResponse } from 'node:http';

/** Ticks of a heartbeat interval: each stream is looked at on one tick in this many. */
const HEARTBEAT_SLOTS = 15;

/**
 * One timer for every event stream with the same heartbeat interval. A timer per stream woke
 * the process once per stream and interval (2,000 streams every 15 s: 133 wake-ups a second, as
 * many as the round trips they sat beside); this one ticks HEARTBEAT_SLOTS times an interval and
 * visits each stream once an interval, in slots filled in turn so no tick has them all.
 */
class HeartbeatClock {
  private static readonly clocks = new Map<number, HeartbeatClock>();
  private readonly slots: Array<Set<SseWriter>> = Array.from(
    { length: HEARTBEAT_SLOTS },
    () => new Set(),
  );
  private next = 0;
  private tick = 0;
  private size = 0;
  private timer: NodeJS.Timeout | undefined;

  private constructor(private readonly intervalMs: number) {}

  static of(intervalMs: number): HeartbeatClock {
    let clock = HeartbeatClock.clocks.get(intervalMs);
    if (!clock) {
      clock = new HeartbeatClock(intervalMs);
      HeartbeatClock.clocks.set(intervalMs, clock);
    }
    return clock;
  }

  /** Adds a writer; returns its removal. */
  add(writer: SseWriter): () => void {
    const slot = this.slots[this.next] as Set<SseWriter>;
    this.next = (this.next + 1) % HEARTBEAT_SLOTS;
    slot.add(writer);
    this.size += 1;
    if (!this.timer) {
      this.timer = setInterval(() => this.onTick(), this.intervalMs / HEARTBEAT_SLOTS);
      this.timer.unref();
    }
    return () => {
      if (!slot.delete(writer)) return;
      this.size -= 1;
      if (this.size === 0 && this.timer) {
        clearInterval(this.timer);
        this.timer = undefined;
      }
    };
  }

  private onTick(): void {
    const slot = this.slots[this.tick] as Set<SseWriter>;
    this.tick = (this.tick + 1) % HEARTBEAT_SLOTS;
    for (const writer of slot) writer.beat();
  }
}

/**
 * A server-sent-events writer on a raw response: one event per message, comment heartbeats so
 * proxies (the ALB idles out at 60 s) keep the connection, and a single idempotent close. A
 * heartbeat is written only on a stream that wrote nothing since its previous beat: an event
 * keeps the connection alive as well as a comment, so a busy stream costs no heartbeat writes
 * and no stream is silent for more than two heartbeat intervals.
 */
export class SseWriter {
  private closed = false;
  /** Something was written since the heartbeat last looked. */
  private wrote = false;
  private readonly stopHeartbeat: () => void;
  private readonly closeListeners: Array<() => void> = [];

  constructor(
    private readonly res: ServerResponse,
    heartbeatMs: number,
    headers: Record<string, string> = {},
  ) {
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
      ...headers,
    });
    res.write(': connected\n\n');
    this.wrote = true;
    this.stopHeartbeat = HeartbeatClock.of(heartbeatMs).add(this);
    res.on('close', () => this.close());
    // A client that hung up before the stream started: its 'close' has already been emitted and
    // will not come again, so the writer closes now (and its close listeners run when added).
    if (isGone(res)) this.close();
  }

  get isClosed(): boolean {
    return this.closed;
  }

  onClose(fn: () => void): void {
    if (this.closed) fn();
    else this.closeListeners.push(fn);
  }

  /** One event; without an `id` the client's Last-Event-ID stays what it was. */
  event(id: string | undefined, data: unknown, event?: string): void {
    if (this.closed) return;
    const lines = id === undefined ? [] : [`id: ${id}`];
    if (event) lines.push(`event: ${event}`);
    // JSON.stringify never emits raw newlines, so the payload is one `data:` line.
    lines.push(`data: ${JSON.stringify(data)}`);
    this.res.write(`${lines.join('\n')}\n\n`);
    this.wrote = true;
  }

  comment(text: string): void {
    if (this.closed) return;
    this.res.write(`: ${text}\n\n`);
    this.wrote = true;
  }

  /** The heartbeat's visit (once an interval): a ping unless something was written since the last. */
  beat(): void {
    if (!this.wrote) this.comment('ping');
    this.wrote = false;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.stopHeartbeat();
    if (!this.res.writableEnded) this.res.end();
    for (const fn of this.closeListeners.splice(0)) fn();
  }
}

/** True when the response can no longer reach the client (socket closed or destroyed). */
export function isGone(res: ServerResponse): boolean {
  return res.destroyed || res.writableEnded || !res.socket || res.socket.destroyed;
}
