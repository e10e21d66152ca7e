// The proxy bench's report, part (g): crc-proxy against upstream toxiproxy in one run. Each
// figure is the median over rounds of that round's figure (added RTT and throughput against the
// same round's direct run); the ratio column is crc-proxy's figure over toxiproxy's.
import { COMPARED, type ComparedProxy, type ComparisonRound, type ComparisonSettings, LATENCY_TOXICS_MS, type SchedTrace } from './toxiproxy.ts';

export interface ToxiproxyResults {
  /** why it did not run, when it did not */
  skipped?: string;
  versions: Partial<Record<ComparedProxy, string>>;
  settings: ComparisonSettings;
  rounds: ComparisonRound[];
}

interface Column {
  what: string;
  unit: string;
  /** 'lower' or 'higher' is better */
  better: 'lower' | 'higher';
  digits: number;
  value: (round: ComparisonRound, label: ComparedProxy) => number;
}

const med = (xs: number[]) => {
  const s = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  return s.length ? s[Math.floor(s.length / 2)]! : NaN;
};

const runOf = (round: ComparisonRound, label: string) => round.runs.find((r) => r.label === label)!;

const COLUMNS: Column[] = [
  { what: 'added round trip p50', unit: 'µs', better: 'lower', digits: 0, value: (r, l) => runOf(r, l).rttUs.p50 - runOf(r, 'direct').rttUs.p50 },
  { what: 'added round trip p99', unit: 'µs', better: 'lower', digits: 0, value: (r, l) => runOf(r, l).rttUs.p99 - runOf(r, 'direct').rttUs.p99 },
  { what: 'bulk throughput vs direct', unit: '×', better: 'higher', digits: 2, value: (r, l) => runOf(r, l).throughput.MBps / runOf(r, 'direct').throughput.MBps },
  { what: 'proxy CPU per GB', unit: 's/GB', better: 'lower', digits: 2, value: (r, l) => runOf(r, l).cpuSecondsPerGB },
  ...LATENCY_TOXICS_MS.flatMap((ms): Column[] => (['p50', 'p99'] as const).map((q) => ({
    what: `latency toxic ${ms} ms: error ${q}`, unit: 'ms', better: 'lower' as const, digits: 3,
    value: (r: ComparisonRound, l: string) => runOf(r, l).latency.find((c) => c.configuredMs === ms)?.errorMs[q] ?? NaN,
  }))),
];

/** How the kernel ran each proxy process (not judged): wake-ups per event and the wait of each for a CPU. */
const schedColumns = (what: string, event: string, trace: (r: ComparisonRound, l: string) => SchedTrace | undefined): Column[] => [
  { what: `${what}: proxy wake-ups per ${event}`, unit: 'count', better: 'lower', digits: 1, value: (r, l) => trace(r, l)?.wakeupsPerEvent ?? NaN },
  { what: `${what}: run-queue wait per wake-up`, unit: 'µs', better: 'lower', digits: 1, value: (r, l) => trace(r, l)?.waitUsPerWakeup ?? NaN },
];

/** Traces (not judged): our scheduler's own lateness, the proxy's CPU per message, and the kernel's view. */
const TRACE_COLUMNS: Column[] = [...schedColumns('round trip', 'ping', (r, l) => runOf(r, l).rttSched), ...LATENCY_TOXICS_MS.flatMap((ms): Column[] => [
  {
    what: `latency toxic ${ms} ms: proxy timer late p99`, unit: 'µs', better: 'lower', digits: 0,
    value: (r, l) => runOf(r, l).latency.find((c) => c.configuredMs === ms)?.timerLateness?.p99Us ?? NaN,
  },
  {
    what: `latency toxic ${ms} ms: proxy CPU per message`, unit: 'µs', better: 'lower', digits: 0,
    value: (r, l) => runOf(r, l).latency.find((c) => c.configuredMs === ms)?.cpuUsPerMessage ?? NaN,
  },
  ...schedColumns(`latency toxic ${ms} ms`, 'message', (r, l) => runOf(r, l).latency.find((c) => c.configuredMs === ms)?.sched),
])];

export function renderToxiproxy(r: ToxiproxyResults): { json: unknown; table: string[]; notes: string[]; verdict: string } {
  if (r.skipped) {
    const line = `(g) crc-proxy vs toxiproxy: skipped: ${r.skipped}`;
    return { json: { skipped: r.skipped }, table: [line], notes: [], verdict: line };
  }
  const summarize = (c: Column) => {
    const by = Object.fromEntries(COMPARED.map((l) => [l, med(r.rounds.map((round) => c.value(round, l)))])) as Record<ComparedProxy, number>;
    // A ratio of a negative figure (a proxy's p99 under the direct run's, on a loaded machine) means nothing.
    const ratio = by.toxiproxy > 0 && by['crc-proxy'] >= 0 ? by['crc-proxy'] / by.toxiproxy : NaN;
    const won = c.better === 'lower' ? by['crc-proxy'] <= by.toxiproxy : by['crc-proxy'] >= by.toxiproxy;
    return { what: c.what, unit: c.unit, better: c.better, ...by, crcOverToxiproxy: ratio, crcProxyAtLeastAsGood: won, digits: c.digits };
  };
  const rows = COLUMNS.map(summarize);
  const traces = TRACE_COLUMNS.map(summarize);
  const fmt = (x: number, d: number) => (Number.isFinite(x) ? x.toFixed(d) : '–');
  const n = r.rounds.length;
  const table = [
    `| (g) vs upstream toxiproxy ${r.versions.toxiproxy ?? ''}, median of ${n} round${n === 1 ? '' : 's'} | better | toxiproxy | crc-proxy | crc-proxy / toxiproxy | crc in a worker thread | crc in the same thread |`,
    '|---|---|---:|---:|---:|---:|---:|',
    ...rows.map((x) => `| ${x.what} (${x.unit}) | ${x.better} | ${fmt(x.toxiproxy, x.digits)} | ${fmt(x['crc-proxy'], x.digits)} | ${fmt(x.crcOverToxiproxy, 2)} ${x.crcProxyAtLeastAsGood ? '✓' : '✗'} | ${fmt(x['crc worker thread'], x.digits)} | ${fmt(x['crc same thread'], x.digits)} |`),
    ...traces.map((x) => `| ${x.what} (${x.unit}) | trace | ${fmt(x.toxiproxy, x.digits)} | ${fmt(x['crc-proxy'], x.digits)} | ${fmt(x.crcOverToxiproxy, 2)} | ${fmt(x['crc worker thread'], x.digits)} | ${fmt(x['crc same thread'], x.digits)} |`),
  ];
  const lost = rows.filter((x) => !x.crcProxyAtLeastAsGood).map((x) => x.what);
  const verdict = lost.length === 0
    ? `crc-proxy at least as good as toxiproxy in all ${rows.length} columns`
    : `crc-proxy at least as good as toxiproxy in ${rows.length - lost.length} of ${rows.length} columns; worse in: ${lost.join(', ')}`;
  const s = r.settings;
  const notes = [
    `- crc-proxy vs toxiproxy (g): both as processes (\`bin/crc-proxy\`, and toxiproxy ${r.versions.toxiproxy ?? ''} from`,
    '  `../shared/anchors/toxiproxy/`, unmodified), each configured by the same toxiproxy API calls (POST /proxies,',
    '  POST /proxies/{name}/toxics with a latency toxic upstream, jitter 0), beside our proxy in a worker thread and in',
    `  the bench's thread; same echo, sink and stamper. ${n} round${n === 1 ? '' : 's'}, each measuring every proxy in turn (order rotated):`,
    `  ${s.pings} ping-pongs (after ${s.warmupPings}) for the round trip, ${s.seconds} s of 64-byte frames for throughput, ${s.samples} samples`,
    '  per latency toxic. Proxy CPU is the process\'s user + system time from /proc/PID/stat (10 ms ticks) over the',
    '  throughput window, per GB relayed (the worker: its thread\'s CPU; the same thread: not separable, "–").',
    '  ✓: crc-proxy at least as good as toxiproxy in that column. "Proxy timer late" (trace rows) is our proxies\' own',
    '  scheduler over the same samples (GET /crc/timers for crc-proxy): how late its timers ran after their due time;',
    '  "proxy CPU per message" is the proxy\'s CPU over those samples (/proc, 10 ms ticks) per message. "Wake-ups" and',
    '  "run-queue wait" (processes only) are the kernel\'s scheduler counters of all the proxy\'s threads',
    '  (/proc/PID/task/*/schedstat): times a thread got a CPU, per ping or message, and how long each waited for one',
    '  (on a loaded machine, most of a tail: docs/proxy-tail.md).',
  ];
  return { json: { versions: r.versions, settings: r.settings, summary: rows, timerTraces: traces, verdict, rounds: r.rounds }, table, notes, verdict };
}
