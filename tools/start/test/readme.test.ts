// Locks in that the README's "Two commands" and "Run it locally" sections tell the truth: every
// command there is run as documented (on free ports, in a fresh data directory) and must print
// the lines shown under it as `# > …` (`…` is what differs from run to run), in that order.
// `npm ci` and `npm test` are what runs this file, so those two are checked as text only.
import { execFile } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import {
  assertPortFree,
  eventually,
  ProcessGroup,
  REPO_ROOT,
  type ManagedProcess,
} from '@pardon/topology';

const run = promisify(execFile);
const START_DEADLINE_MS = 180_000;
const COMMAND_DEADLINE_MS = 90_000;

interface DocumentedCommand {
  command: string;
  expected: string[];
}

/** The sh blocks of the two sections, as commands with the `# >` lines under each. */
function documentedCommands(): { commands: DocumentedCommand[]; sectionText: string } {
  const readme = readFileSync(path.join(REPO_ROOT, 'README.md'), 'utf8');
  const start = readme.indexOf('## Two commands');
  const end = readme.indexOf('\n## ', readme.indexOf('## Run it locally'));
  const sectionText = readme.slice(start, end);
  const commands: DocumentedCommand[] = [];
  for (const [, block] of sectionText.matchAll(/```sh\n([\s\S]*?)```/g)) {
    let pending = '';
    for (const raw of (block ?? '').split('\n')) {
      if (raw.startsWith('# > ')) {
        commands.at(-1)?.expected.push(raw.slice(4));
        continue;
      }
      if (raw.trim() === '' || raw.startsWith('#')) continue;
      const line = pending + raw;
      if (line.endsWith('\\')) {
        pending = `${line.slice(0, -1).trimEnd()} `;
        continue;
      }
      pending = '';
      commands.push({ command: line.replace(/\s+#\s[^'"]*$/, '').trim(), expected: [] });
    }
  }
  return { commands, sectionText };
}

/** `# > ` lines as whole-line patterns, the README's port moved to the test's. */
function patterns(expected: string[], port: number): RegExp[] {
  return expected.map((line) => {
    const moved = line.replace(/\b55(5[5-9])\b/g, (_, d: string) => String(port + Number(d) - 55));
    const escaped = moved.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/…/g, '.*?');
    return new RegExp(`^${escaped}\\s*$`);
  });
}

/** The patterns that `lines` does not show in order (empty when all are there). */
function unmatched(lines: string[], wanted: RegExp[]): RegExp[] {
  let at = 0;
  for (const [i, pattern] of wanted.entries()) {
    while (at < lines.length && !pattern.test(lines[at] ?? '')) at += 1;
    if (at >= lines.length) return wanted.slice(i);
    at += 1;
  }
  return [];
}

/** `npm run <name>` is `node --import tsx <entry>`; the test runs the entry the same way. */
function scriptEntry(name: string): string {
  const scripts = (
    JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as {
      scripts: Record<string, string>;
    }
  ).scripts;
  const match = /^node --import tsx (\S+)$/.exec(scripts[name] ?? '');
  if (!match?.[1]) throw new Error(`npm run ${name} is no longer "node --import tsx <file>"`);
  return match[1];
}

async function freeBasePort(count: number): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt += 1) {
    const base = 20_000 + Math.floor(Math.random() * 30_000);
    try {
      for (let i = 0; i < count; i += 1) await assertPortFree(base + i, 'test');
      return base;
    } catch {
      // taken: try another
    }
  }
  throw new Error(`no ${count} consecutive free ports found`);
}

describe('the README commands', () => {
  const { commands, sectionText } = documentedCommands();
  const group = new ProcessGroup();
  let dataDir: string;
  let port: number;
  const vars: Record<string, string> = {};

  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'readme-'));
    // As root, the embedded PostgreSQL runs as its own user and must enter the folder.
    chmodSync(dataDir, 0o755);
    port = await freeBasePort(3);
  });

  afterAll(async () => {
    await group.stopAll(10_000);
    rmSync(dataDir, { recursive: true, force: true });
  });

  const startArgs = (command: string): string[] => {
    const rest = command.replace(/^(npm ci && )?npm start( --)?/, '').trim();
    return [...(rest ? rest.split(/\s+/) : []), '--port', String(port), '--data-dir', dataDir];
  };

  /** Runs a documented `npm start` and waits until it printed what the README shows. */
  async function startGame(doc: DocumentedCommand): Promise<ManagedProcess> {
    const game = group.spawn({
      name: doc.command,
      entry: scriptEntry('start'),
      args: startArgs(doc.command),
      env: {},
      keepLines: Infinity,
    });
    const wanted = patterns(doc.expected, port);
    await eventually(
      `"${doc.command}" to print what the README shows`,
      () => (unmatched(game.lines('stdout'), wanted).length === 0 ? true : undefined),
      START_DEADLINE_MS,
      {
        hopeless: () => (game.alive() ? undefined : 'it exited'),
        diagnostics: () =>
          `missing ${unmatched(game.lines('stdout'), wanted).join('\n')}\n--- output ---\n${game.output(80)}`,
      },
    );
    return game;
  }

  async function stopGame(game: ManagedProcess): Promise<void> {
    const exit = await game.kill('SIGTERM');
    expect(exit.code).toBe(0);
    expect(game.lines('stdout').at(-1)).toMatch(/^Stopped\. Data kept in /);
  }

  /** Runs a documented shell command (play, curl, an assignment) against the running game. */
  async function shell(doc: DocumentedCommand): Promise<void> {
    const assignment = /^([A-Z_]+)=(\$\(.*\))$/.exec(doc.command);
    const command = (assignment ? `printf %s "${assignment[2]}"` : doc.command)
      .replace(
        /npm run play -- (.*)$/,
        `node --import tsx ${scriptEntry('play')} $1 --url http://127.0.0.1:${port} --data-dir ${dataDir}`,
      )
      .replace(/\.\/\.data\//g, `${dataDir}/`)
      .replace(/http:\/\/127\.0\.0\.1:5555/g, `http://127.0.0.1:${port}`);
    const { stdout } = await run('bash', ['-c', command], {
      cwd: REPO_ROOT,
      env: { ...process.env, ...vars },
      timeout: COMMAND_DEADLINE_MS,
    });
    if (assignment?.[1]) {
      vars[assignment[1]] = stdout;
      expect(stdout).toMatch(/^[0-9a-f]{32,}$/);
      return;
    }
    const lines = stdout.split('\n');
    expect({
      command: doc.command,
      missing: unmatched(lines, patterns(doc.expected, port)).map(String),
      stdout,
    }).toEqual({
      command: doc.command,
      missing: [],
      stdout,
    });
  }

  it('shows the two commands of a fresh machine, and npm runs what this test runs', () => {
    expect(sectionText).toContain('npm ci && npm start');
    expect(sectionText).toContain('npm ci && npm test');
    expect(scriptEntry('start')).toBe('tools/start/main.ts');
    expect(scriptEntry('play')).toBe('tools/start/play.ts');
  });

  it('documents every option npm start has, and npm start -- --help prints what it shows', async () => {
    const help = commands.find((c) => c.command === 'npm start -- --help');
    expect(help).toBeDefined();
    const { stdout } = await run(
      process.execPath,
      ['--import', 'tsx', scriptEntry('start'), '--help'],
      {
        cwd: REPO_ROOT,
      },
    );
    expect(unmatched(stdout.split('\n'), patterns(help?.expected ?? [], port))).toEqual([]);
    const documented = /npm start -- --help\s+# (.*)/.exec(sectionText)?.[1]?.split(/,\s*/) ?? [];
    const offered = [...stdout.matchAll(/^\s+(--[a-z-]+)/gm)].map((m) => m[1]);
    expect(
      offered.filter((o) => o !== '--tasks' && o !== '--pools' && o !== '--help').sort(),
    ).toEqual([...documented].sort());
  });

  it('runs the game, then every play and curl command against it, then stops on SIGTERM', async () => {
    const first = commands.find((c) => c.command === 'npm start');
    expect(first?.expected.length).toBeGreaterThan(0);
    const game = await startGame(first as DocumentedCommand);
    try {
      const others = commands.filter((c) => !/(^|&& )npm (start|test)\b/.test(c.command));
      expect(others.length).toBeGreaterThanOrEqual(5);
      for (const doc of others) await shell(doc);
    } finally {
      await stopGame(game);
    }
  }, 400_000);

  it('runs two tasks behind the load balancer as documented', async () => {
    const two = commands.find((c) => c.command.startsWith('npm start -- --tasks 2'));
    expect(two?.expected.length).toBeGreaterThan(0);
    await stopGame(await startGame(two as DocumentedCommand));
  }, 300_000);

  it('runs the read replica as documented, and stops it with everything else', async () => {
    const withReplica = commands.find((c) => c.command.startsWith('npm start -- --replica'));
    expect(withReplica?.expected.length).toBeGreaterThan(0);
    const game = await startGame(withReplica as DocumentedCommand);
    const line = game.lines('stdout').find((l) => l.startsWith('  read replica '));
    const replicaPort = Number(/streaming standby on port (\d+)/.exec(line ?? '')?.[1]);
    expect(replicaPort).toBeGreaterThan(0);
    await stopGame(game);
    await assertPortFree(replicaPort, 'read replica'); // the standby stopped too
  }, 300_000);
});
