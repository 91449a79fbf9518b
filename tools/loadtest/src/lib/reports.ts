import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { renderReport } from './report-html';
import type { Summary } from './runner';

/** `2026-11-28T07-30-00-123Z`: a run's folder name, sortable and safe on every file system. */
export function reportFolderName(date: Date): string {
  return date.toISOString().replace(/[:.]/g, '-');
}

/** Writes `summary.json` and `report.html` into `<root>/<timestamp>/` and returns that folder. */
export function writeReports(summary: Summary, root: string): string {
  const dir = path.join(root, reportFolderName(new Date(summary.startedAt)));
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'summary.json'), `${JSON.stringify(summary, null, 2)}\n`);
  writeFileSync(path.join(dir, 'report.html'), renderReport(summary));
  return dir;
}
