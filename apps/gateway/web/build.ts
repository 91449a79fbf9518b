// Builds the player page (/) and the operations page (/ops) into static files the gateway serves.
// esbuild bundles each page into one script; nothing is loaded from another origin.
import { build } from 'esbuild';
import { copyFile, mkdir, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';

const here = __dirname;
const out = resolve(process.argv[2] ?? join(here, '../../../dist/apps/gateway-web'));

async function main(): Promise<void> {
  const started = Date.now();
  await rm(out, { recursive: true, force: true });
  await mkdir(join(out, 'assets'), { recursive: true });
  const result = await build({
    entryPoints: {
      player: join(here, 'src/player/main.tsx'),
      ops: join(here, 'src/ops/main.tsx'),
    },
    outdir: join(out, 'assets'),
    bundle: true,
    format: 'iife',
    platform: 'browser',
    target: ['chrome111', 'firefox115', 'safari16.4'],
    minify: true,
    sourcemap: true,
    jsx: 'automatic',
    jsxImportSource: 'preact',
    tsconfig: join(here, 'tsconfig.json'),
    metafile: true,
    logLevel: 'warning',
  });
  await copyFile(join(here, 'src/styles.css'), join(out, 'assets/styles.css'));
  await copyFile(join(here, 'src/index.html'), join(out, 'index.html'));
  await copyFile(join(here, 'src/ops.html'), join(out, 'ops.html'));
  const sizes = Object.entries(result.metafile.outputs)
    .filter(([f]) => f.endsWith('.js'))
    .map(([f, o]) => `${f.split('/').pop()} ${(o.bytes / 1024).toFixed(1)} KiB`);
  console.log(`web: built ${sizes.join(', ')} into ${out} in ${Date.now() - started} ms`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
