import type { McpServer, RegisteredTool } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { ZodObject, ZodRawShape } from 'zod';
import { createCoral12Handlers, type Coral12HandlerOptions } from './coral-1.2/handlers';
import { CORAL_1_2_TOOLS, CORAL_1_2_TOOL_NAMES, type Coral12ToolName } from './coral-1.2/tools';
import { createCoralToolHandlers, type CoralToolHandlerOptions } from './tool-handlers';
import { CORAL_TOOLS, CORAL_TOOL_NAMES, type CoralToolName } from './tools';

/** Server name/version the gateway may announce for its per-connection MCP servers. */
export const CORAL_SERVER_INFO = { name: 'pardon-coral-pool', version: '1.2.0' } as const;

/** Coral sends every tool result as a single JSON text item. */
export function toCallToolResult(result: unknown): CallToolResult {
  return { content: [{ type: 'text', text: JSON.stringify(result) }] };
}

type ToolTable<N extends string> = Record<
  N,
  { description: string; argsSchema: ZodObject<ZodRawShape> }
>;

/** Registers every tool of a dialect's table, each answered by `call(name, args, signal)`. */
function registerTable<N extends string>(
  server: McpServer,
  table: ToolTable<N>,
  names: readonly N[],
  call: (name: N, args: unknown, signal: AbortSignal) => Promise<CallToolResult>,
): Record<N, RegisteredTool> {
  const registered = {} as Record<N, RegisteredTool>;
  for (const name of names) {
    const tool = table[name];
    registered[name] = server.registerTool(
      name,
      { description: tool.description, inputSchema: tool.argsSchema },
      (args: unknown, extra: { signal: AbortSignal }) => call(name, args, extra.signal),
    );
  }
  return registered;
}

/**
 * Registers the seven Coral 1.0 tools on `server`, bound to one connection of one pool bus. The
 * gateway creates one `McpServer` per agent connection, calls this (or `registerCoral12Tools`),
 * then connects the SSE or Streamable HTTP transport. Arguments that do not match a tool's
 * schema are refused by the SDK (an `isError` result, which `CoralToolClient` reports as
 * `tool_input_error`); everything else is answered with Coral's JSON result.
 */
export function registerCoralTools(
  server: McpServer,
  options: CoralToolHandlerOptions,
): Record<CoralToolName, RegisteredTool> {
  const handlers = createCoralToolHandlers(options) as Record<
    CoralToolName,
    (args: unknown, extra: { signal: AbortSignal }) => Promise<unknown>
  >;
  return registerTable(server, CORAL_TOOLS, CORAL_TOOL_NAMES, async (name, args, signal) =>
    toCallToolResult(await handlers[name](args, { signal })),
  );
}

/** Registers the eight Coral 1.2 tools on `server`, on the same bus model as the 1.0 tools. */
export function registerCoral12Tools(
  server: McpServer,
  options: Coral12HandlerOptions,
): Record<Coral12ToolName, RegisteredTool> {
  const handlers = createCoral12Handlers(options) as Record<
    Coral12ToolName,
    (args: unknown, extra: { signal: AbortSignal }) => Promise<CallToolResult>
  >;
  return registerTable(server, CORAL_1_2_TOOLS, CORAL_1_2_TOOL_NAMES, (name, args, signal) =>
    handlers[name](args, { signal }),
  );
}
