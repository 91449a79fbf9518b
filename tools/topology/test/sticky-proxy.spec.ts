// The loopback ALB: a player keeps its task through the sticky cookie, new players are spread,
// and a player whose task is gone lands on another task with a new cookie.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { startStickyProxy, STICKY_COOKIE, type StickyProxy } from '../src/lib/sticky-proxy';

const servers: http.Server[] = [];
let streamsOpen = 0;
let proxy: StickyProxy;

interface Backend {
  id: string;
  url: string;
  server: http.Server;
  /** TCP connections the task accepted. */
  connections: () => number;
  /** Requests the task read, per path. */
  seen: Map<string, number>;
}

/**
 * A task: echoes its id and the body; on `/cut` it reads the request and drops the connection;
 * `/stream` is an event stream that stays open (`streamsOpen` counts them).
 */
async function backend(id: string): Promise<Backend> {
  const seen = new Map<string, number>();
  const server = http.createServer((req, res) => {
    if (req.url === '/stream') {
      streamsOpen += 1;
      res.on('close', () => (streamsOpen -= 1));
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('data: first\n\n');
      return;
    }
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      const path = req.url ?? '/';
      seen.set(path, (seen.get(path) ?? 0) + 1);
      if (path === '/cut') req.socket.destroy();
      else if (path === '/peer') {
        res.end(
          JSON.stringify({
            task: id,
            body: `${req.socket.remoteAddress} ${req.headers['x-forwarded-for']}`,
          }),
        );
      } else res.end(JSON.stringify({ task: id, body }));
    });
  });
  // As Fastify's default (the gateway's): longer than the balancer's idle timeout.
  server.keepAliveTimeout = 72_000;
  let connections = 0;
  server.on('connection', () => (connections += 1));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  servers.push(server);
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { id, url, server, connections: () => connections, seen };
}

async function send(method: string, path: string, cookie?: string, body?: string) {
  const res = await fetch(`${proxy.url}${path}`, {
    method,
    ...(body === undefined ? {} : { body }),
    headers: cookie ? { cookie: `${STICKY_COOKIE}=${cookie}` } : {},
  });
  const set = res.headers.getSetCookie().find((c) => c.startsWith(`${STICKY_COOKIE}=`));
  return {
    status: res.status,
    json: (await res.json()) as { task?: string; body?: string; error?: string },
    cookie: set?.split(';')[0]?.split('=')[1],
  };
}

const ask = (cookie?: string, body = 'hi') => send('POST', '/x', cookie, body);

/** One request on a fresh connection, with the raw response headers (hop-by-hop ones too). */
function rawGet(url: string): Promise<http.IncomingHttpHeaders> {
  const agent = new http.Agent({ keepAlive: true });
  return new Promise<http.IncomingHttpHeaders>((resolve, reject) => {
    http
      .get(url, { agent }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.headers));
      })
      .on('error', reject);
  }).finally(() => agent.destroy());
}

afterEach(async () => {
  await proxy?.close();
  for (const s of servers.splice(0)) s.close();
});

test('players stick to their task, new players are spread, and a dead task hands its players over', async () => {
  const a = await backend('task-1');
  const b = await backend('task-2');
  proxy = await startStickyProxy({ targets: [a, b] });

  const first = await ask();
  const second = await ask();
  expect(new Set([first.json.task, second.json.task])).toEqual(new Set(['task-1', 'task-2']));
  expect(first.cookie).toBe(first.json.task);

  for (let i = 0; i < 5; i += 1) {
    const again = await ask(first.cookie, `request ${i}`);
    expect(again.json).toEqual({ task: first.json.task, body: `request ${i}` });
    expect(again.cookie).toBeUndefined();
  }

  // The balancer may still hold a kept connection to the dead task: a request sent on it is cut
  // off, and an idempotent one goes again on a new connection, is refused, and moves.
  const dead = first.json.task === 'task-1' ? a : b;
  await new Promise<void>((resolve) => dead.server.close(() => resolve()));
  const moved = await send('GET', '/x', first.cookie);
  expect(moved.status).toBe(200);
  expect(moved.json.task).not.toBe(first.json.task);
  expect(moved.cookie).toBe(moved.json.task);
  const after = await ask(moved.cookie, 'after the crash');
  expect(after.json).toEqual({ task: moved.json.task, body: 'after the crash' });
});

test('the balancer keeps its connections to a task, and players are told its own idle timeout', async () => {
  const task = await backend('task-1');
  proxy = await startStickyProxy({ targets: [task] });

  const first = await ask();
  for (let i = 0; i < 4; i += 1) await ask(first.cookie, `request ${i}`);
  // As the ALB: one connection to the task carries request after request.
  expect(task.connections()).toBe(1);

  // Connection and Keep-Alive are hop-by-hop: a player must hear the balancer's idle timeout
  // (the ALB's 60 s), not the task's 72 s, or it reuses a socket the balancer is closing.
  const headers = await rawGet(`${proxy.url}/x`);
  expect(headers['keep-alive']).toBe('timeout=60');
  expect(headers.connection).toBe('keep-alive');
});

test('a request cut off on a kept connection: a POST gets a 502 and is not sent again, a GET is', async () => {
  const task = await backend('task-1');
  proxy = await startStickyProxy({ targets: [task] });

  const first = await ask();
  const cutPost = await send('POST', '/cut', first.cookie, 'pay me');
  expect(cutPost.status).toBe(502);
  expect(cutPost.json.error).toBe('bad_gateway');
  // The task read it and may have acted on it: the balancer must not send it twice.
  expect(task.seen.get('/cut')).toBe(1);

  await ask(first.cookie);
  const cutGet = await send('GET', '/cut', first.cookie);
  expect(cutGet.status).toBe(502);
  // Once on the kept connection, once more on a new one (where a cut is final).
  expect(task.seen.get('/cut')).toBe(3);
});

test('an event stream is passed on as it comes, and a player leaving it ends it on the task', async () => {
  const task = await backend('task-1');
  proxy = await startStickyProxy({ targets: [task] });

  const controller = new AbortController();
  const res = await fetch(`${proxy.url}/stream`, { signal: controller.signal });
  const reader = (res.body as ReadableStream<Uint8Array>).getReader();
  const first = await reader.read();
  expect(new TextDecoder().decode(first.value)).toBe('data: first\n\n');
  expect(streamsOpen).toBe(1);

  controller.abort();
  const deadline = Date.now() + 5_000;
  while (streamsOpen > 0 && Date.now() < deadline) await new Promise(setImmediate);
  expect(streamsOpen).toBe(0);
});

test('the balancer connects from its own source address and appends the player to X-Forwarded-For', async () => {
  const task = await backend('task-1');
  proxy = await startStickyProxy({ targets: [task], sourceAddress: '127.0.0.2' });
  const res = await send('GET', '/peer');
  // The gateways trust X-Forwarded-For from exactly this address (TRUSTED_PROXIES).
  expect(res.json.body).toBe('127.0.0.2 127.0.0.1');
});
