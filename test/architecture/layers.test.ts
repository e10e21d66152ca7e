// The layer rule, checked: ARCHITECTURE.md's "may import" table (between the imports markers)
// is the rule, with no exceptions; every relative import in src/, workers/ and bench/ must keep
// to it, and the table itself must have no cycle. A new upward import (say, src/core importing
// src/net) fails here.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const doc = readFileSync(join(ROOT, 'ARCHITECTURE.md'), 'utf8');

function between(text: string, tag: string): string {
  const m = text.match(new RegExp(`<!-- ${tag}:begin -->([\\s\\S]*?)<!-- ${tag}:end -->`));
  if (!m) throw new Error(`ARCHITECTURE.md has no <!-- ${tag}:begin --> ... <!-- ${tag}:end --> block`);
  return m[1]!;
}

/** folder -> the folders it may import ('*': any folder of src/). */
export function parseRules(table: string): Map<string, Set<string> | '*'> {
  const rules = new Map<string, Set<string> | '*'>();
  for (const line of table.split('\n')) {
    const cells = line.split('|').map((c) => c.trim());
    if (cells.length < 4 || !cells[1]!.startsWith('`')) continue;
    const folder = cells[1]!.replace(/`/g, '');
    rules.set(folder, cells[2]!.startsWith('every folder') ? '*' : new Set([...cells[2]!.matchAll(/`([^`]+)`/g)].map((m) => m[1]!)));
  }
  return rules;
}

/** A cycle among the table's folders ('*' rows, the entry points, excluded), as a path; undefined: none. */
export function findCycle(rules: Map<string, Set<string> | '*'>): string[] | undefined {
  const state = new Map<string, 'open' | 'done'>();
  const path: string[] = [];
  const visit = (folder: string): string[] | undefined => {
    if (state.get(folder) === 'done') return undefined;
    if (state.get(folder) === 'open') return [...path.slice(path.indexOf(folder)), folder];
    state.set(folder, 'open');
    path.push(folder);
    const next = rules.get(folder);
    for (const to of next instanceof Set ? next : []) {
      const cycle = visit(to);
      if (cycle) return cycle;
    }
    path.pop();
    state.set(folder, 'done');
    return undefined;
  };
  for (const folder of rules.keys()) {
    const cycle = visit(folder);
    if (cycle) return cycle;
  }
  return undefined;
}

function tsFiles(dir: string): string[] {
  return readdirSync(join(ROOT, dir)).flatMap((name) => {
    const rel = join(dir, name);
    if (statSync(join(ROOT, rel)).isDirectory()) return tsFiles(rel);
    return name.endsWith('.ts') ? [rel] : [];
  });
}

/** The layer a repository file belongs to: its folder under src/, or workers / bench. */
function layerOf(file: string): string {
  const parts = file.split('/');
  return parts[0] === 'src' ? parts[1]! : parts[0]!;
}

const IMPORT = /(?:^|\n)\s*(?:import|export)\b[^'";]*?from\s*['"](\.{1,2}\/[^'"]+)['"]|\bimport\(\s*['"](\.{1,2}\/[^'"]+)['"]\s*\)/g;

export function violations(files: readonly string[], read: (f: string) => string, rules: Map<string, Set<string> | '*'>): string[] {
  const out: string[] = [];
  for (const file of files) {
    const from = layerOf(file);
    const allowed = rules.get(from);
    for (const m of read(file).matchAll(IMPORT)) {
      const target = normalize(join(dirname(file), m[1] ?? m[2]!));
      const to = layerOf(target);
      if (to === from || !(target.startsWith('src/'))) continue;
      if (allowed === '*') continue;
      if (allowed?.has(to)) continue;
      out.push(`${file} imports ${target}: ${from} may not import ${to}${allowed ? '' : ` (${from} is not in ARCHITECTURE.md's table)`}`);
    }
  }
  return out;
}

const rules = parseRules(between(doc, 'imports'));
const files = ['src', 'workers', 'bench'].flatMap(tsFiles);
const read = (f: string) => readFileSync(join(ROOT, f), 'utf8');

describe('layers (ARCHITECTURE.md)', () => {
  it('every folder under src/ has a row in the table', () => {
    const folders = readdirSync(join(ROOT, 'src')).filter((d) => statSync(join(ROOT, 'src', d)).isDirectory());
    expect(folders.filter((d) => !rules.has(d))).toEqual([]);
  });

  it('every relative import keeps to the table', () => {
    expect(violations(files, read, rules)).toEqual([]);
  });

  it('the table has no cycle, and no exception list', () => {
    expect(findCycle(rules)).toBeUndefined();
    expect(doc).not.toMatch(/exceptions:begin/);
  });

  it('catches a cycle planted in the table (report may import experiment, experiment report)', () => {
    const planted = new Map(rules);
    planted.set('experiment', new Set([...(rules.get('experiment') as Set<string>), 'report']));
    expect(findCycle(planted)).toEqual(['experiment', 'report', 'experiment']);
  });

  it('catches a planted upward import (core importing net) and a folder missing from the table', () => {
    const planted = { 'src/core/x.ts': "import { FramedConnection } from '../net/connection.ts';\n", 'src/newthing/y.ts': "import { nowMs } from '../util/clock.ts';\n" };
    const found = violations(Object.keys(planted), (f) => planted[f as keyof typeof planted], rules);
    expect(found).toEqual([
      'src/core/x.ts imports src/net/connection.ts: core may not import net',
      'src/newthing/y.ts imports src/util/clock.ts: newthing may not import util (newthing is not in ARCHITECTURE.md\'s table)',
    ]);
  });
});
