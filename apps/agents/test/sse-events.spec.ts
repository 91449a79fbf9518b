// The agent's event-stream parser follows the WHATWG rules an EventSource does, whatever the
// chunking of the stream.
import { SseParser, type SseEvent } from '../src/lib/sse-events';

function parse(chunks: string[]): SseEvent[] {
  const events: SseEvent[] = [];
  const parser = new SseParser((e) => events.push(e));
  for (const chunk of chunks) parser.feed(chunk);
  return events;
}

const STREAM =
  'event: endpoint\ndata: /mcp/v1/abc/sse/?sessionId=1\n\n' +
  ': keepalive\n\n' +
  'event: message\ndata: {"jsonrpc":"2.0","id":1,"result":{}}\n\n' +
  'data: first\ndata: second\n\n' +
  'id: 7\nretry: 1000\ndata:no space\n\n' +
  'event: empty\n\n';

const EXPECTED: SseEvent[] = [
  { event: 'endpoint', data: '/mcp/v1/abc/sse/?sessionId=1' },
  { event: 'message', data: '{"jsonrpc":"2.0","id":1,"result":{}}' },
  { event: 'message', data: 'first\nsecond' },
  { event: 'message', data: 'no space' },
];

describe('SseParser', () => {
  it('reads events, skips comments and events without data, joins data lines', () => {
    expect(parse([STREAM])).toEqual(EXPECTED);
  });

  it('gives the same events whatever the chunks', () => {
    for (let size = 1; size <= 7; size++) {
      const chunks: string[] = [];
      for (let i = 0; i < STREAM.length; i += size) chunks.push(STREAM.slice(i, i + size));
      expect(parse(chunks)).toEqual(EXPECTED);
    }
  });

  it('takes CRLF and CR line endings, also split between chunks', () => {
    const crlf = STREAM.replace(/\n/g, '\r\n');
    const cr = STREAM.replace(/\n/g, '\r');
    expect(parse([crlf])).toEqual(EXPECTED);
    expect(parse([cr])).toEqual(EXPECTED);
    for (let at = 1; at < crlf.length; at++) {
      expect(parse([crlf.slice(0, at), crlf.slice(at)])).toEqual(EXPECTED);
    }
  });

  it('keeps an unfinished event until its blank line arrives', () => {
    const events: SseEvent[] = [];
    const parser = new SseParser((e) => events.push(e));
    parser.feed('data: {"a":');
    parser.feed('1}\n');
    expect(events).toEqual([]);
    parser.feed('\n');
    expect(events).toEqual([{ event: 'message', data: '{"a":1}' }]);
  });
});
