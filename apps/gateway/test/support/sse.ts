import { request } from 'undici';

export interface SseEvent {
  id?: string;
  event?: string;
  data: string;
}

/**
 * A small SSE client on undici for tests: parses events as they arrive and lets a test await
 * the next one (or the next n) with a deadline instead of sleeping.
 */
export class SseReader {
  readonly events: SseEvent[] = [];
  private waiters: Array<() => void> = [];
  private buffer = '';
  private ended = false;

  private constructor(
    readonly status: number,
    readonly headers: Record<string, string | string[] | undefined>,
    private readonly body: AsyncIterable<Buffer> & { destroy(): void },
    readonly text: () => Promise<string>,
  ) {}

  static async open(url: string, headers: Record<string, string>): Promise<SseReader> {
    const controller = new AbortController();
    const res = await request(url, { method: 'GET', headers, signal: controller.signal });
    const body = res.body as unknown as AsyncIterable<Buffer> & {
      destroy(): void;
      text(): Promise<string>;
    };
    const reader = new SseReader(res.statusCode, res.headers, body, () => body.text());
    if (res.statusCode === 200) void reader.pump();
    return reader;
  }

  private async pump(): Promise<void> {
    try {
      for await (const chunk of this.body) {
        this.buffer += chunk.toString('utf8');
        let idx: number;
        while ((idx = this.buffer.indexOf('\n\n')) >= 0) {
          const block = this.buffer.slice(0, idx);
          this.buffer = this.buffer.slice(idx + 2);
          const ev: SseEvent = { data: '' };
          const data: string[] = [];
          for (const line of block.split('\n')) {
            if (line.startsWith(':')) continue;
            const colon = line.indexOf(':');
            const field = colon < 0 ? line : line.slice(0, colon);
            const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
            if (field === 'id') ev.id = value;
            else if (field === 'event') ev.event = value;
            else if (field === 'data') data.push(value);
          }
          if (data.length === 0) continue;
          ev.data = data.join('\n');
          this.events.push(ev);
        }
        this.wake();
      }
    } catch {
      // The test closed the stream or the server went away; waiters see `ended`.
    } finally {
      this.ended = true;
      this.wake();
    }
  }

  private wake(): void {
    for (const w of this.waiters.splice(0)) w();
  }

  get isEnded(): boolean {
    return this.ended;
  }

  /** Resolves once at least `count` events arrived; rejects at the deadline or if the stream ends. */
  async waitFor(count: number, timeoutMs = 10_000): Promise<SseEvent[]> {
    const deadline = Date.now() + timeoutMs;
    while (this.events.length < count) {
      if (this.ended) throw new Error(`stream ended after ${this.events.length}/${count} events`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out with ${this.events.length}/${count} events`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
    return this.events.slice(0, count);
  }

  /** Waits until the server ends the stream. */
  async waitForEnd(timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!this.ended) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error('stream did not end');
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  close(): void {
    // A refused stream's body is a JSON error nobody reads as a stream: drain it (destroying an
    // unread body raises an unhandled abort error).
    if (this.status === 200) {
      this.body.destroy();
      return;
    }
    try {
      void this.text().catch(() => undefined);
    } catch {
      // Already read by the test.
    }
  }
}
