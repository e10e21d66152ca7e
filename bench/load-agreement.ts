// Does `npm run load` measure what `npm run bench` measures, where the two should agree? At a
// low rate an open-loop flow never queues behind itself, so its p50 one-way latency should match
// the closed-loop bench's window-1 latency over the same path (middle-earth, 3 hops: 11 -> 2).
// Both run in this one invocation, alternated A B A B (so drift of a shared machine hits both),
// and the report gives each pair's p50s and their ratio: at a fixed low rate (--rate), and at
// half the rate the window-1 sender itself reached (threads as busy as in the bench: a
// thread that sleeps between chats pays a wake-up at every hop, which window 1 rarely does).
//
//   npm run build && node dist/bench/load-agreement.js [--rounds R] [--rate R] [--out DIR]
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { intFlag, parseFlags, runMain } from '../src/cli/args.ts';
import { machineInfo } from '../src/util/machine.ts';
import type { LoadReport } from '../src/load/report.ts';
import { PAIRS, runThroughput } from './phases/throughput.ts';
import { createProgress } from './report/progress.ts';

const USAGE = `usage: node dist/bench/load-agreement.js [--rounds R] [--rate R] [--duration-ms D] [--out DIR]

  --rounds R       bench-then-load pairs (default 3)
  --rate R         the open-loop flow's chats per second (default 100: well below what one window-1 sender does)
  --duration-ms D  each measurement's length (default 5000)
  --out DIR        where load-agreement.md/json go (default results/; a smoke run: give a temp folder)
`;

await runMain(USAGE, async () => {
  const argv = process.argv.slice(2);
  const { values } = parseFlags(argv, {
    rounds: { type: 'string' }, rate: { type: 'string' }, 'duration-ms': { type: 'string' }, out: { type: 'string' }, help: { type: 'boolean', short: 'h' },
  });
  if (values.help) { process.stdout.write(USAGE); return; }
  const rounds = intFlag(values, 'rounds', 1, 20, 3);
  const rate = intFlag(values, 'rate', 1, 10_000, 100);
  const durationMs = intFlag(values, 'duration-ms', 500, 120_000, 5000);
  const out = values.out ?? 'results';
  const [from, to] = PAIRS[3]!;
  const work = mkdtempSync(join(tmpdir(), 'crc-load-agreement-'));
  const flows = join(work, 'flows.json');
  writeFileSync(flows, JSON.stringify([{ from, to }]));
  const progress = createProgress();
  interface Row { round: number; rate: number; benchPerSec: number; benchP50Us: number; benchP99Us: number; loadP50Us: number; loadP99Us: number; sendLateP50Us: number; ratio: number }
  const rows: Row[] = [];
  const pacedRows: Array<{ round: number; perSec: number; p50Us: number; p99Us: number }> = [];
  const load = (round: number, r: number) => {
    progress.note(`round ${round}: npm run load at ${r}/s over the same path`);
    const dir = join(work, `load-${round}-${r}`);
    const run = spawnSync(process.execPath, ['dist/src/cli/load.js', '--topology', 'middle-earth', '--pattern', flows, '--rate', String(r),
      '--duration', `${durationMs}ms`, '--size', '64', '--plain', '--out', dir], { stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, CI: 'true' } });
    if (run.status !== 0) throw new Error(`npm run load exited ${run.status} (round ${round}, ${r}/s)`);
    const report = JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8')) as LoadReport;
    const s = report.runs[0]!;
    if (!s.total.latencyMs) throw new Error(`round ${round}: npm run load at ${r}/s delivered nothing`);
    return { p50: s.total.latencyMs.p50 * 1000, p99: s.total.latencyMs.p99 * 1000, late: (s.generator.latenessMs?.p50 ?? NaN) * 1000 };
  };
  try {
    for (let round = 1; round <= rounds; round++) {
      const [bench] = await runThroughput({ hops: [3], windows: [1], sizes: [64], durationMs, mix: false, ceilings: false }, progress, (l) => progress.note(l));
      if (!bench || bench.delivered === 0) throw new Error(`round ${round}: the bench delivered nothing`);
      // The same window-1 sender, paced to --rate: as idle between chats as the open-loop flow.
      const [paced] = await runThroughput({ hops: [3], windows: [1], sizes: [64], durationMs, mix: false, ceilings: false, paceMs: 1000 / rate }, progress, (l) => progress.note(l));
      pacedRows.push({ round, perSec: paced!.msgsPerSec, p50Us: paced!.latencyUs.p50, p99Us: paced!.latencyUs.p99 });
      const busy = Math.max(rate, Math.round(bench.msgsPerSec / 2));
      for (const r of [rate, busy]) {
        const l = load(round, r);
        const row: Row = { round, rate: r, benchPerSec: bench.msgsPerSec, benchP50Us: bench.latencyUs.p50, benchP99Us: bench.latencyUs.p99, loadP50Us: l.p50, loadP99Us: l.p99, sendLateP50Us: l.late, ratio: l.p50 / bench.latencyUs.p50 };
        rows.push(row);
        progress.note(`round ${round}: p50 bench window 1 ${row.benchP50Us.toFixed(0)} µs (${bench.msgsPerSec.toFixed(0)}/s), load ${r}/s ${row.loadP50Us.toFixed(0)} µs (x${row.ratio.toFixed(2)})`);
      }
    }
  } finally {
    progress.close();
  }
  const medianOf = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const low = medianOf(rows.filter((r) => r.rate === rate).map((r) => r.ratio));
  const busy = medianOf(rows.filter((r) => r.rate !== rate).map((r) => r.ratio));
  const command = `node dist/bench/load-agreement.js${argv.length ? ` ${argv.join(' ')}` : ''}`;
  const md = [
    '# Open loop at a low rate against the bench\'s window 1',
    '',
    `\`${command}\` on ${new Date().toISOString()}, commit ${machineInfo().commit}, ${machineInfo().cores} cores. Middle-earth, 3 hops (${from} -> ${to}), 64-byte chats, ${durationMs} ms each, alternated in one run.`,
    '',
    '| round | bench window 1: rate | p50 | p99 | load: rate | p50 | p99 | send lateness p50 | load / bench (p50) |',
    '|---|---|---|---|---|---|---|---|---|',
    ...rows.map((r) => `| ${r.round} | ${r.benchPerSec.toFixed(0)}/s | ${r.benchP50Us.toFixed(0)} µs | ${r.benchP99Us.toFixed(0)} µs | ${r.rate}/s | ${r.loadP50Us.toFixed(0)} µs | ${r.loadP99Us.toFixed(0)} µs | ${r.sendLateP50Us.toFixed(0)} µs | ${r.ratio.toFixed(2)} |`),
    '',
    `Median ratio of p50s (1.00 is perfect agreement): **${low.toFixed(2)} at ${rate}/s**, **${busy.toFixed(2)} at half the window-1 rate**.`,
    '',
    `The bench's own window-1 sender paced to ${rate}/s (it waits 1/rate after each delivery, so the threads sleep between chats as under the open-loop flow):`,
    '',
    '| round | rate | p50 | p99 | load ' + rate + '/s p50 / paced p50 |',
    '|---|---|---|---|---|',
    ...pacedRows.map((p) => { const l = rows.find((r) => r.round === p.round && r.rate === rate)!; return `| ${p.round} | ${p.perSec.toFixed(0)}/s | ${p.p50Us.toFixed(0)} µs | ${p.p99Us.toFixed(0)} µs | ${(l.loadP50Us / p.p50Us).toFixed(2)} |`; }),
    'Open-loop latency is timed from the intended send, so the generator\'s own send lateness is inside it (its p50 is in the table).',
    '',
  ].join('\n');
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, 'load-agreement.md'), md);
  writeFileSync(join(out, 'load-agreement.json'), JSON.stringify({ command, rate, durationMs, rows, pacedRows, medianRatioLow: low, medianRatioBusy: busy }, null, 2) + '\n');
  process.stdout.write(md + `\nwrote ${join(out, 'load-agreement.md')}\n`);
});
