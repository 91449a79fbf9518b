// Locks in the load test end to end against the real local topology (@pardon/topology: embedded
// PostgreSQL, a gateway process, the six agent processes, the sticky balancer in front): the real
// CLI process passes a short run against quick agents and writes a valid summary.json and
// report.html, and fails (exit 1) a run against agents that take 6 s per reply. The gateway keeps
// its default rate limits: the virtual players come from distinct loopback addresses, which the
// balancer appends to X-Forwarded-For, so one address's 600 requests/min is not everybody's.
// Every process is stopped by PID at the end.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '@pardon/test-env';
import { ProcessGroup, REPO_ROOT, startTopology, type Topology } from '@pardon/topology';

const CLI = path.join(REPO_ROOT, 'tools/loadtest/src/main.ts');
const TSCONFIG = path.join(REPO_ROOT, 'tools/loadtest/tsconfig.json');
const CLI_DEADLINE_MS = 60_000;

/** One task with two pools behind the balancer, default limits. */
function topology(agentLatency: string): Promise<Topology> {
  return startTopology({ pools: 2, agentLatency, cronWorkers: 0, logLevel: 'warn', proxy: true });
}

async function runCli(
  group: ProcessGroup,
  args: string[],
): Promise<{ code: number | null; output: string }> {
  const proc = await group.start({
    name: 'loadtest cli',
    entry: CLI,
    args,
    tsconfig: TSCONFIG,
    env: {},
  });
  const deadline = new Promise<never>((_, reject) => {
    const t = setTimeout(
      () => reject(new Error(`CLI still running:\n${proc.output(40)}`)),
      CLI_DEADLINE_MS,
    );
    t.unref();
  });
  const exit = await Promise.race([proc.exited, deadline]);
  return { code: exit.code, output: proc.output(60) };
}

function onlyReport(root: string): string {
  const runs = readdirSync(root);
  expect(runs).toHaveLength(1);
  return path.join(root, runs[0] as string);
}

describe('loadtest CLI against the local topology', () => {
  const group = new ProcessGroup();
  let topo: Topology | undefined;
  let out: string;

  beforeEach(() => {
    out = mkdtempSync(path.join(os.tmpdir(), 'loadtest-cli-'));
  });

  afterEach(async () => {
    await group.stopAll(2000);
    await topo?.stop();
    topo = undefined;
    rmSync(out, { recursive: true, force: true });
  });

  it('passes a short run against quick agents and writes a valid report', async () => {
    topo = await topology('50');
    const { code, output } = await runCli(group, [
      ...['--url', topo.url, '--players', '10', '--duration', '12s', '--ramp-up', '3s'],
      ...['--ramp-down', '2s', '--think', '200ms:500ms', '--reply-timeout', '4s'],
      ...['--health-interval', '1s', '--out', out],
    ]);
    expect({ code, output }).toMatchObject({ code: 0 });
    expect(output).toContain('verdict: PASS');

    const dir = onlyReport(out);
    const summary = JSON.parse(readFileSync(path.join(dir, 'summary.json'), 'utf8'));
    expect(summary).toMatchObject({
      version: 1,
      target: topo.url,
      stoppedBy: 'duration',
      config: { players: 10, phases: { rampUpMs: 3000, sustainMs: 7000, rampDownMs: 2000 } },
      verdict: { pass: true },
    });
    expect(summary.totals.replies).toBeGreaterThan(20);
    expect(summary.totals.replies).toBe(summary.totals.messagesSent);
    for (const kind of ['new', 'returning', 'multiAgent', 'leaderboard']) {
      expect(summary.totals.journeys[kind]).toBeGreaterThanOrEqual(1);
    }
    expect(summary.latency.p50Ms).toBeGreaterThanOrEqual(50);
    expect(summary.latency.p95Ms).toBeLessThan(3000);
    expect(summary.errorRate).toBeLessThan(0.01);
    expect(summary.timeline.length).toBeGreaterThanOrEqual(12);
    expect(Object.keys(summary.pools.capacity)).toEqual(['pool-0', 'pool-1']);
    const busiest = Math.max(
      ...summary.pools.samples.map((s: { activeThreads: Record<string, number> }) =>
        Object.values(s.activeThreads).reduce((a, b) => a + b, 0),
      ),
    );
    expect(busiest).toBeGreaterThan(0);

    const html = readFileSync(path.join(dir, 'report.html'), 'utf8');
    for (const id of ['chart-latency', 'chart-throughput', 'chart-errors', 'chart-pools']) {
      expect(html).toContain(`id="${id}"><svg`);
    }
    expect(html).not.toMatch(/<script|<link|src=/);
  }, 90_000);

  it('fails a run against agents that take 6 s to reply, with a non-zero exit', async () => {
    topo = await topology('6000');
    const { code, output } = await runCli(group, [
      ...['--url', topo.url, '--players', '4', '--duration', '8s', '--ramp-up', '1s'],
      ...['--ramp-down', '1s', '--think', '200ms:500ms', '--reply-timeout', '8s'],
      ...['--no-progress', '--out', out],
    ]);
    expect({ code, output }).toMatchObject({ code: 1 });
    expect(output).toContain('verdict: FAIL');
    expect(output).toMatch(/FAIL {2}p95/);

    const summary = JSON.parse(readFileSync(path.join(onlyReport(out), 'summary.json'), 'utf8'));
    expect(summary.verdict.pass).toBe(false);
    expect(summary.latency.p95Ms).toBeGreaterThanOrEqual(6000);
  }, 90_000);

  it('says in one line that nothing answers at the URL (exit 2, no report)', async () => {
    const port = await freePort();
    const { code, output } = await runCli(group, [
      '--url',
      `http://127.0.0.1:${port}`,
      '--out',
      out,
      '--no-progress',
    ]);
    expect(code).toBe(2);
    expect(output.trim()).toBe(
      `loadtest: nothing answers at http://127.0.0.1:${port} (ECONNREFUSED): start the game (npm start) or pass the --url it prints`,
    );
    expect(readdirSync(out)).toEqual([]);
  }, 30_000);

  it('refuses a non-loopback target without --allow-remote (exit 2, nothing sent)', async () => {
    const { code, output } = await runCli(group, ['--url', 'http://192.0.2.1:5555', '--out', out]);
    expect(code).toBe(2);
    expect(output).toContain('--allow-remote');
    expect(readdirSync(out)).toEqual([]);
  }, 30_000);
});
