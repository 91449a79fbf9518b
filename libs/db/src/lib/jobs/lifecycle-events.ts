import { Client, Pool } from 'pg';
import { isUuid } from '../context';
import type { DbLogger } from '../retry';

/**
 * PostgreSQL NOTIFY channel on which lifecycle jobs announce threads they closed in the database,
 * so that every gateway closes them on its pool buses (agents then stop waiting on them).
 */
export const LIFECYCLE_CHANNEL = 'pardon_lifecycle';

/** PostgreSQL rejects NOTIFY payloads of 8000 bytes or more; keep a margin. */
export const LIFECYCLE_PAYLOAD_MAX_BYTES = 7900;

/** What gateways hear on {@link LIFECYCLE_CHANNEL}: threads closed in the database, and why. */
export interface ThreadsClosedEvent {
  type: 'threads_closed';
  /** The close reason stored on the rows (`session_expired`, `session_ended`, `idle`). */
  reason: string;
  threadIds: string[];
}

/**
 * Sent after every thread-cleanup run: each gateway then sweeps its own pool buses for open
 * threads that are closed in the database or have no row at all (DESIGN.md §5), so the sweep
 * follows the job's fleet-wide schedule (one run per tick) instead of a timer per task.
 */
export interface SweepRequestedEvent {
  type: 'sweep_requested';
  /** Epoch ms the requesting job took as "now". */
  at: number;
}

/** Logger for the listener: pino-compatible. */
export interface LifecycleLogger extends DbLogger {
  info?(obj: Record<string, unknown>, msg?: string): void;
}

/**
 * Splits one announcement into NOTIFY payloads under {@link LIFECYCLE_PAYLOAD_MAX_BYTES}; each
 * payload is a complete event on its own, so a listener never reassembles anything.
 */
export function encodeThreadsClosed(
  reason: string,
  threadIds: readonly string[],
  maxBytes = LIFECYCLE_PAYLOAD_MAX_BYTES,
): string[] {
  const payloads: string[] = [];
  const head = `{"type":"threads_closed","reason":${JSON.stringify(reason)},"threadIds":[`;
  const tail = ']}';
  let body: string[] = [];
  let bytes = Buffer.byteLength(head) + tail.length;
  for (const id of threadIds) {
    const item = JSON.stringify(id);
    const separator = body.length > 0 ? 1 : 0;
    if (body.length > 0 && bytes + separator + Buffer.byteLength(item) > maxBytes) {
      payloads.push(head + body.join(',') + tail);
      body = [];
      bytes = Buffer.byteLength(head) + tail.length;
    }
    bytes += (body.length > 0 ? 1 : 0) + Buffer.byteLength(item);
    body.push(item);
  }
  if (body.length > 0) payloads.push(head + body.join(',') + tail);
  return payloads;
}

/** The NOTIFY payload of a {@link SweepRequestedEvent}. */
export function encodeSweepRequested(at: number): string {
  return JSON.stringify({ type: 'sweep_requested', at } satisfies SweepRequestedEvent);
}

function parsePayload(payload: string | undefined): Record<string, unknown> | null {
  if (!payload) return null;
  try {
    const value: unknown = JSON.parse(payload);
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : null;
  } catch {
    return null; // another sender's payload, or a truncated one: not ours to act on
  }
}

/** Parses a sweep request; null for anything else. */
export function decodeSweepRequested(payload: string | undefined): SweepRequestedEvent | null {
  const value = parsePayload(payload);
  if (value?.['type'] !== 'sweep_requested' || typeof value['at'] !== 'number') return null;
  return { type: 'sweep_requested', at: value['at'] };
}

/** Parses one NOTIFY payload; null for anything that is not a well-formed closed-threads event. */
export function decodeLifecycleEvent(payload: string | undefined): ThreadsClosedEvent | null {
  const value = parsePayload(payload);
  if (!value) return null;
  const { type, reason, threadIds } = value;
  if (type !== 'threads_closed' || typeof reason !== 'string' || !Array.isArray(threadIds)) {
    return null;
  }
  const ids = threadIds.filter((id): id is string => typeof id === 'string');
  return { type, reason, threadIds: ids };
}

/** Announces lifecycle changes and answers the gateways' reconciliation questions. */
export interface LifecycleNotifier {
  /** NOTIFYs the closed threads (chunked); resolves to the number of notifications sent. */
  publishClosedThreads(reason: string, threadIds: readonly string[]): Promise<number>;
  /** Asks every gateway to sweep its buses now (see {@link SweepRequestedEvent}). */
  requestBusSweep(at: number): Promise<void>;
  /**
   * Of these thread ids (e.g. every thread open on a gateway's buses), which are closed in the
   * database and which have no row at all: the periodic fallback for missed notifications.
   */
  findClosedOrMissing(
    threadIds: readonly string[],
  ): Promise<{ closed: string[]; missing: string[] }>;
  close(): Promise<void>;
}

/**
 * A small pg pool for lifecycle NOTIFYs and reconciliation lookups. Separate from Prisma because
 * NOTIFY and LISTEN are connection-level features Prisma does not expose.
 */
export function createLifecycleNotifier(
  url: string,
  options: { logger?: DbLogger; poolSize?: number } = {},
): LifecycleNotifier {
  const pool = new Pool({
    connectionString: url,
    max: options.poolSize ?? 2,
    idleTimeoutMillis: 10_000,
    connectionTimeoutMillis: 5_000,
  });
  pool.on('error', (err) => options.logger?.warn({ err }, 'lifecycle notifier: idle client error'));
  let closed: Promise<void> | undefined;
  return {
    publishClosedThreads: async (reason, threadIds) => {
      const payloads = encodeThreadsClosed(reason, threadIds);
      // Announcements go out in commit order of the jobs; one statement per payload keeps each
      // under PostgreSQL's limit, and any one of them is useful alone.
      for (const payload of payloads) {
        await pool.query('SELECT pg_notify($1, $2)', [LIFECYCLE_CHANNEL, payload]);
      }
      return payloads.length;
    },
    requestBusSweep: async (at) => {
      await pool.query('SELECT pg_notify($1, $2)', [LIFECYCLE_CHANNEL, encodeSweepRequested(at)]);
    },
    findClosedOrMissing: async (threadIds) => {
      const unique = [...new Set(threadIds)];
      const missing = unique.filter((id) => !isUuid(id));
      const candidates = unique.filter((id) => isUuid(id));
      if (candidates.length === 0) return { closed: [], missing };
      const { rows } = await pool.query<{ id: string; closed: boolean }>(
        `SELECT id::text AS id, closed_at IS NOT NULL AS closed
         FROM threads WHERE id = ANY($1::uuid[])`,
        [candidates],
      );
      const found = new Map(rows.map((row) => [row.id, row.closed]));
      return {
        closed: candidates.filter((id) => found.get(id.toLowerCase()) === true),
        missing: [...missing, ...candidates.filter((id) => !found.has(id.toLowerCase()))],
      };
    },
    close: () => {
      closed ??= pool.end();
      return closed;
    },
  };
}

export interface LifecycleListener {
  /** Resolves once LISTEN is in place for the first time (rejects only if closed before). */
  readonly ready: Promise<void>;
  /** Stops listening and reconnecting. */
  close(): Promise<void>;
}

export interface ListenOptions {
  /** Delay before reconnecting after the connection is lost. Default 2,000 ms. */
  reconnectMs?: number;
  /**
   * Called after every (re)connection: notifications sent while disconnected are lost, so a
   * gateway should reconcile its buses against the database here.
   */
  onConnected?: () => void;
  /** Called for each {@link SweepRequestedEvent}; without it sweep requests are ignored. */
  onSweepRequested?: (event: SweepRequestedEvent) => void;
}

/**
 * LISTENs on {@link LIFECYCLE_CHANNEL} on a dedicated connection and calls `handler` for each
 * event, reconnecting after connection loss. Delivery is best effort; pair it with a periodic
 * {@link LifecycleNotifier.findClosedOrMissing} reconciliation.
 */
export function listenLifecycleEvents(
  url: string,
  handler: (event: ThreadsClosedEvent) => void,
  log: LifecycleLogger,
  options: ListenOptions = {},
): LifecycleListener {
  const reconnectMs = options.reconnectMs ?? 2_000;
  let client: Client | undefined;
  let stopped = false;
  let retry: NodeJS.Timeout | undefined;
  let resolveReady!: () => void;
  let rejectReady!: (error: Error) => void;
  const ready = new Promise<void>((resolve, reject) => {
    resolveReady = resolve;
    rejectReady = reject;
  });
  ready.catch(() => undefined); // callers that never await `ready` must not crash on close

  const schedule = (): void => {
    if (stopped || retry) return;
    retry = setTimeout(() => {
      retry = undefined;
      void connect();
    }, reconnectMs);
    retry.unref();
  };

  const connect = async (): Promise<void> => {
    const next = new Client({ connectionString: url });
    next.on('error', (err) => {
      log.warn({ err }, 'lifecycle listener: connection lost, reconnecting');
      if (client === next) client = undefined;
      void next.end().catch(() => undefined);
      schedule();
    });
    next.on('notification', (message) => {
      if (message.channel !== LIFECYCLE_CHANNEL) return;
      const sweep = decodeSweepRequested(message.payload);
      if (sweep) {
        try {
          options.onSweepRequested?.(sweep);
        } catch (err) {
          log.warn({ err }, 'lifecycle listener: sweep handler failed');
        }
        return;
      }
      const event = decodeLifecycleEvent(message.payload);
      if (!event) {
        log.warn({ payload: message.payload?.slice(0, 200) }, 'lifecycle listener: bad payload');
        return;
      }
      try {
        handler(event);
      } catch (err) {
        log.warn({ err }, 'lifecycle listener: handler failed');
      }
    });
    try {
      await next.connect();
      await next.query(`LISTEN ${LIFECYCLE_CHANNEL}`);
    } catch (err) {
      log.warn({ err }, 'lifecycle listener: LISTEN failed, retrying');
      await next.end().catch(() => undefined);
      schedule();
      return;
    }
    if (stopped) {
      await next.end().catch(() => undefined);
      return;
    }
    client = next;
    resolveReady();
    try {
      options.onConnected?.();
    } catch (err) {
      log.warn({ err }, 'lifecycle listener: onConnected failed');
    }
  };

  void connect();
  return {
    ready,
    close: async () => {
      stopped = true;
      if (retry) clearTimeout(retry);
      retry = undefined;
      rejectReady(new Error('lifecycle listener closed'));
      const current = client;
      client = undefined;
      await current?.end().catch(() => undefined);
    },
  };
}
