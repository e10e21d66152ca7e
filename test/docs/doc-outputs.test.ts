// The doc test writes nothing into the clone: output folders a doc command names, or writes to
// by default, become temporary folders (withTempOutputs), consistently within a block.
import { describe, expect, it } from 'vitest';
import { resolveNpm, withTempOutputs } from './doc-commands.ts';

const temps = () => {
  let n = 0;
  return () => `/tmp/t${++n}`;
};

describe('doc commands run with temporary output folders', () => {
  it('a folder in the clone is one temporary folder wherever the block names it again', () => {
    expect(withTempOutputs([
      'CI=true node dist/src/cli/load.js --topology chain:3 --rate 500 --duration 5s --out results/load/smoke',
      'test -s results/load/smoke/report.md && test -s results/load/smoke/latency-over-time.svg',
    ], temps())).toEqual([
      'CI=true node dist/src/cli/load.js --topology chain:3 --rate 500 --duration 5s --out /tmp/t1',
      'test -s /tmp/t1/report.md && test -s /tmp/t1/latency-over-time.svg',
    ]);
  });

  it('the DIR placeholder, k8s/ and --cpu-prof-dir too; an absolute folder is left alone', () => {
    expect(withTempOutputs([
      'node dist/src/cli/check.js --out DIR --only robustness/',
      'node dist/src/cli/export.js k8s --topology middle-earth --out k8s/',
      'node --cpu-prof --cpu-prof-dir results/tmp dist/bench/relay/hop-cpu.js',
      'node dist/src/cli/experiment.js x.json --out /somewhere',
      'node dist/src/cli/experiment.js x.json --out "$(mktemp -d)"',
    ], temps())).toEqual([
      'node dist/src/cli/check.js --out /tmp/t3 --only robustness/',
      'node dist/src/cli/export.js k8s --topology middle-earth --out /tmp/t2',
      'node --cpu-prof --cpu-prof-dir /tmp/t1 dist/bench/relay/hop-cpu.js',
      'node dist/src/cli/experiment.js x.json --out /somewhere',
      'node dist/src/cli/experiment.js x.json --out "$(mktemp -d)"',
    ]);
  });

  it('a command that writes to results/ by default is given --out a temporary folder', () => {
    expect(withTempOutputs([
      'node dist/src/cli/experiment.js topologies/experiments/partition-heal.json',
      'node dist/src/cli/check.js --mutants --quick',
      'node dist/bench/run.js --quick',
      'node dist/src/cli/sim.js --topology tree:1000:7',
    ], temps())).toEqual([
      'node dist/src/cli/experiment.js topologies/experiments/partition-heal.json --out /tmp/t1',
      'node dist/src/cli/check.js --mutants --quick --out /tmp/t2',
      'node dist/bench/run.js --quick --out /tmp/t3',
      'node dist/src/cli/sim.js --topology tree:1000:7',
    ]);
  });

  it('npm run build is not run again: dist/ is built once, before any command runs from it', () => {
    const scripts = { build: 'tsc -p tsconfig.build.json', bench: 'node dist/bench/run.js' };
    expect(resolveNpm('npm run build', scripts)).toBe('true');
    expect(resolveNpm('npm run build && node dist/bench/fairness.js --stallers 1', scripts)).toBe('true && node dist/bench/fairness.js --stallers 1');
    expect(resolveNpm('npm run bench -- --quick', scripts)).toBe('node dist/bench/run.js --quick');
    expect(resolveNpm('CI=true X=1 npm run bench -- --quick', scripts)).toBe('CI=true X=1 node dist/bench/run.js --quick');
    expect(() => resolveNpm('npm run nope', scripts)).toThrow(/no npm script "nope"/);
    // npm left in the command would run `prebench` (npm run build) while other commands run from dist/
    expect(() => resolveNpm('cd /tmp && npm run bench', scripts)).toThrow(/pre-hook would rebuild/);
    expect(() => resolveNpm('true && npm test', scripts)).toThrow(/pre-hook would rebuild/);
  });
});
