// The loopback ALB: a player keeps its task through the sticky cookie, new players are spread,
// and a player whose task is gone lands on another task with a new cookie.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { startStickyProxy, STICKY_COOKIE, type StickyProxy } from '../src/lib/sticky-proxy';

const servers: http.Server[] = [];
let proxy: StickyProxy;

async function backend(id: string): Promise<{ id: string; url: string; server: http.Server }> {
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => res.end(JSON.stringify({ task: id, body })));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  servers.push(server);
  return { id, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

async function ask(cookie?: string, body = 'hi') {
  const res = await fetch(`${proxy.url}/x`, {
    method: 'POST',
    body,
    headers: cookie ? { cookie: `${STICKY_COOKIE}=${cookie}` } : {},
  });
  const set = res.headers.getSetCookie().find((c) => c.startsWith(`${STICKY_COOKIE}=`));
  return {
    json: (await res.json()) as { task: string; body: string },
    cookie: set?.split(';')[0]?.split('=')[1],
  };
}

afterAll(async () => {
  await proxy?.close();
  for (const s of servers) s.close();
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

  const dead = first.json.task === 'task-1' ? a : b;
  await new Promise<void>((resolve) => dead.server.close(() => resolve()));
  const moved = await ask(first.cookie, 'after the crash');
  expect(moved.json.task).not.toBe(first.json.task);
  expect(moved.json.body).toBe('after the crash');
  expect(moved.cookie).toBe(moved.json.task);
});
