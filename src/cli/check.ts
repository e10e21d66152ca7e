// npm run check: a conformance and robustness report for a CRC server (every case with its
// verdict, reason and evidence: report.json, report.md, report.html), and with --mutant /
// --mutants the same check run against deliberately wrong servers, to show the judge catches them.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { NOT_RUN, NOT_RUN_OURS, catalog } from '../check/catalog.ts';
import { type CatchRow, catchMarkdown, catchRow, catchTable } from '../check/mutants/catch-table.ts';
import { MUTANT_NAMES } from '../check/mutants/mutations.ts';
import { writeReport } from '../check/report/write.ts';
import { runCheck } from '../check/runner.ts';
import { courseServer } from '../check/course-server.ts';
import { type ServerUnderTest, mutantServer, ourServer } from '../check/server-under-test.ts';
import type { CheckCase, CheckReport } from '../check/types.ts';
import { UsageError, parseFlags, runMain } from './args.ts';

const USAGE = `usage: npm run check -- [--quick] [--out DIR] [--impl ours] [--only PREFIX,...]
                        [--reference DIR] [--mutant NAME | --mutants [NAME,...]]

Runs every case against a CRC server and writes report.json, report.md and report.html (with
each case's evidence under cases/) to DIR (default results/check/<timestamp>/).
  conformance  our scenarios (topologies/scenarios) and the course's (--reference DIR, default
               ../shared/crc/reference-scenarios), judged on the final state of every host
  faults       every experiment in topologies/experiments, its verdict and phases
  robustness   hostile peers against one server (src/check/hostile/): still alive, still serving
               an honest pair, memory growth bounded
  interop      (--impl course:DIR) that implementation with crc-server, in both join directions
Exit code: 0 every case passed (or was not applicable), 1 a case failed, 3 none failed but
some were inconclusive, 2 bad usage.

  --quick            a subset that takes about a minute
  --impl ours        the server under test: our built crc-server (the default)
  --impl course:DIR  a course-layout folder (ChatServer.py or src/ChatServer.py), run by
                     tools/course_host.py: conformance on trees of it, faults with it on every
                     server and on the odd ids beside ours, robustness against one of it, and
                     interop with crc-server (docs/check.md, "A course implementation")
  --only P,...       only the cases whose id starts with one of these (e.g. robustness/,conformance/ours/5_)
  --mutant NAME      run the check against a mutant of our server (${MUTANT_NAMES.join(', ')})
  --mutants [N,...]  the correct server, then every mutant (or those named): writes catch.md and
                     catch.json, the catch table (which case caught which mutant); exit 0 only if
                     every mutant was caught by a case naming its rule and no case failed on the
                     correct server
`;

const stamp = () => new Date().toISOString().replace(/[:.]/g, '-');

function serverUnderTest(impl: string | undefined): ServerUnderTest {
  if (impl === undefined || impl === 'ours') return ourServer();
  if (impl.startsWith('course:')) {
    try {
      return courseServer(impl.slice('course:'.length));
    } catch (err) {
      throw new UsageError((err as Error).message);
    }
  }
  if (impl.startsWith('command:')) throw new UsageError(`--impl ${impl}: the check judges a server by its state, and a command impl is black-box: use course:DIR`);
  throw new UsageError(`--impl must be 'ours' or 'course:DIR', got '${impl}'`);
}

const say = (line: string) => process.stdout.write(line + '\n');

async function checkOne(sut: ServerUnderTest, cases: CheckCase[], out: string, command: string, quick: boolean): Promise<CheckReport> {
  mkdirSync(out, { recursive: true });
  const report = await runCheck(sut, cases, { out, command, quick, notRun: sut.impl ? NOT_RUN : NOT_RUN_OURS, say });
  const files = writeReport(out, report);
  say(`${Object.entries(report.counts).map(([v, n]) => `${n} ${v}`).join(', ')} in ${(report.durationMs / 1000).toFixed(1)} s -> ${files.join(', ')}`);
  return report;
}

await runMain(USAGE, async () => {
  const argv = process.argv.slice(2);
  const { values, positionals } = parseFlags(argv, {
    quick: { type: 'boolean' },
    out: { type: 'string' },
    impl: { type: 'string' },
    only: { type: 'string' },
    reference: { type: 'string', default: '../shared/crc/reference-scenarios' },
    mutant: { type: 'string' },
    mutants: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  }, true);
  if (values.help) {
    process.stdout.write(USAGE);
    return;
  }
  if (values.mutant && values.mutants) throw new UsageError('--mutant NAME runs one mutant, --mutants all: not both');
  if ((values.mutant || values.mutants) && values.impl && values.impl !== 'ours') throw new UsageError('--mutant/--mutants are mutants of our server: not with --impl');
  if (positionals.length && !values.mutants) throw new UsageError(`unexpected argument '${positionals[0]}'`);
  const command = `npm run check -- ${argv.join(' ')}`.trim();
  const quick = values.quick ?? false;
  const out = values.out ?? join('results', 'check', stamp());
  const cases = catalog({
    quick, scenarios: 'topologies/scenarios', reference: values.reference!, experiments: 'topologies/experiments',
    only: values.only?.split(',').filter(Boolean), foreign: (values.impl ?? 'ours') !== 'ours',
  });
  if (cases.length === 0) throw new UsageError(`--only ${values.only}: no case's id starts with that`);

  if (!values.mutants) {
    const sut = values.mutant ? mutantServer(values.mutant) : serverUnderTest(values.impl);
    const report = await checkOne(sut, cases, out, command, quick);
    exit(report.exitCode);
  }

  const names = positionals.length ? positionals.flatMap((p) => p.split(',')) : MUTANT_NAMES;
  for (const n of names) if (!MUTANT_NAMES.includes(n)) throw new UsageError(`--mutants: unknown mutant '${n}' (one of ${MUTANT_NAMES.join(', ')})`);
  say(`check: the correct server, then ${names.length} mutants, ${cases.length} cases each`);
  const baseline = await checkOne(ourServer(), cases, join(out, 'correct'), command, quick);
  const rows: CatchRow[] = [];
  for (const name of names) {
    const folder = join(out, 'mutants', name);
    const r = await checkOne(mutantServer(name), cases, folder, command, quick);
    const row = catchRow(name, r, relative(out, join(folder, 'report.md')));
    rows.push(row);
    say(`mutant ${name} (breaks ${row.breaks}): ${row.caught ? `caught by ${row.caughtBy.join(', ')}` : 'NOT CAUGHT'}`);
  }
  const table = catchTable(rows, baseline, relative(out, join(out, 'correct', 'report.md')));
  writeFileSync(join(out, 'catch.json'), JSON.stringify({ command, ...table }, null, 2) + '\n');
  writeFileSync(join(out, 'catch.md'), catchMarkdown(table, command));
  say(`caught ${table.caught} of ${table.total} mutants; ${table.falseAlarms.length} cases failed on the correct server -> ${join(out, 'catch.md')}`);
  exit(table.caught === table.total && table.falseAlarms.length === 0 ? 0 : 1);
});

/** Exit now: a server a broken run left behind (e.g. a mutant that never answered a stop) is killed on exit (placement/child.ts). */
function exit(code: number): never {
  process.exit(code);
}
