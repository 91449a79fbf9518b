// Locks in the transport details agents depend on: keepalive comments on agent event streams,
// Streamable HTTP sessions that end on DELETE (JSON content type, empty body) or expire when
// idle, a JSON-RPC answer over the body limit, and the Coral 1.2 URLs served to the TS SDK's
// clients over both transports on the same pools as the devmode URLs.
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { Coral12ToolClient, buildCoral12Url, coralAgentPathSecret } from '@pardon/coral';
import { eventually } from '@pardon/topology';
import { INITIALIZE_REQUEST } from './support/agents';
import { useGateway } from './support/fixture';
import { agentSecretOf } from './support/gateway';
import { newWallet, request, signIn } from './support/wallet';

const OPS_TOKEN = 'ops-token-0123456789abcdef';
const MCP_HEADERS = {
  'content-type': 'application/json',
  accept: 'application/json, text/event-stream',
};

describe('agent transports', () => {
  // agent-b over devmode SSE keeps the pools ready; agent-a connects per test.
  const f = useGateway(
    { AGENT_KEEPALIVE_MS: '200', MCP_SESSION_IDLE_MS: '1000', POOL_COUNT: '1', OPS_TOKEN },
    { agents: false },
  );
  const segment = (agentId: string, pool = 'pool-0') =>
    coralAgentPathSecret(agentSecretOf(agentId), pool);
  const metric = async (transport: string) => {
    const res = await fetch(`${f.gw.url}/metrics`, {
      headers: { authorization: `Bearer ${OPS_TOKEN}` },
    });
    expect(res.status).toBe(200);
    const text = await res.text();
    const line = text
      .split('\n')
      .find((l) => l.startsWith(`gateway_agent_mcp_sessions{transport="${transport}"}`));
    return line ? Number(line.split(' ').at(-1)) : 0;
  };

  async function connect12(agentId: string, transport: 'sse' | 'streamable-http') {
    const url = buildCoral12Url(f.gw.url, segment(agentId), transport);
    const t =
      transport === 'sse' ? new SSEClientTransport(url) : new StreamableHTTPClientTransport(url);
    const client = new Client({ name: agentId, version: '1.2.0' });
    await client.connect(t);
    return { client, coral: new Coral12ToolClient(client), transport: t };
  }

  it('sends keepalive comments on an idle agent event stream, within the interval', async () => {
    for (const url of [
      `${f.gw.url}/sse/v1/devmode/app/priv/pool-0/sse?agentId=agent-a`,
      `${f.gw.url}/mcp/v1/${segment('agent-a')}/sse/`,
    ]) {
      const res = await fetch(url, {
        headers: { authorization: `Bearer ${agentSecretOf('agent-a')}` },
      });
      expect(res.headers.get('content-type')).toMatch(/text\/event-stream/);
      const reader = res.body!.getReader();
      let text = '';
      const started = Date.now();
      while ((text.match(/: keepalive/g) ?? []).length < 2) {
        text += new TextDecoder().decode((await reader.read()).value);
      }
      // Two comments in well under a second at a 200 ms interval: nothing else was sent.
      expect(Date.now() - started).toBeLessThan(5_000);
      expect(text).toMatch(/^event: endpoint\n/);
      await reader.cancel();
    }
  });

  it('sends keepalives on the event stream of a parked Streamable HTTP wait, then its answer', async () => {
    const url = `${f.gw.url}/mcp/v1/${segment('agent-a')}/mcp`;
    const init = await fetch(url, {
      method: 'POST',
      headers: MCP_HEADERS,
      body: JSON.stringify(INITIALIZE_REQUEST),
    });
    const session = init.headers.get('mcp-session-id') as string;
    await init.text();
    const headers = {
      ...MCP_HEADERS,
      'mcp-session-id': session,
      'mcp-protocol-version': '2025-03-26',
    };
    await fetch(url, {
      method: 'POST',
      headers,
      body: JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }),
    }).then((r) => r.text());
    const call = await fetch(url, {
      method: 'POST',
      headers,
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 7,
        method: 'tools/call',
        params: { name: 'coral_wait_for_mention', arguments: { maxWaitMs: 1_500 } },
      }),
    });
    expect(call.headers.get('content-type')).toMatch(/text\/event-stream/);
    const text = await call.text();
    expect((text.match(/: keepalive/g) ?? []).length).toBeGreaterThanOrEqual(3);
    expect(text).toContain('Timeout reached');
    await fetch(url, { method: 'DELETE', headers });
  });

  it('ends a Streamable HTTP session on DELETE with a JSON content type and no body', async () => {
    const init = await fetch(`${f.gw.url}/mcp/v1/${segment('agent-a')}/mcp`, {
      method: 'POST',
      headers: MCP_HEADERS,
      body: JSON.stringify(INITIALIZE_REQUEST),
    });
    const session = init.headers.get('mcp-session-id') as string;
    expect(session).toBeTruthy();
    await init.body?.cancel();
    const before = await metric('streamable-http');
    const del = await fetch(`${f.gw.url}/mcp/v1/${segment('agent-a')}/mcp`, {
      method: 'DELETE',
      headers: { ...MCP_HEADERS, 'mcp-session-id': session },
    });
    expect(del.status).toBe(200);
    expect(await metric('streamable-http')).toBe(before - 1);
    const after = await fetch(`${f.gw.url}/mcp/v1/${segment('agent-a')}/mcp`, {
      method: 'POST',
      headers: { ...MCP_HEADERS, 'mcp-session-id': session },
      body: JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/list' }),
    });
    expect(after.status).toBe(404);
  });

  it('expires a Streamable HTTP session nobody uses and frees it', async () => {
    const init = await fetch(`${f.gw.url}/mcp/v1/${segment('agent-a')}/mcp`, {
      method: 'POST',
      headers: MCP_HEADERS,
      body: JSON.stringify(INITIALIZE_REQUEST),
    });
    const session = init.headers.get('mcp-session-id') as string;
    await init.body?.cancel();
    expect(await metric('streamable-http')).toBeGreaterThan(0);
    await eventually(
      'the idle session to expire',
      async () => ((await metric('streamable-http')) === 0 ? true : undefined),
      10_000,
    );
    const later = await fetch(`${f.gw.url}/mcp/v1/${segment('agent-a')}/mcp`, {
      method: 'POST',
      headers: { ...MCP_HEADERS, 'mcp-session-id': session },
      body: JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/list' }),
    });
    expect(later.status).toBe(404);
  });

  it('answers a request over the body limit with a JSON-RPC error', async () => {
    const res = await fetch(`${f.gw.url}/mcp/v1/${segment('agent-a')}/mcp`, {
      method: 'POST',
      headers: MCP_HEADERS,
      body: JSON.stringify({ ...INITIALIZE_REQUEST, pad: 'x'.repeat(1_100_000) }),
    });
    expect(res.status).toBe(413);
    expect(await res.json()).toEqual({
      jsonrpc: '2.0',
      id: null,
      error: { code: -32600, message: expect.stringContaining('100,000 characters') },
    });
  });

  it.each(['sse', 'streamable-http'] as const)(
    'serves Coral 1.2 over %s: a player’s message reaches a 1.2 agent, whose reply is stored',
    async (transport) => {
      const a = await connect12('agent-a', transport);
      const b = await connect12('agent-b', transport);
      try {
        const { tools } = await a.client.listTools();
        expect(tools.map((t) => t.name).sort()).toEqual([
          'coral_add_participant',
          'coral_close_thread',
          'coral_create_thread',
          'coral_remove_participant',
          'coral_send_message',
          'coral_wait_for_agent',
          'coral_wait_for_mention',
          'coral_wait_for_message',
          'pardon_award_points',
        ]);
        const wallet = newWallet();
        const token = await signIn(f.gw.url, wallet);
        expect((await request('POST', `${f.gw.url}/api/sessions`, { token })).status).toBe(200);
        const thread = await request('POST', `${f.gw.url}/api/threads`, {
          token,
          body: { agentId: 'agent-a' },
        });
        const threadId = thread.json.threadId as string;
        await request('POST', `${f.gw.url}/api/threads/${threadId}/messages`, {
          token,
          body: { content: 'pardon me', clientMessageId: `m-${transport}` },
        });
        const got = await a.coral.wait('coral_wait_for_mention', { maxWaitMs: 5_000 });
        if (!('message' in got)) throw new Error(JSON.stringify(got));
        expect(got.message).toMatchObject({
          threadId,
          text: 'pardon me',
          senderName: wallet.address,
        });
        const sent = await a.coral.sendMessage({
          threadId,
          content: 'we will see',
          mentions: [wallet.address],
        });
        const history = await request('GET', `${f.gw.url}/api/threads/${threadId}/messages`, {
          token,
        });
        expect(history.json.messages.map((m: { content: string }) => m.content)).toEqual([
          'pardon me',
          'we will see',
        ]);
        expect(history.json.messages[1].id).toBe(sent.message.id);
      } finally {
        await a.client.close();
        await b.client.close();
      }
    },
  );
});
