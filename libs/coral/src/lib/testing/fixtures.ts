import { randomUUID } from 'node:crypto';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { CoralToolClient } from '../mcp-client';
import { Coral12ToolClient } from '../coral-1.2/client';
import { CORAL_SERVER_INFO, registerCoral12Tools, registerCoralTools } from '../mcp-server';
import type { CoralMessage } from '../model';
import type { AgentConnection } from '../agent-presence';
import { PoolBus, type PoolBusOptions } from '../pool-bus';
import type { CoralToolName } from '../tools';

type HistoryMessage = Omit<CoralMessage, 'threadId' | 'threadName'>;

/** A history message for `PoolBus.materializeThread`, with sensible defaults. */
export function buildMessage(overrides: Partial<HistoryMessage> = {}): HistoryMessage {
  return {
    id: overrides.id ?? randomUUID(),
    senderId: overrides.senderId ?? 'player',
    content: overrides.content ?? 'hello',
    timestamp: overrides.timestamp ?? Date.now(),
    mentions: overrides.mentions ?? [],
  };
}

/**
 * A history from `[senderId, content, mentions]` rows, oldest first, one millisecond apart from
 * `startMs`, with ids `m1`, `m2`, …
 */
export function buildThreadHistory(
  rows: ReadonlyArray<readonly [senderId: string, content: string, mentions?: string[]]>,
  startMs = 1_700_000_000_000,
): HistoryMessage[] {
  return rows.map(([senderId, content, mentions], i) => ({
    id: `m${i + 1}`,
    senderId,
    content,
    timestamp: startMs + i,
    mentions: mentions ?? [],
  }));
}

/** A pool bus for tests (`pool-test` unless told otherwise). */
export function createTestBus(options: Partial<PoolBusOptions> = {}): PoolBus {
  return new PoolBus({ poolId: 'pool-test', ...options });
}

export interface ConnectCoralAgentOptions {
  agentId: string;
  description?: string;
  onUnexpectedError?: (error: unknown, tool: CoralToolName) => void;
}

/** An agent connected to a bus through a real MCP client and server linked in memory. */
export interface ConnectedCoralAgent {
  agentId: string;
  connection: AgentConnection;
  server: McpServer;
  mcpClient: Client;
  coral: CoralToolClient;
  /** Closes client, server and connection (idempotent). */
  close(): Promise<void>;
}

/** One connection of an agent: an `McpServer` with `register`'s tools, linked to an SDK client. */
async function linkInMemory(
  bus: PoolBus,
  agentId: string,
  description: string | undefined,
  register: (server: McpServer, connection: AgentConnection) => void,
) {
  const connection = bus.connectAgent({
    id: agentId,
    ...(description !== undefined ? { description } : {}),
  });
  const server = new McpServer(CORAL_SERVER_INFO);
  register(server, connection);
  const [clientTransport, serverTransport] = InMemoryTransport.createLinkedPair();
  server.server.onclose = () => connection.disconnect();
  await server.connect(serverTransport);
  const mcpClient = new Client({ name: `test-agent-${agentId}`, version: '1.0.0' });
  await mcpClient.connect(clientTransport);
  let closed = false;
  return {
    agentId,
    connection,
    server,
    mcpClient,
    async close() {
      if (closed) return;
      closed = true;
      await mcpClient.close();
      await server.close();
      connection.disconnect();
    },
  };
}

/**
 * Connects `agentId` to `bus` the way the gateway does over HTTP, but in memory: one `McpServer`
 * per connection with the Coral tools registered, linked to an SDK `Client`. Closing the
 * transport disconnects the agent from the bus.
 */
export async function connectCoralAgent(
  bus: PoolBus,
  options: ConnectCoralAgentOptions,
): Promise<ConnectedCoralAgent> {
  const linked = await linkInMemory(
    bus,
    options.agentId,
    options.description,
    (server, connection) =>
      registerCoralTools(server, {
        bus,
        connection,
        ...(options.onUnexpectedError ? { onUnexpectedError: options.onUnexpectedError } : {}),
      }),
  );
  return { ...linked, coral: new CoralToolClient(linked.mcpClient) };
}

/** An agent connected over the Coral 1.2 tools, in memory. */
export interface ConnectedCoral12Agent {
  agentId: string;
  connection: AgentConnection;
  coral: Coral12ToolClient;
  mcpClient: Client;
  close(): Promise<void>;
}

/** As `connectCoralAgent`, with the Coral 1.2 tools on the server side. */
export async function connectCoral12Agent(
  bus: PoolBus,
  options: { agentId: string },
): Promise<ConnectedCoral12Agent> {
  const linked = await linkInMemory(bus, options.agentId, undefined, (server, connection) =>
    registerCoral12Tools(server, { bus, connection }),
  );
  return { ...linked, coral: new Coral12ToolClient(linked.mcpClient) };
}
