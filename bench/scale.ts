// Scale benchmark: trees of 11, 100 and 1,000 servers in worker threads — start-up time, time
// to full convergence, resident memory in total and per server. Each size runs in a fresh
// process (phases/scale.ts, the same measurement as the scale phase of npm run bench).
// Writes results/scale.json and results/scale.md.
import { mkdirSync, writeFileSync } from 'node:fs';
import { machineInfo } from '../src/util/machine.ts';
import { parseFlags } from '../src/cli/args.ts';
import { runScale } from './phases/scale.ts';

const { values } = parseFlags(process.argv.slice(2), {
  sizes: { type: 'string', default: '11,100,1000' },
  out: { type: 'string', default: 'results' },
});
const sizes = values.sizes!.split(',').map(Number);
const say = (line: string) => process.stdout.write(`scale: ${line}\n`);
// Start-up, convergence and memory only (no quits, no load): the scale phase of npm run bench adds those.
const rows = await runScale({ sizes, repeats: 0, durationMs: 0 }, { phase: () => {}, tick: (_p, detail) => say(detail ?? ''), done: () => {}, note: say }, say);

const machine = machineInfo();
const command = `npm run bench:scale -- --sizes ${values.sizes}`;
mkdirSync(values.out!, { recursive: true });
const json = { command, date: new Date().toISOString(), machine, goal: { servers: 1000, convergeMs: 30_000, rssBytes: 4 * 2 ** 30 }, rows };
writeFileSync(`${values.out}/scale.json`, JSON.stringify(json, null, 2) + '\n');

const mib = (b: number) => (b / 2 ** 20).toFixed(0);
const big = rows.find((r) => r.servers === 1000);
const met = big ? (big.convergeMs < 30_000 && big.maxRssBytes < 4 * 2 ** 30 ? 'met' : 'missed') : 'not run';
const md = [
  '# Scale: servers in worker threads',
  '',
  `Command: \`${command}\` — ${json.date}`,
  `Machine: ${machine.cpu}, ${machine.cores} cores, ${machine.memoryGiB} GiB, Node ${machine.node}, commit ${machine.commit}${machine.dirty ? ' (uncommitted changes)' : ''}`,
  '',
  'Each size runs in a fresh process. Start-up = spawn workers, listen, all joins, clients;',
  'convergence = until every server knows every other host (from the workers\' event streams),',
  'measured from the first spawn. Memory is the whole process (all threads): resident after',
  'convergence, and peak.',
  '',
  '| topology | servers | diameter | servers/worker | worker threads | start-up (ms) | converged (ms) | RSS (MiB) | peak RSS (MiB) | peak per server (MiB) |',
  '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ...rows.map((r) => `| ${r.topology} | ${r.servers} | ${r.diameter} | ${r.serversPerWorker} | ${r.serverWorkers} | ${r.startMs.toFixed(0)} | ${r.convergeMs.toFixed(0)} | ${mib(r.rssBytes)} | ${mib(r.maxRssBytes)} | ${(r.maxRssBytes / 2 ** 20 / r.servers).toFixed(2)} |`),
  '',
  `Goal: 1,000 servers up and converged in under 30 s within 4 GiB — **${met}**.`,
  '',
];
writeFileSync(`${values.out}/scale.md`, md.join('\n'));
process.stdout.write(`wrote ${values.out}/scale.md and ${values.out}/scale.json\n`);
