// Locks in that the README's module table is the tree of apps/gateway/src: every folder has a row,
// every row names a folder that exists, and every source file of a folder is named in its row
// (so a newcomer gets from a route to its file in one hop, and the table cannot drift).
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

const APP = path.resolve(__dirname, '..');
const SRC = path.join(APP, 'src');

function moduleRows(): Map<string, string> {
  const readme = readFileSync(path.join(APP, 'README.md'), 'utf8');
  const rows = new Map<string, string>();
  for (const line of readme.split('\n')) {
    const m = /^\| \[`([a-z-]+)\/`\]\(src\/([a-z-]+)\)\s*\|(.*)\|\s*$/.exec(line);
    if (m?.[1] && m[1] === m[2]) rows.set(m[1], m[3] ?? '');
  }
  return rows;
}

function sourceFiles(folder: string): string[] {
  return readdirSync(path.join(SRC, folder)).filter(
    (f) => f.endsWith('.ts') && !f.endsWith('.spec.ts') && !f.endsWith('.test.ts'),
  );
}

describe('the README module table', () => {
  const rows = moduleRows();
  const folders = readdirSync(SRC).filter((f) => statSync(path.join(SRC, f)).isDirectory());

  it('has one row per folder of src/', () => {
    expect([...rows.keys()].sort()).toEqual([...folders].sort());
  });

  it.each(folders)('names every source file of %s/ in its row', (folder) => {
    const row = rows.get(folder) ?? '';
    const missing = sourceFiles(folder).filter((file) => !row.includes(`\`${file}\``));
    expect(missing).toEqual([]);
  });

  it('names no file that does not exist', () => {
    const stale: string[] = [];
    for (const [folder, row] of rows) {
      for (const [, file] of row.matchAll(/`([a-z-]+\.ts)`/g)) {
        if (file && !sourceFiles(folder).includes(file)) stale.push(`${folder}/${file}`);
      }
    }
    expect(stale).toEqual([]);
  });
});
