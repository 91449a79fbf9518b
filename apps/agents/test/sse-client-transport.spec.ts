// The agent's HTTP+SSE client transport against the SDK's own SSE server transport: it speaks the
// same wire (endpoint event, one POST per message, answers on the stream), carries its headers on
// the GET and the POSTs, and reports the stream's end as the loss of the connection.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { SSEServerTransport } from '@modelcontextprotocol/sdk/server/sse.js';
import { z } from 'zod';
import { SseClientTransport, SseError } from '../src/lib/sse-client-transport';
import { until } from './support/in-memory-coral';

interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
}

let server: Server;
let base: string;
const seen: Seen[] = [];
const streams = new Map<string, { transport: SSEServerTransport; res: ServerResponse }>();
/** What the next stream's endpoint event says (undefined: the SDK's own). */
let endpointOverride: string | undefined;

beforeEach(async () => {
  seen.length = 0;
  endpointOverride = undefined;
  server = createServer((req, res) => {
    seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers });
    const url = new URL(req.url ?? '/', 'http://x');
    if (req.method === 'GET' && url.pathname === '/sse') {
      if (endpointOverride !== undefined) {
        res.writeHead(200, { 'Content-Type': 'text/event-stream' });
        res.write(`event: endpoint\ndata: ${endpointOverride}\n\n`);
        return;
      }
      const transport = new SSEServerTransport('/messages', res);
      streams.set(transport.sessionId, { transport, res });
      const mcp = new McpServer({ name: 'test', version: '1.0.0' });
      mcp.registerTool('echo', { inputSchema: { text: z.string() } }, ({ text }) => ({
        content: [{ type: 'text', text: `echo ${text}` }],
      }));
      void mcp.connect(transport);
      return;
    }
    if (req.method === 'POST' && url.pathname === '/messages') {
      const entry = streams.get(url.searchParams.get('sessionId') ?? '');
      if (!entry) {
        res.writeHead(404).end('no such session');
        return;
      }
      void entry.transport.handlePostMessage(req, res);
      return;
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterEach(async () => {
  for (const { res } of streams.values()) res.end();
  streams.clear();
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

async function connect(headers: Record<string, string> = {}) {
  const transport = new SseClientTransport(new URL(`${base}/sse`), { headers });
  const errors: Error[] = [];
  const client = new Client({ name: 't', version: '1' });
  client.onerror = (e) => errors.push(e);
  let closed = false;
  client.onclose = () => (closed = true);
  await client.connect(transport);
  return { client, transport, errors, isClosed: () => closed };
}

describe('SseClientTransport', () => {
  it('initializes and calls tools over the SDK server, headers on the GET and every POST', async () => {
    const { client } = await connect({ Authorization: 'Bearer s3cret' });
    const results = await Promise.all(
      ['a', 'b', 'c'].map((text) => client.callTool({ name: 'echo', arguments: { text } })),
    );
    expect(results.map((r) => (r.content as Array<{ text: string }>)[0]?.text)).toEqual([
      'echo a',
      'echo b',
      'echo c',
    ]);
    const get = seen.filter((s) => s.method === 'GET');
    const posts = seen.filter((s) => s.method === 'POST');
    expect(get).toHaveLength(1);
    expect(get[0]?.headers.accept).toBe('text/event-stream');
    // initialize, initialized, three calls.
    expect(posts).toHaveLength(5);
    for (const s of [...get, ...posts]) expect(s.headers.authorization).toBe('Bearer s3cret');
    for (const post of posts) expect(post.headers['content-type']).toBe('application/json');
    // After initialize, the negotiated version travels with each POST, as the SDK's does.
    expect(posts.at(-1)?.headers['mcp-protocol-version']).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    await client.close();
  });

  it('reports the stream’s end as an SseError', async () => {
    const { client, errors } = await connect();
    for (const { res } of streams.values()) res.end();
    await until(() => errors.length > 0, 5_000, 'an error');
    expect(errors[0]).toBeInstanceOf(SseError);
    expect(errors[0]?.name).toBe('SseError');
    await client.close();
  });

  it('rejects a call whose POST is refused, with the status', async () => {
    const { client, transport } = await connect();
    for (const id of [...streams.keys()]) streams.delete(id);
    await expect(
      transport.send({ jsonrpc: '2.0', id: 99, method: 'tools/list', params: {} }),
    ).rejects.toThrow(/HTTP 404.*no such session/);
    await client.close();
  });

  it('fails to start when the stream is refused', async () => {
    const transport = new SseClientTransport(new URL(`${base}/nowhere`));
    await expect(transport.start()).rejects.toThrow(/Non-200 status code \(404\)/);
    await transport.close();
  });

  it('does not POST to an endpoint on another origin', async () => {
    endpointOverride = 'http://other.example:1/messages?sessionId=1';
    const transport = new SseClientTransport(new URL(`${base}/sse`));
    await expect(transport.start()).rejects.toThrow(/Invalid endpoint/);
    await transport.close();
  });

  it('closes: the stream is cut and sends are refused', async () => {
    const { client, transport, isClosed } = await connect();
    await client.close();
    expect(isClosed()).toBe(true);
    await expect(
      transport.send({ jsonrpc: '2.0', method: 'notifications/initialized' }),
    ).rejects.toThrow(/Not connected/);
  });
});
