// npm run load: load-test a CRC tree the way wrk2, k6 and vegeta do: an open-loop schedule
// (latency from each chat's intended send time), live figures while it runs, and a results
// folder (report.md, report.json, SVG charts) with the command that replays it. Ctrl-C ends
// the run early and still reports what ran.
import '../ui/dashboard/production.ts'; // first: before react is loaded
import { LoadRun } from '../load/run-load.ts';
import { LoadLiveState } from '../ui/load/live-state.ts';
import { LOAD_USAGE, parseLoadFlags } from './load-flags.ts';
import { runMain } from './args.ts';

/** Quote an argument for a shell line. */
const quote = (a: string) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`);

await runMain(LOAD_USAGE, async () => {
  const argv = process.argv.slice(2);
  const o = parseLoadFlags(argv);
  if (o === 'help') {
    process.stdout.write(LOAD_USAGE);
    return;
  }
  // The replay: the same flags with the seed written out, into a fresh folder.
  const replayArgs: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--out' || argv[i] === '--seed') i++;
    else if (!argv[i]!.startsWith('--out=') && !argv[i]!.startsWith('--seed=')) replayArgs.push(argv[i]!);
  }
  const command = `npm run load -- ${argv.map(quote).join(' ')}`;
  const replay = `npm run load -- ${[...replayArgs, '--seed', String(o.seed)].map(quote).join(' ')}`;

  const state = new LoadLiveState();
  const tty = process.stdout.isTTY === true && process.env.CI !== 'true' && !o.plain;
  const live = tty ? await startInk(state) : undefined;
  const say = (line: string) => {
    if (live) {
      state.note(line);
      live.emit();
    } else process.stdout.write(`${line}\n`);
  };
  const run = new LoadRun({ ...o, command, replay }, {
    log: say,
    onSecond: (s, r) => {
      state.second(s, r);
      if (live) live.emit();
      else process.stdout.write(`${state.line()}\n`);
    },
    onTrial: (t) => {
      state.trial(t);
      live?.emit();
    },
  });
  let interrupts = 0;
  process.on('SIGINT', () => {
    if (++interrupts > 1) process.exit(130);
    say('Ctrl-C: ending the schedule now; draining and writing the report of what ran (Ctrl-C again to quit at once)');
    run.stop();
  });
  try {
    const { report, dir, files } = await run.execute();
    live?.close();
    const last = report.runs.at(-1);
    const lines = [
      report.findMax ? `highest rate keeping ${report.findMax.slo}: ${report.findMax.maxRate} chats/s${report.findMax.limiting ? ` (limiting: ${report.findMax.limiting.text})` : ''}` : undefined,
      last ? `${last.label}: offered ${last.total.offeredPerSec}/s, delivered ${last.total.deliveredPerSec}/s, lost ${last.total.lost + last.total.unknownDestination + last.total.cut}; p50 ${last.total.latencyMs?.p50 ?? '–'} p99 ${last.total.latencyMs?.p99 ?? '–'} p99.9 ${last.total.latencyMs?.p99_9 ?? '–'} max ${last.total.latencyMs?.max ?? '–'} ms` : undefined,
      last && !last.generator.keptRate ? `WARNING: ${last.generator.note}` : undefined,
      report.interrupted ? 'interrupted by Ctrl-C: the report covers what ran' : undefined,
      `wrote ${dir}: ${files.map((f) => f.slice(dir.length + 1)).join(', ')}`,
      `replay: ${report.replay}`,
    ];
    process.stdout.write(`${lines.filter(Boolean).join('\n')}\n`);
  } finally {
    live?.close();
  }
  process.exit(0);
});

async function startInk(state: LoadLiveState): Promise<{ emit(): void; close(): void }> {
  const { LiveStore, startLiveView } = await import('../ui/load/live-view.tsx');
  const store = new LiveStore(state);
  const view = startLiveView(store);
  let closed = false;
  return { emit: () => store.emit(), close: () => { if (!closed) { closed = true; view.close(); } } };
}
