import {
  decodeGameEvent,
  decodeMessageAppended,
  decodePaymentRequestEvent,
  GAME_CHANNEL,
  MESSAGES_CHANNEL,
  PAYMENTS_CHANNEL,
  type GameEvent,
  type PaymentRequestEvent,
} from '@pardon/db';
import type { FastifyBaseLogger } from 'fastify';
import { Client } from 'pg';

const RECONNECT_MS = 2000;

type RemoteListener = (threadId: string, seq: number) => void;

/**
 * Cross-task stream updates: every append announces itself on MESSAGES_CHANNEL in its own
 * transaction (libs/db `announceAs`); each task LISTENs and lets the event streams following
 * that thread fetch the message from the database. Best effort: a missed notification only
 * delays a stream until its next message or reconnect, never loses one.
 */
export class MessageListener {
  private listener: Client | undefined;
  private readonly remotes = new Set<RemoteListener>();
  private readonly games = new Set<(event: GameEvent) => void>();
  private readonly paymentRequests = new Set<(event: PaymentRequestEvent) => void>();
  private closed = false;
  private retry: NodeJS.Timeout | undefined;

  constructor(
    private readonly url: string,
    private readonly taskId: string,
    private readonly log: FastifyBaseLogger,
  ) {}

  onRemote(fn: RemoteListener): void {
    this.remotes.add(fn);
  }

  /** Evaluations other tasks stored (GAME_CHANNEL), for the streams of their threads here. */
  onGameEvent(fn: (event: GameEvent) => void): void {
    this.games.add(fn);
  }

  /** Payment requests other tasks stored (PAYMENTS_CHANNEL), for the streams of their threads. */
  onPaymentRequest(fn: (event: PaymentRequestEvent) => void): void {
    this.paymentRequests.add(fn);
  }

  async start(): Promise<void> {
    try {
      await this.connect();
    } catch (err) {
      this.log.warn({ err }, 'LISTEN failed; cross-task stream updates will retry');
      this.scheduleReconnect();
    }
  }

  private async connect(): Promise<void> {
    const client = new Client({ connectionString: this.url });
    client.on('error', (err) => {
      this.log.warn({ err }, 'LISTEN connection lost');
      void client.end().catch(() => undefined);
      if (this.listener === client) this.listener = undefined;
      this.scheduleReconnect();
    });
    client.on('notification', (n) => {
      if (n.channel === GAME_CHANNEL && n.payload) {
        const game = decodeGameEvent(n.payload);
        if (game && game.origin !== this.taskId) for (const fn of this.games) fn(game);
        return;
      }
      if (n.channel === PAYMENTS_CHANNEL && n.payload) {
        const request = decodePaymentRequestEvent(n.payload);
        if (request && request.origin !== this.taskId) {
          for (const fn of this.paymentRequests) fn(request);
        }
        return;
      }
      if (n.channel !== MESSAGES_CHANNEL || !n.payload) return;
      const event = decodeMessageAppended(n.payload);
      if (!event) {
        this.log.warn({ payload: n.payload }, 'ignored a malformed notification');
        return;
      }
      if (event.origin === this.taskId) return;
      for (const fn of this.remotes) fn(event.threadId, event.seq);
    });
    await client.connect();
    await client.query(`LISTEN ${MESSAGES_CHANNEL}`);
    await client.query(`LISTEN ${GAME_CHANNEL}`);
    await client.query(`LISTEN ${PAYMENTS_CHANNEL}`);
    if (this.closed) {
      await client.end();
      return;
    }
    this.listener = client;
  }

  private scheduleReconnect(): void {
    if (this.closed || this.retry) return;
    this.retry = setTimeout(() => {
      this.retry = undefined;
      this.connect().catch((err: unknown) => {
        this.log.warn({ err }, 'LISTEN reconnect failed');
        this.scheduleReconnect();
      });
    }, RECONNECT_MS);
    this.retry.unref();
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.retry) clearTimeout(this.retry);
    const l = this.listener;
    this.listener = undefined;
    await l?.end().catch(() => undefined);
  }
}
