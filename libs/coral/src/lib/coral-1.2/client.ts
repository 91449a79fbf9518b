import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { z } from 'zod';
import { WAIT_REQUEST_MARGIN_MS } from '../mcp-client';
import {
  Coral12CreateThreadResultSchema,
  Coral12SendResultSchema,
  Coral12StatusMessageResultSchema,
  Coral12WaitResultSchema,
  MAX_WAIT_MS_1_2,
  type Coral12ToolArgs,
  type Coral12ToolName,
} from './tools';

/** A Coral 1.2 tool answered `isError` (a refusal such as a closed thread, or bad arguments). */
export class Coral12ToolError extends Error {
  override readonly name = 'Coral12ToolError';

  constructor(
    readonly tool: Coral12ToolName,
    message: string,
    /** Our machine-readable reason (`structuredContent.code`), when the server is ours. */
    readonly code: string | undefined,
  ) {
    super(message);
  }
}

export interface Coral12CallOptions {
  signal?: AbortSignal;
  timeoutMs?: number;
}

/**
 * Typed client of the Coral 1.2 tools over a connected MCP `Client`: results are validated,
 * refusals throw `Coral12ToolError`, transport failures throw as the SDK raises them.
 */
export class Coral12ToolClient {
  constructor(readonly client: Client) {}

  async call<S extends z.ZodType>(
    name: Coral12ToolName,
    args: Record<string, unknown>,
    schema: S,
    options: Coral12CallOptions = {},
  ): Promise<z.infer<S>> {
    const response = await this.client.callTool({ name, arguments: args }, undefined, {
      ...(options.signal ? { signal: options.signal } : {}),
      ...(options.timeoutMs !== undefined ? { timeout: options.timeoutMs } : {}),
    });
    const content = Array.isArray(response.content) ? response.content : [];
    const first = content[0] as { type?: unknown; text?: unknown } | undefined;
    const text = first?.type === 'text' && typeof first.text === 'string' ? first.text : '';
    if (response.isError) {
      const structured = response.structuredContent as { code?: unknown } | undefined;
      const code = typeof structured?.code === 'string' ? structured.code : undefined;
      throw new Coral12ToolError(name, text || 'tool call refused', code);
    }
    const parsed = schema.safeParse(JSON.parse(text));
    if (!parsed.success) {
      throw new Coral12ToolError(name, `unexpected result: ${parsed.error.message}`, undefined);
    }
    return parsed.data;
  }

  createThread(args: Coral12ToolArgs<'coral_create_thread'>, options?: Coral12CallOptions) {
    return this.call('coral_create_thread', args, Coral12CreateThreadResultSchema, options);
  }

  closeThread(args: Coral12ToolArgs<'coral_close_thread'>, options?: Coral12CallOptions) {
    return this.call('coral_close_thread', args, Coral12StatusMessageResultSchema, options);
  }

  addParticipant(args: Coral12ToolArgs<'coral_add_participant'>, options?: Coral12CallOptions) {
    return this.call('coral_add_participant', args, Coral12StatusMessageResultSchema, options);
  }

  removeParticipant(
    args: Coral12ToolArgs<'coral_remove_participant'>,
    options?: Coral12CallOptions,
  ) {
    return this.call('coral_remove_participant', args, Coral12StatusMessageResultSchema, options);
  }

  sendMessage(args: Coral12ToolArgs<'coral_send_message'>, options?: Coral12CallOptions) {
    return this.call('coral_send_message', args, Coral12SendResultSchema, options);
  }

  /** One wait; the request timeout is raised above `maxWaitMs`. */
  wait(
    tool: 'coral_wait_for_message' | 'coral_wait_for_mention' | 'coral_wait_for_agent',
    args: {
      currentUnixTime?: number;
      maxWaitMs?: number;
      agentName?: string;
    },
    options: Coral12CallOptions = {},
  ) {
    const waitMs = Math.min(Math.max(0, args.maxWaitMs ?? MAX_WAIT_MS_1_2), MAX_WAIT_MS_1_2);
    return this.call(tool, args, Coral12WaitResultSchema, {
      ...options,
      timeoutMs: options.timeoutMs ?? waitMs + WAIT_REQUEST_MARGIN_MS,
    });
  }
}
