import { z } from 'zod';
import {
  CoralAgentInfoSchema,
  CoralMessageSchema,
  CoralThreadSchema,
  ParticipantIdSchema,
} from './model';

/**
 * The seven Coral tools: names, argument schemas and result schemas, defined once for the pool
 * server (apps/gateway) and the agents' client alike. Names, argument names and the `result`
 * discriminator values are Coral's (coral-server `McpToolResult`); every result travels as one
 * JSON text content item, as Coral sends it.
 */

/** Coral's cap on `coral_wait_for_mentions` (10 minutes). */
export const MAX_WAIT_FOR_MENTIONS_TIMEOUT_MS = 600_000;
/** Coral's default when an agent calls `coral_wait_for_mentions` without `timeoutMs`. */
export const DEFAULT_WAIT_FOR_MENTIONS_TIMEOUT_MS = 30_000;
/** Upper bound of one message's content; the gateway applies its own, lower, player limit. */
export const MAX_MESSAGE_CONTENT_CHARS = 100_000;
/** Upper bound of a thread's name and of a close summary. */
export const MAX_THREAD_NAME_CHARS = 200;
export const MAX_SUMMARY_CHARS = 10_000;
/** Upper bound of participants named in one call (a pool has a handful of agents). */
export const MAX_PARTICIPANTS_PER_CALL = 64;

const ThreadIdSchema = z.string().min(1).max(200);

// ---- arguments -------------------------------------------------------------------------------

export const ListAgentsArgsSchema = z.object({
  includeDetails: z
    .boolean()
    .default(true)
    .describe('Whether to include agent details (description, state) in the response'),
});
export type ListAgentsArgs = z.input<typeof ListAgentsArgsSchema>;

export const CreateThreadArgsSchema = z.object({
  threadName: z.string().min(1).max(MAX_THREAD_NAME_CHARS).describe('Name of the thread'),
  participantIds: z
    .array(ParticipantIdSchema)
    .max(MAX_PARTICIPANTS_PER_CALL)
    .describe('List of agent IDs to include as participants (the creator is always one)'),
});
export type CreateThreadArgs = z.input<typeof CreateThreadArgsSchema>;

export const AddParticipantArgsSchema = z.object({
  threadId: ThreadIdSchema.describe('ID of the thread'),
  participantId: ParticipantIdSchema.describe('ID of the agent to add'),
});
export type AddParticipantArgs = z.input<typeof AddParticipantArgsSchema>;

export const RemoveParticipantArgsSchema = z.object({
  threadId: ThreadIdSchema.describe('ID of the thread'),
  participantId: ParticipantIdSchema.describe('ID of the agent to remove'),
});
export type RemoveParticipantArgs = z.input<typeof RemoveParticipantArgsSchema>;

export const CloseThreadArgsSchema = z.object({
  threadId: ThreadIdSchema.describe('ID of the thread to close'),
  summary: z.string().max(MAX_SUMMARY_CHARS).describe('Summary of the thread'),
});
export type CloseThreadArgs = z.input<typeof CloseThreadArgsSchema>;

export const SendMessageArgsSchema = z.object({
  threadId: ThreadIdSchema.describe('ID of the thread'),
  content: z.string().max(MAX_MESSAGE_CONTENT_CHARS).describe('Content of the message'),
  mentions: z
    .array(ParticipantIdSchema)
    .max(MAX_PARTICIPANTS_PER_CALL)
    .default([])
    .describe(
      'List of participant IDs to mention in the message. You *must* mention an agent for them to be made aware of the message.',
    ),
  // Not in Coral (its agents never send it): our agents name each message once and reuse the
  // name on every retry, so a retry after an attempt that was stored stores nothing new, and two
  // different messages never pass for one.
  idempotencyKey: z
    .string()
    .min(1)
    .max(200)
    .optional()
    .describe(
      'Optional: a key of your choice for this message; sending again with the same key stores it once.',
    ),
});
export type SendMessageArgs = z.input<typeof SendMessageArgsSchema>;

export const WaitForMentionsArgsSchema = z.object({
  // The range is checked by the tool, not the schema, so that an out-of-range value gets Coral's
  // `{result: 'error'}` answer rather than a protocol-level validation failure.
  timeoutMs: z
    .number()
    .default(DEFAULT_WAIT_FOR_MENTIONS_TIMEOUT_MS)
    .describe(
      `Timeout in milliseconds (default: ${DEFAULT_WAIT_FOR_MENTIONS_TIMEOUT_MS} ms). Must be between 0 and ${MAX_WAIT_FOR_MENTIONS_TIMEOUT_MS} ms.`,
    ),
});
export type WaitForMentionsArgs = z.input<typeof WaitForMentionsArgsSchema>;

// ---- results ---------------------------------------------------------------------------------

/** A failure the tool reports as data (thread closed, not a participant, …): Coral's `error`. */
export const ErrorResultSchema = z.object({
  result: z.literal('error'),
  message: z.string(),
  /** Machine-readable reason (see `CoralErrorCode`); an addition to Coral's shape. */
  code: z.string().optional(),
});
export type ErrorResult = z.infer<typeof ErrorResultSchema>;

/** Arguments that do not match the tool's schema: Coral's `tool_input_error`. */
export const ToolInputErrorResultSchema = z.object({
  result: z.literal('tool_input_error'),
  message: z.string(),
});
export type ToolInputErrorResult = z.infer<typeof ToolInputErrorResultSchema>;

export const ListAgentsResultSchema = z.discriminatedUnion('result', [
  z.object({ result: z.literal('agent_list_success'), agents: z.array(z.string()) }),
  z.object({
    result: z.literal('agent_list_success_with_details'),
    agents: z.array(CoralAgentInfoSchema),
  }),
  ErrorResultSchema,
  ToolInputErrorResultSchema,
]);
export type ListAgentsResult = z.infer<typeof ListAgentsResultSchema>;

export const CreateThreadResultSchema = z.discriminatedUnion('result', [
  z.object({ result: z.literal('create_thread_success'), thread: CoralThreadSchema }),
  ErrorResultSchema,
  ToolInputErrorResultSchema,
]);
export type CreateThreadResult = z.infer<typeof CreateThreadResultSchema>;

export const AddParticipantResultSchema = z.discriminatedUnion('result', [
  z.object({ result: z.literal('add_participant_success') }),
  ErrorResultSchema,
  ToolInputErrorResultSchema,
]);
export type AddParticipantResult = z.infer<typeof AddParticipantResultSchema>;

export const RemoveParticipantResultSchema = z.discriminatedUnion('result', [
  z.object({ result: z.literal('remove_participant_success') }),
  ErrorResultSchema,
  ToolInputErrorResultSchema,
]);
export type RemoveParticipantResult = z.infer<typeof RemoveParticipantResultSchema>;

export const CloseThreadResultSchema = z.discriminatedUnion('result', [
  z.object({ result: z.literal('close_thread_success') }),
  ErrorResultSchema,
  ToolInputErrorResultSchema,
]);
export type CloseThreadResult = z.infer<typeof CloseThreadResultSchema>;

export const SendMessageResultSchema = z.discriminatedUnion('result', [
  z.object({ result: z.literal('send_message_success'), message: CoralMessageSchema }),
  ErrorResultSchema,
  ToolInputErrorResultSchema,
]);
export type SendMessageResult = z.infer<typeof SendMessageResultSchema>;

export const WaitForMentionsResultSchema = z.discriminatedUnion('result', [
  z.object({
    result: z.literal('wait_for_mentions_success'),
    messages: z.array(CoralMessageSchema),
  }),
  z.object({ result: z.literal('error_timeout') }),
  ErrorResultSchema,
  ToolInputErrorResultSchema,
]);
export type WaitForMentionsResult = z.infer<typeof WaitForMentionsResultSchema>;

// ---- the table -------------------------------------------------------------------------------

/** Every Coral tool: its wire name, description, argument schema and result schema. */
export const CORAL_TOOLS = {
  coral_list_agents: {
    description: 'List all the available Coral agents',
    argsSchema: ListAgentsArgsSchema,
    resultSchema: ListAgentsResultSchema,
  },
  coral_create_thread: {
    description: 'Create a new Coral thread with a list of participants',
    argsSchema: CreateThreadArgsSchema,
    resultSchema: CreateThreadResultSchema,
  },
  coral_add_participant: {
    description: 'Add a participant to a Coral thread',
    argsSchema: AddParticipantArgsSchema,
    resultSchema: AddParticipantResultSchema,
  },
  coral_remove_participant: {
    description: 'Remove a participant from a Coral thread',
    argsSchema: RemoveParticipantArgsSchema,
    resultSchema: RemoveParticipantResultSchema,
  },
  coral_close_thread: {
    description: 'Close a Coral thread with a summary',
    argsSchema: CloseThreadArgsSchema,
    resultSchema: CloseThreadResultSchema,
  },
  coral_send_message: {
    description: 'Send a message to a Coral thread',
    argsSchema: SendMessageArgsSchema,
    resultSchema: SendMessageResultSchema,
  },
  coral_wait_for_mentions: {
    description:
      "Wait until mentioned in all Coral threads. Call this tool when you're done or want to wait for another agent to respond. This will block until a message is received. You will see all unread messages.",
    argsSchema: WaitForMentionsArgsSchema,
    resultSchema: WaitForMentionsResultSchema,
  },
} as const;

export type CoralToolName = keyof typeof CORAL_TOOLS;
export const CORAL_TOOL_NAMES = Object.keys(CORAL_TOOLS) as CoralToolName[];
/** The arguments a caller passes to tool `N` (defaults applied by the server). */
export type CoralToolArgs<N extends CoralToolName> = z.input<(typeof CORAL_TOOLS)[N]['argsSchema']>;
/** The parsed JSON result of tool `N`. */
export type CoralToolResult<N extends CoralToolName> = z.infer<
  (typeof CORAL_TOOLS)[N]['resultSchema']
>;
