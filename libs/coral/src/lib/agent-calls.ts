import type { AgentConnection } from './agent-presence';
import { CoralError, type CoralErrorCode } from './errors';
import type { CoralMessage } from './model';
import type { PoolBus } from './pool-bus';

/**
 * What both tool dialects share: how one tool call runs for the agent of a connection, and the
 * rules Coral puts on top of the bus for calls made by agents.
 */

export interface AgentCallOptions<T> {
  connection: AgentConnection;
  tool: string;
  /** The dialect's shape of a refusal. */
  refuse: (code: CoralErrorCode, message: string) => T;
  /** The request's signal: aborted when the client cancels the call. */
  signal?: AbortSignal | undefined;
  /** Told about failures that are not Coral refusals (bugs, outages surfaced as such). */
  onUnexpectedError?: ((error: unknown, tool: string) => void) | undefined;
}

/**
 * Runs one call for the connection's agent: refused on a closed connection, counted as a call
 * under way (presence, before and after), bus refusals turned into the dialect's error,
 * anything else reported and answered as `internal_error`. Never throws.
 */
export async function runAgentCall<T>(
  options: AgentCallOptions<T>,
  run: () => Promise<T>,
): Promise<T> {
  const { connection } = options;
  if (!connection.active) {
    return options.refuse(
      'connection_closed',
      `This connection of ${connection.agentId} is closed`,
    );
  }
  connection.begin();
  try {
    return await run();
  } catch (error) {
    if (error instanceof CoralError) return options.refuse(error.code, error.message);
    options.onUnexpectedError?.(error, options.tool);
    return options.refuse('internal_error', 'Internal error');
  } finally {
    connection.end({ cancelled: options.signal?.aborted === true });
  }
}

/** An agent's message, always in its own name (no call can send as anyone else). */
export function sendAsAgent(
  bus: PoolBus,
  agentId: string,
  args: {
    threadId: string;
    content: string;
    mentions: string[];
    idempotencyKey?: string | undefined;
  },
): Promise<CoralMessage> {
  const { idempotencyKey, ...rest } = args;
  return bus.sendMessage({
    ...rest,
    senderId: agentId,
    ...(idempotencyKey !== undefined ? { idempotencyKey } : {}),
  });
}

/** Adding, removing and closing need the calling agent to be a participant of the thread. */
export function requireParticipant(bus: PoolBus, threadId: string, agentId: string): void {
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

/** Participants an agent names must be agents of the pool (never a player's wallet). */
export function requireKnownAgents(bus: PoolBus, ids: readonly string[]): void {
  const unknown = ids.filter((id) => !bus.isKnownAgent(id));
  if (unknown.length > 0) {
    throw new CoralError('unknown_agent', `No agents named ${unknown.join(', ')}`);
  }
}

/**
 * Runs `wait` with a signal that aborts when either `a` or `b` does, and detaches from both when
 * it settles. (Not `AbortSignal.any`: an agent may wait in a loop on one long-lived connection,
 * and every call would leave a dependent signal on it.)
 */
export async function waitEndedBy<T>(
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
