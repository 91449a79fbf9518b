import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { AgentConnection } from '../agent-presence';
import { CoralError } from '../errors';
import {
  requireKnownAgents,
  requireParticipant,
  runAgentCall,
  sendAsAgent,
  waitEndedBy,
} from '../agent-calls';
import type { CoralMessage, CoralThread } from '../model';
import type { PoolBus } from '../pool-bus';
import type { MessageFilter } from '../read-cursors';
import {
  MAX_WAIT_MS_1_2,
  WAIT_STATUS_RECEIVED,
  WAIT_STATUS_TIMEOUT,
  type Coral12Message,
  type Coral12Thread,
  type Coral12ToolName,
  type Coral12ToolParsedArgs,
} from './tools';

export type Coral12Handler<N extends Coral12ToolName> = (
  args: Coral12ToolParsedArgs<N>,
  extra?: { signal?: AbortSignal },
) => Promise<CallToolResult>;
export type Coral12Handlers = { [N in Coral12ToolName]: Coral12Handler<N> };

export interface Coral12HandlerOptions {
  bus: PoolBus;
  connection: AgentConnection;
  onUnexpectedError?: (error: unknown, tool: Coral12ToolName) => void;
}

const iso = (ms: number): string => new Date(ms).toISOString();

export function toCoral12Message(message: CoralMessage): Coral12Message {
  return {
    id: message.id,
    threadId: message.threadId,
    text: message.content,
    senderName: message.senderId,
    mentionNames: [...message.mentions],
    timestamp: iso(message.timestamp),
  };
}

function toCoral12Thread(bus: PoolBus, thread: CoralThread): Coral12Thread {
  const times = bus.threadTimes(thread.id);
  const createdAt = times?.createdAt ?? Date.now();
  return {
    id: thread.id,
    name: thread.name,
    creatorName: thread.creatorId,
    participants: thread.participants,
    messages: thread.messages.map(toCoral12Message),
    state: thread.isClosed
      ? {
          state: 'closed',
          summary: thread.summary ?? '',
          timestamp: iso(times?.closedAt ?? createdAt),
        }
      : { state: 'open' },
    timestamp: iso(createdAt),
  };
}

const ok = (result: Record<string, unknown>): CallToolResult => ({
  content: [{ type: 'text', text: JSON.stringify(result) }],
  structuredContent: result,
});

/**
 * The Coral 1.2 tools for one connection's agent, over the same bus (threads, read positions,
 * waiter) as the 1.0 tools, so agents of both generations share pools and threads. Where Coral
 * 1.2 is loose we keep the 1.0 rules: senders and closers must be participants, and a wait
 * returns only what the agent has not read yet (Coral replays by time alone, so the same
 * message comes back until the agent moves its clock past it).
 */
export function createCoral12Handlers(options: Coral12HandlerOptions): Coral12Handlers {
  const { bus, connection } = options;
  const agentId = connection.agentId;

  function guard<N extends Coral12ToolName>(
    tool: N,
    run: (args: Coral12ToolParsedArgs<N>, signal?: AbortSignal) => Promise<CallToolResult>,
  ): Coral12Handler<N> {
    return (args, extra) =>
      runAgentCall<CallToolResult>(
        {
          connection,
          tool,
          signal: extra?.signal,
          refuse: (code, message) => ({
            isError: true,
            content: [{ type: 'text', text: `Error executing tool ${tool}: ${message}` }],
            structuredContent: { error: message, code },
          }),
          onUnexpectedError: (error) => options.onUnexpectedError?.(error, tool),
        },
        () => run(args, extra?.signal),
      );
  }

  const wait =
    (filter: MessageFilter) =>
    async (
      args: { currentUnixTime?: number | undefined; maxWaitMs?: number | undefined },
      signal?: AbortSignal,
    ): Promise<CallToolResult> => {
      const timeoutMs = Math.min(args.maxWaitMs ?? MAX_WAIT_MS_1_2, MAX_WAIT_MS_1_2);
      const outcome = await waitEndedBy(connection.signal, signal, (combined) =>
        bus.waitForMessages(
          agentId,
          {
            filter,
            batch: false,
            ...(args.currentUnixTime !== undefined ? { since: args.currentUnixTime } : {}),
          },
          timeoutMs,
          { signal: combined },
        ),
      );
      switch (outcome.kind) {
        case 'messages': {
          const [message] = outcome.messages;
          if (!message) return ok({ status: WAIT_STATUS_TIMEOUT });
          return ok({ message: toCoral12Message(message), status: WAIT_STATUS_RECEIVED });
        }
        case 'timeout':
          return ok({ status: WAIT_STATUS_TIMEOUT });
        case 'replaced':
          throw new CoralError('wait_replaced', 'A newer wait of this agent replaced this one');
        case 'aborted':
          throw new CoralError('wait_aborted', 'The wait was cancelled or the connection closed');
      }
    };

  return {
    coral_create_thread: guard('coral_create_thread', async ({ threadName, participantNames }) => {
      requireKnownAgents(bus, participantNames);
      const thread = bus.createThread({
        name: threadName,
        creatorId: agentId,
        participantIds: participantNames,
      });
      return ok({ thread: toCoral12Thread(bus, thread) });
    }),
    coral_close_thread: guard('coral_close_thread', async ({ threadId, summary }) => {
      requireParticipant(bus, threadId, agentId);
      bus.closeThread(threadId, summary);
      return ok({ message: `Successfully closed thread ${threadId}` });
    }),
    coral_add_participant: guard('coral_add_participant', async ({ threadId, participantName }) => {
      requireParticipant(bus, threadId, agentId);
      requireKnownAgents(bus, [participantName]);
      bus.addParticipant(threadId, participantName);
      return ok({
        message: `Successfully added participant ${participantName} to thread ${threadId}`,
      });
    }),
    coral_remove_participant: guard(
      'coral_remove_participant',
      async ({ threadId, participantName }) => {
        requireParticipant(bus, threadId, agentId);
        bus.removeParticipant(threadId, participantName);
        return ok({
          message: `Successfully removed participant ${participantName} from thread ${threadId}`,
        });
      },
    ),
    coral_send_message: guard('coral_send_message', async (args) => {
      const message = await sendAsAgent(bus, agentId, args);
      return ok({ status: 'Message sent successfully', message: toCoral12Message(message) });
    }),
    coral_wait_for_message: guard('coral_wait_for_message', wait({ kind: 'any' })),
    coral_wait_for_mention: guard('coral_wait_for_mention', wait({ kind: 'mentions' })),
    coral_wait_for_agent: guard('coral_wait_for_agent', (args, signal) =>
      wait({ kind: 'from', senderId: args.agentName })(args, signal),
    ),
  };
}
