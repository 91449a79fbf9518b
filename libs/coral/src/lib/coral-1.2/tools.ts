import { z } from 'zod';
import {
  MAX_MESSAGE_CONTENT_CHARS,
  MAX_PARTICIPANTS_PER_CALL,
  MAX_SUMMARY_CHARS,
  MAX_THREAD_NAME_CHARS,
} from '../tools';
import { ParticipantIdSchema } from '../model';

/**
 * The tools of Coral 1.2 (coral-server 1.1/1.2, `/mcp/v1/{agentSecret}/…`): names, argument names
 * and result shapes as that server has them, over the same bus as the 1.0 tools. Results travel
 * as one JSON text item plus the same object as `structuredContent`; failures are `isError`
 * results reading `Error executing tool <name>: <message>`, as Coral's SDK words them.
 */

/** Coral 1.2 caps one wait at a minute (longer values are clamped, as Coral does). */
export const MAX_WAIT_MS_1_2 = 60_000;

const ThreadIdSchema = z.string().min(1).max(200);
const Names = z.array(ParticipantIdSchema).max(MAX_PARTICIPANTS_PER_CALL);
// Coral marks every argument required; we accept the two wait settings missing (no time filter,
// a minute) so that a hand-written call is not refused for what has an obvious default.
const CurrentUnixTime = z
  .number()
  .int()
  .optional()
  .describe(
    'Now, in Unix milliseconds: messages at or after this time that you have not read are returned at once.',
  );
const MaxWaitMs = z
  .number()
  .int()
  .optional()
  .describe(`How long to wait, in milliseconds (at most ${MAX_WAIT_MS_1_2}).`);

export const CORAL_1_2_TOOLS = {
  coral_create_thread: {
    description: 'Creates a new Coral thread',
    argsSchema: z.object({
      threadName: z
        .string()
        .min(1)
        .max(MAX_THREAD_NAME_CHARS)
        .describe(
          'The name of the thread to create, this should be a short summary of the intended topic',
        ),
      participantNames: Names.describe(
        "The list of participants to include in the thread, this should include any agent that is expected to be involved in the thread's topic.  You do not need to include yourself in this list.",
      ),
    }),
  },
  coral_close_thread: {
    description: 'Closes a Coral thread',
    argsSchema: z.object({
      threadId: ThreadIdSchema.describe('The unique identifier for the thread to close'),
      summary: z
        .string()
        .max(MAX_SUMMARY_CHARS)
        .describe('A shortened summary of all important details in this thread.'),
    }),
  },
  coral_add_participant: {
    description: 'Adds a new participant to a Coral thread',
    argsSchema: z.object({
      threadId: ThreadIdSchema.describe(
        'The unique identifier for the thread to add participants to',
      ),
      participantName: ParticipantIdSchema.describe(
        'The name of the agent to add as a participant to the thread',
      ),
    }),
  },
  coral_remove_participant: {
    description: 'Removes a participant from a Coral thread',
    argsSchema: z.object({
      threadId: ThreadIdSchema.describe(
        'The unique identifier for the thread to remove participants from',
      ),
      participantName: ParticipantIdSchema.describe(
        'The name of the agent to remove as a participant of the thread',
      ),
    }),
  },
  coral_send_message: {
    description: 'Posts a message into a Coral thread',
    argsSchema: z.object({
      threadId: ThreadIdSchema.describe(
        'The unique identifier for the thread to send a message in',
      ),
      content: z
        .string()
        .max(MAX_MESSAGE_CONTENT_CHARS)
        .describe('The content of the message to send'),
      mentions: Names.default([]).describe('The names of the participants this message is for'),
      // Our addition, as on the 1.0 tool: a retry with the same key stores the message once.
      idempotencyKey: z
        .string()
        .min(1)
        .max(200)
        .optional()
        .describe('Optional: sending again with the same key stores the message once.'),
    }),
  },
  coral_wait_for_message: {
    description: 'Waits for and returns a single message from another agent in any Coral thread',
    argsSchema: z.object({ currentUnixTime: CurrentUnixTime, maxWaitMs: MaxWaitMs }),
  },
  coral_wait_for_mention: {
    description:
      'Waits for and returns a single message that mentions you from any agent in any Coral thread',
    argsSchema: z.object({ currentUnixTime: CurrentUnixTime, maxWaitMs: MaxWaitMs }),
  },
  coral_wait_for_agent: {
    description: 'Waits for and returns a single message from a specific agent in any Coral thread',
    argsSchema: z.object({
      currentUnixTime: CurrentUnixTime,
      agentName: ParticipantIdSchema.describe('The name of the agent to wait for'),
      maxWaitMs: MaxWaitMs,
    }),
  },
} as const;

export type Coral12ToolName = keyof typeof CORAL_1_2_TOOLS;
export const CORAL_1_2_TOOL_NAMES = Object.keys(CORAL_1_2_TOOLS) as Coral12ToolName[];
export type Coral12ToolArgs<N extends Coral12ToolName> = z.input<
  (typeof CORAL_1_2_TOOLS)[N]['argsSchema']
>;
export type Coral12ToolParsedArgs<N extends Coral12ToolName> = z.output<
  (typeof CORAL_1_2_TOOLS)[N]['argsSchema']
>;

// ---- results ---------------------------------------------------------------------------------

/** A message as Coral 1.2 shows it (`SessionThreadMessage`): ISO-8601 UTC timestamp. */
export const Coral12MessageSchema = z.object({
  id: z.string(),
  threadId: z.string(),
  text: z.string(),
  senderName: z.string(),
  mentionNames: z.array(z.string()),
  timestamp: z.string(),
});
export type Coral12Message = z.infer<typeof Coral12MessageSchema>;

export const Coral12ThreadSchema = z.object({
  id: z.string(),
  name: z.string(),
  creatorName: z.string(),
  participants: z.array(z.string()),
  messages: z.array(Coral12MessageSchema),
  state: z.union([
    z.object({ state: z.literal('open') }),
    z.object({ state: z.literal('closed'), summary: z.string(), timestamp: z.string() }),
  ]),
  timestamp: z.string(),
});
export type Coral12Thread = z.infer<typeof Coral12ThreadSchema>;

export const WAIT_STATUS_RECEIVED = 'Message received';
export const WAIT_STATUS_TIMEOUT = 'Timeout reached';

export const Coral12WaitResultSchema = z.union([
  z.object({ message: Coral12MessageSchema, status: z.literal(WAIT_STATUS_RECEIVED) }),
  z.object({ status: z.literal(WAIT_STATUS_TIMEOUT) }),
]);
export type Coral12WaitResult = z.infer<typeof Coral12WaitResultSchema>;

export const Coral12SendResultSchema = z.object({
  status: z.literal('Message sent successfully'),
  message: Coral12MessageSchema,
});
export const Coral12CreateThreadResultSchema = z.object({ thread: Coral12ThreadSchema });
export const Coral12StatusMessageResultSchema = z.object({ message: z.string() });
