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

/** The game's evaluation of one player message (`pardon_award_points`). */
export interface AwardPointsArgs {
  threadId: string;
  /** The player message judged. */
  messageId: string;
  /** An integer from -3 to +3. */
  score: number;
  /** Why, in the agent's voice: 1 to 500 characters. */
  reason: string;
}

/** What the gateway answers for an evaluation (the JSON text of `pardon_award_points`). */
export interface AwardPointsResult {
  /** The actual change of the player's week score (0 once the week is locked). */
  pointsAwarded: number;
  newScore: number;
  /** True on the evaluation that granted the pardon. */
  pardonGranted: boolean;
  finalScore: number | null;
  weekId: string;
  /** True when this message had been evaluated already (a retry): nothing changed. */
  alreadyEvaluated: boolean;
}

export type AwardOutcome =
  | { kind: 'awarded'; result: AwardPointsResult }
  /** Refused because the message had been evaluated already: the earlier evaluation stands. */
  | { kind: 'already_evaluated'; message: string }
  | CoralRefusal;

/** A premium service the agent asks the player to pay for (`pardon_request_payment`). */
export interface RequestPaymentArgs {
  threadId: string;
  /** A catalogue id: `insider_info`, `donation`… */
  service: string;
  /** Whole PARDON tokens as a decimal integer string; only for variable-price services. */
  amount?: string;
}

/** The payment intent the gateway stored and showed the player as a payment card. */
export interface PaymentOffer {
  intentId: string;
  service: string;
  /** For people: `Connection introduction`. */
  label: string;
  /** Base units of the token (6 decimals), a decimal integer string. */
  amount: string;
  /** For people: `4,000 PARDON`. */
  amountDisplay: string;
  /** ISO time after which the intent can no longer be paid. */
  expiresAt: string;
  /** The base58 reference the player's transfer carries. */
  reference: string;
}

/**
 * What came of a payment request: an offer, or a refusal with the game's code
 * (`unknown_service`, `amount_required`, `amount_below_minimum`, `amount_not_allowed`,
 * `service_used_this_week`, `service_cooling_down`, `thread_not_found`, `not_thread_agent`;
 * `unknown_tool` when the server has no such tool).
 */
export type PaymentOutcome = { kind: 'offered'; offer: PaymentOffer } | CoralRefusal;

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
  /**
   * The game's `pardon_award_points` (not a Coral tool: the gateway's game adds it on the game
   * agents' connection in both dialects). A server without it refuses (`unknown_tool`).
   */
  awardPoints(args: AwardPointsArgs): Promise<AwardOutcome>;
  /**
   * The game's `pardon_request_payment` (like `awardPoints`, on the same connection in both
   * dialects): stores a payment intent and shows the player a payment card.
   */
  requestPayment(args: RequestPaymentArgs): Promise<PaymentOutcome>;
}
