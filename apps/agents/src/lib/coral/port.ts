import type { CoralMessage } from '@pardon/coral';

/**
 * The Coral generations an agent can speak: `coral-1.0` (devmode URLs with the agent id in the
 * query and a bearer secret, `coral_wait_for_mentions`, what production's Python agents use) and
 * `coral-1.2` (one secret path segment, `coral_wait_for_mention`, one message per wait).
 */
export const CORAL_DIALECTS = ['coral-1.2', 'coral-1.0'] as const;
export type CoralDialect = (typeof CORAL_DIALECTS)[number];

/** A refusal by the server: the call reached it and it said no (`code` when the server is ours). */
export interface CoralRefusal {
  kind: 'refused';
  code: string | undefined;
  message: string;
}

export type WaitOutcome =
  { kind: 'messages'; messages: CoralMessage[] } | { kind: 'timeout' } | CoralRefusal;

export type SendOutcome = { kind: 'sent'; message: CoralMessage } | CoralRefusal;

export type AddParticipantOutcome = { kind: 'added' } | CoralRefusal;

export interface SendArgs {
  threadId: string;
  content: string;
  mentions: string[];
  /** A retry with the same key stores the message once. */
  idempotencyKey?: string;
}

/**
 * What the agent needs from Coral, whichever generation the server speaks. Refusals are
 * outcomes; transport failures (connection lost, request timeout, abort) throw.
 */
export interface CoralPort {
  readonly dialect: CoralDialect;
  /** Blocks until mentioned (messages not read yet) or about `timeoutMs` passes. */
  waitForMentions(timeoutMs: number, signal?: AbortSignal): Promise<WaitOutcome>;
  sendMessage(args: SendArgs): Promise<SendOutcome>;
  addParticipant(threadId: string, participantId: string): Promise<AddParticipantOutcome>;
}
