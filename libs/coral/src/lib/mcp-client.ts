import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import {
  CORAL_TOOLS,
  DEFAULT_WAIT_FOR_MENTIONS_TIMEOUT_MS,
  type AddParticipantArgs,
  type AddParticipantResult,
  type CloseThreadArgs,
  type CloseThreadResult,
  type CoralToolArgs,
  type CoralToolName,
  type CoralToolResult,
  type CreateThreadArgs,
  type CreateThreadResult,
  type ListAgentsArgs,
  type ListAgentsResult,
  type RemoveParticipantArgs,
  type RemoveParticipantResult,
  type SendMessageArgs,
  type SendMessageResult,
  type WaitForMentionsArgs,
  type WaitForMentionsResult,
} from './tools';

/** Extra time a `coral_wait_for_mentions` request may take beyond its own `timeoutMs`. */
export const WAIT_REQUEST_MARGIN_MS = 15_000;

/** The server answered something that is not a Coral result of the tool called. */
export class CoralProtocolError extends Error {
  override readonly name = 'CoralProtocolError';

  constructor(
    readonly tool: CoralToolName,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`${tool}: ${message}`, options);
  }
}

export interface CoralCallOptions {
  signal?: AbortSignal;
  /** Request timeout in ms; defaults to the SDK's 60 s (waits: their `timeoutMs` + a margin). */
  timeoutMs?: number;
}

/**
 * Runs `call` with a signal of its own that aborts when `signal` does, and detaches from `signal`
 * when the call settles.
 *
 * Why: the MCP SDK's `Protocol.request` adds an `abort` listener to the signal a request is given
 * and never removes it. An agent passes its long-lived stop signal to every wait for mentions, so
 * each wait left a listener (holding the request's closure) on that one signal for the life of the
 * process: memory grew with every mention ever received, and every new listener cost a walk of
 * the list (Node's EventTarget checks for duplicates), so CPU per reply grew too. Handing the SDK
 * a per-call signal leaves its listener on an object that is garbage once the call ends.
 */
export async function withCallSignal<T>(
  signal: AbortSignal | undefined,
  call: (signal: AbortSignal | undefined) => Promise<T>,
): Promise<T> {
  if (!signal) return call(undefined);
  signal.throwIfAborted();
  const controller = new AbortController();
  const abort = (): void => controller.abort(signal.reason);
  signal.addEventListener('abort', abort, { once: true });
  try {
    return await call(controller.signal);
  } finally {
    signal.removeEventListener('abort', abort);
  }
}

/**
 * Typed client of the Coral tools over any connected MCP `Client` (SSE, Streamable HTTP or in
 * memory). Results are parsed and validated against the shared result schemas; an SDK-level
 * argument refusal (`isError`) is returned as `{result: 'tool_input_error', message}`. Transport
 * and protocol failures throw.
 */
export class CoralToolClient {
  constructor(readonly client: Client) {}

  /** Calls tool `name` and validates its JSON result. */
  async call<N extends CoralToolName>(
    name: N,
    args: CoralToolArgs<N>,
    options: CoralCallOptions = {},
  ): Promise<CoralToolResult<N>> {
    const response = await withCallSignal(options.signal, (signal) =>
      this.client.callTool({ name, arguments: args as Record<string, unknown> }, undefined, {
        ...(signal ? { signal } : {}),
        ...(options.timeoutMs !== undefined ? { timeout: options.timeoutMs } : {}),
      }),
    );
    const content = Array.isArray(response.content) ? response.content : [];
    const first = content[0] as { type?: unknown; text?: unknown } | undefined;
    const text = first?.type === 'text' && typeof first.text === 'string' ? first.text : undefined;
    if (response.isError) {
      return {
        result: 'tool_input_error',
        message: text ?? 'tool call refused',
      } as CoralToolResult<N>;
    }
    if (text === undefined) throw new CoralProtocolError(name, 'result has no text content');
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (cause) {
      throw new CoralProtocolError(name, 'result is not JSON', { cause });
    }
    const parsed = CORAL_TOOLS[name].resultSchema.safeParse(json);
    if (!parsed.success) {
      throw new CoralProtocolError(name, `unexpected result: ${parsed.error.message}`);
    }
    return parsed.data as CoralToolResult<N>;
  }

  listAgents(args: ListAgentsArgs = {}, options?: CoralCallOptions): Promise<ListAgentsResult> {
    return this.call('coral_list_agents', args, options);
  }

  createThread(args: CreateThreadArgs, options?: CoralCallOptions): Promise<CreateThreadResult> {
    return this.call('coral_create_thread', args, options);
  }

  addParticipant(
    args: AddParticipantArgs,
    options?: CoralCallOptions,
  ): Promise<AddParticipantResult> {
    return this.call('coral_add_participant', args, options);
  }

  removeParticipant(
    args: RemoveParticipantArgs,
    options?: CoralCallOptions,
  ): Promise<RemoveParticipantResult> {
    return this.call('coral_remove_participant', args, options);
  }

  closeThread(args: CloseThreadArgs, options?: CoralCallOptions): Promise<CloseThreadResult> {
    return this.call('coral_close_thread', args, options);
  }

  sendMessage(args: SendMessageArgs, options?: CoralCallOptions): Promise<SendMessageResult> {
    return this.call('coral_send_message', args, options);
  }

  /**
   * Blocks until mentioned or `timeoutMs` passes. The request timeout is raised above `timeoutMs`
   * (the SDK's default of 60 s would cut long waits short).
   */
  waitForMentions(
    args: WaitForMentionsArgs = {},
    options: CoralCallOptions = {},
  ): Promise<WaitForMentionsResult> {
    const waitMs =
      typeof args.timeoutMs === 'number' && Number.isFinite(args.timeoutMs)
        ? Math.max(0, args.timeoutMs)
        : DEFAULT_WAIT_FOR_MENTIONS_TIMEOUT_MS;
    return this.call('coral_wait_for_mentions', args, {
      ...options,
      timeoutMs: options.timeoutMs ?? waitMs + WAIT_REQUEST_MARGIN_MS,
    });
  }
}
