import { Agent, errors as undiciErrors, request, type Dispatcher } from 'undici';

/** Thrown by ApiClient for a failed call; `kind` is what the report counts it under. */
export class CallError extends Error {
  constructor(
    readonly kind: string,
    message: string,
  ) {
    super(message);
    this.name = 'CallError';
  }
}

/** Thrown when the run stopped (its end, or the request budget) while a call was in flight. */
export class StoppedError extends Error {
  constructor() {
    super('the run stopped');
    this.name = 'StoppedError';
  }
}

/**
 * The kind of a failed call, for the error table: `http_<status>:<error code>` for an HTTP error
 * answer (the gateway's `{error}` field, or `-`), `timeout:request` when the server did not answer
 * in time, `network:<code>` for a refused or cut connection.
 */
export function classifyHttp(status: number, body: unknown): string {
  const code =
    body && typeof body === 'object' && typeof (body as { error?: unknown }).error === 'string'
      ? (body as { error: string }).error
      : '-';
  return `http_${status}:${code}`;
}

export function classifyFailure(error: unknown): string {
  if (
    error instanceof undiciErrors.HeadersTimeoutError ||
    error instanceof undiciErrors.BodyTimeoutError ||
    error instanceof undiciErrors.ConnectTimeoutError
  ) {
    return 'timeout:request';
  }
  const code = (error as { code?: unknown })?.code;
  return `network:${typeof code === 'string' ? code : 'unknown'}`;
}

export interface ClientOptions {
  requestTimeoutMs: number;
  /** Aborts every call in flight when the run's hard deadline passes. */
  signal: AbortSignal;
  /** Called before each request; throws StoppedError to refuse it (request budget). */
  admit: () => void;
  /** Called after each request with its error kind, if any. */
  onRequest: (errorKind?: string) => void;
  /** Connect from this local address (see `playerSourceAddress`). Default: any. */
  localAddress?: string;
}

/**
 * On loopback, virtual player `index` connects from its own address (127.1.0.1, 127.1.0.2, …; all
 * of 127.0.0.0/8 is local on Linux), so the load balancer sees distinct clients and the gateway's
 * per-IP limit applies per player, as it would to real players. Undefined for other targets.
 */
export function playerSourceAddress(targetUrl: string, index: number): string | undefined {
  const host = new URL(targetUrl).hostname;
  if (!/^127\.\d+\.\d+\.\d+$/.test(host)) return undefined;
  const rest = Math.floor(index / 254);
  if (rest >= 256) throw new RangeError(`no loopback source address for player ${index}`);
  return `127.1.${rest}.${(index % 254) + 1}`;
}

export interface ApiMessage {
  id: string;
  senderId: string;
  content: string;
  createdAt: string;
}

const noop = (): void => undefined;

/**
 * The reason every closed event stream is aborted with: one error whose stack is built once.
 * Node reads the stack of each error a stream is destroyed with, and with source maps on (tsx)
 * building it cost more than all the rest of closing the stream.
 */
const STREAM_CLOSED = Object.assign(new Error('event stream closed by the player'), {
  name: 'AbortError',
});
void STREAM_CLOSED.stack;

/** The seq of a message id `<threadId>-<seq>`. */
export function seqOf(messageId: string): number {
  return Number(messageId.slice(messageId.lastIndexOf('-') + 1));
}

/** The player API over one undici connection pool (keep-alive, no limit on sockets). */
export class ApiClient {
  private readonly dispatcher: Dispatcher;

  constructor(
    readonly baseUrl: string,
    private readonly options: ClientOptions,
  ) {
    this.dispatcher = new Agent({
      keepAliveTimeout: 30_000,
      connect: { timeout: 10_000 },
      ...(options.localAddress ? { localAddress: options.localAddress } : {}),
    });
    // The hard stop ends every call and stream in flight by closing the pool: one listener per
    // client, where an AbortSignal per request cost a listener added and removed on every call.
    options.signal.addEventListener('abort', () => void this.dispatcher.destroy().catch(noop), {
      once: true,
    });
  }

  /** One JSON call; resolves with the body of a 2xx answer, throws CallError otherwise. */
  async call<T>(
    method: Dispatcher.HttpMethod,
    path: string,
    token?: string,
    body?: unknown,
  ): Promise<T> {
    if (this.options.signal.aborted) throw new StoppedError();
    this.options.admit();
    const headers: Record<string, string> = { accept: 'application/json' };
    if (token) headers.authorization = `Bearer ${token}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    let status: number;
    let parsed: unknown;
    try {
      const res = await request(`${this.baseUrl}${path}`, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        dispatcher: this.dispatcher,
        headersTimeout: this.options.requestTimeoutMs,
        bodyTimeout: this.options.requestTimeoutMs,
      });
      status = res.statusCode;
      const text = await res.body.text();
      try {
        parsed = text ? JSON.parse(text) : undefined;
      } catch {
        parsed = text;
      }
    } catch (error) {
      if (this.options.signal.aborted) throw new StoppedError();
      const kind = classifyFailure(error);
      this.options.onRequest(kind);
      throw new CallError(kind, `${method} ${path}: ${String(error)}`);
    }
    if (status >= 400) {
      const kind = classifyHttp(status, parsed);
      this.options.onRequest(kind);
      throw new CallError(kind, `${method} ${path}: HTTP ${status} ${JSON.stringify(parsed)}`);
    }
    this.options.onRequest();
    return parsed as T;
  }

  /**
   * Opens a thread's event stream and calls `onMessage` for every message it carries until
   * `close()`. Opening counts as a request; a refused stream throws CallError.
   */
  async events(
    threadId: string,
    token: string,
    onMessage: (message: ApiMessage) => void,
  ): Promise<{ close(): void }> {
    if (this.options.signal.aborted) throw new StoppedError();
    this.options.admit();
    const controller = new AbortController();
    let res: Dispatcher.ResponseData;
    try {
      res = await request(`${this.baseUrl}/api/threads/${threadId}/events`, {
        method: 'GET',
        headers: { accept: 'text/event-stream', authorization: `Bearer ${token}` },
        dispatcher: this.dispatcher,
        headersTimeout: this.options.requestTimeoutMs,
        bodyTimeout: 0,
        signal: controller.signal,
      });
    } catch (error) {
      if (this.options.signal.aborted) throw new StoppedError();
      const kind = classifyFailure(error);
      this.options.onRequest(kind);
      throw new CallError(kind, `events ${threadId}: ${String(error)}`);
    }
    if (res.statusCode !== 200) {
      const text = await res.body.text().catch(() => '');
      let parsed: unknown = text;
      try {
        parsed = JSON.parse(text);
      } catch {
        // not JSON: classified by status alone
      }
      const kind = classifyHttp(res.statusCode, parsed);
      this.options.onRequest(kind);
      throw new CallError(kind, `events ${threadId}: HTTP ${res.statusCode}`);
    }
    this.options.onRequest();
    const parser = new SseParser((data) => {
      try {
        onMessage(JSON.parse(data) as ApiMessage);
      } catch {
        // A data line that is not a message (none are expected) is ignored, not fatal.
      }
    });
    const body = res.body;
    body.on('data', (chunk: Buffer) => parser.push(chunk.toString('utf8')));
    body.on('error', () => undefined);
    return {
      close: () => {
        controller.abort(STREAM_CLOSED);
        body.destroy();
      },
    };
  }

  /** GET /health as the load balancer sees it (not counted in the run's requests). */
  async health(): Promise<Array<{ pool: string; activeThreads: number; capacity: number }>> {
    const res = await request(`${this.baseUrl}/health`, {
      dispatcher: this.dispatcher,
      headersTimeout: this.options.requestTimeoutMs,
      bodyTimeout: this.options.requestTimeoutMs,
      signal: this.options.signal,
    });
    const json = (await res.body.json()) as {
      pools?: Array<{ pool: string; activeThreads: number; capacity: number }>;
    };
    return json.pools ?? [];
  }

  close(): Promise<void> {
    return this.dispatcher.destroy();
  }
}

/**
 * Incremental text/event-stream parser: calls `onData` with the joined data lines of each
 * message event (no `event:` field, or `message`). Named events (the stream's last `closed`)
 * are not messages, and are skipped here rather than failing on the player's side.
 */
export class SseParser {
  private buffer = '';

  constructor(private readonly onData: (data: string) => void) {}

  push(text: string): void {
    this.buffer += text.includes('\r') ? text.replace(/\r\n?/g, '\n') : text;
    let idx: number;
    while ((idx = this.buffer.indexOf('\n\n')) >= 0) {
      const block = this.buffer.slice(0, idx);
      this.buffer = this.buffer.slice(idx + 2);
      const data: string[] = [];
      let event = 'message';
      for (const line of block.split('\n')) {
        if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''));
        else if (line.startsWith('event:')) event = line.slice(6).trim();
      }
      if (data.length > 0 && event === 'message') this.onData(data.join('\n'));
    }
  }
}
