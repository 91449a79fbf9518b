// The web client's server side: the pages and their assets as static files (a clear 404 when they
// are not built), the player roster at /api/agents, and the operations API behind OPS_TOKEN (404
// when unset, 401 without the token) with the task registry, pool-health history and job runs.
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { connectRoster, type TestAgent } from './support/agents';
import {
  agentSecretOf,
  createTestDb,
  startGateway,
  type TestDb,
  type TestGateway,
} from './support/gateway';
import { newWallet, request, signIn } from './support/wallet';

const OPS_TOKEN = 'test-ops-token-0123456789';

function builtPages(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'gateway-web-'));
  mkdirSync(path.join(dir, 'assets'));
  writeFileSync(path.join(dir, 'index.html'), '<!doctype html><title>player</title>');
  writeFileSync(path.join(dir, 'ops.html'), '<!doctype html><title>ops</title>');
  writeFileSync(path.join(dir, 'assets/player.js'), 'console.log("player")');
  return dir;
}

describe('web client and operations API', () => {
  let db: TestDb;
  let gw: TestGateway;
  let webDir: string;
  let agents: TestAgent[] = [];

  beforeAll(async () => {
    db = await createTestDb();
    webDir = builtPages();
    gw = await startGateway(db.url, {
      OPS_TOKEN,
      WEB_DIR: webDir,
      PUBLIC_URL: undefined,
    });
    agents = await connectRoster(gw.url, agentSecretOf, ['pool-0', 'pool-1'], ['agent-a']);
  });

  afterAll(async () => {
    await Promise.all(agents.map((a) => a.close()));
    await gw?.close();
    await db?.drop();
    rmSync(webDir, { recursive: true, force: true });
  });

  it('serves the player page at / and the ops page at /ops, same-origin only', async () => {
    for (const [route, title] of [
      ['/', 'player'],
      ['/ops', 'ops'],
    ] as const) {
      const res = await fetch(`${gw.url}${route}`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^text\/html/);
      expect(res.headers.get('content-security-policy')).toContain("default-src 'self'");
      await expect(res.text()).resolves.toContain(`<title>${title}</title>`);
    }
    const js = await fetch(`${gw.url}/assets/player.js`);
    expect(js.status).toBe(200);
    expect(js.headers.get('content-type')).toMatch(/javascript/);
    expect((await fetch(`${gw.url}/assets/missing.js`)).status).toBe(404);
    expect((await fetch(`${gw.url}/assets/../index.html`)).status).not.toBe(500);
  });

  it('lists a pool’s agents for a signed-in player, with who is not connected yet', async () => {
    expect((await request('GET', `${gw.url}/api/agents?pool=pool-0`)).status).toBe(401);
    const token = await signIn(gw.url, newWallet());
    const res = await request('GET', `${gw.url}/api/agents?pool=pool-0`, { token });
    expect(res.status).toBe(200);
    expect(res.json).toEqual({
      pool: 'pool-0',
      agents: [
        { id: 'agent-a', description: 'test agent agent-a', connected: true },
        { id: 'agent-b', description: 'agent-b', connected: false },
      ],
    });
    const unknown = await request('GET', `${gw.url}/api/agents?pool=pool-9`, { token });
    expect(unknown.status).toBe(404);
    expect(unknown.json.error).toBe('unknown_pool');
  });

  it('refuses the operations API without the operator token', async () => {
    const bare = await request('GET', `${gw.url}/api/ops/overview`);
    expect(bare.status).toBe(401);
    expect(bare.json.error).toBe('unauthorized');
    const wrong = await request('GET', `${gw.url}/api/ops/overview`, { token: 'x'.repeat(25) });
    expect(wrong.status).toBe(401);
    const run = await request('POST', `${gw.url}/api/ops/cron/pool-health`, {});
    expect(run.status).toBe(401);
  });

  it('reports live tasks with their pools, snapshot history and the last run of each job', async () => {
    const before = await request('GET', `${gw.url}/api/ops/overview`, { token: OPS_TOKEN });
    expect(before.status).toBe(200);
    expect(before.json.tasks).toHaveLength(1);
    expect(before.json.tasks[0]).toMatchObject({ taskId: gw.config.taskId, reachable: true });
    expect(before.json.tasks[0].pools[0]).toMatchObject({
      pool: 'pool-0',
      ready: false,
      agentsConnected: ['agent-a'],
      missingAgents: ['agent-b'],
    });
    expect(before.json.cron.map((c: { job: string }) => c.job)).toEqual([
      'session-cleanup',
      'thread-cleanup',
      'pool-health',
      'weekly-close',
    ]);

    const run = await request('POST', `${gw.url}/api/ops/cron/pool-health`, { token: OPS_TOKEN });
    expect(run.status).toBe(200);
    expect(run.json.result.snapshots).toBe(2);
    const cleanup = await request('POST', `${gw.url}/api/ops/cron/session-cleanup`, {
      token: OPS_TOKEN,
    });
    expect(cleanup.status).toBe(200);

    // Job runs are recorded without delaying the job's answer: poll until both are in.
    const deadline = Date.now() + 5_000;
    let after = await request('GET', `${gw.url}/api/ops/overview`, { token: OPS_TOKEN });
    const recorded = () =>
      after.json.cron.filter((c: { lastRun: unknown }) => c.lastRun !== null).length === 2;
    while (!recorded() && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
      after = await request('GET', `${gw.url}/api/ops/overview`, { token: OPS_TOKEN });
    }
    expect(after.json.history).toHaveLength(2);
    expect(after.json.history[0]).toMatchObject({ taskId: gw.config.taskId, agentsConnected: 1 });
    const runs = Object.fromEntries(
      after.json.cron.map((c: { job: string; lastRun: unknown }) => [c.job, c.lastRun]),
    );
    expect(runs['pool-health']).toMatchObject({ ok: true, summary: { snapshots: 2 } });
    expect(runs['session-cleanup']).toMatchObject({ ok: true, error: null });
    expect(runs['thread-cleanup']).toBeNull();
  });

  it('rejects an unknown job with a 400 and runs nothing', async () => {
    const res = await request('POST', `${gw.url}/api/ops/cron/drop-tables`, { token: OPS_TOKEN });
    expect(res.status).toBe(400);
    expect(res.json.error).toBe('validation_failed');
  });
});

describe('without OPS_TOKEN or built pages', () => {
  let db: TestDb;
  let gw: TestGateway;
  let empty: string;

  beforeAll(async () => {
    db = await createTestDb();
    empty = mkdtempSync(path.join(tmpdir(), 'gateway-web-empty-'));
    gw = await startGateway(db.url, { WEB_DIR: empty });
  });

  afterAll(async () => {
    await gw?.close();
    await db?.drop();
    rmSync(empty, { recursive: true, force: true });
  });

  it('keeps the operations API disabled (404), never open', async () => {
    const res = await request('GET', `${gw.url}/api/ops/overview`, { token: OPS_TOKEN });
    expect(res.status).toBe(404);
    expect(res.json.message).toContain('OPS_TOKEN');
  });

  it('answers / and /ops with a JSON 404 naming the missing build', async () => {
    for (const route of ['/', '/ops']) {
      const res = await request('GET', `${gw.url}${route}`);
      expect(res.status).toBe(404);
      expect(res.json).toEqual({
        error: 'not_found',
        message: 'The web client is not built on this task.',
      });
    }
  });
});
