// Locks in the Coral-compatible agent endpoint: the seven tools' semantics through the gateway
// for real MCP SDK clients over both transports (HTTP+SSE at Coral's devmode URL, and
// Streamable HTTP), connection replacement, Coral's session listing routes, and that an agent's
// reply in a player thread is in the database by the time its tool call returns.
import { connectAgent, type AgentTransport, type TestAgent } from './support/agents';
import {
  agentSecretOf,
  createTestDb,
  startGateway,
  type TestDb,
  type TestGateway,
} from './support/gateway';
import { newWallet, request, signIn } from './support/wallet';

describe('the agent endpoint', () => {
  let db: TestDb;
  let gw: TestGateway;
  const open: TestAgent[] = [];

  beforeAll(async () => {
    db = await createTestDb();
    gw = await startGateway(db.url, { POOL_COUNT: '2' });
  });

  afterAll(async () => {
    await Promise.all(open.map((a) => a.close()));
    await gw?.close();
    await db?.drop();
  });

  const connect = async (pool: string, id: string, transport: AgentTransport) => {
    const a = await connectAgent(gw.url, agentSecretOf, pool, id, transport);
    open.push(a);
    return a;
  };

  it("lists the pools and a pool's agents as Coral does", async () => {
    const sessions = await request('GET', `${gw.url}/api/v1/sessions`, {
      token: agentSecretOf('agent-a'),
    });
    expect(sessions.json).toEqual(['pool-0', 'pool-1']);
    const unknown = await request('GET', `${gw.url}/api/v1/sessions/pool-5/agents`, {
      token: agentSecretOf('agent-a'),
    });
    expect(unknown.status).toBe(404);
  });

  describe.each([
    ['sse', 'pool-0'],
    ['streamable', 'pool-1'],
  ] as const)('over %s', (transport, pool) => {
    let a: TestAgent;
    let b: TestAgent;

    beforeAll(async () => {
      a = await connect(pool, 'agent-a', transport);
      b = await connect(pool, 'agent-b', transport);
    });

    it('serves the seven Coral tools with their semantics (and the game’s tool beside them)', async () => {
      const tools = (await a.client.listTools()).tools.map((t) => t.name).sort();
      expect(tools).toEqual([
        'coral_add_participant',
        'coral_close_thread',
        'coral_create_thread',
        'coral_list_agents',
        'coral_remove_participant',
        'coral_send_message',
        'coral_wait_for_mentions',
        'pardon_award_points',
      ]);

      const listed = await a.tools.listAgents({ includeDetails: true });
      expect(listed.result).toBe('agent_list_success_with_details');
      if (listed.result === 'agent_list_success_with_details') {
        expect(listed.agents.map((x) => x.id).sort()).toEqual(['agent-a', 'agent-b']);
      }

      const created = await a.tools.createThread({
        threadName: 'plot',
        participantIds: ['agent-b'],
      });
      if (created.result !== 'create_thread_success') throw new Error(JSON.stringify(created));
      const threadId = created.thread.id;
      expect(created.thread.participants.sort()).toEqual(['agent-a', 'agent-b']);
      expect(
        (await a.tools.createThread({ threadName: 'x', participantIds: ['ghost'] })).result,
      ).toBe('error');

      // Mentions are limited to participants.
      const badMention = await a.tools.sendMessage({
        threadId,
        content: 'hey',
        mentions: ['ghost'],
      });
      expect(badMention).toMatchObject({ result: 'error' });

      // Every unread mention comes back at once and advances the read position.
      expect(
        (await a.tools.sendMessage({ threadId, content: 'one', mentions: ['agent-b'] })).result,
      ).toBe('send_message_success');
      expect(
        (await a.tools.sendMessage({ threadId, content: 'two', mentions: ['agent-b'] })).result,
      ).toBe('send_message_success');
      const got = await b.tools.waitForMentions({ timeoutMs: 2000 });
      if (got.result !== 'wait_for_mentions_success') throw new Error(JSON.stringify(got));
      expect(got.messages.map((m) => m.content)).toEqual(['one', 'two']);
      expect(await b.tools.waitForMentions({ timeoutMs: 50 })).toEqual({ result: 'error_timeout' });
      expect((await b.tools.waitForMentions({ timeoutMs: 600_001 })).result).toBe('error');

      // A parked wait returns as soon as a mention arrives.
      const parked = b.tools.waitForMentions({ timeoutMs: 10_000 });
      await a.tools.sendMessage({ threadId, content: 'three', mentions: ['agent-b'] });
      const woke = await parked;
      expect(
        woke.result === 'wait_for_mentions_success' && woke.messages.map((m) => m.content),
      ).toEqual(['three']);

      // Removing a participant stops it from sending; adding it back lets it.
      expect((await a.tools.removeParticipant({ threadId, participantId: 'agent-b' })).result).toBe(
        'remove_participant_success',
      );
      expect((await b.tools.sendMessage({ threadId, content: 'hi', mentions: [] })).result).toBe(
        'error',
      );
      expect((await a.tools.addParticipant({ threadId, participantId: 'agent-b' })).result).toBe(
        'add_participant_success',
      );
      expect(
        (await b.tools.sendMessage({ threadId, content: 'back', mentions: ['agent-a'] })).result,
      ).toBe('send_message_success');

      // A closed thread takes no more messages.
      expect((await a.tools.closeThread({ threadId, summary: 'done' })).result).toBe(
        'close_thread_success',
      );
      expect(await a.tools.sendMessage({ threadId, content: 'late', mentions: [] })).toMatchObject({
        result: 'error',
        code: 'thread_closed',
      });
    });

    it('keeps an older connection when the same agent connects again (Coral allows many)', async () => {
      const again = await connect(pool, 'agent-a', transport);
      expect((await a.tools.listAgents({})).result).toBe('agent_list_success_with_details');
      expect((await again.tools.listAgents({})).result).toBe('agent_list_success_with_details');
      const listed = await request('GET', `${gw.url}/api/v1/sessions/${pool}/agents`, {
        token: agentSecretOf('agent-a'),
      });
      expect(listed.json).toMatchObject({ sessionId: pool, agentCount: 2 });
      expect(listed.json.agents.filter((x: { id: string }) => x.id === 'agent-a')).toHaveLength(1);
      await again.close();
      expect((await a.tools.listAgents({})).result).toBe('agent_list_success_with_details');
    });
  });

  it("stores an agent's reply in a player thread before its tool call returns", async () => {
    // pool-0/1 both have agent-a and agent-b from above, so a session can open.
    const wallet = newWallet();
    const token = await signIn(gw.url, wallet);
    const s = await request('POST', `${gw.url}/api/sessions`, { token });
    expect(s.status).toBe(200);
    const agent = await connect(s.json.pool, 'agent-a', 'streamable');
    const t = await request('POST', `${gw.url}/api/threads`, {
      token,
      body: { agentId: 'agent-a' },
    });
    await request('POST', `${gw.url}/api/threads/${t.json.threadId}/messages`, {
      token,
      body: { content: 'hello', clientMessageId: 'h-1' },
    });
    const got = await agent.tools.waitForMentions({ timeoutMs: 5000 });
    if (got.result !== 'wait_for_mentions_success') throw new Error(JSON.stringify(got));
    expect(got.messages).toEqual([
      expect.objectContaining({
        threadId: t.json.threadId,
        senderId: wallet.address,
        content: 'hello',
        mentions: ['agent-a'],
      }),
    ]);
    const sent = await agent.tools.sendMessage({
      threadId: t.json.threadId,
      content: 'hi back',
      mentions: [wallet.address],
    });
    if (sent.result !== 'send_message_success') throw new Error(JSON.stringify(sent));
    const rows = await db.query<{ id: string; sender_id: string }>(
      'SELECT id, sender_id FROM messages WHERE thread_id = $1 ORDER BY seq',
      [t.json.threadId],
    );
    expect(rows.map((r) => r.sender_id)).toEqual([wallet.address, 'agent-a']);
    expect(rows[1]?.id).toBe(sent.message.id);
  });
});
