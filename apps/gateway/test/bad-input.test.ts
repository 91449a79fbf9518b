// Locks in that bad input is answered with a 4xx JSON `{error, message}` and changes nothing in
// the database: malformed JSON, wrong types, unknown agent, bad agent-endpoint addresses, a
// message over the limit, bad or missing signatures, expired or forged tokens, another wallet's
// thread, a replayed nonce. Also that SQL and HTML in content are stored and returned as data.
import { connect } from 'node:net';
import jwt from 'jsonwebtoken';
import { connectRoster, type TestAgent, INITIALIZE_REQUEST } from './support/agents';
import {
  agentSecretOf,
  CRON_SECRET,
  TOKEN_SECRET,
  createTestDb,
  startGateway,
  type TestDb,
  type TestGateway,
} from './support/gateway';
import { LogCapture } from './support/log-capture';
import { newWallet, postJson, request, signIn } from './support/wallet';

const OPS_TOKEN = 'test-ops-token-0123456789';

/** Writes raw bytes to the gateway and resolves with the status line's code and the JSON body. */
function rawHttp(url: string, bytes: Buffer): Promise<{ status: number; json: any }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => socket.end(bytes));
    const chunks: Buffer[] = [];
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('error', reject);
    socket.on('close', () => {
      const text = Buffer.concat(chunks).toString('latin1');
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0);
      const body = text.slice(text.indexOf('\r\n\r\n') + 4);
      try {
        resolve({ status, json: JSON.parse(body) });
      } catch {
        resolve({ status, json: body });
      }
    });
  });
}

const TABLES = ['users', 'sessions', 'threads', 'messages', 'auth_nonces'];

describe('bad input', () => {
  let db: TestDb;
  let gw: TestGateway;
  let agents: TestAgent[] = [];
  let token: string;
  let threadId: string;
  const logs = new LogCapture();

  async function snapshot(): Promise<Record<string, unknown>> {
    const out: Record<string, unknown> = {};
    for (const t of TABLES) {
      out[t] = await db.query(`SELECT * FROM ${t} ORDER BY 1`);
    }
    return out;
  }

  /** Runs `fn`, expects a 4xx JSON error with `status`, and no row changed anywhere. */
  async function expectRejected(
    status: number,
    fn: () => Promise<{ status: number; json: any }>,
  ): Promise<{ error: string; message: string }> {
    const before = await snapshot();
    const res = await fn();
    expect(res.status).toBe(status);
    expect(res.json).toEqual(
      expect.objectContaining({ error: expect.any(String), message: expect.any(String) }),
    );
    expect(JSON.stringify(res.json)).not.toMatch(/at .*\.ts:\d+/);
    expect(await snapshot()).toEqual(before);
    return res.json;
  }

  beforeAll(async () => {
    db = await createTestDb();
    gw = await startGateway(
      db.url,
      { MAX_MESSAGE_CHARS: '100', OPS_TOKEN, LOG_LEVEL: 'debug' },
      { logStream: logs },
    );
    agents = await connectRoster(
      gw.url,
      agentSecretOf,
      ['pool-0', 'pool-1'],
      ['agent-a', 'agent-b'],
    );
    const wallet = newWallet();
    token = await signIn(gw.url, wallet);
    await request('POST', `${gw.url}/api/sessions`, { token });
    threadId = (
      await request('POST', `${gw.url}/api/threads`, { token, body: { agentId: 'agent-a' } })
    ).json.threadId;
  });

  afterAll(async () => {
    await Promise.all(agents.map((a) => a.close()));
    await gw?.close();
    await db?.drop();
  });

  const raw = (path: string, body: string, headers: Record<string, string> = {}) =>
    fetch(`${gw.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body,
    }).then(async (r) => ({ status: r.status, json: await r.json() }));

  it('answers malformed JSON with 400', async () => {
    const e = await expectRejected(400, () =>
      raw(`/api/threads/${threadId}/messages`, '{"content": "hi", ', {
        authorization: `Bearer ${token}`,
      }),
    );
    expect(e.error).toBe('bad_request');
  });

  it('answers wrong types with 400 instead of coercing them', async () => {
    await expectRejected(400, () =>
      request('POST', `${gw.url}/api/threads/${threadId}/messages`, {
        token,
        body: { content: 12345, clientMessageId: 'x' },
      }),
    );
    await expectRejected(400, () =>
      request('POST', `${gw.url}/api/threads/${threadId}/messages`, {
        token,
        body: { content: 'hi', clientMessageId: ['x'] },
      }),
    );
    await expectRejected(400, () => postJson(`${gw.url}/api/auth/nonce`, { wallet: 42 }));
    await expectRejected(400, () =>
      postJson(`${gw.url}/api/auth/nonce`, { wallet: 'not-base58-0OIl'.padEnd(40, '0') }),
    );
  });

  it('answers an unknown agent with 400', async () => {
    const e = await expectRejected(400, () =>
      request('POST', `${gw.url}/api/threads`, { token, body: { agentId: 'nobody' } }),
    );
    expect(e.error).toBe('unknown_agent');
  });

  it('answers a message over the limit with 400', async () => {
    const e = await expectRejected(400, () =>
      request('POST', `${gw.url}/api/threads/${threadId}/messages`, {
        token,
        body: { content: 'x'.repeat(101), clientMessageId: 'too-long' },
      }),
    );
    expect(e.error).toBe('message_too_long');
  });

  it('answers a body over the size limit with 413', async () => {
    await expectRejected(413, () =>
      request('POST', `${gw.url}/api/threads/${threadId}/messages`, {
        token,
        body: { content: 'x'.repeat(70 * 1024), clientMessageId: 'huge' },
      }),
    );
  });

  it('refuses the agent endpoint for an unknown pool, a missing agentId or a wrong key', async () => {
    const sse = (pool: string, query: string, key = agentSecretOf('agent-a')) =>
      fetch(`${gw.url}/sse/v1/devmode/app/priv/${pool}/sse${query}`, {
        headers: { authorization: `Bearer ${key}` },
      }).then(async (r) => ({ status: r.status, json: await r.json() }));
    expect((await expectRejected(404, () => sse('pool-9', '?agentId=agent-a'))).error).toBe(
      'unknown_pool',
    );
    await expectRejected(400, () => sse('pool-0', ''));
    await expectRejected(401, () => sse('pool-0', '?agentId=agent-a', 'wrong-key-000000'));
    const mcp = await fetch(`${gw.url}/mcp/v1/devmode/app/priv/pool-7/mcp?agentId=agent-a`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${agentSecretOf('agent-a')}`,
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
      },
      body: JSON.stringify(INITIALIZE_REQUEST),
    });
    expect(mcp.status).toBe(404);
    expect(await mcp.json()).toMatchObject({ error: 'unknown_pool' });
  });

  it('refuses a bad signature, a missing signature and a replayed nonce', async () => {
    const wallet = newWallet();
    const other = newWallet();
    const n = await postJson(`${gw.url}/api/auth/nonce`, { wallet: wallet.address });
    expect(n.status).toBe(200);
    expect(n.json.message).toContain(n.json.nonce);
    expect(
      (
        await expectRejected(401, () =>
          postJson(`${gw.url}/api/auth/verify`, {
            wallet: wallet.address,
            nonce: n.json.nonce,
            signature: other.sign(n.json.message),
          }),
        )
      ).error,
    ).toBe('bad_signature');
    await expectRejected(400, () =>
      postJson(`${gw.url}/api/auth/verify`, { wallet: wallet.address, nonce: n.json.nonce }),
    );
    const ok = await postJson(`${gw.url}/api/auth/verify`, {
      wallet: wallet.address,
      nonce: n.json.nonce,
      signature: wallet.sign(n.json.message),
    });
    expect(ok.status).toBe(200);
    expect(
      (
        await expectRejected(401, () =>
          postJson(`${gw.url}/api/auth/verify`, {
            wallet: wallet.address,
            nonce: n.json.nonce,
            signature: wallet.sign(n.json.message),
          }),
        )
      ).error,
    ).toBe('bad_nonce');
  });

  it('refuses missing, expired and forged tokens', async () => {
    const wallet = newWallet().address;
    const expired = jwt.sign({ sub: wallet, iat: 1000, exp: 2000 }, TOKEN_SECRET, {
      algorithm: 'HS256',
      issuer: 'pardon-gateway',
    });
    const forged = jwt.sign({ sub: wallet }, 'some-other-secret-that-is-long-enough', {
      algorithm: 'HS256',
      issuer: 'pardon-gateway',
      expiresIn: 600,
    });
    const none = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from(JSON.stringify({ sub: wallet })).toString('base64url')}.`;
    await expectRejected(401, () => request('POST', `${gw.url}/api/sessions`));
    expect(
      (
        await expectRejected(401, () =>
          request('POST', `${gw.url}/api/sessions`, { token: expired }),
        )
      ).error,
    ).toBe('token_expired');
    await expectRejected(401, () => request('POST', `${gw.url}/api/sessions`, { token: forged }));
    await expectRejected(401, () => request('POST', `${gw.url}/api/sessions`, { token: none }));
  });

  it('refuses a token without exp and one minted to live longer than TOKEN_TTL_S', async () => {
    const wallet = newWallet().address;
    const iat = Math.floor(Date.now() / 1000);
    const sign = (payload: object) =>
      jwt.sign(payload, TOKEN_SECRET, { algorithm: 'HS256', issuer: 'pardon-gateway' });
    for (const t of [sign({ sub: wallet, iat }), sign({ sub: wallet, iat, exp: iat + 86_400 })]) {
      const e = await expectRejected(401, () =>
        request('POST', `${gw.url}/api/sessions`, { token: t }),
      );
      expect(e.error).toBe('unauthorized');
    }
  });

  it("answers another wallet's thread with 404, on every thread route", async () => {
    const intruder = await signIn(gw.url, newWallet());
    await request('POST', `${gw.url}/api/sessions`, { token: intruder });
    const before = await snapshot();
    for (const [method, path, body] of [
      ['GET', `/api/threads/${threadId}/messages`, undefined],
      ['POST', `/api/threads/${threadId}/messages`, { content: 'hi', clientMessageId: 'i-1' }],
      ['GET', `/api/threads/${threadId}/events`, undefined],
      ['DELETE', `/api/threads/${threadId}`, undefined],
    ] as const) {
      const r = await request(method, `${gw.url}${path}`, { token: intruder, body });
      expect(r.status).toBe(404);
      expect(r.json.error).toBe('thread_not_found');
    }
    expect(await snapshot()).toEqual(before);
  });

  it('stores SQL and HTML content as plain data and returns it unchanged', async () => {
    const nasty = [
      "'); DROP TABLE messages; --",
      '<script>alert("x")</script><img src=x onerror=alert(1)>',
      "Robert\"); DELETE FROM users WHERE ('1'='1",
    ];
    for (const [i, content] of nasty.entries()) {
      const r = await request('POST', `${gw.url}/api/threads/${threadId}/messages`, {
        token,
        body: { content, clientMessageId: `nasty-${i}` },
      });
      expect(r.status).toBe(202);
    }
    const hist = await request('GET', `${gw.url}/api/threads/${threadId}/messages`, { token });
    expect(hist.json.messages.map((m: { content: string }) => m.content)).toEqual(nasty);
    const stored = await db.query<{ content: string }>(
      'SELECT content FROM messages WHERE thread_id = $1 ORDER BY seq',
      [threadId],
    );
    expect(stored.map((r) => r.content)).toEqual(nasty);
    expect(hist.headers.get('content-type')).toMatch(/application\/json/);
  });

  describe('characters a field cannot store', () => {
    const BAD = ['\u0000', '\u0001', '\u001b', '\u007f', '\ud800'];
    const field = (name: string) => expect.stringContaining(name);

    it('refuses them in content and clientMessageId with 400 naming the field', async () => {
      for (const c of BAD) {
        for (const [name, body] of [
          ['content', { content: `hi${c}there`, clientMessageId: `ctl-${c.charCodeAt(0)}` }],
          ['clientMessageId', { content: 'hi', clientMessageId: `id${c}` }],
        ] as const) {
          const e = await expectRejected(400, () =>
            request('POST', `${gw.url}/api/threads/${threadId}/messages`, { token, body }),
          );
          expect(e).toEqual({ error: 'validation_failed', message: field(name) });
        }
      }
      // Tab, LF and CR are text.
      const ok = await request('POST', `${gw.url}/api/threads/${threadId}/messages`, {
        token,
        body: { content: 'a\tb\nc\r\nd', clientMessageId: 'whitespace-is-text' },
      });
      expect(ok.status).toBe(202);
    });

    it('refuses them on the sign-in routes, with no login', async () => {
      const wallet = newWallet();
      const n = await postJson(`${gw.url}/api/auth/nonce`, { wallet: wallet.address });
      const signature = wallet.sign(n.json.message);
      for (const c of BAD) {
        for (const [name, body] of [
          ['nonce', { wallet: wallet.address, nonce: `${n.json.nonce}${c}`, signature }],
          ['signature', { wallet: wallet.address, nonce: n.json.nonce, signature: `${c}x` }],
          ['wallet', { wallet: `${wallet.address.slice(1)}${c}`, nonce: n.json.nonce, signature }],
        ] as const) {
          const e = await expectRejected(400, () => postJson(`${gw.url}/api/auth/verify`, body));
          expect(e).toEqual({ error: 'validation_failed', message: field(name) });
        }
        await expectRejected(400, () =>
          postJson(`${gw.url}/api/auth/nonce`, { wallet: `${wallet.address.slice(1)}${c}` }),
        );
      }
    });

    it('refuses them in agentId, in query strings and in Last-Event-ID', async () => {
      for (const c of BAD) {
        const e = await expectRejected(400, () =>
          request('POST', `${gw.url}/api/threads`, { token, body: { agentId: `agent-a${c}` } }),
        );
        expect(e).toEqual({ error: 'validation_failed', message: field('agentId') });
      }
      const q = await expectRejected(400, () =>
        request('GET', `${gw.url}/api/threads/${threadId}/messages?after=${threadId}-%00`, {
          token,
        }),
      );
      expect(q.message).toContain('after');
      await expectRejected(400, () =>
        request('GET', `${gw.url}/api/leaderboard?limit=1%00`, { token }),
      );
      // Node's HTTP parser refuses a control character in a header before any route runs; the
      // answer is still a JSON error.
      const head = await expectRejected(400, () =>
        rawHttp(
          gw.url,
          Buffer.from(
            `GET /api/threads/${threadId}/events HTTP/1.1\r\nHost: x\r\n` +
              `Authorization: Bearer ${token}\r\nLast-Event-ID: ${threadId}-\u0000\r\n` +
              'Connection: close\r\n\r\n',
            'latin1',
          ),
        ),
      );
      expect(head.error).toBeTruthy();
    });
  });

  it('answers a cursor with a seq beyond int4 with 400, in after and in Last-Event-ID', async () => {
    const cursor = `${threadId}-9999999999`;
    const e = await expectRejected(400, () =>
      request('GET', `${gw.url}/api/threads/${threadId}/messages?after=${cursor}`, { token }),
    );
    expect(e.error).toBe('bad_request');
    await expectRejected(400, () =>
      request('GET', `${gw.url}/api/threads/${threadId}/events`, {
        token,
        headers: { 'last-event-id': cursor },
      }),
    );
    // The largest int4 is a cursor like any other (nothing after it).
    const max = await request(
      'GET',
      `${gw.url}/api/threads/${threadId}/messages?after=${threadId}-2147483647`,
      { token },
    );
    expect(max.status).toBe(200);
    expect(max.json.messages).toEqual([]);
  });

  it('answers a non-ASCII bearer of the right length with 401 on /api/cron/* and /api/ops/*', async () => {
    const cron = 'é'.repeat(CRON_SECRET.length);
    const ops = 'ü'.repeat(OPS_TOKEN.length);
    const e1 = await expectRejected(401, () =>
      request('POST', `${gw.url}/api/cron/session-cleanup`, { token: cron }),
    );
    expect(e1.error).toBe('unauthorized');
    const e2 = await expectRejected(401, () =>
      request('GET', `${gw.url}/api/ops/overview`, { token: ops }),
    );
    expect(e2.error).toBe('unauthorized');
    await expectRejected(401, () =>
      request('POST', `${gw.url}/api/ops/cron/session-cleanup`, { token: ops }),
    );
  });

  it('does not log a client that hangs up mid-upload as a database outage', async () => {
    const before = await snapshot();
    const { hostname, port } = new URL(gw.url);
    const requestId = `hangup-${Date.now()}`;
    await new Promise<void>((resolve, reject) => {
      const socket = connect(Number(port), hostname, () => {
        socket.write(
          `POST /api/threads/${threadId}/messages HTTP/1.1\r\nHost: x\r\n` +
            `Authorization: Bearer ${token}\r\nContent-Type: application/json\r\n` +
            `X-Request-Id: ${requestId}\r\nContent-Length: 5000\r\n\r\n{"content": "half`,
          () => {
            socket.destroy();
            resolve();
          },
        );
      });
      socket.on('error', reject);
    });
    const line = await logs.waitFor(
      (l) =>
        l.reqId === requestId &&
        (l.msg === 'client closed the connection' || l.msg === 'database unavailable'),
    );
    expect(line).toMatchObject({ msg: 'client closed the connection', level: 20 });
    expect(logs.lines.filter((l) => l.reqId === requestId && Number(l.level) >= 40)).toEqual([]);
    expect(await snapshot()).toEqual(before);
  });

  it('answers a retried clientMessageId with other content 409, the same content 202', async () => {
    const first = await request('POST', `${gw.url}/api/threads/${threadId}/messages`, {
      token,
      body: { content: 'the original', clientMessageId: 'retry-me' },
    });
    expect(first.status).toBe(202);
    const e = await expectRejected(409, () =>
      request('POST', `${gw.url}/api/threads/${threadId}/messages`, {
        token,
        body: { content: 'something else', clientMessageId: 'retry-me' },
      }),
    );
    expect(e.error).toBe('idempotency_conflict');
    const again = await request('POST', `${gw.url}/api/threads/${threadId}/messages`, {
      token,
      body: { content: 'the original', clientMessageId: 'retry-me' },
    });
    expect(again.status).toBe(202);
    expect(again.json.messageId).toBe(first.json.messageId);
  });
});
