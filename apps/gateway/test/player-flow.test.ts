// Locks in the player API of DESIGN.md §6 end to end: sign-in, a session on a ready pool, a
// thread with an agent connected over real MCP, persist-then-publish of player messages, agent
// replies persisted and pushed on the event stream, resumable streams, history and delete.
import { useGateway } from './support/fixture';
import { SseReader } from './support/sse';
import { newWallet, request, signIn } from './support/wallet';

describe('the player flow', () => {
  const fx = useGateway({}, { echo: true });

  it('signs in, opens a session, talks to an agent and sees its reply on the stream', async () => {
    const wallet = newWallet();
    const token = await signIn(fx.gw.url, wallet);

    const s1 = await request('POST', `${fx.gw.url}/api/sessions`, { token });
    expect(s1.status).toBe(200);
    expect(s1.json.agents).toEqual(['agent-a', 'agent-b']);
    const s2 = await request('POST', `${fx.gw.url}/api/sessions`, { token });
    expect(s2.json).toEqual(s1.json);

    const t = await request('POST', `${fx.gw.url}/api/threads`, {
      token,
      body: { agentId: 'agent-b' },
    });
    expect(t.status).toBe(201);
    expect(t.json).toEqual({
      threadId: expect.any(String),
      agentId: 'agent-b',
      pool: s1.json.pool,
    });
    const threadId = t.json.threadId as string;

    const stream = await SseReader.open(`${fx.gw.url}/api/threads/${threadId}/events`, {
      authorization: `Bearer ${token}`,
    });
    expect(stream.status).toBe(200);

    const m = await request('POST', `${fx.gw.url}/api/threads/${threadId}/messages`, {
      token,
      body: { content: 'Pardon me?', clientMessageId: 'c-1' },
    });
    expect(m.status).toBe(202);
    const again = await request('POST', `${fx.gw.url}/api/threads/${threadId}/messages`, {
      token,
      body: { content: 'Pardon me?', clientMessageId: 'c-1' },
    });
    expect(again.json.messageId).toBe(m.json.messageId);

    const [mine, reply] = await stream.waitFor(2);
    stream.close();
    expect(mine!.id).toBe(m.json.messageId);
    expect(JSON.parse(mine!.data)).toMatchObject({
      senderId: wallet.address,
      content: 'Pardon me?',
      mentions: ['agent-b'],
    });
    expect(JSON.parse(reply!.data)).toMatchObject({
      senderId: 'agent-b',
      content: 'echo: Pardon me?',
      mentions: [wallet.address],
    });

    const rows = await fx.db.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM messages WHERE thread_id = $1',
      [threadId],
    );
    expect(rows[0]!.n).toBe(2);

    const hist = await request('GET', `${fx.gw.url}/api/threads/${threadId}/messages`, { token });
    expect(hist.json.messages.map((x: { id: string }) => x.id)).toEqual([mine!.id, reply!.id]);
    const after = await request(
      'GET',
      `${fx.gw.url}/api/threads/${threadId}/messages?after=${mine!.id}`,
      { token },
    );
    expect(after.json.messages.map((x: { id: string }) => x.id)).toEqual([reply!.id]);

    // Resuming with Last-Event-ID replays only what came after it.
    const resumed = await SseReader.open(`${fx.gw.url}/api/threads/${threadId}/events`, {
      authorization: `Bearer ${token}`,
      'last-event-id': mine!.id ?? '',
    });
    const [first] = await resumed.waitFor(1);
    expect(first!.id).toBe(reply!.id);
    resumed.close();

    const list = await request('GET', `${fx.gw.url}/api/threads`, { token });
    expect(list.json.threads).toEqual([
      {
        threadId,
        agentId: 'agent-b',
        pool: s1.json.pool,
        createdAt: expect.any(String),
        closedAt: null,
      },
    ]);

    const del = await request('DELETE', `${fx.gw.url}/api/threads/${threadId}`, { token });
    expect(del.status).toBe(200);
    const closed = await request('POST', `${fx.gw.url}/api/threads/${threadId}/messages`, {
      token,
      body: { content: 'still there?', clientMessageId: 'c-2' },
    });
    expect(closed.status).toBe(409);
  });
});
