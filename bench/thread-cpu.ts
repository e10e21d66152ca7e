// What this process's threads did over a window, from Linux's per-thread schedstat: how many
// threads ran, how many times they were put on a CPU (each a wake-up, or a preemption), and
// the CPU they used. Used to compare a quit with the code-free flood (bench/quit-timeline.ts).
import { readFileSync, readdirSync } from 'node:fs';

/** tid -> [CPU ns, times run] */
export type ThreadTimes = Map<string, [number, number]>;

export interface ThreadWork {
  /** threads that ran at least once in the window */
  threads: number;
  /** times a thread was put on a CPU */
  runs: number;
  cpuMs: number;
}

/** Every thread's counters now; undefined where /proc/self/task/<tid>/schedstat is missing (not Linux). */
export function threadTimes(): ThreadTimes | undefined {
  let tids: string[];
  try {
    tids = readdirSync('/proc/self/task');
  } catch {
    return undefined;
  }
  const out: ThreadTimes = new Map();
  for (const tid of tids) {
    try {
      const [cpu, , runs] = readFileSync(`/proc/self/task/${tid}/schedstat`, 'utf8').trim().split(/\s+/).map(Number);
      out.set(tid, [cpu!, runs!]);
    } catch {
      // the thread ended between the listing and the read
    }
  }
  return out;
}

/** What ran between two readings, per group of threads (`groupOf` names a thread's; threads that ended in between are left out). */
export function threadWork(before: ThreadTimes, after: ThreadTimes, groupOf: (tid: string) => string = () => 'all'): Map<string, ThreadWork> {
  const out = new Map<string, ThreadWork>();
  for (const [tid, [cpu, runs]] of after) {
    const [cpu0, runs0] = before.get(tid) ?? [0, 0];
    if (runs === runs0) continue;
    const g = groupOf(tid);
    let w = out.get(g);
    if (!w) out.set(g, (w = { threads: 0, runs: 0, cpuMs: 0 }));
    w.threads++;
    w.runs += runs - runs0;
    w.cpuMs += (cpu - cpu0) / 1e6;
  }
  return out;
}
