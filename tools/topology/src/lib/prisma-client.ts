// The Prisma client is generated into libs/db (git-ignored), so a fresh clone has none until
// something generates it; every app bundle imports it. `npm start` and `npm run capacity` both
// reach here through prepareApps, so neither needs a step of its own.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from './processes';

const GENERATED_CLIENT = path.join(REPO_ROOT, 'libs/db/src/generated/prisma/client.ts');

/** Generates the Prisma client when this clone has none yet (a few seconds, once). */
export function ensurePrismaClient(): void {
  if (existsSync(GENERATED_CLIENT)) return;
  console.log('Generating the Prisma client (first run on this clone)…');
  execFileSync(
    process.execPath,
    [require.resolve('prisma/build/index.js'), 'generate', '--config', 'libs/db/prisma.config.ts'],
    {
      cwd: REPO_ROOT,
      stdio: ['ignore', 'ignore', 'inherit'],
      env: {
        ...process.env,
        // `generate` reads the config's URL but never connects.
        DATABASE_URL: 'postgresql://generate-needs-no-connection@127.0.0.1:1/none',
      },
    },
  );
}
