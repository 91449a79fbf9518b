// The launcher shared by npm start, the integration suite and the load test: readiness with a
// deadline, SIGTERM then SIGKILL by PID, output kept, and children that stop by themselves when
// the process that started them is SIGKILLed.
import { spawn } from 'node:child_process';
import path from 'node:path';
import readline from 'node:readline';
import { freePort } from '@pardon/test-env';
import { ProcessGroup, waitUntil } from '../src/lib/processes';

const CHILD = path.join(__dirname, 'fixtures/http-child.ts');
const group = new ProcessGroup();
afterAll(() => group.stopAll(1_000));

const answers = async (port: number) => (await fetch(`http://127.0.0.1:${port}/`)).ok;
const isRunning = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

test('start waits until the process is ready and keeps its output', async () => {
  const port = await freePort();
  const proc = await group.start({
    name: 'slow starter',
    entry: CHILD,
    env: { PORT: String(port), READY_DELAY_MS: '300' },
    ready: () => answers(port),
  });
  expect(await answers(port)).toBe(true);
  expect(proc.output()).toContain(`listening on ${port}`);
  expect(await proc.stop()).toEqual({ code: null, signal: 'SIGTERM' });
  expect(group.list()).not.toContain(proc);
});

test('a process that is not ready by the deadline is stopped and named in the error', async () => {
  const port = await freePort();
  await expect(
    group.start({
      name: 'never ready',
      entry: CHILD,
      env: { PORT: String(port), READY_DELAY_MS: '60000' },
      ready: () => answers(port),
      readyTimeoutMs: 500,
    }),
  ).rejects.toThrow(/never ready to be ready/);
  expect(group.list()).toHaveLength(0);
});

test('stop escalates to SIGKILL when SIGTERM is ignored', async () => {
  const port = await freePort();
  const proc = await group.start({
    name: 'stubborn',
    entry: CHILD,
    env: { PORT: String(port), IGNORE_SIGTERM: '1' },
    ready: () => answers(port),
  });
  expect(await proc.stop(300)).toEqual({ code: null, signal: 'SIGKILL' });
  expect(proc.output()).toContain('ignoring SIGTERM');
});

test('children stop by themselves when the process that started them is SIGKILLed', async () => {
  const port = await freePort();
  const parent = spawn(
    process.execPath,
    ['--import', 'tsx', path.join(__dirname, 'fixtures/launcher-parent.ts')],
    {
      env: { PATH: process.env['PATH'], HOME: process.env['HOME'], PORT: String(port) },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  try {
    const childPid = await new Promise<number>((resolve, reject) => {
      const lines = readline.createInterface({ input: parent.stdout });
      lines.on('line', (line) => {
        if (line.startsWith('{')) resolve((JSON.parse(line) as { childPid: number }).childPid);
      });
      parent.once('exit', () => reject(new Error('launcher parent exited early')));
    });
    expect(await answers(port)).toBe(true);
    parent.kill('SIGKILL');
    await waitUntil('the orphaned child to exit', async () => !isRunning(childPid), 10_000);
  } finally {
    if (parent.exitCode === null && parent.signalCode === null) parent.kill('SIGKILL');
  }
}, 30_000);
