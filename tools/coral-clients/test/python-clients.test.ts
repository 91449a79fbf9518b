// Locks in that real third-party agent clients reach the gateway's Coral endpoint: the Python `mcp`
// SDK (1.30.0 and 2.3.0) and `langchain-mcp-adapters` (0.1.14 as production pins it, and 0.3.2),
// each from its pinned virtualenv (tools/test-env/python), run as tools/test-env/python/
// coral_client.py against the gateway's real entry point: each generation's tools are listed
// over each transport, and Coral's session API answers in Coral's shape. The agent loops
// (connection per call, reconnects, limits, keepalives) are in agent-loops.test.ts.
import { HAS_LANGCHAIN, PYTHON_CLIENTS, runCoralClient } from '@pardon/test-env';
import { agentSecretOf, succeeded, useGameGateway } from './support/game-gateway';

const TOOLS = {
  'coral-1.0': [
    'coral_add_participant',
    'coral_close_thread',
    'coral_create_thread',
    'coral_list_agents',
    'coral_remove_participant',
    'coral_send_message',
    'coral_wait_for_mentions',
    // The game's tool, beside Coral's, for the game's agents (agent-a and agent-b here).
    'pardon_award_points',
  ],
  'coral-1.2': [
    'coral_add_participant',
    'coral_close_thread',
    'coral_create_thread',
    'coral_remove_participant',
    'coral_send_message',
    'coral_wait_for_agent',
    'coral_wait_for_mention',
    'coral_wait_for_message',
    'pardon_award_points',
  ],
} as const;

describe('third-party Python MCP clients against a gateway process', () => {
  const gw = useGameGateway();

  describe.each(PYTHON_CLIENTS)('%s', (name) => {
    it.each(['coral-1.0', 'coral-1.2'] as const)(
      'lists the %s tools over both transports, and ends each session on close',
      async (generation) => {
        for (const transport of ['sse', 'streamable'] as const) {
          const { url, headers } = gw().endpoint(generation, transport, 'agent-a');
          const run = succeeded(
            await runCoralClient({
              python: gw().python(name),
              url,
              transport,
              headers,
              steps: [{ op: 'info' }, { op: 'connect' }, { op: 'list_tools' }, { op: 'close' }],
            }),
          );
          const versions = run.step(0)['versions'] as Record<string, string>;
          expect(versions['mcp']).toBe(name === 'mcp2' ? '2.3.0' : '1.30.0');
          expect(run.step(2)['tools']).toEqual(TOOLS[generation]);
          // The SDK closes Streamable HTTP with DELETE (content-type: application/json, no body)
          // and warns unless the server answers 200/204.
          expect(run.logs.filter((l) => /termination failed/i.test(String(l.log)))).toEqual([]);
        }
      },
    );

    // mcp2 has no langchain-mcp-adapters: none imports with mcp 2.x.
    if (HAS_LANGCHAIN[name]) {
      it('calls a tool through langchain-mcp-adapters MultiServerMCPClient (a connection per call)', async () => {
        const { url, headers } = gw().endpoint('coral-1.0', 'sse', 'agent-a');
        const run = succeeded(
          await runCoralClient({
            python: gw().python(name),
            url,
            headers,
            steps: [
              { op: 'info' },
              { op: 'lc_tools' },
              { op: 'lc_call', tool: 'coral_list_agents', args: { includeDetails: false } },
            ],
          }),
        );
        const versions = run.step(0)['versions'] as Record<string, string>;
        expect(versions['langchain-mcp-adapters']).toBe(name === 'mcp1-lca01' ? '0.1.14' : '0.3.2');
        expect(run.step(1)['tools']).toEqual(TOOLS['coral-1.0']);
        const called = run.step(2);
        // 0.1.x hands the model the tool's text; 0.3.x its content blocks.
        expect(typeof called['result']).toBe(name === 'mcp1-lca01' ? 'string' : 'object');
        expect(called['json']).toEqual({
          result: 'agent_list_success',
          agents: ['agent-a', 'agent-b'],
        });
      });
    }
  });

  it('answers Coral’s session API in Coral’s shape', async () => {
    const res = await fetch(`${gw().baseUrl}/api/v1/sessions/pool-0/agents`, {
      headers: { authorization: `Bearer ${agentSecretOf('agent-a')}` },
    });
    expect(await res.json()).toEqual({
      sessionId: 'pool-0',
      agentCount: 2,
      agents: [
        { id: 'agent-a', description: expect.any(String), state: expect.any(String) },
        { id: 'agent-b', description: expect.any(String), state: expect.any(String) },
      ],
    });
  });
});
