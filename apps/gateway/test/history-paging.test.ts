// Locks in paged history (issue 16, item 5): `GET /api/threads/:id/messages` returns at most
// `limit` messages (default 100, at most 500; out of range is a 400 JSON error) and `nextAfter`,
// the cursor of the next page (null on the last page), so no request returns a whole thread.
import { useGateway } from './support/fixture';
import { newWallet, request, signIn } from './support/wallet';

const fx = useGateway({ RATE_LIMIT_WALLET_PER_MIN: '100000', RATE_LIMIT_IP_PER_MIN: '100000' });

const TOTAL = 105;
let token: string;
let threadId: string;
let ids: string[];

beforeAll(async () => {
  token = await signIn(fx.gw.url, newWallet());
  const s = await request('POST', `${fx.gw.url}/api/sessions`, { token });
  if (s.status !== 200) throw new Error(`session: ${s.status} ${JSON.stringify(s.json)}`);
  const t = await request('POST', `${fx.gw.url}/api/threads`, {
    token,
    body: { agentId: 'agent-a' },
  });
  if (t.status !== 201) throw new Error(`thread: ${t.status} ${JSON.stringify(t.json)}`);
  threadId = t.json.threadId;
  ids = [];
  for (let i = 0; i < TOTAL; i++) {
    const r = await request('POST', `${fx.gw.url}/api/threads/${threadId}/messages`, {
      token,
      body: { content: `m${i}`, clientMessageId: `c${i}` },
    });
    if (r.status !== 202) throw new Error(`post: ${r.status} ${JSON.stringify(r.json)}`);
    ids.push(r.json.messageId);
  }
});

const history = (query: string) =>
  request('GET', `${fx.gw.url}/api/threads/${threadId}/messages${query}`, { token });

describe('history paging', () => {
  it('defaults to 100 messages and says where the next page starts', async () => {
    const first = await history('');
    expect(first.status).toBe(200);
    expect(first.json.messages).toHaveLength(100);
    expect(first.json.messages[0].content).toBe('m0');
    expect(first.json.nextAfter).toBe(ids[99]);
    const rest = await history(`?after=${first.json.nextAfter}`);
    expect(rest.json.messages.map((m: { id: string }) => m.id)).toEqual(ids.slice(100));
    expect(rest.json.nextAfter).toBeNull();
  });

  it('walks the thread page by page with limit, ending with nextAfter null', async () => {
    const seen: string[] = [];
    let after: string | null = null;
    let pages = 0;
    do {
      const page = await history(`?limit=20${after ? `&after=${after}` : ''}`);
      expect(page.status).toBe(200);
      expect(page.json.messages.length).toBeLessThanOrEqual(20);
      seen.push(...page.json.messages.map((m: { id: string }) => m.id));
      after = page.json.nextAfter;
      pages += 1;
    } while (after !== null && pages < 20);
    expect(pages).toBe(6);
    expect(seen).toEqual(ids);
  });

  it('a last page that is exactly full has nextAfter null', async () => {
    const page = await history(`?after=${ids[99]}&limit=5`);
    expect(page.json.messages).toHaveLength(5);
    expect(page.json.nextAfter).toBeNull();
    const max = await history('?limit=500');
    expect(max.json.messages).toHaveLength(TOTAL);
    expect(max.json.nextAfter).toBeNull();
  });

  it('limit takes 1 to 500; anything else is a 400 JSON error', async () => {
    expect((await history('?limit=1')).json.messages).toHaveLength(1);
    expect((await history('?limit=500')).json.messages).toHaveLength(TOTAL);
    for (const bad of ['0', '501', '-1', '1.5', 'ten', '', '99999']) {
      const r = await history(`?limit=${bad}`);
      expect([bad, r.status]).toEqual([bad, 400]);
      expect(r.json).toEqual({
        error: expect.any(String),
        message: expect.stringMatching(/limit/),
      });
    }
  });
});
