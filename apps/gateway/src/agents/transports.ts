import { randomUUID } from 'node:crypto';
import { SSEServerTransport } from '@modelcontextprotocol/sdk/server/sse.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { isInitializeRequest } from '@modelcontextprotocol/sdk/types.js';
import type { FastifyBaseLogger, FastifyReply, FastifyRequest } from 'fastify';
import type { Gauge } from 'prom-client';
import { GatewayError } from '../errors';
import type { CoralDialect, PoolManager } from '../shared/pools';
import type { AgentIdentity } from './identity';
import { keepEventStreamsAlive } from './keepalive';

export interface AgentTransportOptions {
  pools: PoolManager;
  keepaliveMs: number;
  /** A Streamable HTTP session with no request for this long is closed and freed. */
  sessionIdleMs: number;
  log: FastifyBaseLogger;
  /** Open sessions by transport (`sse`, `streamable-http`). */
  sessions: Gauge<'transport'>;
}

/** How a connection presents itself: who it is, which tools it gets, what it says of itself. */
export interface AgentConnectRequest {
  identity: AgentIdentity;
  dialect: CoralDialect;
  description: string;
}

interface SseEntry {
  transport: SSEServerTransport;
  identity: AgentIdentity;
}

interface StreamableEntry {
  transport: StreamableHTTPServerTransport;
  identity: AgentIdentity;
  lastUsedAt: number;
  inFlight: number;
}

const sameIdentity = (a: AgentIdentity, b: AgentIdentity): boolean =>
  a.agentId === b.agentId && a.pool === b.pool;

/**
 * The MCP sessions of agent connections on this task, over both transports and for both Coral
 * generations: each is one connection of its agent on its pool. A session is only ever used by
 * the identity that opened it; Streamable HTTP sessions end on DELETE or after an idle time.
 */
export class AgentTransports {
  private readonly sse = new Map<string, SseEntry>();
  private readonly streamable = new Map<string, StreamableEntry>();
  private readonly sweeper: NodeJS.Timeout;

  constructor(private readonly options: AgentTransportOptions) {
    this.sweeper = setInterval(
      () => this.expireIdle(),
      Math.max(250, Math.min(60_000, Math.floor(options.sessionIdleMs / 4))),
    );
    this.sweeper.unref();
  }

  private counted(): void {
    this.options.sessions.set({ transport: 'sse' }, this.sse.size);
    this.options.sessions.set({ transport: 'streamable-http' }, this.streamable.size);
  }

  /** Opens a legacy SSE stream; its `endpoint` event names `messagePath` for the POSTs. */
  async openSse(
    reply: FastifyReply,
    messagePath: string,
    connect: AgentConnectRequest,
  ): Promise<void> {
    const { identity } = connect;
    reply.hijack();
    keepEventStreamsAlive(reply.raw, this.options.keepaliveMs);
    const transport = new SSEServerTransport(messagePath, reply.raw);
    const sessionId = transport.sessionId;
    this.sse.set(sessionId, { transport, identity });
    this.counted();
    transport.onclose = () => {
      this.sse.delete(sessionId);
      this.counted();
    };
    try {
      await this.attach(transport, connect, 'sse');
    } catch (err) {
      this.sse.delete(sessionId);
      this.counted();
      this.options.log.error({ err, ...identity }, 'agent connection failed');
      if (!reply.raw.writableEnded) reply.raw.end();
    }
  }

  /**
   * A JSON-RPC message posted to SSE session `sessionId`, on `pool`; `authorize` checks that the
   * caller may speak for the session's agent (throws when not).
   */
  async postSse(
    request: FastifyRequest,
    reply: FastifyReply,
    sessionId: string,
    pool: string,
    authorize: (identity: AgentIdentity) => void,
  ): Promise<void> {
    const entry = this.sse.get(sessionId);
    if (entry) authorize(entry.identity);
    if (!entry || entry.identity.pool !== pool) {
      throw new GatewayError(
        'GW_ERR_NOT_FOUND',
        'No such agent session: open the SSE stream first.',
      );
    }
    reply.hijack();
    await entry.transport.handlePostMessage(request.raw, reply.raw, request.body);
  }

  /** One Streamable HTTP request: a new session on `initialize`, else the session it names. */
  async streamableRequest(
    request: FastifyRequest,
    reply: FastifyReply,
    connect: AgentConnectRequest,
  ): Promise<void> {
    const header = request.headers['mcp-session-id'];
    const sessionId = typeof header === 'string' ? header : undefined;
    if (sessionId) {
      const entry = this.streamable.get(sessionId);
      if (!entry || !sameIdentity(entry.identity, connect.identity)) {
        throw new GatewayError('GW_ERR_NOT_FOUND', 'No such agent session: start with initialize.');
      }
      entry.inFlight += 1;
      entry.lastUsedAt = Date.now();
      try {
        reply.hijack();
        keepEventStreamsAlive(reply.raw, this.options.keepaliveMs);
        await entry.transport.handleRequest(request.raw, reply.raw, request.body);
      } finally {
        // handleRequest returns once the response is under way; count it until it is sent.
        const done = (): void => {
          entry.inFlight -= 1;
          entry.lastUsedAt = Date.now();
        };
        if (reply.raw.writableFinished || reply.raw.destroyed) done();
        else reply.raw.once('close', done);
      }
      return;
    }
    if (request.method !== 'POST' || !isInitializeRequest(request.body)) {
      throw new GatewayError(
        'GW_ERR_BAD_REQUEST',
        'Start a session with an initialize request (no mcp-session-id header).',
      );
    }
    const { identity } = connect;
    const transport: StreamableHTTPServerTransport = new StreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      onsessioninitialized: (id) => {
        this.streamable.set(id, { transport, identity, lastUsedAt: Date.now(), inFlight: 0 });
        this.counted();
      },
    });
    transport.onclose = () => {
      if (transport.sessionId) this.streamable.delete(transport.sessionId);
      this.counted();
    };
    await this.attach(transport, connect, 'streamable-http');
    reply.hijack();
    await transport.handleRequest(request.raw, reply.raw, request.body);
  }

  /** Binds the transport to a new connection of the agent on its pool. */
  private async attach(
    transport: SSEServerTransport | StreamableHTTPServerTransport,
    connect: AgentConnectRequest,
    kind: 'sse' | 'streamable-http',
  ): Promise<void> {
    const { identity, dialect, description } = connect;
    await this.options.pools.connectAgent(
      identity.pool,
      identity.agentId,
      { description, dialect },
      transport,
    );
    this.options.log.info({ ...identity, transport: kind, dialect }, 'agent connected');
  }

  /** Closes Streamable HTTP sessions that nobody used for the idle time (clients that vanished). */
  expireIdle(now = Date.now()): number {
    let expired = 0;
    for (const [id, entry] of this.streamable) {
      if (entry.inFlight > 0 || now - entry.lastUsedAt < this.options.sessionIdleMs) continue;
      this.streamable.delete(id);
      this.counted();
      expired += 1;
      entry.transport
        .close()
        .catch((err: unknown) =>
          this.options.log.warn({ err, ...entry.identity }, 'closing an idle agent session failed'),
        );
      this.options.log.info({ ...entry.identity, session: id }, 'idle agent session expired');
    }
    return expired;
  }

  async close(): Promise<void> {
    clearInterval(this.sweeper);
    const all = [...this.sse.values(), ...this.streamable.values()].map((s) => s.transport);
    this.sse.clear();
    this.streamable.clear();
    this.counted();
    await Promise.allSettled(all.map((t) => t.close()));
  }
}
