// One size of the scale benchmark in a fresh process, so its memory is its own (see
// phases/scale.ts, which starts it): progress and the result as JSON lines on stdout.
import { intFlag, parseFlags } from '../src/cli/args.ts';
import { MAX_HOST_PROCESSES } from '../src/placement/hosts.ts';
import type { Progress } from './phases/common.ts';
import { type ScaleRunLine, measureScale } from './phases/scale.ts';

const { values } = parseFlags(process.argv.slice(2), {
  size: { type: 'string' },
  repeats: { type: 'string' },
  'duration-ms': { type: 'string' },
  'timeout-ms': { type: 'string' },
  knowledge: { type: 'string' },
  hosts: { type: 'string' },
  'host-node-args': { type: 'string' },
});
const knowledge = values.knowledge ?? 'digest';
if (knowledge !== 'digest' && knowledge !== 'events') throw new Error(`--knowledge: expected digest or events, got '${knowledge}'`);
const say = (line: ScaleRunLine) => process.stdout.write(JSON.stringify(line) + '\n');
const progress: Progress = {
  phase: () => {},
  tick: (_name, detail = '') => say({ tick: detail }),
  done: () => {},
  note: (note) => say({ note }),
};
const row = await measureScale(intFlag(values, 'size', 1, 100_000), {
  repeats: intFlag(values, 'repeats', 0, 10_000, 0),
  durationMs: intFlag(values, 'duration-ms', 0, 600_000, 0),
  timeoutMs: intFlag(values, 'timeout-ms', 1, 3_600_000, 600_000),
  knowledge,
  hosts: values.hosts === undefined ? undefined : intFlag(values, 'hosts', 1, MAX_HOST_PROCESSES),
  hostNodeArgs: values['host-node-args']?.split(' ').filter(Boolean),
}, progress, progress.note);
say({ row });
process.exit(0);
