import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { CoralToolClient, buildCoralSseUrl, type CoralMessage } from '@pardon/coral';

export type AgentTransport = 'sse' | 'streamable';

/** A raw MCP `initialize` request, for tests that speak Streamable HTTP by hand. */
export const INITIALIZE_REQUEST = {
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: {
    protocolVersion: '2025-03-26',
    capabilities: {},
    clientInfo: { name: 'x', version: '1' },
  },
} as const;

export interface TestAgent {
  id: string;
  pool: string;
  tools: CoralToolClient;
  client: Client;
  close(): Promise<void>;
}

/** The Streamable HTTP URL of the gateway for a pool (same shape as Coral's SSE URL). */
export function streamableUrl(baseUrl: string, pool: string, agentId: string): URL {
  const url = new URL(`/mcp/v1/devmode/app/priv/${encodeURIComponent(pool)}/mcp`, baseUrl);
  url.searchParams.set('agentId', agentId);
  return url;
}

/** Connects a real MCP SDK client as agent `id` to `pool`, over SSE or Streamable HTTP. */
export async function connectAgent(
  baseUrl: string,
  secretOf: (agentId: string) => string,
  pool: string,
  id: string,
  transport: AgentTransport = 'sse',
): Promise<TestAgent> {
  const headers = { authorization: `Bearer ${secretOf(id)}` };
  const t =
    transport === 'sse'
      ? new SSEClientTransport(
          buildCoralSseUrl({
            baseUrl,
            applicationId: 'app',
            privacyKey: 'priv',
            sessionId: pool,
            agentId: id,
            agentDescription: `test agent ${id}`,
          }),
          { requestInit: { headers } },
        )
      : new StreamableHTTPClientTransport(streamableUrl(baseUrl, pool, id), {
          requestInit: { headers },
        });
  const client = new Client({ name: id, version: '1.0.0' });
  await client.connect(t);
  return {
    id,
    pool,
    client,
    tools: new CoralToolClient(client),
    close: async () => {
      await client.close().catch(() => undefined);
    },
  };
}

/** Connects every agent id to every pool (the pool becomes ready). */
export async function connectRoster(
  baseUrl: string,
  secretOf: (agentId: string) => string,
  pools: string[],
  ids: readonly string[],
  transport: AgentTransport = 'sse',
): Promise<TestAgent[]> {
  const out: TestAgent[] = [];
  for (const pool of pools) {
    for (const id of ids) out.push(await connectAgent(baseUrl, secretOf, pool, id, transport));
  }
  return out;
}

/**
 * Runs an echo brain on an agent: every mention is answered in its thread with
 * `echo: <content>`, mentioning the sender. Returns a stop function.
 */
export function runEcho(agent: TestAgent, seen: CoralMessage[] = []): () => Promise<void> {
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      let r;
      try {
        r = await agent.tools.waitForMentions({ timeoutMs: 1000 });
      } catch {
        if (stopped) return;
        continue;
      }
      if (r.result !== 'wait_for_mentions_success') continue;
      for (const m of r.messages) {
        seen.push(m);
        await agent.tools
          .sendMessage({
            threadId: m.threadId,
            content: `echo: ${m.content}`,
            mentions: [m.senderId],
          })
          .catch(() => undefined);
      }
    }
  })();
  return async () => {
    stopped = true;
    await loop;
  };
}
