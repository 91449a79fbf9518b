// Locks in one identity per agent: a connection speaks for the agent whose own secret it
// presents, over both Coral generations' URLs. A wrong secret, another agent's secret, a wallet
// address as agent id and an id outside the roster are refused (401/400) and change nothing in
// the database; a session of one agent cannot be used with another agent's secret.
import { coralAgentPathSecret } from '@pardon/coral';
import { connectAgent, INITIALIZE_REQUEST } from './support/agents';
import { useGateway } from './support/fixture';
import { agentSecretOf } from './support/gateway';
import { newWallet } from './support/wallet';

describe('agent identity', () => {
  const f = useGateway({}, { agents: false });

  /** Every row count the gateway could have touched. */
  const snapshot = () =>
    f.db.query(
      `SELECT (SELECT count(*) FROM messages) AS messages, (SELECT count(*) FROM threads) AS threads,
              (SELECT count(*) FROM sessions) AS sessions, (SELECT count(*) FROM users) AS users`,
    );

  const devmodeSse = (agentId: string, bearer?: string) =>
    fetch(
      `${f.gw.url}/sse/v1/devmode/app/priv/pool-0/sse?agentId=${encodeURIComponent(agentId)}`,
      bearer ? { headers: { authorization: `Bearer ${bearer}` } } : {},
    );
  const devmodeStreamable = (agentId: string, bearer?: string) =>
    fetch(`${f.gw.url}/mcp/v1/devmode/app/priv/pool-0/mcp?agentId=${encodeURIComponent(agentId)}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        ...(bearer ? { authorization: `Bearer ${bearer}` } : {}),
      },
      body: JSON.stringify(INITIALIZE_REQUEST),
    });

  const refusal = async (res: Response) => ({ status: res.status, body: await res.json() });

  it('refuses a wrong secret, another agent’s secret and no secret with 401, over both transports', async () => {
    const before = await snapshot();
    for (const open of [devmodeSse, devmodeStreamable]) {
      for (const bearer of [
        undefined,
        'wrong-secret-0123456789abcdef0123456789',
        agentSecretOf('agent-b'),
      ]) {
        expect(await refusal(await open('agent-a', bearer))).toEqual({
          status: 401,
          body: { error: 'unauthorized', message: expect.stringContaining('secret of agent-a') },
        });
      }
    }
    expect(await snapshot()).toEqual(before);
  });

  it('refuses a wallet address or an id outside the roster as an agent id with 400', async () => {
    const before = await snapshot();
    const wallet = newWallet().address;
    for (const open of [devmodeSse, devmodeStreamable]) {
      for (const id of [wallet, 'stranger', 'Agent-A']) {
        // Even with a real agent's secret: the id is not an agent of this game.
        expect(await refusal(await open(id, agentSecretOf('agent-a')))).toEqual({
          status: 400,
          body: {
            error: 'unknown_agent',
            message: expect.stringContaining('not an agent of this game'),
          },
        });
      }
    }
    expect(await snapshot()).toEqual(before);
  });

  it('refuses an unknown Coral 1.2 path secret, or an agent’s own secret used raw as the segment', async () => {
    const before = await snapshot();
    for (const segment of [
      'nope',
      agentSecretOf('agent-a'),
      coralAgentPathSecret('not-a-secret', 'pool-0'),
    ]) {
      const sse = await fetch(`${f.gw.url}/mcp/v1/${encodeURIComponent(segment)}/sse/`);
      expect(await refusal(sse)).toEqual({
        status: 401,
        body: { error: 'unauthorized', message: expect.stringContaining('agent secret') },
      });
      const mcp = await fetch(`${f.gw.url}/mcp/v1/${encodeURIComponent(segment)}/mcp`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
        },
        body: JSON.stringify(INITIALIZE_REQUEST),
      });
      expect(mcp.status).toBe(401);
    }
    expect(await snapshot()).toEqual(before);
  });

  it('does not let another agent’s secret post into an agent’s SSE session', async () => {
    const a = await connectAgent(f.gw.url, agentSecretOf, 'pool-0', 'agent-a', 'sse');
    try {
      // The SDK's endpoint event gave agent-a's client its session's message URL.
      const stream = await fetch(`${f.gw.url}/sse/v1/devmode/app/priv/pool-0/sse?agentId=agent-a`, {
        headers: { authorization: `Bearer ${agentSecretOf('agent-a')}` },
      });
      const reader = stream.body!.getReader();
      let text = '';
      while (!/sessionId=([\w-]+)/.test(text))
        text += new TextDecoder().decode((await reader.read()).value);
      const sessionId = /sessionId=([\w-]+)/.exec(text)![1];
      const post = await fetch(
        `${f.gw.url}/api/v1/message/devmode/app/priv/pool-0?sessionId=${sessionId}`,
        {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            authorization: `Bearer ${agentSecretOf('agent-b')}`,
          },
          body: JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/list' }),
        },
      );
      expect(post.status).toBe(401);
      await reader.cancel();
      expect((await a.tools.listAgents({})).result).toBe('agent_list_success_with_details');
    } finally {
      await a.close();
    }
  });

  it('answers Coral’s session API only to agents and operators', async () => {
    const bare = await fetch(`${f.gw.url}/api/v1/sessions/pool-0/agents`);
    expect(bare.status).toBe(401);
    const listed = await fetch(`${f.gw.url}/api/v1/sessions/pool-0/agents`, {
      headers: { authorization: `Bearer ${agentSecretOf('agent-b')}` },
    });
    expect(await listed.json()).toEqual({
      sessionId: 'pool-0',
      agentCount: 2,
      agents: [
        // Gone a moment ago, still within the presence grace period.
        { id: 'agent-a', description: 'test agent agent-a', state: 'busy' },
        { id: 'agent-b', description: 'agent-b', state: 'disconnected' },
      ],
    });
  });
});
