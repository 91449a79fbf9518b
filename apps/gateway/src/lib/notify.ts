import type { FastifyBaseLogger } from 'fastify';
import { Client, Pool } from 'pg';

const CHANNEL = 'pardon_messages';
const RECONNECT_MS = 2000;

type RemoteListener = (threadId: string, seq: number) => void;

/**
 * Cross-task stream updates: after a task persists a message it NOTIFYs `{t: threadId, s: seq}`;
 * every other task LISTENs and lets the event streams following that thread fetch it from the
 * database. Payloads carry no content (NOTIFY payloads are capped at 8000 bytes). Best effort:
 * a missed notification only delays a stream until its next message or reconnect, never loses one.
 */
export class MessageNotifier {
  private listener: Client | undefined;
  private readonly sender: Pool;
  private readonly remotes = new Set<RemoteListener>();
  private closed = false;
  private retry: NodeJS.Timeout | undefined;
  private readonly outbox: string[] = [];

  constructor(
    private readonly url: string,
    private readonly taskId: string,
    private readonly log: FastifyBaseLogger,
  ) {
    this.sender = new Pool({ connectionString: url, max: 2, idleTimeoutMillis: 10_000 });
    this.sender.on('error', (err) => this.log.warn({ err }, 'notify pool error'));
  }

  onRemote(fn: RemoteListener): void {
    this.remotes.add(fn);
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
      if (n.channel !== CHANNEL || !n.payload) return;
      try {
        const p = JSON.parse(n.payload) as { t?: unknown; s?: unknown; k?: unknown };
        if (p.k === this.taskId || typeof p.t !== 'string' || typeof p.s !== 'number') return;
        for (const fn of this.remotes) fn(p.t, p.s);
      } catch (err) {
        this.log.warn({ err }, 'ignored a malformed notification');
      }
    });
    await client.connect();
    await client.query(`LISTEN ${CHANNEL}`);
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

  announce(threadId: string, seq: number): void {
    if (this.closed) return;
    this.outbox.push(JSON.stringify({ t: threadId, s: seq, k: this.taskId }));
    // One NOTIFY statement per turn of the event loop, not one per message: under load this
    // halves the queries of a round trip (measured in apps/gateway/bench).
    if (this.outbox.length === 1) setImmediate(() => this.flush());
  }

  private flush(): void {
    const payloads = this.outbox.splice(0);
    if (payloads.length === 0 || this.closed) return;
    this.sender
      .query('SELECT pg_notify($1, p) FROM unnest($2::text[]) AS p', [CHANNEL, payloads])
      .catch((err: unknown) => {
        this.log.warn({ err, count: payloads.length }, 'NOTIFY failed');
      });
  }

  async close(): Promise<void> {
    // Announcements of this turn still go out; sender.end() below waits for them.
    this.flush();
    this.closed = true;
    if (this.retry) clearTimeout(this.retry);
    const l = this.listener;
    this.listener = undefined;
    await Promise.allSettled([l?.end(), this.sender.end()]);
  }
}
