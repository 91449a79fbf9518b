// A small Coral over real HTTP for connector tests: one PoolBus per pool, both Coral URL schemes
// (1.0 devmode with `?agentId=` and a bearer secret per agent; 1.2 with the secret path segment),
// each over HTTP+SSE and Streamable HTTP, with the matching tools. It records every request's path
// and Authorization header. Not the gateway: just enough of its contract to see what an agent sends.
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { SSEServerTransport } from '@modelcontextprotocol/sdk/server/sse.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import {
  buildCoralMessagePath,
  CORAL_SERVER_INFO,
  coralAgentPathSecret,
  PoolBus,
  registerCoral12Tools,
  registerCoralTools,
} from '@pardon/coral';
import type { CoralDialect } from '../../src/lib/coral';

export interface RecordedRequest {
  method: string;
  path: string;
  authorization: string | undefined;
}

interface Who {
  agentId: string;
  pool: string;
  dialect: CoralDialect;
}

const DEVMODE_SSE = /^\/sse\/v1\/devmode\/([^/]+)\/([^/]+)\/([^/]+)\/sse$/;
const DEVMODE_MCP = /^\/mcp\/v1\/devmode\/([^/]+)\/([^/]+)\/([^/]+)\/mcp$/;
const DEVMODE_POST = /^\/api\/v1\/message\/devmode\/([^/]+)\/([^/]+)\/([^/]+)$/;
const CORAL12 = /^\/mcp\/v1\/([^/]+)\/(sse|mcp)\/?$/;

export class HttpCoral {
  readonly requests: RecordedRequest[] = [];
  readonly buses = new Map<string, PoolBus>();
  private readonly bySegment = new Map<string, { agentId: string; pool: string }>();
  private readonly sse = new Map<string, { transport: SSEServerTransport; who: Who }>();
  private readonly streamable = new Map<string, StreamableHTTPServerTransport>();
  private readonly servers = new Set<McpServer>();
  private server: Server | undefined;
  baseUrl = '';

  /** `secrets`: each agent's own secret. */
  constructor(
    pools: readonly string[],
    private readonly secrets: Record<string, string>,
  ) {
    for (const pool of pools) {
      this.buses.set(pool, new PoolBus({ poolId: pool, presenceGraceMs: 0 }));
      for (const [agentId, secret] of Object.entries(secrets)) {
        this.bySegment.set(coralAgentPathSecret(secret, pool), { agentId, pool });
      }
    }
  }

  bus(pool: string): PoolBus {
    const bus = this.buses.get(pool);
    if (!bus) throw new Error(`no pool ${pool}`);
    return bus;
  }

  async listen(): Promise<this> {
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((error: unknown) => {
        if (!res.headersSent) res.writeHead(500).end(String(error));
      });
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    this.baseUrl = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async close(): Promise<void> {
    await Promise.all([...this.servers].map((s) => s.close()));
    this.server?.closeAllConnections();
    await new Promise((resolve) => this.server?.close(resolve));
    for (const bus of this.buses.values()) bus.close();
  }

  /** An MCP server with `who`'s tools on its pool's bus, connected to `transport`. */
  private async serve(transport: Transport, who: Who): Promise<void> {
    const bus = this.bus(who.pool);
    const connection = bus.connectAgent({ id: who.agentId });
    const server = new McpServer(CORAL_SERVER_INFO);
    if (who.dialect === 'coral-1.2') registerCoral12Tools(server, { bus, connection });
    else registerCoralTools(server, { bus, connection });
    server.server.onclose = () => {
      connection.disconnect();
      this.servers.delete(server);
    };
    this.servers.add(server);
    await server.connect(transport);
  }

  /** Coral 1.0: the bearer must be the secret of the agent named in the query. */
  private devmodeAgent(req: IncomingMessage, url: URL, pool: string): Who | undefined {
    const agentId = url.searchParams.get('agentId') ?? '';
    const secret = this.secrets[agentId];
    if (!secret || req.headers.authorization !== `Bearer ${secret}`) return undefined;
    return { agentId, pool: decodeURIComponent(pool), dialect: 'coral-1.0' };
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    this.requests.push({
      method: req.method ?? '',
      path: url.pathname,
      authorization: req.headers.authorization,
    });
    const unauthorized = (): void =>
      void res.writeHead(401, { connection: 'close' }).end('unauthorized');
    let match: RegExpExecArray | null;

    if ((match = DEVMODE_SSE.exec(url.pathname)) && req.method === 'GET') {
      const who = this.devmodeAgent(req, url, match[3] as string);
      if (!who) return unauthorized();
      const [, app, key, pool] = match as unknown as [string, string, string, string];
      const path = buildCoralMessagePath({
        applicationId: decodeURIComponent(app),
        privacyKey: decodeURIComponent(key),
        sessionId: decodeURIComponent(pool),
      });
      return this.openSse(res, path, who);
    }
    if (DEVMODE_POST.test(url.pathname) && req.method === 'POST') {
      const session = this.sse.get(url.searchParams.get('sessionId') ?? '');
      const secret = session ? this.secrets[session.who.agentId] : undefined;
      if (!session || req.headers.authorization !== `Bearer ${secret}`) return unauthorized();
      return session.transport.handlePostMessage(req, res);
    }
    if ((match = DEVMODE_MCP.exec(url.pathname))) {
      const who = this.devmodeAgent(req, url, match[3] as string);
      if (!who) return unauthorized();
      return this.streamableRequest(req, res, who);
    }
    if ((match = CORAL12.exec(url.pathname))) {
      const found = this.bySegment.get(decodeURIComponent(match[1] as string));
      if (!found) return void res.writeHead(404).end('unknown agent secret');
      const who: Who = { ...found, dialect: 'coral-1.2' };
      if (match[2] === 'mcp') return this.streamableRequest(req, res, who);
      if (req.method === 'GET') return this.openSse(res, `/mcp/v1/${match[1]}/sse/`, who);
      const session = this.sse.get(url.searchParams.get('sessionId') ?? '');
      if (!session || session.who.agentId !== who.agentId) return unauthorized();
      return session.transport.handlePostMessage(req, res);
    }
    res.writeHead(404).end('not found');
  }

  private async openSse(res: ServerResponse, messagePath: string, who: Who): Promise<void> {
    const transport = new SSEServerTransport(messagePath, res);
    this.sse.set(transport.sessionId, { transport, who });
    res.on('close', () => this.sse.delete(transport.sessionId));
    await this.serve(transport, who);
  }

  private async streamableRequest(
    req: IncomingMessage,
    res: ServerResponse,
    who: Who,
  ): Promise<void> {
    const id = req.headers['mcp-session-id'];
    const existing = typeof id === 'string' ? this.streamable.get(id) : undefined;
    if (existing) return existing.handleRequest(req, res);
    if (req.method !== 'POST') return void res.writeHead(400).end('no session');
    const transport = new StreamableHTTPServerTransport({
      sessionIdGenerator: randomUUID,
      onsessioninitialized: (sessionId) => void this.streamable.set(sessionId, transport),
    });
    transport.onclose = () => {
      if (transport.sessionId) this.streamable.delete(transport.sessionId);
    };
    await this.serve(transport, who);
    await transport.handleRequest(req, res);
  }
}
