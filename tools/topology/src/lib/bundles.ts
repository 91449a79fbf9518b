// The three apps bundled once per topology with esbuild (npm packages left external, as the apps'
// `build` targets do), so sixteen processes start in well under a second each instead of each
// transpiling every source file with tsx on a two-core machine.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';
import { build } from 'esbuild';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import path from 'node:path';
import { ensurePrismaClient } from './prisma-client';
import { REPO_ROOT } from './processes';

export type AppName = 'gateway' | 'agents' | 'cron-worker';
export const APP_NAMES: readonly AppName[] = ['gateway', 'agents', 'cron-worker'];

export interface AppBundles {
  /** Entry file per app: a `.cjs` bundle, or the `.ts` source when run with tsx. */
  entry: Record<AppName, string>;
  /** tsconfig per app (for tsx runs). */
  tsconfig: Record<AppName, string>;
  /** The gateway's built web pages (player page and /ops), when asked for. */
  webDir: string | undefined;
  remove(): void;
}

const sourceOf = (app: AppName) => path.join(REPO_ROOT, 'apps', app, 'src/main.ts');
const tsconfigOf = (app: AppName) => path.join(REPO_ROOT, 'apps', app, 'tsconfig.app.json');

/**
 * An app's entry point as its sources, for a `LaunchSpec` (`{ name, ...appSource('gateway'), env }`):
 * `src/main.ts` run with tsx and the project's tsconfig (whose path aliases tsx resolves).
 */
export function appSource(app: AppName): { entry: string; tsconfig: string } {
  return { entry: sourceOf(app), tsconfig: path.join(REPO_ROOT, 'apps', app, 'tsconfig.json') };
}

const WEB_BUILD = path.join(REPO_ROOT, 'apps/gateway/web/build.ts');

/**
 * Bundles the apps into a fresh folder under `<repo>/tmp` (inside the repository, so the bundles'
 * `require()` finds node_modules). With `runner: 'tsx'` the sources run as they are. `apps` limits
 * the bundling to some apps (e.g. a test that starts many agents), the others run from source. With
 * `web`, the gateway's pages are built too (`apps/gateway/web/build.ts`) for `WEB_DIR`.
 */
export async function prepareApps(
  runner: 'bundle' | 'tsx' = 'bundle',
  options: { web?: boolean; apps?: readonly AppName[] } = {},
): Promise<AppBundles> {
  ensurePrismaClient();
  const tsconfig = {
    gateway: appSource('gateway').tsconfig,
    agents: appSource('agents').tsconfig,
    'cron-worker': appSource('cron-worker').tsconfig,
  };
  mkdirSync(path.join(REPO_ROOT, 'tmp'), { recursive: true });
  const dir = mkdtempSync(path.join(REPO_ROOT, 'tmp', 'topology-'));
  const remove = () => rmSync(dir, { recursive: true, force: true });
  try {
    let webDir: string | undefined;
    if (options.web && existsSync(WEB_BUILD)) {
      webDir = path.join(dir, 'gateway-web');
      await promisify(execFile)(process.execPath, ['--import', 'tsx', WEB_BUILD, webDir], {
        cwd: REPO_ROOT,
      });
    }
    const entry = {
      gateway: sourceOf('gateway'),
      agents: sourceOf('agents'),
      'cron-worker': sourceOf('cron-worker'),
    };
    const bundled = runner === 'tsx' ? [] : (options.apps ?? APP_NAMES);
    await Promise.all(
      bundled.map(async (app) => {
        const outfile = path.join(dir, `${app}.cjs`);
        await build({
          entryPoints: [sourceOf(app)],
          tsconfig: tsconfigOf(app),
          bundle: true,
          platform: 'node',
          format: 'cjs',
          target: 'node20',
          packages: 'external',
          outfile,
          logLevel: 'error',
        });
        entry[app] = outfile;
      }),
    );
    return { entry, tsconfig, webDir, remove };
  } catch (error) {
    remove();
    throw error;
  }
}
