// Locks in first-use safety of the moto virtualenv: concurrent callers build it once (a lock
// file), a lock left by a dead process is taken over, and a finished install is reused.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureMotoVenv } from '../../src/index';

describe('ensureMotoVenv', () => {
  const root = mkdtempSync(join(tmpdir(), 'moto-venv-'));
  const dir = join(root, 'venv');
  // An empty requirements file keeps pip offline and fast; the locking is what is under test.
  const requirementsFile = join(root, 'requirements.txt');
  writeFileSync(requirementsFile, '# nothing to install\n');

  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('builds the virtualenv once when several callers start at the same time', async () => {
    // A lock held by a process that no longer exists must not block anyone.
    const dead = spawnSync(process.execPath, [
      '-e',
      'process.stdout.write(String(process.pid))',
    ]).stdout.toString();
    writeFileSync(`${dir}.lock`, dead);
    const logs: string[][] = [[], [], []];
    const results = await Promise.all(
      logs.map((log) => ensureMotoVenv({ dir, requirementsFile, log: (l) => log.push(l) })),
    );
    for (const r of results) expect(r.python).toBe(join(dir, 'bin', 'python'));
    expect(
      logs.filter((l) => l.some((line) => line.includes('creating Python virtualenv'))),
    ).toHaveLength(1);
    expect(existsSync(`${dir}.lock`)).toBe(false);
    expect(readFileSync(join(dir, '.pardon-requirements.sha256'), 'utf8')).toMatch(
      /^[0-9a-f]{64}$/,
    );
  }, 120_000);

  it('reuses a finished install without running pip again', async () => {
    const stamp = join(dir, '.pardon-requirements.sha256');
    const before = statSync(stamp).mtimeMs;
    const log: string[] = [];
    await ensureMotoVenv({ dir, requirementsFile, log: (l) => log.push(l) });
    expect(log).toEqual([]);
    expect(statSync(stamp).mtimeMs).toBe(before);
  });
});
