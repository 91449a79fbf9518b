// Locks in that a body-less request sent with `content-type: application/json` (what many HTTP
// clients do on every request) is a request without a body: routes that take none answer as
// usual, routes that need one refuse it with a 400 JSON error and change nothing, and the JSON
// parser's own protections (malformed input, prototype poisoning) still hold.
import { useGateway } from './support/fixture';
import { CRON_SECRET } from './support/gateway';
import { newWallet, request, signIn } from './support/wallet';

describe('JSON content type with an empty body', () => {
  const fixture = useGateway();
  let token: string;

  beforeAll(async () => {
    token = await signIn(fixture.gw.url, newWallet());
  });

  const empty = (method: string, path: string, bearer?: string) =>
    request(method, `${fixture.gw.url}${path}`, {
      headers: {
        'content-type': 'application/json',
        ...(bearer ? { authorization: `Bearer ${bearer}` } : {}),
      },
    });

  it('opens a session and closes a thread without a body', async () => {
    const session = await empty('POST', '/api/sessions', token);
    expect(session.status).toBe(200);
    expect(session.json).toEqual(expect.objectContaining({ pool: expect.any(String) }));
    const thread = await request('POST', `${fixture.gw.url}/api/threads`, {
      token,
      body: { agentId: 'agent-a' },
    });
    expect(thread.status).toBe(201);
    const closed = await empty('DELETE', `/api/threads/${thread.json.threadId}`, token);
    expect(closed.status).toBe(200);
    expect(closed.json).toEqual({ threadId: thread.json.threadId, closed: true });
  });

  it('runs a cron job without a body', async () => {
    const res = await empty('POST', '/api/cron/pool-health', CRON_SECRET);
    expect(res.status).toBe(200);
    expect(res.json.job).toBe('pool-health');
  });

  it('refuses an empty body where a body is required, changing nothing', async () => {
    const before = await fixture.db.query('SELECT count(*)::int AS n FROM threads');
    const res = await empty('POST', '/api/threads', token);
    expect(res.status).toBe(400);
    expect(res.json).toEqual({ error: 'validation_failed', message: expect.any(String) });
    expect(await fixture.db.query('SELECT count(*)::int AS n FROM threads')).toEqual(before);
  });

  it('still refuses malformed JSON and prototype poisoning', async () => {
    const bad = await fetch(`${fixture.gw.url}/api/auth/nonce`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"wallet": ',
    });
    expect(bad.status).toBe(400);
    const poisoned = await fetch(`${fixture.gw.url}/api/auth/nonce`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"wallet": "x", "__proto__": {"admin": true}}',
    });
    expect(poisoned.status).toBe(400);
    expect(await poisoned.json()).toEqual({ error: 'bad_request', message: expect.any(String) });
  });
});
