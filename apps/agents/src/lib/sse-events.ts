/** One server-sent event: its type (`message` when the stream names none) and its data. */
export interface SseEvent {
  event: string;
  data: string;
}

/**
 * An incremental parser of `text/event-stream` (the WHATWG rules an EventSource follows): lines
 * end in LF, CRLF or CR, `:` starts a comment, `data` lines are joined with LF, a blank line
 * dispatches the event, an event with no data is dropped. `id` and `retry` are read and ignored:
 * the agent never resumes a stream (it reconnects with a fresh session). Feed it decoded text in
 * chunks of any size.
 */
export class SseParser {
  private rest = '';
  /** The previous chunk ended in CR: an LF opening the next one is the same line ending. */
  private skipLf = false;
  private event = '';
  private data: string[] = [];

  constructor(private readonly onEvent: (event: SseEvent) => void) {}

  feed(chunk: string): void {
    let text = chunk;
    if (this.skipLf && text.startsWith('\n')) text = text.slice(1);
    this.skipLf = false;
    let start = 0;
    for (;;) {
      const lf = text.indexOf('\n', start);
      const cr = text.indexOf('\r', start);
      const end = cr === -1 ? lf : lf === -1 ? cr : Math.min(cr, lf);
      if (end === -1) break;
      const line = this.rest + text.slice(start, end);
      this.rest = '';
      start = end + 1;
      if (text.charCodeAt(end) === 13 /* CR */) {
        if (start === text.length) this.skipLf = true;
        else if (text.charCodeAt(start) === 10 /* LF */) start += 1;
      }
      this.line(line);
    }
    this.rest += text.slice(start);
  }

  private line(line: string): void {
    if (line === '') {
      if (this.data.length > 0) {
        this.onEvent({ event: this.event || 'message', data: this.data.join('\n') });
      }
      this.event = '';
      this.data = [];
      return;
    }
    if (line.charCodeAt(0) === 58 /* : */) return;
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.charCodeAt(0) === 32 /* space */) value = value.slice(1);
    if (field === 'data') this.data.push(value);
    else if (field === 'event') this.event = value;
  }
}
