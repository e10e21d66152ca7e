// Worker threads run the built JS in dist/ (Node 20 cannot start a .ts worker). `npm test`
// builds first; this makes a bare `npx vitest` safe too, by rebuilding when any source is
// newer than the build.
import { execFileSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

function newest(dir: string): number {
  let t = 0;
  if (!statSync(dir, { throwIfNoEntry: false })?.isDirectory()) return 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return t;
}

export default function setup(): void {
  const built = statSync('dist/workers/node-host.js', { throwIfNoEntry: false })?.mtimeMs ?? 0;
  const source = Math.max(newest('src'), newest('workers'), newest('bench'));
  if (built < source) {
    execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json'], { stdio: 'inherit' });
  }
}
