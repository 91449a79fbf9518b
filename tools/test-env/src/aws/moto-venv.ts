import { join } from 'node:path';
import { ensureVenv, findRepoRoot, type PythonVenv } from '../python/venv';

export { findRepoRoot };

export type MotoVenv = PythonVenv;

export interface EnsureMotoVenvOptions {
  /** Virtualenv folder (git-ignored). Default `<repo>/.venv/moto`, or `PARDON_MOTO_VENV`. */
  dir?: string;
  requirementsFile?: string;
  /** Progress lines; default writes to stderr. */
  log?: (line: string) => void;
}

/**
 * Creates (once) the git-ignored virtualenv holding the pinned moto server
 * (tools/test-env/moto-requirements.txt) and returns its interpreter; see `ensureVenv`.
 */
export async function ensureMotoVenv(options: EnsureMotoVenvOptions = {}): Promise<MotoVenv> {
  const root = findRepoRoot();
  return ensureVenv({
    what: 'moto',
    dir: options.dir ?? process.env['PARDON_MOTO_VENV'] ?? join(root, '.venv', 'moto'),
    requirementsFile:
      options.requirementsFile ?? join(root, 'tools', 'test-env', 'moto-requirements.txt'),
    expectedTime: 'about a minute',
    log: options.log,
    logPrefix: 'test-env:aws',
  });
}
