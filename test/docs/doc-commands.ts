// Extracts the shell commands of README.md and docs/*.md, with how each block is exercised: the
// HTML comment just above a fenced block says so (`<!-- doc-test: starts -->`, `<!-- doc-test:
// script -->`, `<!-- doc-test: skip: why -->`); without one, every line must exit 0.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

export type Mode = 'run' | 'starts' | 'script' | 'skip';

export interface DocBlock {
  file: string;
  line: number;
  mode: Mode;
  reason?: string;
  /** command lines as written (continuations joined, comments and output lines dropped) */
  commands: string[];
}

const SHELL_FENCE = /^```(sh|bash|shell|console)\s*$/;
const MARK = /^<!--\s*doc-test:\s*(starts|script|skip)(?::\s*(.*?))?\s*-->\s*$/;

export function docFiles(root: string): string[] {
  const docs = readdirSync(join(root, 'docs')).filter((f) => f.endsWith('.md')).sort();
  return ['README.md', ...docs.map((f) => `docs/${f}`)];
}

export function extractBlocks(file: string, text: string): DocBlock[] {
  const lines = text.split('\n');
  const blocks: DocBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (!lines[i]!.startsWith('```')) continue;
    const shell = SHELL_FENCE.test(lines[i]!);
    const start = i;
    let end = i + 1;
    while (end < lines.length && !lines[end]!.startsWith('```')) end++;
    if (shell) {
      let j = start - 1;
      while (j >= 0 && lines[j]!.trim() === '') j--;
      const mark = j >= 0 ? MARK.exec(lines[j]!.trim()) : null;
      const mode = (mark?.[1] ?? 'run') as Mode;
      if (mode === 'skip' && !mark?.[2]) throw new Error(`${file}:${j + 1}: "doc-test: skip" needs a reason`);
      blocks.push({ file, line: start + 1, mode, reason: mark?.[2], commands: commandLines(lines.slice(start + 1, end)) });
    }
    i = end;
  }
  return blocks;
}

function commandLines(body: string[]): string[] {
  const out: string[] = [];
  let pending = '';
  for (const raw of body) {
    const line = raw.trimEnd();
    if (!pending && (line.trim() === '' || line.trimStart().startsWith('#'))) continue;
    if (line.endsWith('\\')) { pending += line.slice(0, -1) + ' '; continue; }
    out.push((pending + line).replace(/\s+#\s.*$/, '').replace(/\s+/g, ' ').trim());
    pending = '';
  }
  return out;
}

/** `npm start/run X -- args` as the script it names, without its pre-hook (the test builds once);
 * `npx crc-*` as the repository's bin. `npm run build` becomes `true`: the run has built dist/
 * already, and rebuilding it rewrites every file under the commands running beside it (a CI run
 * died on a half-written module that way). */
export function resolveNpm(command: string, scripts: Record<string, string>): string {
  // after any VAR=value prefix (`CI=true npm run load …`)
  const out = command.replace(/^((?:\w+=\S*\s+)*)npm (start|run ([\w:-]+))(?: -- | |$)/, (whole, env: string, verb: string, name?: string) => {
    const script = scripts[name ?? verb];
    if (!script) throw new Error(`no npm script "${name ?? verb}" in package.json`);
    return `${env}${name === 'build' ? 'true' : script} `;
  }).replace(/^((?:\w+=\S*\s+)*)npx (crc-[\w-]+)/, '$1./bin/$2').trim();
  // npm anywhere else would run the script's pre-hook, `npm run build`, under the other commands
  if (/(^|[\s;&|(])npm (start|run|test|install|ci)\b/.test(out)) throw new Error(`runs npm where the doc test cannot resolve it (its pre-hook would rebuild dist/ mid-run): ${command}`);
  return out;
}

export function readBlocks(root: string): DocBlock[] {
  return docFiles(root).flatMap((f) => extractBlocks(f, readFileSync(join(root, f), 'utf8')));
}

/** TCP ports a block names (so two blocks on one port never run at once). */
export function portsOf(block: DocBlock): Set<string> {
  const ports = new Set<string>();
  for (const c of block.commands) for (const m of c.matchAll(/(?:port[= ]|:)(\d{4,5})\b/g)) ports.add(m[1]!);
  return ports;
}

/** Flags that name a folder a command writes to. */
const OUTPUT_FLAG = /--(out|cpu-prof-dir|record-dir) (\S+)/g;
/** Commands (as resolveNpm leaves them) that write into the clone's results/ unless given --out. */
const WRITES_RESULTS_BY_DEFAULT = /^node (dist\/src\/cli\/(experiment|check|load)|dist\/bench\/(run|load-agreement))\.js\b/;

/**
 * A block's commands as the doc test runs them, writing nothing into the clone: every output
 * folder it names inside the clone (results/..., k8s/, the DIR placeholder) becomes a temporary
 * folder from `temp()`, the same one wherever that path comes back in the block (a later
 * `test -s results/load/smoke/report.md`), and a command that writes to results/ by default is
 * given `--out` a temporary folder.
 */
export function withTempOutputs(commands: readonly string[], temp: () => string): string[] {
  const paths = new Set<string>();
  // A plain relative path only: an absolute one, or one the shell computes ("$(mktemp -d)"), is left as it is.
  for (const c of commands) for (const m of c.matchAll(OUTPUT_FLAG)) if (/^[\w.][\w./-]*$/.test(m[2]!)) paths.add(m[2]!);
  const byLength = [...paths].sort((a, b) => b.length - a.length);
  const to = new Map(byLength.map((p) => [p, temp()]));
  return commands.map((c) => {
    let out = c;
    for (const p of byLength) out = out.split(p).join(to.get(p)!);
    if (WRITES_RESULTS_BY_DEFAULT.test(out) && !/--out /.test(out)) out += ` --out ${temp()}`;
    return out;
  });
}
