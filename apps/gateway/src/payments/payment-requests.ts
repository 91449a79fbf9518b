import type { PaymentIntent, PaymentsRepository } from '@pardon/db';
import { checkPremiumRequest, tokensToBaseUnits, weekOf, type GameRules } from '@pardon/game';
import { PaymentError, type PaymentSettings } from '@pardon/payments';
import { buildPaymentTransaction, newReference, type Chain } from '@pardon/solana';
import type { Counter } from 'prom-client';
import type { Store } from '../shared/store';
import { intentView, PAYMENT_REQUEST_EVENT, type PaymentEventHub } from './payment-events';

export interface PaymentRequestsOptions {
  settings: PaymentSettings;
  rules: GameRules;
  store: Pick<Store, 'getThread'> & { payments: PaymentsRepository };
  chain: Pick<Chain, 'latestBlockhash'>;
  events: PaymentEventHub;
  taskId: string;
  intents: Counter<'outcome'>;
  now?: () => number;
}

/** Why an agent's payment request was refused: said to the agent as the tool's error. */
export class PaymentRequestRefused extends Error {
  override readonly name = 'PaymentRequestRefused';
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export type IntentView = ReturnType<typeof intentView>;

/**
 * Payment requests: an agent asks with its tool, the server checks the catalogue and the
 * player's usage and stores an intent (never text in a message), and the player's page gets it
 * as an event; the page then asks for the transfer to sign (a Solana Pay transaction request).
 */
export class PaymentRequests {
  private readonly now: () => number;

  constructor(private readonly options: PaymentRequestsOptions) {
    this.now = options.now ?? Date.now;
  }

  get settings(): PaymentSettings {
    return this.options.settings;
  }

  async request(
    agentId: string,
    args: { threadId: string; service: string; amount?: string | undefined },
  ): Promise<IntentView> {
    const { store, settings } = this.options;
    const refuse = (code: string, message: string) => {
      this.options.intents.inc({ outcome: 'refused' });
      return new PaymentRequestRefused(code, message);
    };
    const thread = await store.getThread(args.threadId);
    if (!thread || thread.agentId !== agentId) {
      throw refuse('thread_not_found', `No thread ${args.threadId} of yours.`);
    }
    if (thread.closedAt !== null) throw refuse('thread_closed', 'The thread is closed.');
    const at = this.now();
    const usage = await store.payments.usage({
      wallet: thread.wallet,
      weekId: weekOf(at, this.options.rules).id,
      service: args.service,
    });
    const amount =
      args.amount === undefined
        ? undefined
        : tokensToBaseUnits(BigInt(args.amount), settings.decimals);
    const check = checkPremiumRequest(settings.catalogue, args.service, amount, usage);
    if (!check.ok) throw refuse(check.code, check.message);
    const intent = await store.payments.createIntent({
      wallet: thread.wallet,
      agentId,
      threadId: thread.id,
      service: check.entry.service,
      amount: check.amount,
      mint: settings.mint,
      recipient: settings.treasury,
      decimals: settings.decimals,
      reference: newReference(),
      ttlMs: settings.intentTtlMs,
      at,
      catalogueVersion: settings.catalogue.version,
      rules: this.options.rules,
      announceAs: this.options.taskId,
    });
    this.options.intents.inc({ outcome: 'created' });
    const view = intentView(intent, settings);
    this.options.events.publish(intent.threadId, { name: PAYMENT_REQUEST_EVENT, data: view });
    return view;
  }

  /** The player's intents, newest first: a reloaded page shows its open cards again. */
  async intentsOf(wallet: string): Promise<IntentView[]> {
    const intents = await this.options.store.payments.intentsOf({ wallet, limit: 50 });
    return intents.map((i) => intentView(i, this.options.settings));
  }

  /** The intent if it is the player's; another player's is "not found" (nobody sees it). */
  async ownIntent(wallet: string, intentId: string): Promise<PaymentIntent> {
    const intent = await this.options.store.payments.intent(intentId);
    if (!intent || intent.wallet !== wallet) {
      throw new PaymentError('intent_not_found', 'No such payment request of yours.');
    }
    return intent;
  }

  /** The unsigned transfer of an open intent that the player's wallet signs. */
  async transactionFor(
    wallet: string,
    intentId: string,
    account: string,
  ): Promise<{ transaction: string; message: string }> {
    const intent = await this.ownIntent(wallet, intentId);
    if (account !== intent.wallet) {
      throw new PaymentError(
        'payment_not_yours',
        'The paying account must be your signed-in wallet.',
      );
    }
    if (intent.status === 'paid') {
      throw new PaymentError('intent_already_paid', 'This payment request is paid already.');
    }
    if (intent.status !== 'pending' || intent.expiresAt.getTime() <= this.now()) {
      throw new PaymentError(
        'intent_expired',
        'This payment request has expired; ask the agent again.',
      );
    }
    const { blockhash, lastValidBlockHeight } = await this.options.chain.latestBlockhash();
    const view = intentView(intent, this.options.settings);
    return {
      transaction: buildPaymentTransaction({
        payer: account,
        mint: intent.mint,
        decimals: intent.decimals,
        treasury: intent.recipient,
        amount: intent.amount,
        reference: intent.reference,
        blockhash,
        lastValidBlockHeight,
      }),
      message: `Pay ${view.amountDisplay} for ${view.label}`,
    };
  }
}
