// `npm run export -- k8s` end to end through the built command: the "Done when" command of
// issue 13 writes manifests that validate, the same inputs give the same bytes, and bad input
// gets an error naming the file and the field.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FILES } from '../../src/export/k8s.ts';
import { objectsOf, validateObject } from './validate.ts';

const dir = mkdtempSync(join(tmpdir(), 'crc-export-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const exportCmd = (...args: string[]) => spawnSync(process.execPath, ['dist/src/cli/export.js', ...args], { encoding: 'utf8', timeout: 60_000 });

describe('npm run export -- k8s', { timeout: 90_000 }, () => {
  it('writes validating manifests for middle-earth + partition-heal, the same bytes twice', () => {
    const outs = ['a', 'b'].map((n) => join(dir, n));
    for (const out of outs) {
      const r = exportCmd('k8s', '--topology', 'middle-earth', '--experiment', 'topologies/experiments/partition-heal.json', '--out', out);
      expect(r.status, r.stderr).toBe(0);
      expect(r.stdout).toMatch(/wrote namespace\.yaml, .* to /);
      expect(r.stderr).toMatch(/warning: topologies\/experiments\/partition-heal\.json: timeline\.0: a "cut" partition/);
    }
    expect(readdirSync(outs[0]!).sort()).toEqual([...FILES].sort());
    for (const f of FILES) {
      const text = readFileSync(join(outs[0]!, f), 'utf8');
      expect(readFileSync(join(outs[1]!, f), 'utf8'), f).toBe(text);
      for (const o of objectsOf(text)) validateObject(o);
    }
  });

  it('with only a topology, writes a Job that checks convergence', () => {
    const out = join(dir, 'tree');
    const r = exportCmd('k8s', '--topology', 'tree:30:2', '--per-pod', '4', '--out', out);
    expect(r.status, r.stderr).toBe(0);
    const [cm] = objectsOf(readFileSync(join(out, 'configmap.yaml'), 'utf8'));
    expect(JSON.parse(cm!.data['experiment.json']).timeline).toEqual([{ expect: 'converged', within: '30s' }]);
    expect(objectsOf(readFileSync(join(out, 'pods.yaml'), 'utf8'))).toHaveLength(8);
    expect(objectsOf(readFileSync(join(out, 'workflow.yaml'), 'utf8'))).toEqual([]);
  });

  it('names the problem: unknown topology, bad experiment field, bad flags', () => {
    const unknown = exportCmd('k8s', '--topology', 'nowhere', '--out', join(dir, 'x'));
    expect(unknown.status).toBe(1);
    expect(unknown.stderr).toMatch(/unknown topology 'nowhere'/);

    const bad = join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ name: 'bad', topology: 'middle-earth', timeline: [{ at: '1s', do: 'latency', link: '4-7', msec: 5 }] }));
    const r = exportCmd('k8s', '--experiment', bad, '--out', join(dir, 'y'));
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`${bad}: timeline.0.msec: unknown attribute "msec"`);

    const notJson = join(dir, 'not.json');
    writeFileSync(notJson, '{');
    expect(exportCmd('k8s', '--experiment', notJson, '--out', join(dir, 'z')).stderr).toContain(`${notJson}: not valid JSON`);

    const other = exportCmd('k8s', '--topology', 'chain:3', '--experiment', 'topologies/experiments/partition-heal.json', '--out', join(dir, 'w'));
    expect(other.status).toBe(1);
    expect(other.stderr).toMatch(/--topology chain:3 is not the topology of/);

    for (const [args, message] of [
      [['k8s', '--topology', 'middle-earth', '--out', dir, '--per-pod', '0'], /--per-pod must be an integer from 1 to 100/],
      [['k8s', '--topology', 'middle-earth', '--out', dir, '--proxy', 'envoy'], /--proxy must be crc-proxy or toxiproxy/],
      [['k8s', '--topology', 'middle-earth', '--out', dir, '--namespace', 'Crc_Sim'], /--namespace must be a DNS label/],
      [['helm', '--topology', 'middle-earth', '--out', dir], /the one export target is k8s/],
      [['k8s', '--topology', 'middle-earth'], /missing required flag --out/],
    ] as const) {
      const u = exportCmd(...args);
      expect(u.status, args.join(' ')).toBe(2);
      expect(u.stderr).toMatch(message);
    }
  });
});
