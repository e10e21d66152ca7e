// The kernel's per-thread counters for every thread of this process (Linux /proc/self/task):
// CPU time and timeslices (schedstat), read/write syscalls and bytes (io), and context
// switches (status: a voluntary one is a sleep, so the next run is a wake-up). Diffed over a
// run, they say what each thread spent per message without touching the code it runs.
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

export interface ThreadCounters {
  cpuNs: number;
  waitNs: number;
  slices: number;
  syscr: number;
  syscw: number;
  rchar: number;
  wchar: number;
  voluntary: number;
  involuntary: number;
}

const FIELDS: Array<keyof ThreadCounters> = ['cpuNs', 'waitNs', 'slices', 'syscr', 'syscw', 'rchar', 'wchar', 'voluntary', 'involuntary'];

function read(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined; // the thread ended between the listing and the read
  }
}

function field(text: string, name: string): number {
  const m = new RegExp(`^${name}:\\s*(\\d+)`, 'm').exec(text);
  return m ? Number(m[1]) : NaN;
}

/** Every live thread's counters, by tid. */
export function threadCounters(): Map<number, ThreadCounters> {
  const out = new Map<number, ThreadCounters>();
  for (const t of readdirSync('/proc/self/task')) {
    const dir = `/proc/self/task/${t}`;
    const sched = read(`${dir}/schedstat`);
    const io = read(`${dir}/io`);
    const status = read(`${dir}/status`);
    if (sched === undefined || io === undefined || status === undefined) continue;
    const [cpu, wait, slices] = sched.trim().split(' ').map(Number);
    out.set(Number(t), {
      cpuNs: cpu!, waitNs: wait!, slices: slices!,
      syscr: field(io, 'syscr'), syscw: field(io, 'syscw'), rchar: field(io, 'rchar'), wchar: field(io, 'wchar'),
      voluntary: field(status, 'voluntary_ctxt_switches'), involuntary: field(status, 'nonvoluntary_ctxt_switches'),
    });
  }
  return out;
}

/** after - before per thread (a thread born during the run counts from zero). */
export function diffCounters(before: Map<number, ThreadCounters>, after: Map<number, ThreadCounters>): Map<number, ThreadCounters> {
  const out = new Map<number, ThreadCounters>();
  for (const [tid, a] of after) {
    const b = before.get(tid);
    const d = {} as ThreadCounters;
    for (const f of FIELDS) d[f] = a[f] - (b?.[f] ?? 0);
    out.set(tid, d);
  }
  return out;
}

export function sumCounters(rows: Iterable<ThreadCounters>): ThreadCounters {
  const s = Object.fromEntries(FIELDS.map((f) => [f, 0])) as unknown as ThreadCounters;
  for (const r of rows) for (const f of FIELDS) s[f] += r[f];
  return s;
}

/** The calling thread's id (Linux), so a bench can find its counters in /proc/self/task; undefined elsewhere. */
export function ownTid(): number | undefined {
  try {
    return Number(readlinkSync('/proc/thread-self').split('/').pop());
  } catch {
    return undefined;
  }
}
