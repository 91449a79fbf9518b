// Bundles the agent's entry point once per test run (esbuild, npm packages left external), so the
// six agent processes start in well under a second each instead of each transpiling every source
// file with tsx on a busy two-core machine. What runs is the same code the `build` target ships.
import { build } from 'esbuild';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from './processes';

export async function bundleAgent(): Promise<{ file: string; remove: () => void }> {
  // Inside the repository (git-ignored tmp/) so the bundle's require() finds node_modules.
  mkdirSync(path.join(REPO_ROOT, 'tmp'), { recursive: true });
  const dir = mkdtempSync(path.join(REPO_ROOT, 'tmp', 'agent-bundle-'));
  const file = path.join(dir, 'main.cjs');
  await build({
    entryPoints: [path.join(REPO_ROOT, 'apps/agents/src/main.ts')],
    tsconfig: path.join(REPO_ROOT, 'apps/agents/tsconfig.app.json'),
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    packages: 'external',
    outfile: file,
    logLevel: 'error',
  });
  return { file, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
