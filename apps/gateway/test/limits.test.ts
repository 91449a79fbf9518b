// Locks in the request limits: per wallet and per IP (429 with Retry-After), and the number of
// event streams per thread.
import { connectRoster, type TestAgent } from './support/agents';
import {
  agentSecretOf,
  createTestDb,
  startGateway,
  type TestDb,
  type TestGateway,
} from './support/gateway';
import { SseReader } from './support/sse';
import { newWallet, postJson, request, signIn } from './support/wallet';

describe('limits', () => {
  let db: TestDb;
  const gateways: TestGateway[] = [];
  let agents: TestAgent[] = [];

  beforeAll(async () => {
    db = await createTestDb();
  });

  afterAll(async () => {
    await Promise.all(agents.map((a) => a.close()));
    await Promise.all(gateways.map((g) => g.close()));
    await db?.drop();
  });

  it('limits requests per wallet and per IP with 429 and Retry-After', async () => {
    const gw = await startGateway(db.url, {
      RATE_LIMIT_WALLET_PER_MIN: '3',
      RATE_LIMIT_IP_PER_MIN: '12',
      TASK_ID: 'rl',
    });
    gateways.push(gw);
    const token = await signIn(gw.url, newWallet()); // 2 requests from this IP
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++)
      statuses.push((await request('GET', `${gw.url}/api/threads`, { token })).status);
    expect(statuses).toEqual([200, 200, 200, 429]);
    const limited = await request('GET', `${gw.url}/api/threads`, { token });
    expect(limited.json.error).toBe('rate_limited');
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    // The per-wallet 429 says nothing about the IP's budget.
    for (const h of ['x-ratelimit-limit', 'x-ratelimit-remaining', 'x-ratelimit-reset']) {
      expect(limited.headers.get(h)).toBeNull();
    }
    expect(limited.json.message).toMatch(/wallet/);

    // A second wallet from the same IP still has its own budget, until the IP's runs out.
    const other = await signIn(gw.url, newWallet());
    expect((await request('GET', `${gw.url}/api/threads`, { token: other })).status).toBe(200);
    let ipLimited: Awaited<ReturnType<typeof postJson>> | undefined;
    for (let i = 0; i < 10 && !ipLimited; i++) {
      const r = await postJson(`${gw.url}/api/auth/nonce`, { wallet: newWallet().address });
      if (r.status === 429) ipLimited = r;
    }
    expect(ipLimited?.json.error).toBe('rate_limited');
    expect(Number(ipLimited?.headers.get('retry-after'))).toBeGreaterThan(0);
    // Probes are not limited.
    expect((await request('GET', `${gw.url}/health`)).status).toBe(503);
  });

  it('limits event streams per thread', async () => {
    const gw = await startGateway(db.url, { SSE_CONNECTIONS_PER_THREAD: '2', TASK_ID: 'sse' });
    gateways.push(gw);
    agents = await connectRoster(
      gw.url,
      agentSecretOf,
      ['pool-0', 'pool-1'],
      ['agent-a', 'agent-b'],
    );
    const token = await signIn(gw.url, newWallet());
    await request('POST', `${gw.url}/api/sessions`, { token });
    const t = await request('POST', `${gw.url}/api/threads`, {
      token,
      body: { agentId: 'agent-a' },
    });
    const url = `${gw.url}/api/threads/${t.json.threadId}/events`;
    const headers = { authorization: `Bearer ${token}` };
    const s1 = await SseReader.open(url, headers);
    const s2 = await SseReader.open(url, headers);
    const s3 = await SseReader.open(url, headers);
    expect([s1.status, s2.status, s3.status]).toEqual([200, 200, 429]);
    expect(JSON.parse(await s3.text())).toMatchObject({ error: 'too_many_streams' });
    s1.close();
    // The slot frees when a stream closes.
    let s4: SseReader | undefined;
    for (let i = 0; i < 50; i++) {
      s4 = await SseReader.open(url, headers);
      if (s4.status === 200) break;
      await s4.text();
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(s4?.status).toBe(200);
    s2.close();
    s4?.close();
  });
});
