import { z } from 'zod';

/**
 * The Coral data model as the Coral server (0.x, the version the production agents speak) puts it
 * on the wire. Schemas are the source of truth; every type is derived from them.
 */

/** An agent id (`trump-donald`) or, for player threads, a participant such as a wallet address. */
export const ParticipantIdSchema = z.string().min(1).max(200);
export type ParticipantId = z.infer<typeof ParticipantIdSchema>;

/** A message in a thread, as Coral's `ResolvedMessage` (timestamp in epoch milliseconds). */
export const CoralMessageSchema = z.object({
  id: z.string().min(1),
  threadName: z.string(),
  threadId: z.string().min(1),
  senderId: ParticipantIdSchema,
  content: z.string(),
  timestamp: z.number().int().nonnegative(),
  mentions: z.array(ParticipantIdSchema),
});
export type CoralMessage = z.infer<typeof CoralMessageSchema>;

/** A thread as Coral's `ResolvedThread`: `summary` is set when the thread is closed. */
export const CoralThreadSchema = z.object({
  id: z.string().min(1),
  name: z.string(),
  creatorId: ParticipantIdSchema,
  participants: z.array(ParticipantIdSchema),
  messages: z.array(CoralMessageSchema),
  isClosed: z.boolean(),
  summary: z.string().nullable(),
});
export type CoralThread = z.infer<typeof CoralThreadSchema>;

/** Coral's `SessionAgentState` values (serialised lower-case). */
export const AgentStateSchema = z.enum(['disconnected', 'connecting', 'listening', 'busy', 'dead']);
export type AgentState = z.infer<typeof AgentStateSchema>;

/** An agent registered on a pool, as Coral lists it with `includeDetails`. */
export const CoralAgentInfoSchema = z.object({
  id: ParticipantIdSchema,
  description: z.string(),
  state: AgentStateSchema,
});
export type CoralAgentInfo = z.infer<typeof CoralAgentInfoSchema>;

/**
 * How far an agent has read a thread: the number of the thread's messages it has consumed
 * (Coral's `lastReadMessageIndex`). Messages at index >= `index` are unread.
 */
export const ReadPositionSchema = z.object({
  agentId: ParticipantIdSchema,
  threadId: z.string().min(1),
  index: z.number().int().nonnegative(),
});
export type ReadPosition = z.infer<typeof ReadPositionSchema>;

/** `GET /api/v1/sessions`: Coral answers with the bare list of session ids (here: pool ids). */
export const SessionListResponseSchema = z.array(z.string());
export type SessionListResponse = z.infer<typeof SessionListResponseSchema>;

/**
 * `GET /api/v1/sessions/{session}/agents`: the agents registered on that session (pool), in the
 * shape of Coral 1.0's answer, with each agent's details (Coral lists bare ids there).
 */
export const SessionAgentsResponseSchema = z.object({
  sessionId: z.string(),
  agentCount: z.number().int().nonnegative(),
  agents: z.array(CoralAgentInfoSchema),
});
export type SessionAgentsResponse = z.infer<typeof SessionAgentsResponseSchema>;
