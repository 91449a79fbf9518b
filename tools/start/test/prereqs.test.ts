// Locks in that `npm test` stops before any suite on a machine that lacks a prerequisite, in one
// line that names what is missing and the exact command that installs it.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { findMissing, instruction, type PrereqEnv } from '../prereqs';

const REPO = path.resolve(__dirname, '../../..');
const present: PrereqEnv = {
  python: process.env['PYTHON'] ?? 'python3',
  curl: 'curl',
  chromium: process.execPath, // any file that exists
  nodeVersion: '20.19.0',
  freeBytes: () => 100 * 2 ** 30,
  isRoot: false,
};

function runCheck(env: Record<string, string>) {
  return spawnSync(process.execPath, ['--import', 'tsx', 'tools/start/prereqs.ts'], {
    cwd: REPO,
    env: { ...process.env, ...env },
    encoding: 'utf8',
  });
}

describe('the prerequisites check', () => {
  it('passes silently on a machine that has everything', () => {
    expect(findMissing(present)).toEqual([]);
    const r = runCheck({ CHROMIUM_PATH: process.execPath });
    expect({ status: r.status, stdout: r.stdout, stderr: r.stderr }).toEqual({
      status: 0,
      stdout: '',
      stderr: '',
    });
  });

  it('stops in one line with the apt command when Chromium is missing', () => {
    const r = runCheck({ CHROMIUM_PATH: '/nonexistent/chromium' });
    expect(r.status).toBe(1);
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /^npm test needs Chromium at \/nonexistent\/chromium \(browser tests\): /,
    );
    expect(lines[0]).toMatch(/apt-get install -y chromium$/);
  });

  it('names Python and its venv package when python3 is not there', () => {
    const missing = findMissing({ ...present, python: '/nonexistent/python3' });
    expect(missing).toEqual([{ what: 'Python 3 (/nonexistent/python3)', apt: 'python3-venv' }]);
    expect(instruction(missing, false)).toBe(
      'npm test needs Python 3 (/nonexistent/python3): sudo apt-get update && sudo apt-get install -y python3-venv',
    );
  });

  it('asks for curl when it is not there', () => {
    expect(findMissing({ ...present, curl: '/nonexistent/curl' })).toEqual([
      { what: 'curl (the README commands test)', apt: 'curl' },
    ]);
  });

  it('asks for a newer Node and free disk, with no apt command for either', () => {
    const missing = findMissing({ ...present, nodeVersion: '20.11.1', freeBytes: () => 2 ** 29 });
    expect(instruction(missing, true)).toBe(
      'npm test needs Node 20.19 or newer (this is 20.11.1), 2 GiB of free disk (0.5 GiB free): ' +
        'install Node 20 LTS from your distribution or nodejs.org; then free some disk space',
    );
  });

  it('installs every missing package in one apt command, without sudo as root', () => {
    const missing = findMissing({ ...present, python: '/nonexistent/python3', chromium: '/nope' });
    expect(instruction(missing, true)).toMatch(
      /: apt-get update && apt-get install -y python3-venv chromium$/,
    );
  });
});
