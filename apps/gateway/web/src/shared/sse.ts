import { sleep } from './api';

export interface SseEvent {
  id: string | undefined;
  event: string;
  data: string;
}

/**
 * Splits an SSE byte stream into events (the WHATWG event-stream format: `field: value` lines,
 * a blank line ends an event, `:` lines are comments).
 */
export class SseParser {
  private buffer = '';
  private data: string[] = [];
  private id: string | undefined;
  private event = 'message';

  push(chunk: string): SseEvent[] {
    this.buffer += chunk;
    const out: SseEvent[] = [];
    let nl: number;
    while ((nl = this.buffer.search(/\r\n|\r|\n/)) >= 0) {
      // A CR closing the chunk may be the first half of a CRLF split across chunks: wait.
      if (nl === this.buffer.length - 1 && this.buffer.endsWith('\r')) break;
      const line = this.buffer.slice(0, nl);
      const width = this.buffer.startsWith('\r\n', nl) ? 2 : 1;
      this.buffer = this.buffer.slice(nl + width);
      if (line === '') {
        if (this.data.length > 0)
          out.push({ id: this.id, event: this.event, data: this.data.join('\n') });
        this.data = [];
        this.event = 'message';
        continue;
      }
      if (line.startsWith(':')) continue;
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.slice(0, colon);
      let value = colon < 0 ? '' : line.slice(colon + 1);
      if (value.startsWith(' ')) value = value.slice(1);
      if (field === 'data') this.data.push(value);
      else if (field === 'id') this.id = value;
      else if (field === 'event') this.event = value;
    }
    return out;
  }
}

export interface StreamOptions {
  url: string;
  token: string;
  lastEventId: () => string | undefined;
  onEvent: (event: SseEvent) => void;
  onState?: (state: 'live' | 'reconnecting') => void;
  /** Called with a non-retryable HTTP status (401, 404, 409); the stream stops. */
  onFatal?: (status: number) => void;
  signal: AbortSignal;
}

/**
 * Follows a thread's event stream. EventSource cannot send `Authorization`, so this is fetch
 * streaming with the same resume semantics: reconnects with `Last-Event-ID` after a drop.
 */
export async function followEvents(options: StreamOptions): Promise<void> {
  let delayMs = 500;
  while (!options.signal.aborted) {
    try {
      const headers: Record<string, string> = {
        accept: 'text/event-stream',
        authorization: `Bearer ${options.token}`,
      };
      const last = options.lastEventId();
      if (last !== undefined) headers['last-event-id'] = last;
      const response = await fetch(options.url, { headers, signal: options.signal });
      if ([401, 403, 404, 409].includes(response.status)) {
        options.onFatal?.(response.status);
        return;
      }
      if (!response.ok || response.body === null) throw new Error(`HTTP ${response.status}`);
      options.onState?.('live');
      delayMs = 500;
      const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
      const parser = new SseParser();
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        for (const event of parser.push(value)) {
          // The thread closed (the stream's last event): as a 409 would say, stop following.
          if (event.event === 'closed') {
            options.onFatal?.(409);
            return;
          }
          options.onEvent(event);
        }
      }
    } catch (err) {
      if (options.signal.aborted) return;
      void err;
    }
    if (options.signal.aborted) return;
    options.onState?.('reconnecting');
    await sleep(delayMs, options.signal);
    delayMs = Math.min(delayMs * 2, 10_000);
  }
}
