import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { CoralMessage } from '@pardon/coral';
import type { CoralPort, PaymentOffer } from './coral';
import type {
  Brain,
  Evaluate,
  Evaluation,
  EvaluationResult,
  PaymentRequestResult,
  ReplyMode,
  RequestPayment,
  ThreadEntry,
} from './brain';
import { paymentVerifiedOf, SYSTEM_SENDER } from './premium';
import { isAgentId, type AgentId, type Persona } from './personas';
import { DEFAULT_BACKOFF } from './backoff';
import {
  awardWithRetry,
  DEFAULT_SEND_RETRY_MS,
  sendWithRetry,
  type SendRetryOptions,
} from './send-retry';
import { normalizeEvaluation, rubricEvaluation } from './rubric';

/** Agent-to-agent messages in a row (no player message between) after which agents stop mentioning agents. */
export const MAX_AGENT_HOPS = 4;

export interface ConversationOptions {
  persona: Persona;
  brain: Brain;
  logger: Logger;
  /** Messages remembered per thread (the context an LLM brain gets). */
  historyLimit?: number;
  /** Threads remembered at most; the least recently used are forgotten first. */
  maxThreads?: number;
  /** Retrying a reply the gateway could not store (default: 120 s, reconnect backoff). */
  sendRetry?: SendRetryOptions;
}

interface ThreadMemory {
  playerId: string | undefined;
  history: ThreadEntry[];
  /** Agents this agent consulted in the thread and has not heard back from. */
  pendingConsults: Set<AgentId>;
  agentHops: number;
  turn: number;
  /** Offers made in the thread and not delivered yet, by service (not offered again while payable). */
  offers: Map<string, { offer: PaymentOffer; amount: string | undefined }>;
  /** Payment intents already delivered in the thread (a notice delivered twice is answered once). */
  delivered: Set<string>;
}

/** Resolves the pool's current Coral client (waiting for a reconnect if needed). */
export type ToolsProvider = () => Promise<CoralPort>;

/**
 * What one agent does with a message that mentions it: decide whom it is answering, ask the
 * brain, send the reply mentioning the right participant, and, when the brain wants to consult
 * another agent, add that agent to the thread and mention it (production's `contact_agent`).
 *
 * Loop safety: a player's message is answered mentioning the player; a consultation from another
 * agent is answered mentioning that agent; the answer to this agent's own consultation is relayed
 * mentioning only the player. Agents never consult on another agent's behalf, and after
 * `MAX_AGENT_HOPS` agent messages in a row an agent replies to the player instead, so two agents
 * can never mention each other forever.
 */
export class Conversation {
  private readonly threads = new Map<string, ThreadMemory>();
  private readonly historyLimit: number;
  private readonly maxThreads: number;

  constructor(private readonly options: ConversationOptions) {
    this.historyLimit = options.historyLimit ?? 24;
    this.maxThreads = options.maxThreads ?? 5000;
  }

  /**
   * Answers one message; false when the reply could not be stored (refused or given up). Callers
   * serialise calls per thread (see ThreadScheduler).
   */
  async handle(
    message: CoralMessage,
    tools: ToolsProvider,
    signal?: AbortSignal,
  ): Promise<boolean> {
    const { persona, brain, logger } = this.options;
    if (message.senderId === persona.id) return true;
    if (message.senderId === SYSTEM_SENDER) return this.handleSystem(message, tools, signal);
    const memory = this.memoryOf(message.threadId);
    const mode = this.modeFor(memory, message.senderId);
    const entry: ThreadEntry = { senderId: message.senderId, content: message.content };
    const started = Date.now();
    // A player's message is evaluated exactly once, before the reply is sent (see `evaluator`).
    const evaluation = mode === 'player' ? this.evaluator(message, tools, signal) : undefined;
    const requestPayment =
      mode === 'player' ? this.paymentRequester(message.threadId, memory, tools) : undefined;
    const reply = await brain.reply({
      persona,
      threadId: message.threadId,
      mode,
      message: entry,
      playerId: memory.playerId,
      history: memory.history,
      turn: memory.turn,
      ...(signal ? { signal } : {}),
      ...(evaluation ? { evaluate: evaluation.evaluate } : {}),
      ...(requestPayment ? { requestPayment } : {}),
    });
    if (evaluation && !evaluation.called()) {
      // The brain gave none (an LLM that skipped the function, or failed): the rubric's counts.
      const earlier = memory.history
        .filter((m) => m.senderId === message.senderId)
        .map((m) => m.content);
      await evaluation.evaluate(rubricEvaluation(persona, message.content, earlier));
    }
    this.remember(memory, entry);
    memory.turn++;

    const mentions =
      mode === 'relay' ? (memory.playerId ? [memory.playerId] : []) : [message.senderId];
    if (!(await this.send(tools, message.threadId, reply.content, mentions, signal))) return false;
    this.remember(memory, { senderId: persona.id, content: reply.content });
    logger.info(
      {
        threadId: message.threadId,
        messageId: message.id,
        mode,
        brain: brain.name,
        ms: Date.now() - started,
      },
      'replied',
    );

    if (reply.consult && mode === 'player' && reply.consult.agentId !== persona.id) {
      await this.consult(tools, message.threadId, memory, reply.consult, signal);
    }
    return true;
  }

  /**
   * A message of the gateway itself (sender `system`, which no player can send as). A
   * `payment_verified` notice makes the agent deliver the paid service: the brain answers in
   * `deliver` mode and the reply mentions the wallet that paid (a consultation it asks for, the
   * introduction or the recommendation that was paid for, follows). The notice is not a player
   * message: it is not evaluated. Other system messages are not answered.
   */
  private async handleSystem(
    message: CoralMessage,
    tools: ToolsProvider,
    signal: AbortSignal | undefined,
  ): Promise<boolean> {
    const { persona, brain, logger } = this.options;
    const payment = paymentVerifiedOf(message);
    if (!payment) {
      logger.debug(
        { threadId: message.threadId, messageId: message.id },
        'system message, no reply',
      );
      return true;
    }
    const memory = this.memoryOf(message.threadId);
    const context = {
      threadId: message.threadId,
      intentId: payment.intentId,
      service: payment.service,
    };
    if (memory.delivered.has(payment.intentId)) {
      logger.info(context, 'payment delivered already');
      return true;
    }
    memory.playerId ??= payment.wallet;
    const entry: ThreadEntry = { senderId: message.senderId, content: message.content };
    const reply = await brain.reply({
      persona,
      threadId: message.threadId,
      mode: 'deliver',
      message: entry,
      playerId: payment.wallet,
      history: memory.history,
      turn: memory.turn,
      payment,
      ...(signal ? { signal } : {}),
    });
    this.remember(memory, entry);
    memory.turn++;
    if (!(await this.send(tools, message.threadId, reply.content, [payment.wallet], signal))) {
      return false;
    }
    memory.delivered.add(payment.intentId);
    memory.offers.delete(payment.service);
    this.remember(memory, { senderId: persona.id, content: reply.content });
    logger.info(context, 'premium service delivered');
    if (reply.consult && reply.consult.agentId !== persona.id) {
      await this.consult(tools, message.threadId, memory, reply.consult, signal);
    }
    return true;
  }

  /**
   * The payment request of one player message: the first call sends `pardon_request_payment`
   * once (not retried: the tool is not idempotent, and a retry after a lost answer would show the
   * player two payment cards), later calls get its result. A service offered earlier in the
   * thread, not paid yet and not expired, is not offered again: the earlier card stands. It never
   * throws but for the agent stopping: a failure is logged and the reply goes out without an
   * offer.
   */
  private paymentRequester(
    threadId: string,
    memory: ThreadMemory,
    tools: ToolsProvider,
  ): RequestPayment {
    let result: Promise<PaymentRequestResult> | undefined;
    return (request) => {
      result ??= this.requestPayment(threadId, memory, tools, request.service, request.amount);
      return result;
    };
  }

  private async requestPayment(
    threadId: string,
    memory: ThreadMemory,
    tools: ToolsProvider,
    service: string,
    amount: string | undefined,
  ): Promise<PaymentRequestResult> {
    const { logger } = this.options;
    const earlier = memory.offers.get(service);
    if (earlier && earlier.amount === amount && Date.parse(earlier.offer.expiresAt) > Date.now()) {
      return { kind: 'offered', offer: earlier.offer, repeated: true };
    }
    let outcome;
    try {
      const client = await tools();
      outcome = await client.requestPayment({
        threadId,
        service,
        ...(amount !== undefined ? { amount } : {}),
      });
    } catch (error) {
      const err = error instanceof Error ? error.message : String(error);
      logger.warn({ threadId, service, err }, 'payment request failed, replying without an offer');
      return { kind: 'failed', error: err };
    }
    if (outcome.kind === 'refused') {
      logger.info(
        { threadId, service, code: outcome.code, err: outcome.message },
        'payment request refused',
      );
      return outcome;
    }
    memory.offers.set(service, { offer: outcome.offer, amount });
    logger.info(
      { threadId, service, intentId: outcome.offer.intentId, amount: outcome.offer.amount },
      'payment requested',
    );
    return { kind: 'offered', offer: outcome.offer, repeated: false };
  }

  /**
   * The evaluation of one player message: the first call of `evaluate` sends
   * `pardon_award_points` (retried like a reply: transport failures and `persist_failed`, "already
   * evaluated" is success), later calls get the same result. It never throws but for the agent
   * stopping: an evaluation that cannot be stored is logged and the reply still goes out.
   */
  private evaluator(
    message: CoralMessage,
    tools: ToolsProvider,
    signal: AbortSignal | undefined,
  ): { evaluate: Evaluate; called: () => boolean } {
    let result: Promise<EvaluationResult> | undefined;
    const evaluate: Evaluate = (raw) => {
      result ??= this.award(message, tools, normalizeEvaluation(raw, 'No comment.'), signal);
      return result;
    };
    return { evaluate, called: () => result !== undefined };
  }

  private async award(
    message: CoralMessage,
    tools: ToolsProvider,
    evaluation: Evaluation,
    signal: AbortSignal | undefined,
  ): Promise<EvaluationResult> {
    const { logger } = this.options;
    const { threadId, id: messageId } = message;
    let outcome;
    try {
      outcome = await awardWithRetry(
        tools,
        { threadId, messageId, score: evaluation.score, reason: evaluation.reason },
        this.retryOptions(),
        logger,
        signal,
      );
    } catch (error) {
      if (signal?.aborted) throw error;
      const err = error instanceof Error ? error.message : String(error);
      logger.error({ threadId, messageId, err }, 'evaluation failed');
      return { stored: false, evaluation, pardonGranted: false, error: err };
    }
    switch (outcome.kind) {
      case 'awarded': {
        const r = outcome.result;
        logger.info(
          {
            threadId,
            messageId,
            score: evaluation.score,
            points: r.pointsAwarded,
            newScore: r.newScore,
            pardonGranted: r.pardonGranted,
            alreadyEvaluated: r.alreadyEvaluated,
          },
          r.pardonGranted ? 'evaluated: pardon granted' : 'evaluated',
        );
        return {
          stored: true,
          evaluation,
          pardonGranted: r.pardonGranted,
          pointsAwarded: r.pointsAwarded,
          newScore: r.newScore,
          finalScore: r.finalScore,
          alreadyEvaluated: r.alreadyEvaluated,
        };
      }
      case 'already_evaluated':
        logger.info({ threadId, messageId }, 'evaluated already');
        return { stored: true, evaluation, pardonGranted: false, alreadyEvaluated: true };
      case 'refused':
        logger.warn(
          { threadId, messageId, code: outcome.code, err: outcome.message },
          'evaluation refused',
        );
        return { stored: false, evaluation, pardonGranted: false, error: outcome.message };
      case 'gave_up':
        logger.error(
          { threadId, messageId, attempts: outcome.attempts, err: outcome.lastError },
          'evaluation not stored: still failing after the retry budget, giving up',
        );
        return { stored: false, evaluation, pardonGranted: false, error: outcome.lastError };
    }
  }

  private retryOptions(): SendRetryOptions {
    return this.options.sendRetry ?? { budgetMs: DEFAULT_SEND_RETRY_MS, policy: DEFAULT_BACKOFF };
  }

  private modeFor(memory: ThreadMemory, senderId: string): ReplyMode {
    if (!isAgentId(senderId)) {
      memory.playerId = senderId;
      memory.agentHops = 0;
      return 'player';
    }
    memory.agentHops++;
    if (memory.pendingConsults.delete(senderId)) return 'relay';
    return memory.agentHops > MAX_AGENT_HOPS ? 'relay' : 'consulted';
  }

  private async consult(
    tools: ToolsProvider,
    threadId: string,
    memory: ThreadMemory,
    consult: { agentId: AgentId; content: string },
    signal: AbortSignal | undefined,
  ): Promise<void> {
    const client = await tools();
    const added = await client.addParticipant(threadId, consult.agentId);
    // Already being a participant is fine; anything else means the consultation cannot happen.
    const alreadyThere =
      added.kind === 'refused' &&
      (added.code === 'already_participant' || /already/i.test(added.message));
    if (added.kind !== 'added' && !alreadyThere) {
      this.options.logger.warn(
        { threadId, agentId: consult.agentId, code: added.code, err: added.message },
        'could not add agent to consult',
      );
      return;
    }
    memory.pendingConsults.add(consult.agentId);
    if (!(await this.send(tools, threadId, consult.content, [consult.agentId], signal))) {
      memory.pendingConsults.delete(consult.agentId);
      return;
    }
    this.remember(memory, { senderId: this.options.persona.id, content: consult.content });
    this.options.logger.info({ threadId, consulted: consult.agentId }, 'consulted agent');
  }

  /**
   * Sends with retries (see `sendWithRetry`); true once the message is stored. The thread's turn is
   * held meanwhile, so its later messages are answered after this one.
   */
  private async send(
    tools: ToolsProvider,
    threadId: string,
    content: string,
    mentions: string[],
    signal: AbortSignal | undefined,
  ): Promise<boolean> {
    const { logger } = this.options;
    const retry = this.retryOptions();
    const outcome = await sendWithRetry(
      tools,
      // One key for every attempt of this message: a retry after an attempt that was stored but
      // whose answer was lost finds it instead of storing the reply twice.
      { threadId, content, mentions, idempotencyKey: randomUUID() },
      retry,
      logger,
      signal,
    );
    switch (outcome.kind) {
      case 'sent':
        return true;
      case 'refused':
        // Thread closed or the agent was removed: nobody is waiting for this reply any more.
        logger.warn({ threadId, code: outcome.code, err: outcome.message }, 'reply not delivered');
        return false;
      case 'gave_up':
        logger.error(
          {
            threadId,
            attempts: outcome.attempts,
            budgetMs: retry.budgetMs,
            err: outcome.lastError,
          },
          'reply not delivered: still failing after the retry budget, giving up',
        );
        return false;
    }
  }

  private memoryOf(threadId: string): ThreadMemory {
    let memory = this.threads.get(threadId);
    if (memory) {
      this.threads.delete(threadId); // re-insert: Map order is the LRU order
    } else {
      memory = {
        playerId: undefined,
        history: [],
        pendingConsults: new Set(),
        agentHops: 0,
        turn: 0,
        offers: new Map(),
        delivered: new Set(),
      };
      if (this.threads.size >= this.maxThreads) {
        const oldest = this.threads.keys().next().value;
        if (oldest !== undefined) this.threads.delete(oldest);
      }
    }
    this.threads.set(threadId, memory);
    return memory;
  }

  private remember(memory: ThreadMemory, entry: ThreadEntry): void {
    memory.history.push(entry);
    if (memory.history.length > this.historyLimit) memory.history.shift();
  }
}
