// The premium services agents offer in chat (docs: the `payment_request` and `payment_settled`
// events of a thread stream, /api/payments/*): one card per payment intent, and the two ways of
// paying one — the browser's wallet (Phantom) or the local test wallet on the local game. Kept
// outside the view layer like the chats, so a payment in flight survives switching chats.
import bs58 from 'bs58';
import nacl from 'tweetnacl';
import { api, ApiError, sleep } from '../shared/api';
import type { SseEvent } from '../shared/sse';
import {
  canInjectedPay,
  injectedAddress,
  injectedSignAndSend,
  storedLocalKeypair,
} from '../shared/wallet';
import { transactionMessageBytes, withSignature } from '@pardon/solana/wire';
import { fromBase64 } from '../shared/base64';

export type IntentStatus = 'pending' | 'paid' | 'expired' | 'late';

export interface PaymentIntent {
  intentId: string;
  threadId: string;
  agentId: string;
  service: string;
  label: string;
  /** Base units, as a decimal string. */
  amount: string;
  /** `4,000 PARDON`. */
  amountDisplay: string;
  mint: string;
  decimals: number;
  recipient: string;
  reference: string;
  expiresAt: string;
  status: IntentStatus;
  /** Not in the contract's event; used for the card's place in the chat when a list sends it. */
  createdAt?: string;
}

export interface PaymentSettled {
  intentId: string;
  threadId: string;
  agentId: string;
  service: string;
  signature: string;
  amount: string;
  amountDisplay: string;
  status: 'verified' | 'late';
  bonusPoints: number;
  /** The player's week score after the bonus. */
  score: number;
}

export interface PaymentConfig {
  enabled: boolean;
  cluster: 'local' | 'devnet' | 'testnet' | 'mainnet-beta';
  mint: string;
  decimals: number;
  symbol: string;
  treasury: string;
  /** The local game: its chain can fund the page's local test wallet. */
  localWallet: boolean;
}

/** What the card is doing on the player's behalf. */
export type Phase = 'idle' | 'funding' | 'preparing' | 'signing' | 'confirming' | 'failed';

export interface PaymentCard {
  intent: PaymentIntent;
  /** Epoch ms the card sorts by among the chat's messages. */
  at: number;
  phase: Phase;
  /** Progress shown while paying (`Waiting for the chain…`). */
  note: string | undefined;
  /** Why the last attempt failed and what to do. */
  error: string | undefined;
  /** A transaction sent but not seen by the gateway yet: "Check again" re-asks with it. */
  signature: string | undefined;
  settled: { status: 'verified' | 'late'; bonusPoints: number; signature: string } | undefined;
}

/** The card's state as shown. */
export type CardState = 'pending' | 'paying' | 'paid' | 'late' | 'expired';

export function cardState(card: PaymentCard, now = Date.now()): CardState {
  if (card.settled) return card.settled.status === 'late' ? 'late' : 'paid';
  if (card.intent.status === 'paid') return 'paid';
  if (card.intent.status === 'late') return 'late';
  const busy = card.phase !== 'idle' && card.phase !== 'failed';
  if (busy) return 'paying';
  if (card.intent.status === 'expired' || Date.parse(card.intent.expiresAt) <= now)
    return 'expired';
  return 'pending';
}

const isStr = (v: unknown): v is string => typeof v === 'string';
const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const INTENT_STATUSES: readonly string[] = ['pending', 'paid', 'expired', 'late'];

/** A checked intent (a `payment_request` event or an entry of /api/payments/intents). */
export function intentOf(data: unknown): PaymentIntent | undefined {
  if (typeof data !== 'object' || data === null) return undefined;
  const d = data as Record<string, unknown>;
  const ok =
    isStr(d.intentId) &&
    isStr(d.threadId) &&
    isStr(d.agentId) &&
    isStr(d.service) &&
    isStr(d.label) &&
    isStr(d.amount) &&
    isStr(d.amountDisplay) &&
    isStr(d.mint) &&
    isNum(d.decimals) &&
    isStr(d.recipient) &&
    isStr(d.reference) &&
    isStr(d.expiresAt) &&
    !Number.isNaN(Date.parse(d.expiresAt)) &&
    isStr(d.status) &&
    INTENT_STATUSES.includes(d.status);
  return ok ? (d as unknown as PaymentIntent) : undefined;
}

function settledOf(data: unknown): PaymentSettled | undefined {
  if (typeof data !== 'object' || data === null) return undefined;
  const d = data as Record<string, unknown>;
  const ok =
    isStr(d.intentId) &&
    isStr(d.threadId) &&
    isStr(d.agentId) &&
    isStr(d.signature) &&
    (d.status === 'verified' || d.status === 'late') &&
    isNum(d.bonusPoints) &&
    isNum(d.score);
  return ok ? (d as unknown as PaymentSettled) : undefined;
}

export type PaymentEvent =
  | { kind: 'payment_request'; data: PaymentIntent }
  | { kind: 'payment_settled'; data: PaymentSettled };

/** A stream's payment event, checked; undefined for anything else. */
export function paymentEventOf(event: SseEvent): PaymentEvent | undefined {
  if (event.event !== 'payment_request' && event.event !== 'payment_settled') return undefined;
  let data: unknown;
  try {
    data = JSON.parse(event.data);
  } catch {
    return undefined;
  }
  if (event.event === 'payment_request') {
    const intent = intentOf(data);
    return intent ? { kind: 'payment_request', data: intent } : undefined;
  }
  const settled = settledOf(data);
  return settled ? { kind: 'payment_settled', data: settled } : undefined;
}

/** What a payment error means to the player, and what to do about it. */
export function paymentErrorText(err: unknown, agentName: string): string {
  if (!(err instanceof ApiError)) {
    const e = err as { code?: unknown; message?: unknown } | null;
    // EIP-1193 style: 4001 is the user saying no in the wallet.
    if (e?.code === 4001 || /reject|cancel|denied/i.test(String(e?.message ?? '')))
      return 'You cancelled in your wallet. Press Pay to try again.';
    return `The payment could not be made: ${String(e?.message ?? err)}. Press Pay to try again.`;
  }
  switch (err.code) {
    case 'intent_expired':
      return `This offer expired before the payment could be counted. Ask ${agentName} for a new one.`;
    case 'payment_wrong_mint':
      return 'That transaction paid in another token, so nothing was counted. Pay again from this card.';
    case 'payment_wrong_recipient':
      return 'That transaction paid another wallet, so nothing was counted. Pay again from this card.';
    case 'payment_short':
      return 'That transaction paid less than the price, so nothing was counted. Pay again from this card.';
    case 'payment_failed':
      return 'The transaction failed on chain (is the balance enough for the price and the fee?). Press Pay to try again.';
    case 'payment_replayed':
      return 'That transaction was already counted for another payment. Pay again from this card.';
    case 'payment_not_yours':
      return 'This offer belongs to another player.';
    case 'payment_not_found':
      return 'The payment has not shown up on chain yet. If your wallet says it was sent, press Check again in a moment.';
    case 'payments_disabled':
      return 'Payments are switched off on this server right now.';
    default:
      if (err.status === 0) return 'The server cannot be reached. Press Pay to try again.';
      if (err.status === 429) return 'Too many requests — wait a moment, then press Pay again.';
      return `${err.message} Press Pay to try again.`;
  }
}

/** Settled or expired intents of the list are shown while they expired less than this ago. */
export const RECENT_CARD_MS = 3_600_000;

/** How long a sent payment is asked after while the gateway does not see it on chain. */
export const CONFIRM_WINDOW_MS = 60_000;
const CONFIRM_FIRST_DELAY_MS = 1_000;
const CONFIRM_MAX_DELAY_MS = 8_000;

interface PaymentAnswer {
  payment: {
    intentId: string;
    signature: string;
    status: 'verified' | 'late';
    bonusPoints: number;
    score: number;
  };
  created: boolean;
}

export interface PaymentHooks {
  token: () => string;
  onAuthLost: () => void;
  /** A payment settled (the week score moved): the standing asks /api/me again. */
  onSettled?: (settled: { score: number; bonusPoints: number }) => void;
  nameOf: (agentId: string) => string;
  /** The server time (epoch ms) of the newest message on screen in an agent's chat. */
  lastMessageAt?: (agentId: string) => number | undefined;
}

/**
 * The signed-in player's payment cards: from the streams' events, from /api/payments/intents on
 * load and after a stream reconnects (a reload keeps a pending card), and from the answers of the
 * payments the page makes.
 */
export class Payments {
  config: PaymentConfig | undefined;
  private readonly cards = new Map<string, PaymentCard>();
  private readonly listeners = new Set<() => void>();
  private readonly stop = new AbortController();
  private refreshing: Promise<void> | undefined;
  private refreshAgain = false;

  constructor(
    private readonly wallet: { address: string; kind: 'injected' | 'local' },
    private readonly hooks: PaymentHooks,
  ) {}

  subscribe(fn: () => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  private changed(): void {
    for (const fn of this.listeners) fn();
  }

  /** The cards of an agent's chat, oldest first. */
  forAgent(agentId: string): PaymentCard[] {
    return [...this.cards.values()]
      .filter((c) => c.intent.agentId === agentId)
      .sort((a, b) => a.at - b.at);
  }

  get(intentId: string): PaymentCard | undefined {
    return this.cards.get(intentId);
  }

  private patch(intentId: string, patch: Partial<PaymentCard>): void {
    const card = this.cards.get(intentId);
    if (!card) return;
    this.cards.set(intentId, { ...card, ...patch });
    this.changed();
  }

  private upsertIntent(intent: PaymentIntent, live: boolean): void {
    const card = this.cards.get(intent.intentId);
    if (card) {
      // A list read before a payment settled must not undo what the page already knows.
      const status = card.settled ? card.intent.status : intent.status;
      this.cards.set(intent.intentId, { ...card, intent: { ...intent, status } });
    } else {
      // A live offer goes right after the chat's newest message (server times, whatever this
      // browser's clock says); one read from the list where it was made, else at the end.
      const created = intent.createdAt ? Date.parse(intent.createdAt) : NaN;
      const last = live ? this.hooks.lastMessageAt?.(intent.agentId) : undefined;
      this.cards.set(intent.intentId, {
        intent,
        at: last !== undefined ? last + 1 : Number.isFinite(created) ? created : Date.now(),
        phase: 'idle',
        note: undefined,
        error: undefined,
        signature: undefined,
        settled: undefined,
      });
    }
    this.changed();
  }

  private settle(
    intentId: string,
    settled: { status: 'verified' | 'late'; bonusPoints: number; signature: string; score: number },
  ): void {
    const card = this.cards.get(intentId);
    if (!card) return;
    const first = card.settled === undefined;
    this.patch(intentId, {
      settled: {
        status: settled.status,
        bonusPoints: settled.bonusPoints,
        signature: settled.signature,
      },
      intent: { ...card.intent, status: settled.status === 'late' ? 'late' : 'paid' },
      phase: 'idle',
      note: undefined,
      error: undefined,
      signature: settled.signature,
    });
    if (first) this.hooks.onSettled?.({ score: settled.score, bonusPoints: settled.bonusPoints });
  }

  /** A named event of one of the player's thread streams. */
  handle(event: PaymentEvent): void {
    if (event.kind === 'payment_request') this.upsertIntent(event.data, true);
    else {
      const s = event.data;
      if (!this.cards.has(s.intentId)) {
        // Settled before the page saw the request (a reload in between): the list has it.
        void this.refresh();
        return;
      }
      this.settle(s.intentId, s);
    }
  }

  /** The payment config, then the player's intents; quietly nothing where the API is absent. */
  async load(): Promise<void> {
    try {
      this.config = await api<PaymentConfig>('/api/payments/config', {
        token: this.hooks.token(),
        signal: this.stop.signal,
      });
      this.changed();
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) this.hooks.onAuthLost();
      // 404: a gateway without payments. Cards that arrive still show, without a way to pay.
      return;
    }
    if (this.config.enabled) await this.refresh();
  }

  /** Reads the player's intents again (on load, and when a stream comes back after a drop). */
  async refresh(): Promise<void> {
    // Reconnects come in bursts: one read at a time, and one more if asked meanwhile.
    if (this.refreshing) {
      this.refreshAgain = true;
      return this.refreshing;
    }
    this.refreshing = this.readIntents();
    try {
      await this.refreshing;
    } finally {
      this.refreshing = undefined;
    }
    if (this.refreshAgain) {
      this.refreshAgain = false;
      await this.refresh();
    }
  }

  private async readIntents(): Promise<void> {
    try {
      const { intents } = await api<{ intents: unknown[] }>('/api/payments/intents', {
        token: this.hooks.token(),
        signal: this.stop.signal,
      });
      for (const raw of intents) {
        const intent = intentOf(raw);
        // The player's own, newest first: pending ones, the fate of those on screen, and the
        // recent others (a reload keeps a paid card in its chat for a while).
        const recent =
          intent !== undefined && Date.parse(intent.expiresAt) > Date.now() - RECENT_CARD_MS;
        if (intent && (intent.status === 'pending' || recent || this.cards.has(intent.intentId)))
          this.upsertIntent(intent, false);
      }
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) this.hooks.onAuthLost();
    }
  }

  /** How this page can pay: the browser's wallet off the local chain, the local key on it. */
  methods(): { injected: boolean; local: boolean } {
    const c = this.config;
    if (!c?.enabled) return { injected: false, local: false };
    const key = storedLocalKeypair();
    return {
      injected: c.cluster !== 'local' && canInjectedPay(),
      local: c.localWallet && this.wallet.kind === 'local' && key?.address === this.wallet.address,
    };
  }

  private busy(intentId: string): boolean {
    const phase = this.cards.get(intentId)?.phase;
    return phase !== undefined && phase !== 'idle' && phase !== 'failed';
  }

  private fail(intentId: string, err: unknown): void {
    if (err instanceof ApiError && err.status === 401) this.hooks.onAuthLost();
    const card = this.cards.get(intentId);
    const name = this.hooks.nameOf(card?.intent.agentId ?? '');
    const expired = err instanceof ApiError && err.code === 'intent_expired';
    this.patch(intentId, {
      phase: 'failed',
      note: undefined,
      error: paymentErrorText(err, name),
      ...(expired && card ? { intent: { ...card.intent, status: 'expired' as const } } : {}),
      // After any answer but "not found" the sent transaction is done with.
      ...(err instanceof ApiError && err.code === 'payment_not_found'
        ? {}
        : { signature: undefined }),
    });
  }

  private async transaction(intentId: string, account: string): Promise<string> {
    const { transaction } = await api<{ transaction: string; message: string }>(
      `/api/payments/intents/${encodeURIComponent(intentId)}/transaction`,
      { token: this.hooks.token(), body: { account }, signal: this.stop.signal },
    );
    return transaction;
  }

  /** Pays with the browser's wallet: it signs and sends; the gateway is told the signature. */
  async payInjected(intentId: string): Promise<void> {
    if (this.busy(intentId)) return;
    this.patch(intentId, { phase: 'preparing', error: undefined, note: 'Preparing the payment…' });
    try {
      const account = await injectedAddress();
      const wire = await this.transaction(intentId, account);
      this.patch(intentId, { phase: 'signing', note: 'Approve the payment in your wallet…' });
      const signature = await injectedSignAndSend(fromBase64(wire));
      this.patch(intentId, { signature });
      await this.confirm(intentId, signature, undefined);
    } catch (err) {
      this.fail(intentId, err);
    }
  }

  /**
   * Pays with the local test wallet (the local game only): the chain funds it, the page signs the
   * transaction's message with the key in localStorage, and the gateway sends it (the page has no
   * RPC of its own).
   */
  async payLocal(intentId: string): Promise<void> {
    if (this.busy(intentId)) return;
    const key = storedLocalKeypair();
    if (!key) {
      this.patch(intentId, {
        phase: 'failed',
        error: 'This browser no longer holds the local test wallet. Sign in again.',
      });
      return;
    }
    this.patch(intentId, { phase: 'funding', error: undefined, note: 'Funding the test wallet…' });
    try {
      await api('/api/payments/local-faucet', {
        method: 'POST',
        token: this.hooks.token(),
        signal: this.stop.signal,
      });
      this.patch(intentId, { phase: 'preparing', note: 'Preparing the payment…' });
      const wire = await this.transaction(intentId, key.address);
      const sig = nacl.sign.detached(transactionMessageBytes(wire), key.secretKey);
      const signed = withSignature(wire, key.address, sig);
      const signature = bs58.encode(sig);
      this.patch(intentId, { signature });
      await this.confirm(intentId, signature, signed);
    } catch (err) {
      this.fail(intentId, err);
    }
  }

  /** Asks the gateway about a sent payment again (after it was not found within the window). */
  async recheck(intentId: string): Promise<void> {
    const signature = this.cards.get(intentId)?.signature;
    if (!signature || this.busy(intentId)) return;
    this.patch(intentId, { error: undefined });
    try {
      await this.confirm(intentId, signature, undefined);
    } catch (err) {
      this.fail(intentId, err);
    }
  }

  /**
   * Tells the gateway about the payment, asking again with backoff while the chain has not shown
   * it (409 payment_not_found) for up to a minute. The signed transaction goes along until the
   * gateway has sent it to the chain (its first "not found"); later asks carry the signature only.
   */
  private async confirm(
    intentId: string,
    signature: string,
    transaction: string | undefined,
  ): Promise<void> {
    this.patch(intentId, { phase: 'confirming', note: 'Waiting for the chain to confirm…' });
    const until = Date.now() + CONFIRM_WINDOW_MS;
    let delay = CONFIRM_FIRST_DELAY_MS;
    let tx = transaction;
    for (;;) {
      try {
        const answer = await api<PaymentAnswer>('/api/payments', {
          token: this.hooks.token(),
          body: { intentId, signature, ...(tx !== undefined ? { transaction: tx } : {}) },
          signal: this.stop.signal,
        });
        this.settle(intentId, answer.payment);
        return;
      } catch (err) {
        if (this.stop.signal.aborted) return;
        if (!(err instanceof ApiError)) throw err;
        const again = err.code === 'payment_not_found' || err.status === 0 || err.status === 429;
        // "Not found" means the gateway sent it and the chain has not shown it yet.
        if (err.code === 'payment_not_found') tx = undefined;
        if (!again || Date.now() + delay > until) throw err;
        // The stream's payment_settled may have come meanwhile.
        if (this.cards.get(intentId)?.settled) return;
        await sleep(
          err.retryAfterS !== undefined ? err.retryAfterS * 1000 : delay,
          this.stop.signal,
        );
        if (this.cards.get(intentId)?.settled) return;
        delay = Math.min(delay * 2, CONFIRM_MAX_DELAY_MS);
      }
    }
  }

  close(): void {
    this.stop.abort();
    this.listeners.clear();
  }
}
