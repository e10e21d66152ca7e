// Which resource ran out first in a run: the busiest server thread (its CPU share of a core),
// the server with the most bytes queued, or the load generators themselves. Pure, from a run
// summary's per-second samples.
import type { RunSummary } from './summary.ts';

export interface Limiting {
  /** 'thread' | 'queue' | 'generator' | 'unknown' */
  kind: 'thread' | 'queue' | 'generator' | 'unknown';
  text: string;
}

/** A thread past this share of one core is saturated. */
const SATURATED_CPU = 0.85;

export function limitingResource(run: RunSummary, nameOf: (id: number) => string): Limiting {
  const names = (ids: number[]) => ids.map((id) => `${nameOf(id)} (${id})`).join(', ');
  const genPeak = Math.max(0, ...run.seconds.flatMap((s) => s.generatorCpu));
  const threads = run.threads.filter((t) => Number.isFinite(t.cpuMean)).sort((a, b) => b.cpuMean - a.cpuMean);
  const busiest = threads[0];
  const queued = [...run.servers].sort((a, b) => b.peakPendingBytes - a.peakPendingBytes)[0];
  const queueText = queued && queued.peakPendingBytes > 0 ? `; most bytes queued: ${names([queued.id])}, ${Math.round(queued.peakPendingBytes / 1024)} KiB at peak` : '';
  if (!run.generator.keptRate || genPeak >= SATURATED_CPU) {
    // Late with a core to spare: the thread waited for a core, not for its own work.
    const starved = genPeak < 0.5 ? ' while using little CPU: it was waiting for a core, so the machine is oversubscribed (other processes, or more threads than cores)' : '';
    return { kind: 'generator', text: `the load generators: ${run.generator.note}; generator thread CPU up to ${Math.round(genPeak * 100)}% of a core${starved}${queueText}` };
  }
  if (busiest && busiest.cpuMean >= SATURATED_CPU) {
    return { kind: 'thread', text: `server thread ${busiest.label} (${names(busiest.servers)}) at ${Math.round(busiest.cpuMean * 100)}% of a core on average, ${Math.round(busiest.cpuPeak * 100)}% at peak${queueText}` };
  }
  if (queued && queued.peakPendingBytes > 0) {
    return { kind: 'queue', text: `server ${names([queued.id])}: ${Math.round(queued.peakPendingBytes / 1024)} KiB queued at peak${busiest ? `; busiest thread ${busiest.label} at ${Math.round(busiest.cpuMean * 100)}% of a core` : ''}` };
  }
  if (busiest) return { kind: 'unknown', text: `no thread saturated (busiest: ${busiest.label}, ${names(busiest.servers)}, ${Math.round(busiest.cpuMean * 100)}% of a core on average); the machine's cores are shared by every thread, so the limit may be the machine` };
  return { kind: 'unknown', text: 'no per-thread CPU measured (not Linux, or servers outside worker threads)' };
}
