// A player of the real API (DESIGN.md §6) as a browser would be one: an ed25519 wallet, the ALB's
// sticky cookie kept like a cookie jar, retries of a message with the same clientMessageId after a
// 502/503 or a cut connection, and event streams that reconnect with Last-Event-ID.
import { randomUUID } from 'node:crypto';
import { transactionMessageBytes, transactionSignature, withSignature } from '@pardon/solana';
import bs58 from 'bs58';
import nacl from 'tweetnacl';
import { Agent, fetch as undiciFetch, type Dispatcher } from 'undici';
import { STICKY_COOKIE } from './sticky-proxy';

export interface ApiMessage {
  id: string;
  senderId: string;
  content: string;
  mentions: string[];
  createdAt: string;
}

export interface ApiResponse {
  status: number;
  headers: Headers;
  json: Record<string, unknown>;
}

export class ApiError extends Error {
  constructor(
    readonly what: string,
    readonly response: ApiResponse,
  ) {
    super(`${what}: HTTP ${response.status} ${JSON.stringify(response.json)}`);
    this.name = 'ApiError';
  }
}

const RETRY_DELAY_MS = 200;
/** A refused stream is retried later and later, up to this (a browser's EventSource backs off too). */
const STREAM_RETRY_MAX_MS = 3_000;

export interface PlayerOptions {
  /** Retry budget for 502/503/connection failures of idempotent calls. Default 30 s. */
  retryForMs?: number;
  /** The wallet's 64-byte ed25519 secret key, to come back as the same player. Default: new wallet. */
  secretKey?: Uint8Array;
  /**
   * Connect from this local address (a loopback 127.x.y.z): players of one machine then reach
   * the load balancer as distinct clients, each with its own rate-limit bucket. Default: any.
   */
  localAddress?: string;
}

/**
 * The `index`-th of the distinct loopback addresses players can connect from (127.2.0.1,
 * 127.2.0.2, …; all of 127.0.0.0/8 is local on Linux). Clear of 127.0.0.1 and of the balancer's
 * own source address.
 */
export function playerAddress(index: number): string {
  if (!Number.isInteger(index) || index < 0 || index >= 254 * 256 * 253) {
    throw new RangeError(`no player address ${index}`);
  }
  const host = index % 254;
  const rest = Math.floor(index / 254);
  return `127.${2 + Math.floor(rest / 256)}.${rest % 256}.${host + 1}`;
}

/** The position of a message in its thread: message ids are `<threadId>-<seq>`. */
export function messageSeq(messageId: string): number {
  return Number(messageId.slice(messageId.lastIndexOf('-') + 1));
}

export class Player {
  readonly wallet: string;
  private readonly secretKey: Uint8Array;
  private token: string | undefined;
  private cookie: string | undefined;
  pool: string | undefined;
  sessionId: string | undefined;
  /** Tasks (sticky cookie values) this player was routed to, in order of change. */
  readonly tasksSeen: string[] = [];
  private readonly retryForMs: number;
  private readonly dispatcher: Dispatcher | undefined;

  constructor(
    readonly baseUrl: string,
    options: PlayerOptions = {},
  ) {
    const pair = options.secretKey
      ? nacl.sign.keyPair.fromSecretKey(options.secretKey)
      : nacl.sign.keyPair();
    this.wallet = bs58.encode(pair.publicKey);
    this.secretKey = pair.secretKey;
    this.retryForMs = options.retryForMs ?? 30_000;
    this.dispatcher = options.localAddress
      ? new Agent({ localAddress: options.localAddress })
      : undefined;
  }

  /** fetch, from the player's own local address when it has one. */
  private fetch(url: string, init: RequestInit): Promise<Response> {
    if (!this.dispatcher) return fetch(url, init);
    return undiciFetch(url, {
      ...(init as Parameters<typeof undiciFetch>[1]),
      dispatcher: this.dispatcher,
    }) as unknown as Promise<Response>;
  }

  /** Closes the player's own connections (those of a `localAddress`). */
  async close(): Promise<void> {
    await this.dispatcher?.close();
  }

  /** The wallet's secret key (keep it to sign in as the same player later). */
  get secretKeyBytes(): Uint8Array {
    return this.secretKey;
  }

  /** The task the load balancer pins this player to (cookie value), if any. */
  get task(): string | undefined {
    return this.cookie;
  }

  private headers(body: boolean): Record<string, string> {
    return {
      ...(body ? { 'content-type': 'application/json' } : {}),
      ...(this.token ? { authorization: `Bearer ${this.token}` } : {}),
      ...(this.cookie ? { cookie: `${STICKY_COOKIE}=${this.cookie}` } : {}),
    };
  }

  private remember(headers: Headers): void {
    for (const line of headers.getSetCookie()) {
      const [pair] = line.split(';');
      const [name, value] = (pair ?? '').split('=');
      if (name === STICKY_COOKIE && value && value !== this.cookie) {
        this.cookie = value;
        this.tasksSeen.push(value);
      }
    }
  }

  /** One HTTP call; no retry. */
  async call(method: string, path: string, body?: unknown): Promise<ApiResponse> {
    const response = await this.fetch(`${this.baseUrl}${path}`, {
      method,
      headers: this.headers(body !== undefined),
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    this.remember(response.headers);
    const text = await response.text();
    let json: Record<string, unknown> = {};
    if (text) {
      try {
        json = JSON.parse(text) as Record<string, unknown>;
      } catch {
        json = { raw: text };
      }
    }
    return { status: response.status, headers: response.headers, json };
  }

  /**
   * A call retried with the same body while the platform answers 502/503 or the connection fails
   * (a task died, the database restarts) — what a well-behaved client does with `Retry-After`.
   */
  async callRetrying(method: string, path: string, body?: unknown): Promise<ApiResponse> {
    const deadline = Date.now() + this.retryForMs;
    for (;;) {
      let response: ApiResponse | undefined;
      let failure: unknown;
      try {
        response = await this.call(method, path, body);
        if (response.status !== 502 && response.status !== 503) return response;
      } catch (error) {
        failure = error;
      }
      if (Date.now() > deadline) {
        if (response) return response;
        throw failure instanceof Error ? failure : new Error(String(failure));
      }
      await new Promise((resolve) => setTimeout(resolve, RETRY_DELAY_MS));
    }
  }

  private expect(what: string, response: ApiResponse, ...ok: number[]): Record<string, unknown> {
    if (!ok.includes(response.status)) throw new ApiError(what, response);
    return response.json;
  }

  /** Signs in with the wallet (nonce, ed25519 signature) and opens or resumes the session. */
  async signIn(options: { session?: boolean } = {}): Promise<this> {
    const nonce = this.expect(
      'nonce',
      await this.callRetrying('POST', '/api/auth/nonce', { wallet: this.wallet }),
      200,
    );
    const signature = bs58.encode(
      nacl.sign.detached(new TextEncoder().encode(String(nonce['message'])), this.secretKey),
    );
    const verify = this.expect(
      'verify',
      await this.callRetrying('POST', '/api/auth/verify', {
        wallet: this.wallet,
        nonce: nonce['nonce'],
        signature,
      }),
      200,
    );
    this.token = String(verify['token']);
    if (options.session ?? true) await this.openSession();
    return this;
  }

  /** `POST /api/sessions`; returns the raw response when it is not 200 and `allowFailure` is set. */
  async openSession(allowFailure = false): Promise<ApiResponse> {
    const response = allowFailure
      ? await this.call('POST', '/api/sessions')
      : await this.callRetrying('POST', '/api/sessions');
    if (response.status === 200) {
      this.pool = String(response.json['pool']);
      this.sessionId = String(response.json['sessionId']);
    } else if (!allowFailure) {
      throw new ApiError('session', response);
    }
    return response;
  }

  async openThread(agentId: string): Promise<string> {
    const thread = this.expect(
      `thread with ${agentId}`,
      await this.callRetrying('POST', '/api/threads', { agentId }),
      201,
    );
    return String(thread['threadId']);
  }

  /** Sends a message (retried with the same clientMessageId); returns its id once acknowledged. */
  async say(threadId: string, content: string): Promise<string> {
    // Unique across runs of the same wallet; the same for every retry of this message.
    const clientMessageId = randomUUID();
    const sent = this.expect(
      'message',
      await this.callRetrying('POST', `/api/threads/${threadId}/messages`, {
        content,
        clientMessageId,
      }),
      202,
    );
    return String(sent['messageId']);
  }

  /**
   * Pays a premium service's payment request as the page's "Pay (local test wallet)" does, on
   * the local game: tokens from the local chain's faucet, the transaction request, signed with
   * this wallet, handed to the gateway. Returns the `POST /api/payments` answer, as it is.
   */
  async payWithLocalWallet(intentId: string): Promise<ApiResponse> {
    this.expect('faucet', await this.callRetrying('POST', '/api/payments/local-faucet'), 200);
    const request = this.expect(
      'transaction request',
      await this.callRetrying('POST', `/api/payments/intents/${intentId}/transaction`, {
        account: this.wallet,
      }),
      200,
    );
    const unsigned = String(request['transaction']);
    const signed = withSignature(
      unsigned,
      this.wallet,
      nacl.sign.detached(transactionMessageBytes(unsigned), this.secretKey),
    );
    return this.callRetrying('POST', '/api/payments', {
      intentId,
      signature: transactionSignature(signed),
      transaction: signed,
    });
  }

  async messages(threadId: string): Promise<ApiMessage[]> {
    const got = this.expect(
      'messages',
      await this.callRetrying('GET', `/api/threads/${threadId}/messages`),
      200,
    );
    return got['messages'] as ApiMessage[];
  }

  async threads(): Promise<Array<{ threadId: string; agentId: string; closedAt: string | null }>> {
    const got = this.expect('threads', await this.callRetrying('GET', '/api/threads'), 200);
    return got['threads'] as Array<{ threadId: string; agentId: string; closedAt: string | null }>;
  }

  /** Follows the thread's event stream, reconnecting with Last-Event-ID until `close()`. */
  follow(threadId: string): EventStream {
    return new EventStream(this, threadId);
  }

  /** @internal used by EventStream */
  streamRequest(
    threadId: string,
    lastEventId: string | undefined,
    signal: AbortSignal,
  ): Promise<Response> {
    return this.fetch(`${this.baseUrl}/api/threads/${threadId}/events`, {
      headers: {
        ...this.headers(false),
        accept: 'text/event-stream',
        ...(lastEventId ? { 'last-event-id': lastEventId } : {}),
      },
      signal,
    }).then((response) => {
      this.remember(response.headers);
      return response;
    });
  }
}

/** A thread's SSE stream that survives a task dying: it reconnects with the last event id. */
export class EventStream {
  readonly messages: ApiMessage[] = [];
  /** How many times the stream was (re)opened with a 200. */
  connections = 0;
  lastEventId: string | undefined;
  /** The reason of the stream's final `event: closed` (its thread closed); it then stops. */
  closedReason: string | undefined;
  private readonly controller = new AbortController();
  private waiters: Array<() => void> = [];
  private readonly namedListeners = new Set<(name: string, data: unknown) => void>();
  private closed = false;
  readonly done: Promise<void>;

  constructor(
    private readonly player: Player,
    readonly threadId: string,
  ) {
    this.done = this.run();
  }

  /**
   * Named events beside the messages (the game's `score` and `pardon`), as they arrive; they
   * carry no id and are not replayed on a reconnect. Returns the unsubscribe.
   */
  onNamed(fn: (name: string, data: unknown) => void): () => void {
    this.namedListeners.add(fn);
    return () => this.namedListeners.delete(fn);
  }

  private wake(): void {
    for (const waiter of this.waiters.splice(0)) waiter();
  }

  private async run(): Promise<void> {
    let delay = RETRY_DELAY_MS;
    while (!this.closed) {
      try {
        const response = await this.player.streamRequest(
          this.threadId,
          this.lastEventId,
          this.controller.signal,
        );
        if (response.status !== 200 || !response.body) {
          await response.text().catch(() => '');
        } else {
          this.connections += 1;
          delay = RETRY_DELAY_MS;
          await this.read(response.body);
        }
      } catch {
        // Connection refused or cut (a task died): reconnect below, unless closed.
      }
      if (!this.closed) await new Promise((resolve) => setTimeout(resolve, delay));
      delay = Math.min(STREAM_RETRY_MAX_MS, delay * 2);
    }
  }

  private async read(body: ReadableStream<Uint8Array>): Promise<void> {
    const decoder = new TextDecoder();
    let buffer = '';
    for await (const chunk of body as unknown as AsyncIterable<Uint8Array>) {
      buffer += decoder.decode(chunk, { stream: true });
      let index: number;
      while ((index = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, index);
        buffer = buffer.slice(index + 2);
        let id: string | undefined;
        let event: string | undefined;
        const data: string[] = [];
        for (const line of block.split('\n')) {
          if (line.startsWith(':')) continue;
          const colon = line.indexOf(':');
          const field = colon < 0 ? line : line.slice(0, colon);
          const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
          if (field === 'id') id = value;
          else if (field === 'event') event = value;
          else if (field === 'data') data.push(value);
        }
        if (data.length === 0) continue;
        if (event === 'closed') {
          // The thread closed: nothing more will come, so the stream stops reconnecting.
          this.closedReason = String((JSON.parse(data.join('\n')) as { reason?: unknown }).reason);
          this.closed = true;
          this.wake();
          return;
        }
        if (event !== undefined) {
          let parsed: unknown;
          try {
            parsed = JSON.parse(data.join('\n'));
          } catch {
            continue; // not an event of ours
          }
          for (const fn of this.namedListeners) fn(event, parsed);
          continue;
        }
        const message = JSON.parse(data.join('\n')) as ApiMessage;
        this.messages.push(message);
        if (id) this.lastEventId = id;
        this.wake();
      }
    }
  }

  /** Resolves once `predicate` holds for the messages received so far; rejects at the deadline. */
  async until(
    predicate: (messages: ApiMessage[]) => boolean,
    timeoutMs: number,
    what = 'events',
  ): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!predicate(this.messages)) {
      const left = deadline - Date.now();
      if (left <= 0) {
        throw new Error(
          `thread ${this.threadId}: timed out after ${timeoutMs} ms waiting for ${what}; got ${this.messages.length} events: ${this.messages.map((m) => `${m.id}:${m.senderId}`).join(' ')}`,
        );
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(left, 1_000));
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    this.controller.abort();
    this.wake();
    await this.done;
  }
}
