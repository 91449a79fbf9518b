// Locks in how the pinned Python virtualenvs (moto's, the MCP clients') are kept: a changed
// freeze reinstalls, a missing `python3 -m venv` is named, and the client freezes pin everything.
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { ensureVenv, PYTHON_CLIENTS, pythonClientsRequirements } from '../../src/index';

describe('ensureVenv', () => {
  const root = mkdtempSync(join(tmpdir(), 'pardon-venv-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('reinstalls when the requirements file changes, and only then', async () => {
    const dir = join(root, 'venv');
    const requirementsFile = join(root, 'requirements.txt');
    // Comments only: pip stays offline; the stamp is what is under test.
    writeFileSync(requirementsFile, '# first\n');
    const first: string[] = [];
    const second: string[] = [];
    const third: string[] = [];
    const install = (log: string[]) =>
      ensureVenv({ what: 'nothing', dir, requirementsFile, log: (l) => log.push(l) });
    await install(first);
    await install(second);
    writeFileSync(requirementsFile, '# second\n');
    await install(third);
    const installing = (log: string[]) => log.filter((l) => l.startsWith('installing nothing'));
    expect(installing(first)).toHaveLength(1);
    expect(second).toEqual([]);
    expect(installing(third)).toHaveLength(1);
    // The virtualenv itself is kept: only pip runs again.
    expect(third.some((l) => l.includes('creating Python virtualenv'))).toBe(false);
  }, 120_000);

  it('names `python3 -m venv` when the virtualenv cannot be created', async () => {
    const requirementsFile = join(root, 'empty.txt');
    writeFileSync(requirementsFile, '');
    await expect(
      ensureVenv({
        what: 'the test clients',
        dir: join(root, 'never'),
        requirementsFile,
        basePython: '/bin/false',
        log: () => undefined,
      }),
    ).rejects.toThrow('`/bin/false -m venv` is needed for the test clients');
  });
});

describe('the MCP client freezes', () => {
  it('has one fully pinned requirements file per client environment', () => {
    const folder = dirname(pythonClientsRequirements(PYTHON_CLIENTS[0]));
    const files = readdirSync(folder).filter((f) => f.endsWith('.requirements.txt'));
    expect(files.sort()).toEqual(PYTHON_CLIENTS.map((n) => `${n}.requirements.txt`).sort());
    for (const name of PYTHON_CLIENTS) {
      const lines = readFileSync(pythonClientsRequirements(name), 'utf8')
        .split('\n')
        .map((l) => l.trim())
        .filter((l) => l !== '' && !l.startsWith('#'));
      expect(lines.length).toBeGreaterThan(10);
      for (const line of lines) expect(line).toMatch(/^[A-Za-z0-9_.-]+(\[[a-z,]+\])?==[^\s=<>~]+$/);
      expect(lines).toContain(name === 'mcp2' ? 'mcp==2.3.0' : 'mcp==1.30.0');
    }
  });
});
