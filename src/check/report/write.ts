// Writes a check's report.json, report.md and report.html into its folder.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CheckReport } from '../types.ts';
import { reportHtml } from './html.ts';
import { reportMarkdown } from './markdown.ts';

export function writeReport(folder: string, r: CheckReport): string[] {
  const files = { 'report.json': JSON.stringify(r, null, 2) + '\n', 'report.md': reportMarkdown(r), 'report.html': reportHtml(r) };
  for (const [name, text] of Object.entries(files)) writeFileSync(join(folder, name), text);
  return Object.keys(files).map((f) => join(folder, f));
}
