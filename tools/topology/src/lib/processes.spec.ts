// Locks in what the apps' suites take from the launcher besides starting and stopping (which
// test/processes.spec.ts covers): every line of each stream kept for assertions when asked, Node
// options before the entry, `killAll` ending exactly the group's processes by PID, `eventually`'s
// value, early give-up and error modes, and the `answersHttp` readiness check.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { answersHttp, eventually, ProcessGroup } from './processes';

let dir: string;
let chatty: string;
let sleeper: string;
const group = new ProcessGroup();

beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'launcher-spec-'));
  chatty = path.join(dir, 'chatty.cjs');
  // 700 numbered stdout lines, two stderr lines (and an empty one) unless QUIET_STDERR, and a last
  // stdout line without its newline.
  writeFileSync(
    chatty,
    `for (let i = 1; i <= 700; i++) process.stdout.write('out ' + i + '\\n');
     if (!process.env.QUIET_STDERR) process.stderr.write('{"level":30,"msg":"one"}\\n\\nerr two\\n');
     process.stdout.write('unfinished');`,
  );
  sleeper = path.join(dir, 'sleeper.cjs');
  writeFileSync(sleeper, 'setInterval(() => undefined, 1000);');
});
afterAll(async () => {
  await group.killAll();
  rmSync(dir, { recursive: true, force: true });
});

test('keepLines: Infinity keeps every line of each stream, in order, the unfinished one last', async () => {
  const proc = group.spawn({ name: 'chatty', entry: chatty, env: {}, keepLines: Infinity });
  expect(await proc.exited).toEqual({ code: 0, signal: null });
  const out = proc.lines('stdout');
  expect(out).toHaveLength(701);
  expect(out.slice(0, 2)).toEqual(['out 1', 'out 2']);
  expect(out.slice(-2)).toEqual(['out 700', 'unfinished']);
  expect(proc.lines('stderr')).toEqual(['{"level":30,"msg":"one"}', 'err two']);
  expect(proc.lines()).toHaveLength(703);
  expect(proc.output(1)).toBe('unfinished');
});

test('by default only the last 500 lines are kept', async () => {
  const proc = group.spawn({ name: 'chatty', entry: chatty, env: { QUIET_STDERR: '1' } });
  await proc.exited;
  const all = proc.lines('stdout');
  expect(all).toHaveLength(501);
  expect([all[0], ...all.slice(-2)]).toEqual(['out 201', 'out 700', 'unfinished']);
  expect(proc.lines()).toEqual(all);
});

test("nodeArgs are Node's own options, given before the entry (and not to the entry)", async () => {
  const echo = path.join(dir, 'echo-args.cjs');
  writeFileSync(echo, 'console.log(JSON.stringify([process.execArgv, process.argv.slice(2)]));');
  const proc = group.spawn({
    name: 'echo',
    entry: echo,
    args: ['--entry-arg'],
    nodeArgs: ['--max-semi-space-size=8', '--stack-size=2000'],
    env: {},
  });
  expect(await proc.exited).toEqual({ code: 0, signal: null });
  const [execArgv, argv] = JSON.parse(proc.lines('stdout')[0] ?? '[]') as [string[], string[]];
  expect(execArgv.slice(-2)).toEqual(['--max-semi-space-size=8', '--stack-size=2000']);
  expect(argv).toEqual(['--entry-arg']);
});

test('killAll SIGKILLs every running process of its group and no other', async () => {
  const other = new ProcessGroup();
  const a = group.spawn({ name: 'a', entry: sleeper, env: {} });
  const b = group.spawn({ name: 'b', entry: sleeper, env: {} });
  const bystander = other.spawn({ name: 'bystander', entry: sleeper, env: {} });
  try {
    await group.killAll();
    expect(await a.exited).toEqual({ code: null, signal: 'SIGKILL' });
    expect(await b.exited).toEqual({ code: null, signal: 'SIGKILL' });
    expect(group.list()).toEqual([]);
    expect(bystander.alive()).toBe(true);
  } finally {
    await other.killAll();
  }
});

test('eventually resolves with the first value other than undefined', async () => {
  let calls = 0;
  const value = await eventually(
    'the third call',
    () => (++calls === 3 ? 'ready' : undefined),
    5_000,
  );
  expect({ value, calls }).toEqual({ value: 'ready', calls: 3 });
});

test('eventually gives up as soon as hopeless says why, with the diagnostics', async () => {
  const started = Date.now();
  await expect(
    eventually('nothing', () => undefined, 60_000, {
      hopeless: () => 'the server exited',
      diagnostics: () => 'its last words',
    }),
  ).rejects.toThrow('gave up waiting for nothing: the server exited\nits last words');
  expect(Date.now() - started).toBeLessThan(1_000);
});

test('eventually retries a check that throws and names its last error at the deadline', async () => {
  await expect(
    eventually(
      'a flaky check',
      () => {
        throw new Error('not listening');
      },
      300,
    ),
  ).rejects.toThrow(
    /timed out after 300 ms waiting for a flaky check \(last error: .*not listening\)/,
  );
});

test("eventually with onError: 'fail' fails on the check's first error", async () => {
  let calls = 0;
  await expect(
    eventually(
      'a strict check',
      () => {
        calls += 1;
        throw new Error('tool call failed');
      },
      60_000,
      { onError: 'fail' },
    ),
  ).rejects.toThrow('tool call failed');
  expect(calls).toBe(1);
});

test('answersHttp is ready once the URL answers, whatever the status', async () => {
  const server: Server = createServer((_req, res) => res.writeHead(503).end('starting'));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const ready = answersHttp(`http://127.0.0.1:${port}/health`);
  try {
    expect(await ready()).toBe(true);
  } finally {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
  await expect(ready()).rejects.toThrow(); // refused: "not yet" for the launcher's poll
});
