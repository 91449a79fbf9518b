import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { buildCoralSseUrl, CoralToolClient } from '@pardon/coral';

/** One live MCP connection of an agent to one pool. */
export interface PoolSession {
  readonly tools: CoralToolClient;
  /** Resolves (never rejects) with a reason once the connection is lost or closed. */
  readonly lost: Promise<string>;
  close(): Promise<void>;
}

/** Opens a session to a pool; throws when the pool cannot be reached (the caller backs off). */
export type PoolConnector = (pool: string, signal: AbortSignal) => Promise<PoolSession>;

export const CLIENT_INFO = { name: 'pardon-agent', version: '1.0.0' } as const;

/**
 * Connects an MCP client over `transport` and watches it. The SSE transport's EventSource silently
 * reconnects after a gateway restart, but to a server that no longer knows this MCP session, so an
 * SSE stream error is treated as the loss of the connection: the session is closed and the agent
 * reconnects from scratch with a fresh `initialize`.
 */
export async function connectMcpSession(
  transport: Transport,
  signal?: AbortSignal,
): Promise<PoolSession> {
  const client = new Client(CLIENT_INFO);
  let markLost!: (reason: string) => void;
  const lost = new Promise<string>((resolve) => (markLost = resolve));
  let closing = false;
  const close = async (): Promise<void> => {
    if (closing) return;
    closing = true;
    await client.close().catch(() => undefined);
  };
  client.onclose = () => markLost('connection closed');
  client.onerror = (error) => {
    if (isStreamFailure(error)) {
      markLost(`stream error: ${error.message}`);
      void close();
    }
  };
  const onAbort = (): void => void close();
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    await client.connect(transport, signal ? { signal } : undefined);
  } catch (error) {
    await close();
    throw error;
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }
  return { tools: new CoralToolClient(client), lost, close };
}

function isStreamFailure(error: Error): boolean {
  // SseError (SSE stream broke) and StreamableHTTPError from the standalone GET stream.
  return (
    error.name === 'SseError' ||
    error.constructor.name === 'SseError' ||
    /SSE stream/i.test(error.message)
  );
}

export type CoralTransportKind = 'sse' | 'streamable-http';

/** Where a Coral server is and which app/privacy key the agent uses (parsed from CORAL_SSE_URL). */
export interface CoralEndpoint {
  origin: string;
  applicationId: string;
  privacyKey: string;
}

const DEVMODE = /^\/sse\/v1\/devmode\/([^/]+)\/([^/]+)(?:\/([^/]+)\/sse)?\/?$/;

/** Defaults when CORAL_SSE_URL is a bare origin. */
export const DEFAULT_APPLICATION_ID = 'pardon';
export const DEFAULT_PRIVACY_KEY = 'public';

/**
 * Reads `CORAL_SSE_URL`. Accepted: the devmode base `http://h:5555/sse/v1/devmode/{app}/{key}` (the
 * pool id is appended), a full Coral session URL `…/devmode/{app}/{key}/{session}/sse` as
 * production agents are configured (the session segment is replaced by each pool id), or a bare
 * origin `http://h:5555`.
 */
export function parseCoralEndpoint(raw: string): CoralEndpoint {
  const url = new URL(raw);
  const path = url.pathname.replace(/\/+$/, '');
  if (path === '') {
    return {
      origin: url.origin,
      applicationId: DEFAULT_APPLICATION_ID,
      privacyKey: DEFAULT_PRIVACY_KEY,
    };
  }
  const match = DEVMODE.exec(path);
  if (!match) {
    throw new Error(
      `CORAL_SSE_URL path "${url.pathname}" is not Coral's /sse/v1/devmode/{app}/{key}[/{session}/sse]`,
    );
  }
  return {
    origin: url.origin,
    applicationId: decodeURIComponent(match[1] as string),
    privacyKey: decodeURIComponent(match[2] as string),
  };
}

/** The URL an agent connects to for `pool` with the given transport. */
export function poolUrl(
  endpoint: CoralEndpoint,
  kind: CoralTransportKind,
  pool: string,
  agentId: string,
  agentDescription: string,
): URL {
  const address = {
    baseUrl: endpoint.origin,
    applicationId: endpoint.applicationId,
    privacyKey: endpoint.privacyKey,
    sessionId: pool,
    agentId,
    agentDescription,
  };
  if (kind === 'sse') return buildCoralSseUrl(address);
  // Streamable HTTP at the same shape of path as the gateway serves it (`/mcp/…/{pool}/mcp`).
  const url = buildCoralSseUrl(address);
  url.pathname = url.pathname.replace(/^\/sse\//, '/mcp/').replace(/\/sse$/, '/mcp');
  return url;
}

/** A gateway that does not answer the session DELETE must not hold up shutdown. */
const TERMINATE_TIMEOUT_MS = 2_000;

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
    timer.unref();
    promise.then(resolve, reject).finally(() => clearTimeout(timer));
  });
}

export interface HttpConnectorOptions {
  endpoint: CoralEndpoint;
  kind: CoralTransportKind;
  agentId: string;
  agentDescription: string;
  apiKey: string;
}

/** Connector for a real server over HTTP: SSE (Coral's transport) or Streamable HTTP. */
export function httpConnector(options: HttpConnectorOptions): PoolConnector {
  const headers = { Authorization: `Bearer ${options.apiKey}` };
  return (pool, signal) => {
    const url = poolUrl(
      options.endpoint,
      options.kind,
      pool,
      options.agentId,
      options.agentDescription,
    );
    if (options.kind === 'sse') {
      return connectMcpSession(new SSEClientTransport(url, { requestInit: { headers } }), signal);
    }
    const transport = new StreamableHTTPClientTransport(url, {
      requestInit: { headers },
      // The agent reconnects itself (fresh session) rather than resuming a stream.
      reconnectionOptions: {
        maxReconnectionDelay: 1000,
        initialReconnectionDelay: 200,
        reconnectionDelayGrowFactor: 1.5,
        maxRetries: 0,
      },
    });
    return connectMcpSession(transport, signal).then((session) => ({
      ...session,
      // Streamable HTTP has no stream whose end tells the server the agent left: say so (DELETE).
      close: async () => {
        await withTimeout(transport.terminateSession(), TERMINATE_TIMEOUT_MS).catch(
          () => undefined,
        );
        await session.close();
      },
    }));
  };
}
