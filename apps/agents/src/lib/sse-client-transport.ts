import http, { type ClientRequest, type IncomingMessage } from 'node:http';
import https from 'node:https';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { SseParser, type SseEvent } from './sse-events';

/** The stream failed or ended: the connection is lost (the name `connectMcpSession` looks for). */
export class SseError extends Error {
  override readonly name = 'SseError';

  constructor(
    message: string,
    readonly code?: number,
  ) {
    super(`SSE error: ${message}`);
  }
}

export interface SseClientTransportOptions {
  /** Sent on the stream's GET and on every POST (e.g. Coral 1.0's `Authorization`). */
  headers?: Record<string, string>;
}

/** Sockets of the POSTs, kept open between calls (one gateway, a few calls in flight at a time). */
const keepAlive = {
  'http:': new http.Agent({ keepAlive: true }),
  'https:': new https.Agent({ keepAlive: true }),
};

/** Error bodies are read for the message only; never a whole page. */
const MAX_ERROR_BODY_CHARS = 500;

/**
 * MCP's HTTP+SSE transport (protocol 2024-11-05, Coral's) as a client, on `node:http`: one GET
 * stream whose `endpoint` event names where to POST, then one POST per JSON-RPC message, the
 * answers arriving on the stream. The wire is the SDK's `SSEClientTransport`'s; what differs is the
 * cost: the SDK sends each POST through WHATWG fetch (Headers, an AbortSignal listener and a web
 * stream per request) and validates every incoming message with zod, which was most of an agent's
 * CPU under load. Here a POST is one keep-alive `http.request`, and an incoming message is checked
 * for the JSON-RPC 2.0 envelope only (the SDK's `Client` validates each result against its schema).
 * The stream is never resumed: its end or failure is reported as an `SseError`.
 */
export class SseClientTransport implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: (message: JSONRPCMessage) => void;

  private stream: ClientRequest | undefined;
  private endpoint: URL | undefined;
  private protocolVersion: string | undefined;
  private readonly posts = new Set<ClientRequest>();
  private closed = false;

  constructor(
    private readonly url: URL,
    private readonly options: SseClientTransportOptions = {},
  ) {}

  setProtocolVersion(version: string): void {
    this.protocolVersion = version;
  }

  start(): Promise<void> {
    if (this.stream) throw new Error('SseClientTransport already started');
    return new Promise<void>((resolve, reject) => {
      let opened = false;
      let failed = false;
      const fail = (error: Error): void => {
        if (this.closed || failed) return;
        failed = true;
        if (!opened) reject(error);
        this.onerror?.(error);
      };
      const request = this.client(this.url).request(this.url, {
        method: 'GET',
        headers: {
          ...this.options.headers,
          Accept: 'text/event-stream',
          'Cache-Control': 'no-cache',
        },
        agent: false,
      });
      this.stream = request;
      request.on('error', (error) => fail(new SseError(error.message)));
      request.on('response', (response: IncomingMessage) => {
        const status = response.statusCode ?? 0;
        const type = String(response.headers['content-type'] ?? '');
        if (status !== 200 || !type.includes('text/event-stream')) {
          readSome(response).then(
            (body) => fail(new SseError(`Non-200 status code (${status})${body}`, status)),
            () => fail(new SseError(`Non-200 status code (${status})`, status)),
          );
          return;
        }
        const parser = new SseParser((event) => {
          if (event.event === 'endpoint') {
            if (opened) return;
            const endpoint = this.endpointOf(event);
            if (!endpoint) {
              fail(new Error(`Invalid endpoint from the server: ${event.data.slice(0, 200)}`));
              void this.close();
              return;
            }
            this.endpoint = endpoint;
            opened = true;
            resolve();
          } else if (event.event === 'message') {
            this.receive(event.data);
          }
        });
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => parser.feed(chunk));
        response.on('error', (error) => fail(new SseError(error.message)));
        // Ended or cut: either way this session's answers can no longer arrive.
        response.on('close', () => fail(new SseError('stream ended')));
      });
      request.end();
    });
  }

  send(message: JSONRPCMessage): Promise<void> {
    const endpoint = this.endpoint;
    if (!endpoint || this.closed) return Promise.reject(new Error('Not connected'));
    const body = JSON.stringify(message);
    return new Promise<void>((resolve, reject) => {
      const headers: Record<string, string | number> = {
        ...this.options.headers,
        'Content-Type': 'application/json',
        'Content-Length': Buffer.byteLength(body),
      };
      if (this.protocolVersion) headers['mcp-protocol-version'] = this.protocolVersion;
      const request = this.client(endpoint).request(endpoint, {
        method: 'POST',
        headers,
        agent: keepAlive[endpoint.protocol as 'http:' | 'https:'],
      });
      this.posts.add(request);
      const failed = (error: Error): void => {
        this.posts.delete(request);
        this.onerror?.(error);
        reject(error);
      };
      request.on('error', (error) =>
        failed(new Error(`Error POSTing to endpoint: ${error.message}`)),
      );
      request.on('response', (response) => {
        const status = response.statusCode ?? 0;
        if (status >= 200 && status < 300) {
          response.resume();
          response.on('end', () => {
            this.posts.delete(request);
            resolve();
          });
          response.on('error', (error) =>
            failed(new Error(`Error POSTing to endpoint: ${error.message}`)),
          );
          return;
        }
        readSome(response).then(
          (text) => failed(new Error(`Error POSTing to endpoint (HTTP ${status})${text}`)),
          () => failed(new Error(`Error POSTing to endpoint (HTTP ${status})`)),
        );
      });
      request.end(body);
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.stream?.destroy();
    for (const post of this.posts) post.destroy(new Error('transport closed'));
    this.posts.clear();
    this.onclose?.();
  }

  private client(url: URL): typeof http | typeof https {
    return url.protocol === 'https:' ? https : http;
  }

  /** The POST URL the `endpoint` event names, resolved on the stream's; only on the same origin. */
  private endpointOf(event: SseEvent): URL | undefined {
    try {
      const endpoint = new URL(event.data, this.url);
      return endpoint.origin === this.url.origin ? endpoint : undefined;
    } catch {
      return undefined;
    }
  }

  private receive(data: string): void {
    let message: unknown;
    try {
      message = JSON.parse(data);
    } catch (error) {
      this.onerror?.(new Error(`Invalid JSON on the stream: ${(error as Error).message}`));
      return;
    }
    if (!isJsonRpc(message)) {
      this.onerror?.(new Error(`Not a JSON-RPC 2.0 message: ${data.slice(0, 200)}`));
      return;
    }
    this.onmessage?.(message);
  }
}

/** A request, notification or response of JSON-RPC 2.0, by its envelope. */
function isJsonRpc(value: unknown): value is JSONRPCMessage {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const m = value as { jsonrpc?: unknown; method?: unknown; id?: unknown };
  if (m.jsonrpc !== '2.0') return false;
  if (typeof m.method === 'string') return true;
  if (typeof m.id === 'string' || typeof m.id === 'number') return 'result' in m || 'error' in m;
  // A server that could not read a request's id answers the error with `id: null`.
  return m.id === null && 'error' in m;
}

/** `: <text>` of the first characters of a response body, or '' when it has none. */
function readSome(response: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    response.setEncoding('utf8');
    response.on('data', (chunk: string) => {
      if (text.length < MAX_ERROR_BODY_CHARS) text += chunk;
    });
    response.on('end', () => resolve(text ? `: ${text.slice(0, MAX_ERROR_BODY_CHARS)}` : ''));
    response.on('error', reject);
  });
}
