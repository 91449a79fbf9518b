import type { PaymentOffer } from './coral';
import type { AgentId, Persona } from './personas';
import type { PaymentVerified } from './premium';

/** One message of a thread as the agent remembers it. */
export interface ThreadEntry {
  senderId: string;
  content: string;
}

/**
 * Why the agent is answering:
 * - `player`: a player wrote to it;
 * - `consulted`: another agent consults it on a player's behalf (answer that agent);
 * - `relay`: an agent it consulted answered (tell the player);
 * - `deliver`: the gateway verified the player's payment for one of its premium services
 *   (`payment`): deliver the service to the player.
 */
export type ReplyMode = 'player' | 'consulted' | 'relay' | 'deliver';

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
  /**
   * In `player` mode: evaluates the player's message (the game's `pardon_award_points`), once.
   * A brain calls it before it writes its reply, so the reply can react to a pardon; if it does
   * not, the agent evaluates with the scripted rubric after the brain returns.
   */
  evaluate?: Evaluate;
  /**
   * In `player` mode: asks the player to pay for one of the persona's premium services (the
   * game's `pardon_request_payment`), at most once per message: later calls get the first
   * call's result. A brain calls it when the player's message asks for a service, and tells the
   * player of the offer when it is `offered`.
   */
  requestPayment?: RequestPayment;
  /** In `deliver` mode: the payment the gateway verified (service, amount, the player's wallet). */
  payment?: PaymentVerified;
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

/** An agent's judgement of one player message: an integer from -3 to +3 and why, in its voice. */
export interface Evaluation {
  score: number;
  reason: string;
}

/** What came of an evaluation, as the brain may use it in its reply. */
export interface EvaluationResult {
  /** False when the gateway did not take it (refused, tool missing, still failing). */
  stored: boolean;
  /** The evaluation as sent (score clamped to an integer of -3..+3, reason trimmed). */
  evaluation: Evaluation;
  /** True when this evaluation granted the player's pardon. */
  pardonGranted: boolean;
  pointsAwarded?: number;
  newScore?: number;
  finalScore?: number | null;
  alreadyEvaluated?: boolean;
  /** Why it was not stored. */
  error?: string;
}

/** Evaluates the message being answered; the first call counts, later ones get its result. */
export type Evaluate = (evaluation: Evaluation) => Promise<EvaluationResult>;

/** A premium service the brain asks the player to pay for. */
export interface PaymentRequest {
  /** A catalogue id (`insider_info`, `donation`…). */
  service: string;
  /** Whole PARDON tokens as a decimal integer string, for variable-price services only. */
  amount?: string;
}

/**
 * What came of a payment request: an offer the player now sees as a payment card (`repeated`
 * when the same service was offered in this thread already and is still payable, so no new
 * intent was made); a refusal by the game (`service_used_this_week`, …); or a failure to reach
 * the gateway (the reply goes out without an offer).
 */
export type PaymentRequestResult =
  | { kind: 'offered'; offer: PaymentOffer; repeated: boolean }
  | { kind: 'refused'; code: string | undefined; message: string }
  | { kind: 'failed'; error: string };

export type RequestPayment = (request: PaymentRequest) => Promise<PaymentRequestResult>;
