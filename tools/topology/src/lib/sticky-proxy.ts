// A loopback load balancer that behaves like the ALB in front of the ECS tasks for what players
// notice: lb_cookie stickiness (`AWSALB`), round robin for new players, and a player whose task
// died lands on another task with a new cookie (stickiness is lost, as on a real ALB). A request
// that could not reach its task at all (connection refused) is sent to another one; a request cut
// off mid-way gets a 502, as from the ALB. Like the ALB it appends the peer's address to
// `X-Forwarded-For` (and sets X-Forwarded-Proto/Port), and it connects to the tasks from one
// source address of its own (`sourceAddress`), so the gateways can trust exactly that address.
// Like the ALB it keeps connections on both sides, with a 60 s idle timeout.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Agent, Client, type Dispatcher } from 'undici';

export const STICKY_COOKIE = 'AWSALB';
/**
 * The balancer's own source address towards the tasks: the one address the local gateways trust
 * with X-Forwarded-For (TRUSTED_PROXIES), so neither a player on 127.0.0.1 nor one on a player
 * address (127.2.x.y) can name its own client address.
 */
export const BALANCER_SOURCE_ADDRESS = '127.0.0.2';
/** How long a task that refused a connection is skipped (the ALB's unhealthy threshold, shortened). */
const DOWN_FOR_MS = 2_000;
const MAX_BODY_BYTES = 1024 * 1024;
/**
 * The ALB's idle timeout (60 s), on both sides: players' idle connections to the balancer, and
 * the balancer's idle connections to the tasks. It must stay below the gateway's keep-alive
 * timeout (Fastify's 72 s), as AWS advises, so that the task never closes a connection the
 * balancer is about to reuse; players are told it (`Keep-Alive: timeout=60`) and close theirs
 * before it.
 */
const IDLE_TIMEOUT_MS = 60_000;
/**
 * Hop-by-hop headers (RFC 9110 §7.6.1) describe one connection and are not forwarded. Passing the
 * task's `Keep-Alive: timeout=72` on to players made them keep sockets that the balancer closes
 * after its own idle timeout: a message sent at that moment met a reset (`ECONNRESET`).
 */
const HOP_BY_HOP = [
  'connection',
  'keep-alive',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  // The balancer reads the whole body before it forwards anything: the expectation is met.
  'expect',
];

export interface ProxyTarget {
  id: string;
  url: string;
}

export interface StickyProxy {
  readonly url: string;
  readonly port: number;
  /** Requests forwarded per target id. */
  readonly forwarded: Map<string, number>;
  close(): Promise<void>;
}

function cookieValue(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const [key, ...value] = part.trim().split('=');
    if (key === name) return value.join('=');
  }
  return undefined;
}
/** Methods a balancer may send again after a connection failure (RFC 9110 §9.2.2). */
const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE', 'PUT', 'DELETE']);

const noop = (): void => undefined;

/**
 * The reason a request to a task is aborted with when its player has gone (a closed event
 * stream): one error whose stack is built once, since Node reads the stack of each error a
 * stream is destroyed with (costly with source maps on).
 */
const PLAYER_GONE = Object.assign(new Error('the player closed the connection'), {
  name: 'AbortError',
});
void PLAYER_GONE.stack;

/** A connection that ended before the answer. */
const CUT = new Set(['UND_ERR_SOCKET', 'ECONNRESET', 'EPIPE']);

/** Removes the hop-by-hop headers, and those the Connection header names, in place. */
function dropHopByHop(headers: http.IncomingHttpHeaders): void {
  const named = headers.connection;
  if (named) for (const name of named.split(',')) delete headers[name.trim().toLowerCase()];
  for (const name of HOP_BY_HOP) delete headers[name];
}

/** The client's X-Forwarded-For with its peer appended, as the ALB does. */
function forwardedFor(req: http.IncomingMessage): string {
  const peer = req.socket.remoteAddress ?? '127.0.0.1';
  const prior = req.headers['x-forwarded-for'];
  const chain = Array.isArray(prior) ? prior.join(', ') : prior;
  return chain && chain.trim() !== '' ? `${chain}, ${peer}` : peer;
}

/** Starts the balancer on 127.0.0.1 (`port` default: a free one). */
export async function startStickyProxy(options: {
  targets: ProxyTarget[];
  port?: number;
  /** Local address of the connections to the tasks (what their TRUSTED_PROXIES names). */
  sourceAddress?: string;
}): Promise<StickyProxy> {
  const targets = options.targets;
  if (targets.length === 0) throw new Error('sticky proxy: no targets');
  const downUntil = new Map<string, number>();
  const forwarded = new Map<string, number>();
  let next = 0;
  let port = 0;
  // Connections to the tasks are kept and reused, as the ALB does: a connection per request
  // cost both sides a TCP handshake and teardown per call. They are undici's (~10 % less CPU per
  // forwarded request than node:http's client). A task that dies closes its sockets, so the next
  // request opens a new connection, is refused and goes to another task. A request that won the
  // race against that close (sent on a kept socket before the balancer saw it closed) is cut
  // off without an answer: an idempotent one is sent again on a new connection of its own
  // (RFC 9110 §9.2.2; refused there, it goes to another task), any other gets a 502, as from
  // the ALB, since the task may have acted on it. Idle connections close after the ALB's idle
  // timeout (undici takes the smaller of it and the task's Keep-Alive hint).
  // undici's own option (its `connect` options do not bind the local address).
  const from = options.sourceAddress ? { localAddress: options.sourceAddress } : {};
  const agent = new Agent({
    keepAliveTimeout: IDLE_TIMEOUT_MS,
    keepAliveMaxTimeout: IDLE_TIMEOUT_MS,
    ...from,
  });
  const originOf = new Map(targets.map((t) => [t.id, new URL(t.url).origin] as const));
  const isUp = (t: ProxyTarget) => (downUntil.get(t.id) ?? 0) <= Date.now();
  const choose = (sticky: string | undefined, exclude: Set<string>): ProxyTarget | undefined => {
    const stuck = targets.find((t) => t.id === sticky);
    if (stuck && isUp(stuck) && !exclude.has(stuck.id)) return stuck;
    const candidates = targets.filter((t) => !exclude.has(t.id));
    const healthy = candidates.filter(isUp);
    const pool = healthy.length > 0 ? healthy : candidates;
    if (pool.length === 0) return undefined;
    next = (next + 1) % pool.length;
    return pool[next];
  };

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        res.writeHead(413, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: 'payload_too_large', message: 'request body too large' }));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (res.writableEnded) return;
      const body = chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks);
      const sticky = cookieValue(req.headers.cookie, STICKY_COOKIE);
      const tried = new Set<string>();
      // The player's headers, once for every attempt: the body is forwarded whole, with its length.
      const headers: http.OutgoingHttpHeaders = req.headers;
      dropHopByHop(req.headers);
      delete headers.host; // undici names the task's
      headers['x-forwarded-for'] = forwardedFor(req);
      headers['x-forwarded-proto'] = 'http';
      headers['x-forwarded-port'] = String(port);
      if (body.length > 0) headers['content-length'] = String(body.length);
      const attempt = (again?: ProxyTarget): void => {
        const target = again ?? choose(sticky, tried);
        if (!target) {
          res.writeHead(503, { 'content-type': 'application/json', 'retry-after': '1' });
          res.end(JSON.stringify({ error: 'no_healthy_target', message: 'no task is reachable' }));
          return;
        }
        tried.add(target.id);
        const origin = originOf.get(target.id) as string;
        // A request sent again after a cut goes on a connection of its own (never a kept one).
        const fresh = again ? new Client(origin, from) : undefined;
        // A player gone before the whole answer (a closed event stream): the task's request ends.
        const controller = new AbortController();
        let answered = false;
        res.on('close', () => {
          if (!answered) controller.abort(PLAYER_GONE);
        });
        (fresh ?? agent)
          .request({
            origin,
            path: req.url ?? '/',
            method: (req.method ?? 'GET') as Dispatcher.HttpMethod,
            headers: headers as Record<string, string | string[]>,
            body: body.length > 0 ? body : null,
            headersTimeout: 0,
            bodyTimeout: 0,
            signal: controller.signal,
          })
          .then(
            (up) => {
              forwarded.set(target.id, (forwarded.get(target.id) ?? 0) + 1);
              const outHeaders = up.headers as http.IncomingHttpHeaders;
              dropHopByHop(outHeaders);
              if (target.id !== sticky) {
                const existing = outHeaders['set-cookie'] ?? [];
                outHeaders['set-cookie'] = [
                  ...(Array.isArray(existing) ? existing : [existing]),
                  `${STICKY_COOKIE}=${target.id}; Path=/; Max-Age=3600; HttpOnly`,
                ];
              }
              if (res.destroyed) {
                up.body.destroy();
                return;
              }
              res.writeHead(up.statusCode, outHeaders);
              // A task killed mid-stream: end the player's connection so it reconnects. (A player
              // gone mid-stream aborts the request, above.)
              up.body.on('error', () => res.destroy());
              up.body.on('end', () => (answered = true));
              if (fresh) up.body.on('close', () => void fresh.destroy().catch(noop));
              up.body.pipe(res);
            },
            (error: NodeJS.ErrnoException) => {
              void fresh?.destroy().catch(noop);
              if (res.destroyed || res.headersSent) {
                res.destroy();
                return;
              }
              if (error.code === 'ECONNREFUSED') {
                downUntil.set(target.id, Date.now() + DOWN_FOR_MS);
                attempt();
                return;
              }
              if (!again && CUT.has(error.code ?? '') && IDEMPOTENT.has(req.method ?? '')) {
                attempt(target);
                return;
              }
              res.writeHead(502, { 'content-type': 'application/json' });
              res.end(
                JSON.stringify({
                  error: 'bad_gateway',
                  message: `task ${target.id}: ${error.code ?? error.message}`,
                }),
              );
            },
          );
      };
      attempt();
    });
  });
  server.keepAliveTimeout = IDLE_TIMEOUT_MS;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    forwarded,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        void agent.destroy().catch(noop);
        server.close(() => resolve());
      }),
  };
}
