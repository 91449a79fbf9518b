import type { z } from 'zod';
import type { CoralErrorCode } from './errors';
import {
  requireKnownAgents,
  requireParticipant,
  runAgentCall,
  sendAsAgent,
  waitEndedBy,
} from './agent-calls';
import type { AgentConnection } from './agent-presence';
import type { PoolBus } from './pool-bus';
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
    return (args, extra) =>
      runAgentCall<CoralToolResult<N>>(
        {
          connection,
          tool,
          signal: extra?.signal,
          refuse: (code, message) => errorResult(code, message) as CoralToolResult<N>,
          onUnexpectedError: (error) => options.onUnexpectedError?.(error, tool),
        },
        () => run(args, extra?.signal),
      );
  }

  return {
    coral_list_agents: guard('coral_list_agents', async ({ includeDetails }) => {
      const agents = bus.listAgents();
      return includeDetails
        ? { result: 'agent_list_success_with_details', agents }
        : { result: 'agent_list_success', agents: agents.map((agent) => agent.id) };
    }),

    coral_create_thread: guard('coral_create_thread', async ({ threadName, participantIds }) => {
      requireKnownAgents(bus, participantIds);
      const thread = bus.createThread({ name: threadName, creatorId: agentId, participantIds });
      return { result: 'create_thread_success', thread };
    }),

    coral_add_participant: guard('coral_add_participant', async ({ threadId, participantId }) => {
      requireParticipant(bus, threadId, agentId);
      requireKnownAgents(bus, [participantId]);
      bus.addParticipant(threadId, participantId);
      return { result: 'add_participant_success' };
    }),

    coral_remove_participant: guard(
      'coral_remove_participant',
      async ({ threadId, participantId }) => {
        requireParticipant(bus, threadId, agentId);
        bus.removeParticipant(threadId, participantId);
        return { result: 'remove_participant_success' };
      },
    ),

    coral_close_thread: guard('coral_close_thread', async ({ threadId, summary }) => {
      requireParticipant(bus, threadId, agentId);
      bus.closeThread(threadId, summary);
      return { result: 'close_thread_success' };
    }),

    coral_send_message: guard('coral_send_message', async (args) => {
      const message = await sendAsAgent(bus, agentId, args);
      return { result: 'send_message_success', message };
    }),

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
