// A player of the real gateway API (DESIGN.md §6): a throwaway ed25519 wallet, sign-in, threads,
// messages.
import bs58 from 'bs58';
import nacl from 'tweetnacl';

export interface ApiMessage {
  id: string;
  senderId: string;
  content: string;
  mentions: string[];
  createdAt: string;
}

async function call(
  method: string,
  url: string,
  body?: unknown,
  token?: string,
): Promise<{ status: number; json: Json }> {
  const response = await fetch(url, {
    method,
    headers: {
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, json: (text ? JSON.parse(text) : {}) as Json };
}

/** Response bodies, read field by field; a wrong shape fails the test where it is used. */
type Json = Record<string, unknown> & {
  nonce?: string;
  message?: string;
  token?: string;
  pool?: string;
  threadId?: string;
  messageId?: string;
  messages?: ApiMessage[];
};

function expectStatus(what: string, got: { status: number; json: unknown }, ...ok: number[]) {
  if (!ok.includes(got.status)) {
    throw new Error(`${what}: HTTP ${got.status} ${JSON.stringify(got.json)}`);
  }
}

export class Player {
  readonly wallet: string;
  private readonly secretKey: Uint8Array;
  private token: string | undefined;
  pool: string | undefined;
  private sent = 0;

  constructor(private readonly baseUrl: string) {
    const pair = nacl.sign.keyPair();
    this.wallet = bs58.encode(pair.publicKey);
    this.secretKey = pair.secretKey;
  }

  /** Signs in and opens (or resumes) the player's session. */
  async signIn(): Promise<this> {
    const nonce = await call('POST', `${this.baseUrl}/api/auth/nonce`, { wallet: this.wallet });
    expectStatus('nonce', nonce, 200);
    const signature = bs58.encode(
      nacl.sign.detached(new TextEncoder().encode(nonce.json.message ?? ''), this.secretKey),
    );
    const verify = await call('POST', `${this.baseUrl}/api/auth/verify`, {
      wallet: this.wallet,
      nonce: nonce.json.nonce,
      signature,
    });
    expectStatus('verify', verify, 200);
    this.token = verify.json.token;
    const session = await call('POST', `${this.baseUrl}/api/sessions`, undefined, this.token);
    expectStatus('session', session, 200, 201);
    this.pool = session.json.pool;
    return this;
  }

  async openThread(agentId: string): Promise<string> {
    const thread = await call('POST', `${this.baseUrl}/api/threads`, { agentId }, this.token);
    expectStatus(`thread with ${agentId}`, thread, 200, 201);
    return thread.json.threadId ?? '';
  }

  async say(threadId: string, content: string): Promise<string> {
    const sent = await call(
      'POST',
      `${this.baseUrl}/api/threads/${threadId}/messages`,
      { content, clientMessageId: `${this.wallet.slice(0, 8)}-${++this.sent}` },
      this.token,
    );
    expectStatus('message', sent, 200, 201, 202);
    return sent.json.messageId ?? '';
  }

  async messages(threadId: string): Promise<ApiMessage[]> {
    const got = await call(
      'GET',
      `${this.baseUrl}/api/threads/${threadId}/messages`,
      undefined,
      this.token,
    );
    expectStatus('messages', got, 200);
    return got.json.messages ?? [];
  }

  /** `GET /api/me`: the player's week in the game. */
  async me(): Promise<{ status: number; json: Record<string, unknown> }> {
    return call('GET', `${this.baseUrl}/api/me`, undefined, this.token);
  }

  async get(path: string): Promise<{ status: number; json: Record<string, unknown> }> {
    return call('GET', `${this.baseUrl}${path}`, undefined, this.token);
  }

  /**
   * Follows the thread's event stream; `text()` is everything received so far. Ends with
   * `close()` (or when the stream does).
   */
  follow(threadId: string): { text(): string; close(): void } {
    const controller = new AbortController();
    let received = '';
    void fetch(`${this.baseUrl}/api/threads/${threadId}/events`, {
      headers: { authorization: `Bearer ${this.token ?? ''}` },
      signal: controller.signal,
    })
      .then(async (res) => {
        const decoder = new TextDecoder();
        for await (const chunk of res.body ?? []) received += decoder.decode(chunk as Uint8Array);
      })
      .catch(() => undefined);
    return { text: () => received, close: () => controller.abort() };
  }
}
