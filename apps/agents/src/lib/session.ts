import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { createCoralPort, type CoralDialect, type CoralPort } from './coral';
import { SseClientTransport } from './sse-client-transport';
import {
  poolAddress,
  type AgentIdentity,
  type CoralEndpoint,
  type CoralTransportKind,
} from './coral/urls';

/** One live MCP connection of an agent to one pool. */
export interface PoolSession {
  /** Coral's tools in the dialect the session speaks. */
  readonly coral: CoralPort;
  /** Resolves (never rejects) with a reason once the connection is lost or closed. */
  readonly lost: Promise<string>;
  close(): Promise<void>;
}

/** Opens a session to a pool; throws when the pool cannot be reached (the caller backs off). */
export type PoolConnector = (pool: string, signal: AbortSignal) => Promise<PoolSession>;

export const CLIENT_INFO = { name: 'pardon-agent', version: '1.0.0' } as const;

/** Default of `AGENT_CONNECT_TIMEOUT_MS`: how long one connection attempt may take. */
export const DEFAULT_CONNECT_TIMEOUT_MS = 30_000;

/**
 * Connects an MCP client over `transport` and watches it. A restarted gateway no longer knows this
 * MCP session, so an SSE stream error (or end) is treated as the loss of the connection: the
 * session is closed and the agent reconnects from scratch with a fresh `initialize`. One attempt is
 * bounded by `connectTimeoutMs` and ends at once when `signal` aborts: a transport's `start()` need
 * settle neither when its stream request hangs nor when it is closed meanwhile, and a stuck
 * attempt would hold the pool's reconnect loop (and the agent's stop) forever.
 */
export async function connectMcpSession(
  transport: Transport,
  dialect: CoralDialect,
  signal?: AbortSignal,
  connectTimeoutMs = DEFAULT_CONNECT_TIMEOUT_MS,
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
  const attempt = new AbortController();
  const timer = setTimeout(
    () => attempt.abort(new Error(`connect timed out after ${connectTimeoutMs} ms`)),
    connectTimeoutMs,
  );
  timer.unref();
  const onAbort = (): void => attempt.abort(signal?.reason);
  if (signal?.aborted) onAbort();
  else signal?.addEventListener('abort', onAbort, { once: true });
  const ended = new Promise<never>((_, reject) => {
    const fail = (): void => reject(attempt.signal.reason);
    if (attempt.signal.aborted) fail();
    else attempt.signal.addEventListener('abort', fail, { once: true });
  });
  ended.catch(() => undefined);
  try {
    const connecting = client.connect(transport, { signal: attempt.signal });
    // When the attempt ends first, the abandoned connect may reject later: that is expected.
    connecting.catch(() => undefined);
    await Promise.race([connecting, ended]);
  } catch (error) {
    await close();
    throw error;
  } finally {
    clearTimeout(timer);
    signal?.removeEventListener('abort', onAbort);
  }
  return { coral: createCoralPort(dialect, client), lost, close };
}

function isStreamFailure(error: Error): boolean {
  // SseError (SSE stream broke) and StreamableHTTPError from the standalone GET stream.
  return (
    error.name === 'SseError' ||
    error.constructor.name === 'SseError' ||
    /SSE stream/i.test(error.message)
  );
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

export interface HttpConnectorOptions extends AgentIdentity {
  dialect: CoralDialect;
  /** Bound of one connection attempt (`AGENT_CONNECT_TIMEOUT_MS`). */
  connectTimeoutMs?: number;
  endpoint: CoralEndpoint;
  kind: CoralTransportKind;
}

/**
 * Connector for a real server over HTTP: SSE (Coral's transport) or Streamable HTTP, in either
 * Coral dialect (see `poolAddress` for the URLs and the Coral 1.0 bearer header).
 */
export function httpConnector(options: HttpConnectorOptions): PoolConnector {
  return (pool, signal) => {
    const { url, headers } = poolAddress(
      options.dialect,
      options.endpoint,
      options.kind,
      pool,
      options,
    );
    if (options.kind === 'sse') {
      // The stream's GET and every POST carry `headers` (see SseClientTransport for why not the SDK's).
      const transport = new SseClientTransport(url, { headers });
      return connectMcpSession(transport, options.dialect, signal, options.connectTimeoutMs);
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
    return connectMcpSession(transport, options.dialect, signal, options.connectTimeoutMs).then(
      (session) => ({
        ...session,
        // Streamable HTTP has no stream whose end tells the server the agent left: say so (DELETE).
        close: async () => {
          await withTimeout(transport.terminateSession(), TERMINATE_TIMEOUT_MS).catch(
            () => undefined,
          );
          await session.close();
        },
      }),
    );
  };
}
