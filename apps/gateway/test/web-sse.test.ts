// The player page's event-stream parser (fetch streaming stands in for EventSource, which cannot
// send Authorization): events split anywhere across chunks, CRLF or LF lines, comments ignored.
import { SseParser } from '../web/src/shared/sse';

describe('SseParser', () => {
  it('yields the same events however the stream is chunked', () => {
    const stream =
      ': heartbeat\n\nid: t-1\ndata: {"a":1}\n\r\nid: t-2\r\nevent: message\r\ndata: line one\r\ndata: line two\r\n\r\n';
    const whole = new SseParser().push(stream);
    expect(whole).toEqual([
      { id: 't-1', event: 'message', data: '{"a":1}' },
      { id: 't-2', event: 'message', data: 'line one\nline two' },
    ]);
    for (let size = 1; size < 8; size += 1) {
      const parser = new SseParser();
      const events = [];
      for (let i = 0; i < stream.length; i += size)
        events.push(...parser.push(stream.slice(i, i + size)));
      expect(events).toEqual(whole);
    }
  });

  it('keeps the last id for events without one and skips events without data', () => {
    const parser = new SseParser();
    expect(parser.push('id: t-7\n\ndata: x\n\n')).toEqual([
      { id: 't-7', event: 'message', data: 'x' },
    ]);
    expect(parser.push('data: unfinished')).toEqual([]);
  });
});
