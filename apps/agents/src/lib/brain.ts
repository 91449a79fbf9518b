import type { AgentId, Persona } from './personas';

/** One message of a thread as the agent remembers it. */
export interface ThreadEntry {
  senderId: string;
  content: string;
}

/**
 * Why the agent is answering:
 * - `player`: a player wrote to it;
 * - `consulted`: another agent consults it on a player's behalf (answer that agent);
 * - `relay`: an agent it consulted answered (tell the player).
 */
export type ReplyMode = 'player' | 'consulted' | 'relay';

export interface BrainInput {
  persona: Persona;
  threadId: string;
  mode: ReplyMode;
  /** The message being answered. */
  message: ThreadEntry;
  /** The player of the thread, when known (the sender in `player` mode). */
  playerId: string | undefined;
  /** Recent messages of the thread before `message`, oldest first (includes this agent's replies). */
  history: readonly ThreadEntry[];
  /** How many messages this agent has answered in this thread before. */
  turn: number;
  /** Aborted when the agent shuts down. */
  signal?: AbortSignal;
}

export interface BrainReply {
  content: string;
  /** Ask another agent for the player: it is added to the thread and mentioned. */
  consult?: { agentId: AgentId; content: string };
}

/** Decides what an agent says. Implementations never throw for model trouble: they apologise. */
export interface Brain {
  readonly name: string;
  reply(input: BrainInput): Promise<BrainReply>;
}

/** Short, readable form of a player id (a base58 wallet is 32–44 characters). */
export function shortPlayer(playerId: string | undefined): string {
  if (!playerId) return 'friend';
  return playerId.length > 16 ? `${playerId.slice(0, 4)}…${playerId.slice(-4)}` : playerId;
}
