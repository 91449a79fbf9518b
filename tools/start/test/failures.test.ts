// Locks in what a newcomer sees when `npm start` or `npm run play` cannot do their job: one plain
// message naming the problem and what to do, a non-zero exit within seconds, and no process left
// behind. Each command runs as the real CLI process, started and stopped by PID.
import { createServer, type Server } from 'node:http';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '@pardon/test-env';
import { assertPortFree, ProcessGroup } from '@pardon/topology';

const EXIT_DEADLINE_MS = 30_000;

/** An HTTP server that answers /health like a ready gateway task-1 (another npm start, say). */
function impostor(port: number): Promise<Server> {
  const server = createServer((request, response) => {
    response.setHeader('content-type', 'application/json');
    response.end(
      JSON.stringify({
        status: 'ok',
        taskId: 'task-1',
        database: 'up',
        pools: [
          {
            pool: 'pool-0',
            ready: true,
            agentsConnected: [],
            missingAgents: [],
            activeThreads: 0,
            capacity: 30,
          },
        ],
      }),
    );
    void request;
  });
  return new Promise((resolve) => server.listen(port, '127.0.0.1', () => resolve(server)));
}

describe('start-up failures', () => {
  const group = new ProcessGroup();
  let dataDir: string;
  let server: Server | undefined;

  beforeEach(() => {
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'start-failures-'));
    chmodSync(dataDir, 0o755); // the embedded PostgreSQL (its own user under root) enters it
  });

  afterEach(async () => {
    await group.stopAll(2_000);
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    server = undefined;
    rmSync(dataDir, { recursive: true, force: true });
  });

  async function run(entry: string, args: string[]) {
    const proc = group.spawn({
      name: entry,
      entry,
      args,
      tsconfig: 'tools/start/tsconfig.json',
      env: {},
    });
    const timer = setTimeout(() => proc.kill('SIGKILL'), EXIT_DEADLINE_MS);
    const exit = await proc.exited;
    clearTimeout(timer);
    return { code: exit.code, stdout: proc.lines('stdout'), stderr: proc.lines('stderr') };
  }

  it('npm start on a port another game holds says so and suggests --port', async () => {
    const port = await freePort();
    server = await impostor(port);
    const r = await run('tools/start/main.ts', ['--port', String(port), '--data-dir', dataDir]);
    expect(r.code).toBe(1);
    expect(r.stderr).toEqual([
      `npm start failed: port ${port} (players) is already in use on 127.0.0.1 by another program`,
      `Stop the other program (another npm start?) or choose free ports, e.g. npm start -- --port ${port + 10}`,
    ]);
  }, 60_000);

  it('npm start on a database port in use suggests --db-port', async () => {
    const port = await freePort();
    const dbPort = await freePort();
    server = await impostor(dbPort);
    const r = await run('tools/start/main.ts', [
      '--port',
      String(port),
      '--db-port',
      String(dbPort),
      '--data-dir',
      dataDir,
    ]);
    expect(r.code).toBe(1);
    expect(r.stderr.at(-1)).toBe(
      `Stop the other program (another npm start?) or choose free ports, e.g. npm start -- --db-port ${dbPort + 10}`,
    );
  }, 60_000);

  it('npm start whose agent exits while starting shows its output and stops everything', async () => {
    const port = await freePort();
    const r = await run('tools/start/main.ts', [
      '--port',
      String(port),
      '--data-dir',
      dataDir,
      '--latency',
      'nonsense',
    ]);
    expect(r.code).toBe(1);
    expect(r.stderr[0]).toMatch(
      /^npm start failed: gave up waiting for .* to be ready: .* exited$/,
    );
    expect(r.stderr).toContain('invalid agent configuration:');
    // Everything it started is stopped: the port is free again.
    await expect(assertPortFree(port, 'players')).resolves.toBeUndefined();
  }, 120_000);

  it('npm run play with no game running says how to start one', async () => {
    const port = await freePort();
    const r = await run('tools/start/play.ts', [
      'cz',
      'hello',
      '--url',
      `http://127.0.0.1:${port}`,
      '--data-dir',
      dataDir,
    ]);
    expect(r.code).toBe(1);
    expect(r.stderr).toEqual([
      `Nothing answers at http://127.0.0.1:${port}. Start the game first with \`npm start\` in another terminal, or pass --url <the game's address>.`,
    ]);
  }, 60_000);
});
