import type { McpServer, RegisteredTool } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import {
  createCoralToolHandlers,
  type CoralToolHandler,
  type CoralToolHandlerOptions,
  type CoralToolParsedArgs,
} from './tool-handlers';
import { CORAL_TOOLS, CORAL_TOOL_NAMES, type CoralToolName } from './tools';

/** Server name/version the gateway may announce for its per-agent MCP servers. */
export const CORAL_SERVER_INFO = { name: 'pardon-coral-pool', version: '1.0.0' } as const;

/** Coral sends every tool result as a single JSON text item. */
export function toCallToolResult(result: unknown): CallToolResult {
  return { content: [{ type: 'text', text: JSON.stringify(result) }] };
}

/**
 * Registers the seven Coral tools on `server`, bound to one connected agent of one pool bus. The
 * gateway creates one `McpServer` per agent connection, calls this, then connects the SSE or
 * Streamable HTTP transport. Arguments that do not match a tool's schema are refused by the SDK
 * (an `isError` result, which `CoralToolClient` reports as `tool_input_error`); everything else is
 * answered with Coral's JSON result.
 */
export function registerCoralTools(
  server: McpServer,
  options: CoralToolHandlerOptions,
): Record<CoralToolName, RegisteredTool> {
  const handlers = createCoralToolHandlers(options);
  const registered = {} as Record<CoralToolName, RegisteredTool>;
  for (const name of CORAL_TOOL_NAMES) {
    registered[name] = register(server, name, handlers[name]);
  }
  return registered;
}

function register<N extends CoralToolName>(
  server: McpServer,
  name: N,
  handler: CoralToolHandler<N>,
): RegisteredTool {
  const tool = CORAL_TOOLS[name];
  return server.registerTool(
    name,
    { description: tool.description, inputSchema: tool.argsSchema },
    async (args: unknown, extra: { signal: AbortSignal }) =>
      toCallToolResult(await handler(args as CoralToolParsedArgs<N>, { signal: extra.signal })),
  );
}
