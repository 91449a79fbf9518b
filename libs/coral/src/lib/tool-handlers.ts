import type { z } from 'zod';
import { CoralError, type CoralErrorCode } from './errors';
import type { AgentConnection, PoolBus } from './pool-bus';
import {
  type CORAL_TOOLS,
  type CoralToolName,
  type CoralToolResult,
  type ErrorResult,
} from './tools';

/** Validated arguments of tool `N` (defaults applied), as the MCP server hands them over. */
export type CoralToolParsedArgs<N extends CoralToolName> = z.output<
  (typeof CORAL_TOOLS)[N]['argsSchema']
>;

export type CoralToolHandler<N extends CoralToolName> = (
  args: CoralToolParsedArgs<N>,
  extra?: { signal?: AbortSignal },
) => Promise<CoralToolResult<N>>;

/** One handler per Coral tool, bound to one connected agent. */
export type CoralToolHandlers = { [N in CoralToolName]: CoralToolHandler<N> };

export interface CoralToolHandlerOptions {
  bus: PoolBus;
  /** The agent's live connection: every tool acts as `connection.agentId` while it is active. */
  connection: AgentConnection;
  /** Told about failures that are not Coral refusals (bugs, storage outages surfaced as such). */
  onUnexpectedError?: (error: unknown, tool: CoralToolName) => void;
}

function errorResult(code: CoralErrorCode, message: string): ErrorResult {
  return { result: 'error', message, code };
}

/**
 * The seven Coral tools as plain async functions for one connected agent, with Coral's rules on
 * top of the bus: participants named by an agent must be agents of the pool, and adding,
 * removing and closing need the caller to be a participant of the thread. Refusals come back as
 * `{result: 'error', message, code}`; nothing throws. `registerCoralTools` exposes them over MCP.
 */
export function createCoralToolHandlers(options: CoralToolHandlerOptions): CoralToolHandlers {
  const { bus, connection } = options;
  const agentId = connection.agentId;

  function guard<N extends CoralToolName>(
    tool: N,
    run: (args: CoralToolParsedArgs<N>, signal?: AbortSignal) => Promise<CoralToolResult<N>>,
  ): CoralToolHandler<N> {
    return async (args, extra) => {
      if (!connection.active) {
        return errorResult(
          'connection_closed',
          `This connection of ${agentId} was replaced or closed`,
        ) as CoralToolResult<N>;
      }
      try {
        return await run(args, extra?.signal);
      } catch (error) {
        if (error instanceof CoralError) {
          return errorResult(error.code, error.message) as CoralToolResult<N>;
        }
        options.onUnexpectedError?.(error, tool);
        return errorResult('internal_error', 'Internal error') as CoralToolResult<N>;
      }
    };
  }

  function requireCallerIn(threadId: string): void {
    if (!bus.hasThread(threadId)) {
      throw new CoralError('thread_not_found', `Thread with id ${threadId} not found`);
    }
    if (!bus.isParticipant(threadId, agentId)) {
      throw new CoralError(
        'not_participant',
        `${agentId} is not a participant of thread ${threadId}`,
      );
    }
  }

  function requireKnownAgents(ids: readonly string[]): void {
    const unknown = ids.filter((id) => !bus.isKnownAgent(id));
    if (unknown.length > 0) {
      throw new CoralError('unknown_agent', `No agents named ${unknown.join(', ')}`);
    }
  }

  return {
    coral_list_agents: guard('coral_list_agents', async ({ includeDetails }) => {
      const agents = bus.listAgents();
      return includeDetails
        ? { result: 'agent_list_success_with_details', agents }
        : { result: 'agent_list_success', agents: agents.map((agent) => agent.id) };
    }),

    coral_create_thread: guard('coral_create_thread', async ({ threadName, participantIds }) => {
      requireKnownAgents(participantIds);
      const thread = bus.createThread({ name: threadName, creatorId: agentId, participantIds });
      return { result: 'create_thread_success', thread };
    }),

    coral_add_participant: guard('coral_add_participant', async ({ threadId, participantId }) => {
      requireCallerIn(threadId);
      requireKnownAgents([participantId]);
      bus.addParticipant(threadId, participantId);
      return { result: 'add_participant_success' };
    }),

    coral_remove_participant: guard(
      'coral_remove_participant',
      async ({ threadId, participantId }) => {
        requireCallerIn(threadId);
        bus.removeParticipant(threadId, participantId);
        return { result: 'remove_participant_success' };
      },
    ),

    coral_close_thread: guard('coral_close_thread', async ({ threadId, summary }) => {
      requireCallerIn(threadId);
      bus.closeThread(threadId, summary);
      return { result: 'close_thread_success' };
    }),

    coral_send_message: guard(
      'coral_send_message',
      async ({ threadId, content, mentions, idempotencyKey }) => {
        const message = await bus.sendMessage({
          threadId,
          senderId: agentId,
          content,
          mentions,
          ...(idempotencyKey !== undefined ? { idempotencyKey } : {}),
        });
        return { result: 'send_message_success', message };
      },
    ),

    coral_wait_for_mentions: guard('coral_wait_for_mentions', async ({ timeoutMs }, signal) => {
      const outcome = await waitEndedBy(connection.signal, signal, (combined) =>
        bus.waitForMentions(agentId, timeoutMs, { signal: combined }),
      );
      switch (outcome.kind) {
        case 'messages':
          return { result: 'wait_for_mentions_success', messages: outcome.messages };
        case 'timeout':
          return { result: 'error_timeout' };
        case 'replaced':
          return errorResult(
            'wait_replaced',
            'A newer coral_wait_for_mentions call of this agent replaced this one',
          );
        case 'aborted':
          return errorResult('wait_aborted', 'The wait was cancelled or the connection closed');
      }
    }),
  };
}

/**
 * Runs `wait` with a signal that aborts when either `a` or `b` does, and detaches from both when
 * it settles. (Not `AbortSignal.any`: an agent waits in a loop on one long-lived connection, and
 * every call would leave a dependent signal on it.)
 */
async function waitEndedBy<T>(
  a: AbortSignal,
  b: AbortSignal | undefined,
  wait: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  if (!b) return wait(a);
  const controller = new AbortController();
  const abort = (): void => controller.abort();
  if (a.aborted || b.aborted) abort();
  a.addEventListener('abort', abort, { once: true });
  b.addEventListener('abort', abort, { once: true });
  try {
    return await wait(controller.signal);
  } finally {
    a.removeEventListener('abort', abort);
    b.removeEventListener('abort', abort);
  }
}
