import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { ErrorCode, McpError } from '@modelcontextprotocol/sdk/types.js';
import { withCallSignal } from '@pardon/coral';

/** What one call of a game tool (`pardon_award_points`, `pardon_request_payment`) came back as. */
export type GameToolResponse =
  /** The JSON-RPC call was refused: no such tool, or arguments it does not take. */
  | { kind: 'refused'; code: 'unknown_tool' | 'invalid_params'; message: string }
  /** The tool ran and refused (`isError`): its first text content and `structuredContent`. */
  | { kind: 'tool_error'; text: string | undefined; structured: unknown }
  /** The tool's result: its `structuredContent`, or its text parsed as JSON. */
  | { kind: 'result'; json: unknown };

/**
 * Calls a game tool on a connected MCP client, whichever Coral dialect it speaks (the game's
 * tools are the same on both). A result without JSON is the server's protocol error
 * (`protocolError`); transport failures (connection lost, request timeout) throw as they are.
 */
export async function callGameTool(
  client: Client,
  name: string,
  args: Record<string, unknown>,
  options: { signal?: AbortSignal; timeoutMs?: number },
  protocolError: new (message: string) => Error,
): Promise<GameToolResponse> {
  let response: Awaited<ReturnType<Client['callTool']>>;
  try {
    response = await withCallSignal(options.signal, (signal) =>
      client.callTool({ name, arguments: args }, undefined, {
        ...(signal ? { signal } : {}),
        ...(options.timeoutMs !== undefined ? { timeout: options.timeoutMs } : {}),
      }),
    );
  } catch (error) {
    if (error instanceof McpError) {
      if (error.code === ErrorCode.MethodNotFound || /not found/i.test(error.message)) {
        return { kind: 'refused', code: 'unknown_tool', message: error.message };
      }
      if (error.code === ErrorCode.InvalidParams) {
        return { kind: 'refused', code: 'invalid_params', message: error.message };
      }
    }
    throw error;
  }
  const content = Array.isArray(response.content) ? response.content : [];
  const first = content[0] as { type?: unknown; text?: unknown } | undefined;
  const text = first?.type === 'text' && typeof first.text === 'string' ? first.text : undefined;
  if (response.isError) return { kind: 'tool_error', text, structured: response.structuredContent };
  if (response.structuredContent !== undefined && response.structuredContent !== null) {
    return { kind: 'result', json: response.structuredContent };
  }
  if (text === undefined) throw new protocolError('result has no text content');
  try {
    return { kind: 'result', json: JSON.parse(text) };
  } catch {
    throw new protocolError(`result is not JSON: ${text.slice(0, 120)}`);
  }
}
