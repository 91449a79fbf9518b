import type { ServerResponse } from 'node:http';

/**
 * A server-sent-events writer on a raw response: one event per message, comment heartbeats so
 * proxies (the ALB idles out at 60 s) keep the connection, and a single idempotent close.
 */
export class SseWriter {
  private closed = false;
  private readonly heartbeat: NodeJS.Timeout;
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
    this.heartbeat = setInterval(() => this.comment('ping'), heartbeatMs);
    this.heartbeat.unref();
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
  }

  comment(text: string): void {
    if (!this.closed) this.res.write(`: ${text}\n\n`);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.heartbeat);
    if (!this.res.writableEnded) this.res.end();
    for (const fn of this.closeListeners.splice(0)) fn();
  }
}

/** True when the response can no longer reach the client (socket closed or destroyed). */
export function isGone(res: ServerResponse): boolean {
  return res.destroyed || res.writableEnded || !res.socket || res.socket.destroyed;
}
