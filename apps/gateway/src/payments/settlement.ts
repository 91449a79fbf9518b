import type { GameEvent, PaymentIntent, PaymentRequestEvent, SettleResult } from '@pardon/db';
import { weekOf, type GameRules } from '@pardon/game';
import {
  PaymentError,
  RECONCILE_ORIGIN,
  verifyAndSettle,
  type PaymentSettings,
  type VerifyDeps,
} from '@pardon/payments';
import { TransactionRejectedError, transactionSignature, type Chain } from '@pardon/solana';
import type { FastifyBaseLogger } from 'fastify';
import type { Counter } from 'prom-client';
import type { GameEventHub } from '../game/game-events';
import type { Store } from '../shared/store';
import type { ThreadBus } from '../thread-bus/thread-bus';
import {
  intentView,
  PAYMENT_REQUEST_EVENT,
  PAYMENT_SETTLED_EVENT,
  settlementView,
  type PaymentEventHub,
} from './payment-events';
import type { PaymentRequests } from './payment-requests';

export interface SettlementOptions {
  settings: PaymentSettings;
  rules: GameRules;
  store: Pick<Store, 'payments' | 'getThread' | 'listMessages' | 'findActiveSession'>;
  chain: Chain;
  requests: PaymentRequests;
  threadBus: Pick<ThreadBus, 'ensureOnBus' | 'deliverPlayerMessage' | 'playerMessageStored'>;
  events: PaymentEventHub;
  gameEvents: GameEventHub;
  taskId: string;
  log: FastifyBaseLogger;
  metrics: { settlements: Counter<'status'>; failures: Counter<'code'> };
  now?: () => number;
  /** How long a transaction this task just submitted is looked for before `payment_not_found`. */
  submitWaitMs?: number;
}

const POLL_MS = 200;

/**
 * The settlement of reported payments: verified on chain and stored once (libs/payments), then
 * announced: the thread's streams get `payment_settled` and the new score, and the system
 * message reaches the agent on this task's bus so it delivers the service.
 */
export class Settlement {
  private readonly now: () => number;

  constructor(private readonly options: SettlementOptions) {
    this.now = options.now ?? Date.now;
  }

  /**
   * `POST /api/payments`: verifies and settles the transfer the player reports. With the signed
   * transaction the server submits it first (the local test wallet has no RPC of its own).
   * Idempotent by signature; every refusal has its code and records nothing as verified.
   */
  async submit(
    wallet: string,
    input: { intentId: string; signature: string; transaction?: string | undefined },
  ): Promise<{ result: SettleResult; view: ReturnType<typeof settlementView> }> {
    try {
      const intent = await this.options.requests.ownIntent(wallet, input.intentId);
      if (input.transaction !== undefined) await this.send(input.transaction, input.signature);
      const result = await this.settle(intent, input.signature, input.transaction !== undefined);
      if (result.status === 'late') {
        throw new PaymentError(
          'intent_expired',
          'The payment arrived after the request expired; it is recorded and an operator will refund it.',
        );
      }
      return { result, view: settlementView(result, this.options.settings) };
    } catch (err) {
      if (err instanceof PaymentError) this.options.metrics.failures.inc({ code: err.code });
      throw err;
    }
  }

  /** A payment request another task stored (PAYMENTS_CHANNEL): this task's streams show it. */
  async onRemoteRequest(event: PaymentRequestEvent): Promise<void> {
    const { events, store, settings, log } = this.options;
    if (!events.has(event.threadId)) return;
    try {
      const intent = await store.payments.intent(event.intentId);
      if (intent) {
        events.publish(intent.threadId, {
          name: PAYMENT_REQUEST_EVENT,
          data: intentView(intent, settings),
        });
      }
    } catch (err) {
      log.warn({ err, event }, 'payment: a remote payment request could not be shown');
    }
  }

  /**
   * A settlement another process stored (its score event on GAME_CHANNEL; the score itself
   * reaches the streams through the game's hub): this task's streams get `payment_settled`,
   * and a settlement of the reconcile job, which has no bus, is handed to the agent by the task
   * that owns the player's session.
   */
  async onRemoteSettlement(event: GameEvent): Promise<void> {
    const { events, store, settings, taskId, log } = this.options;
    if (event.kind !== 'payment' || event.paymentId === undefined) return;
    try {
      const settled = await store.payments.settlement(event.paymentId);
      if (!settled) return;
      events.publish(settled.threadId, {
        name: PAYMENT_SETTLED_EVENT,
        data: settlementView(settled, settings),
      });
      if (event.origin !== RECONCILE_ORIGIN || settled.messageSeq === null) return;
      const session = await store.findActiveSession(settled.wallet);
      if (session?.taskId === taskId) await this.deliver(settled.threadId, settled.messageSeq);
    } catch (err) {
      log.warn({ err, event }, 'payment: a remote settlement could not be handled');
    }
  }

  private async send(transaction: string, signature: string): Promise<void> {
    let first: string | null;
    try {
      first = transactionSignature(transaction);
    } catch {
      throw new PaymentError('payment_rejected', 'The transaction is not a Solana transaction.');
    }
    if (first !== signature) {
      throw new PaymentError(
        'payment_rejected',
        'The signature is not the transaction’s fee payer signature.',
      );
    }
    try {
      await this.options.chain.sendTransaction(transaction);
    } catch (err) {
      if (!(err instanceof TransactionRejectedError)) throw err;
      // A retry of a transaction sent before: the verification below decides.
      if (!/already been processed|AlreadyProcessed/i.test(err.message)) {
        throw new PaymentError(
          'payment_rejected',
          `The cluster refused the transaction: ${err.message}`,
        );
      }
    }
  }

  private async settle(
    intent: PaymentIntent,
    signature: string,
    justSent: boolean,
  ): Promise<SettleResult> {
    const deps: VerifyDeps = {
      payments: this.options.store.payments,
      chain: this.options.chain,
      settings: this.options.settings,
      rules: this.options.rules,
      now: this.now,
      announceAs: this.options.taskId,
    };
    const deadline = this.now() + (justSent ? (this.options.submitWaitMs ?? 15_000) : 0);
    for (;;) {
      try {
        const result = await verifyAndSettle(deps, intent, signature);
        if (result.created) await this.announce(result);
        return result;
      } catch (err) {
        if (!(err instanceof PaymentError) || err.code !== 'payment_not_found') throw err;
        if (this.now() < deadline) {
          await new Promise((resolve) => setTimeout(resolve, POLL_MS));
          continue;
        }
        if (intent.status === 'expired' || intent.expiresAt.getTime() <= this.now()) {
          throw new PaymentError(
            'intent_expired',
            'This payment request has expired; ask the agent again.',
          );
        }
        throw err;
      }
    }
  }

  /** Once per settlement this task stored: streams, score, and the agent's system message. */
  private async announce(result: SettleResult): Promise<void> {
    this.options.metrics.settlements.inc({ status: result.status });
    this.options.events.publish(result.threadId, {
      name: PAYMENT_SETTLED_EVENT,
      data: settlementView(result, this.options.settings),
    });
    if (result.status !== 'verified' || result.messageSeq === null) return;
    this.options.gameEvents.publish(this.scoreEvent(result));
    await this.deliver(result.threadId, result.messageSeq);
  }

  /** Puts a settlement's stored system message on this task's bus, for the agent. */
  private async deliver(threadId: string, seq: number): Promise<void> {
    const { store, threadBus, log } = this.options;
    const [thread, messages] = await Promise.all([
      store.getThread(threadId),
      store.listMessages(threadId, seq - 1, 1),
    ]);
    const message = messages[0];
    if (!message || !thread || thread.closedAt !== null) return;
    threadBus.playerMessageStored(message);
    try {
      await threadBus.ensureOnBus(thread);
      await threadBus.deliverPlayerMessage(thread.pool, message);
    } catch (err) {
      // Stored: the page shows it now, and the agent finds it when the thread is rebuilt.
      log.warn({ err, threadId }, 'payment: the system message could not reach the agent');
    }
  }

  private scoreEvent(result: SettleResult): GameEvent {
    return {
      threadId: result.threadId,
      messageId: result.messageId ?? '',
      agentId: result.agentId,
      weekId: weekOf(this.now(), this.options.rules).id,
      points: result.pointsAwarded,
      score: result.newScore,
      reason: `premium service: ${result.service}`,
      pardonGranted: result.pardonGranted,
      finalScore: result.finalScore,
      pardonGrantedAt: result.pardonGrantedAt,
      origin: this.options.taskId,
    };
  }
}
