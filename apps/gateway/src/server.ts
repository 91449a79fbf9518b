import { randomUUID } from 'node:crypto';
import Fastify, { type FastifyInstance } from 'fastify';
import { buildApp, type AppOptions } from './app';
import { describePoolCapacity, type GatewayConfig } from './config';
import { requestSerializer } from './plugins/log-redaction';
import { trustProxyOption } from './shared/trusted-proxies';

/** How long in-flight requests may finish after shutdown begins before connections are cut. */
const DRAIN_MS = 10_000;

export interface GatewayServer {
  app: FastifyInstance;
  /** Listens on config.host:config.port (0 = any free port) and returns the base URL. */
  listen(): Promise<string>;
  /** Stops accepting, closes streams and agent connections, finishes in-flight requests. */
  close(): Promise<void>;
}

/**
 * The process-level shell around the app: logger, timeouts, request ids, listen and close.
 * `main.ts` adds signal handling; tests call this directly with a port of 0.
 */
export async function createServer(
  config: GatewayConfig,
  options: Omit<AppOptions, 'config'> & {
    /** Where log lines go instead of stdout (tests read them). */
    logStream?: { write(line: string): void };
  } = {},
): Promise<GatewayServer> {
  const { logStream, ...appOptions } = options;
  const app = Fastify({
    logger: {
      level: config.logLevel,
      ...(logStream ? { stream: logStream } : {}),
      // Query-string and path credentials never reach the logs verbatim.
      serializers: { req: requestSerializer },
      redact: {
        paths: [
          'req.headers.authorization',
          'req.headers.cookie',
          'res.headers["set-cookie"]',
          'headers.authorization',
        ],
        censor: '[redacted]',
      },
    },
    requestIdHeader: 'x-request-id',
    genReqId: () => randomUUID(),
    bodyLimit: config.bodyLimitBytes,
    connectionTimeout: 0,
    requestTimeout: config.requestTimeoutMs,
    // Longer than the ALB's 60 s idle timeout, so the balancer closes idle connections, not us.
    keepAliveTimeout: 65_000,
    forceCloseConnections: 'idle',
    return503OnClosing: true,
    routerOptions: { ignoreTrailingSlash: true },
    // request.ip: the client as a trusted load balancer names it, else the socket's peer.
    trustProxy: trustProxyOption(config.trustedProxies),
    // A number where a string belongs is bad input, not something to coerce.
    ajv: { customOptions: { coerceTypes: false, removeAdditional: false, allErrors: false } },
  });
  await app.register(buildApp, { config, ...appOptions });

  return {
    app,
    async listen() {
      // What this task admits, and why (the admission model's inputs, or the explicit value).
      app.log.info(
        config.poolCapacityBasis,
        describePoolCapacity(config.poolCapacity, config.poolCapacityBasis),
      );
      return app.listen({ port: config.port, host: config.host });
    },
    async close() {
      // In-flight requests get a drain window; then whatever still holds a connection (a slow
      // client, a hijacked transport) is cut so shutdown always ends inside its deadline.
      const drain = setTimeout(
        () => app.server.closeAllConnections(),
        Math.min(DRAIN_MS, Math.floor(config.shutdownTimeoutMs / 2)),
      );
      drain.unref();
      try {
        await app.close();
      } finally {
        clearTimeout(drain);
      }
    },
  };
}

/** Runs close() on SIGTERM/SIGINT, forcing the exit when it overruns `timeoutMs`. */
export function closeOnSignals(server: GatewayServer, timeoutMs: number): void {
  let closing = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (closing) return;
    closing = true;
    server.app.log.info({ signal }, 'shutting down');
    const force = setTimeout(() => {
      server.app.log.error({ timeoutMs }, 'shutdown overran its deadline; exiting');
      process.exit(1);
    }, timeoutMs);
    force.unref();
    server.close().then(
      () => {
        server.app.log.info('closed');
        process.exit(0);
      },
      (err: unknown) => {
        server.app.log.error({ err }, 'error while closing');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);
}
