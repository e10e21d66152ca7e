// Soak benchmark: honest traffic on middle-earth for --seconds (default 60), once on a clean tree
// and once while hostile peers flood (registrations, statuses, a connection storm), drip (frames
// at 1 B/s) and stall (clients that read nothing) two of its servers. Reports honest throughput
// and p99 latency side by side, peak RSS, and what the server did to each attack.
// Writes results/soak.md and results/soak.json from a full run (the default 60 s); a shorter run
// writes to results/quick/ unless --out says where.
import { mkdirSync, writeFileSync } from 'node:fs';
import { UsageError, intFlag, parseFlags, runMain } from '../src/cli/args.ts';
import { machineInfo } from '../src/util/machine.ts';
import { ATTACKS, runPhase } from './soak/phase.ts';
import { type SoakReport, renderSoak } from './soak/report.ts';

const USAGE = `usage: npm run bench:soak -- [--seconds S] [--out DIR] [--attacks A,B]

  --seconds S   how long each run lasts, clean and under attack (default 60)
  --out DIR     where to write soak.md and soak.json (default results/ for a full run, else results/quick/)
  --attacks A,B which attacks, of ${Object.keys(ATTACKS).join(',')} (default all: a full run)
`;

await runMain(USAGE, async () => {
  const argv = process.argv.slice(2);
  const { values } = parseFlags(argv, { seconds: { type: 'string' }, out: { type: 'string' }, attacks: { type: 'string' }, help: { type: 'boolean', short: 'h' } });
  if (values.help) {
    process.stdout.write(USAGE);
    return;
  }
  const seconds = intFlag(values, 'seconds', 5, 3600, 60);
  const attacks = values.attacks?.split(',') ?? Object.keys(ATTACKS);
  for (const a of attacks) if (!(a in ATTACKS)) throw new UsageError(`--attacks: unknown attack '${a}'`);
  const full = seconds === 60 && attacks.length === Object.keys(ATTACKS).length;
  const out = values.out ?? (full ? 'results' : 'results/quick');
  const say = (line: string) => process.stdout.write(`soak: ${line}\n`);
  const date = new Date().toISOString();
  say(`clean run, ${seconds} s`);
  const clean = await runPhase([], seconds, say);
  say(`clean: ${Math.round(clean.honest.msgsPerSec)} msgs/s; run under attack, ${seconds} s`);
  const attacked = await runPhase(attacks, seconds, say);
  say(`under attack: ${Math.round(attacked.honest.msgsPerSec)} msgs/s`);
  const report: SoakReport = { command: `npm run bench:soak${argv.length ? ` -- ${argv.join(' ')}` : ''}`, date, machine: machineInfo(), seconds, clean, attacked };
  mkdirSync(out, { recursive: true });
  writeFileSync(`${out}/soak.json`, JSON.stringify(report, null, 2) + '\n');
  writeFileSync(`${out}/soak.md`, renderSoak(report));
  say(`wrote ${out}/soak.md and ${out}/soak.json`);
  process.exit(0);
});
