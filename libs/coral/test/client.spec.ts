// Locks in how CoralToolClient treats answers that are not Coral results: a server that speaks
// MCP but answers garbage is a protocol error, never a silently accepted result.
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { CoralProtocolError, CoralToolClient, WaitForMentionsArgsSchema } from '../src';

async function clientOf(
  server: McpServer,
): Promise<{ coral: CoralToolClient; close(): Promise<void> }> {
  const [clientTransport, serverTransport] = InMemoryTransport.createLinkedPair();
  await server.connect(serverTransport);
  const client = new Client({ name: 'test', version: '1.0.0' });
  await client.connect(clientTransport);
  return {
    coral: new CoralToolClient(client),
    async close() {
      await client.close();
      await server.close();
    },
  };
}

describe('CoralToolClient', () => {
  it('throws CoralProtocolError for a result that is not JSON or not the tool’s shape', async () => {
    const server = new McpServer({ name: 'fake', version: '1.0.0' });
    server.registerTool('coral_list_agents', {}, async () => ({
      content: [{ type: 'text', text: 'not json' }],
    }));
    server.registerTool('coral_close_thread', {}, async () => ({
      content: [{ type: 'text', text: JSON.stringify({ result: 'close_thread_success', x: 1 }) }],
    }));
    server.registerTool(
      'coral_wait_for_mentions',
      { inputSchema: WaitForMentionsArgsSchema },
      async () => ({
        content: [{ type: 'text', text: JSON.stringify({ result: 'wait_for_mentions_success' }) }],
      }),
    );
    const { coral, close } = await clientOf(server);
    try {
      await expect(coral.listAgents()).rejects.toBeInstanceOf(CoralProtocolError);
      // Extra fields are tolerated (a newer server may add some); missing ones are not.
      expect(await coral.closeThread({ threadId: 't', summary: 's' })).toEqual({
        result: 'close_thread_success',
      });
      await expect(coral.waitForMentions({ timeoutMs: 0 })).rejects.toThrow(/unexpected result/);
    } finally {
      await close();
    }
  });
});
