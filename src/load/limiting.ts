// Which resource ran out first in a run: the busiest server thread (its CPU share of a core),
// the server with the most bytes queued, the load generators themselves, or, when none of
// those, the machine's cores (the generators' sends waited in the run queue: stall-probe.ts).
// Pure, from a run summary's per-second samples.
import type { RunSummary } from './summary.ts';

export interface Limiting {
  kind: 'thread' | 'queue' | 'generator' | 'host' | 'unknown';
  text: string;
}

/** A thread past this share of one core is saturated. */
const SATURATED_CPU = 0.85;
/** Bytes queued below this are a few frames in flight, not a backlog (a 0 KiB "limit" named nothing). */
const BACKLOG_BYTES = 64 * 1024;

export function limitingResource(run: RunSummary, nameOf: (id: number) => string): Limiting {
  const names = (ids: number[]) => ids.map((id) => `${nameOf(id)} (${id})`).join(', ');
  const genPeak = Math.max(0, ...run.seconds.flatMap((s) => s.generatorCpu));
  const threads = run.threads.filter((t) => Number.isFinite(t.cpuMean)).sort((a, b) => b.cpuMean - a.cpuMean);
  const busiest = threads[0];
  const queued = [...run.servers].sort((a, b) => b.peakPendingBytes - a.peakPendingBytes)[0];
  const queueText = queued && queued.peakPendingBytes >= BACKLOG_BYTES ? `; most bytes queued: ${names([queued.id])}, ${Math.round(queued.peakPendingBytes / 1024)} KiB at peak` : '';
  if (!run.generator.keptRate || genPeak >= SATURATED_CPU) {
    // Late with a core to spare: the thread waited for a core, not for its own work.
    const starved = genPeak < 0.5 ? ' while using little CPU: it was waiting for a core, so the machine is oversubscribed (other processes, or more threads than cores)' : '';
    return { kind: 'generator', text: `the load generators: ${run.generator.note}; generator thread CPU up to ${Math.round(genPeak * 100)}% of a core${starved}${queueText}` };
  }
  if (busiest && busiest.cpuMean >= SATURATED_CPU) {
    return { kind: 'thread', text: `server thread ${busiest.label} (${names(busiest.servers)}) at ${Math.round(busiest.cpuMean * 100)}% of a core on average, ${Math.round(busiest.cpuPeak * 100)}% at peak${queueText}` };
  }
  if (queued && queued.peakPendingBytes >= BACKLOG_BYTES) {
    return { kind: 'queue', text: `server ${names([queued.id])}: ${Math.round(queued.peakPendingBytes / 1024)} KiB queued at peak${busiest ? `; busiest thread ${busiest.label} at ${Math.round(busiest.cpuMean * 100)}% of a core` : ''}` };
  }
  const waits = run.seconds.flatMap((x) => (x.stall?.verdict === 'waiting for a core' ? [x.stall.runQueueMs] : []));
  if (waits.length) {
    const busy = busiest ? `busiest: ${busiest.label} at ${Math.round(busiest.cpuMean * 100)}% of a core` : 'no per-thread CPU';
    return { kind: 'host', text: `the machine's cores: no thread saturated (${busy}) and no server queued a backlog, but in ${waits.length} of ${run.seconds.length} seconds the generators' worst send waited for a core, up to ${Math.max(...waits).toFixed(1)} ms in the run queue: every thread shares the cores` };
  }
  if (busiest) return { kind: 'unknown', text: `no thread saturated (busiest: ${busiest.label}, ${names(busiest.servers)}, ${Math.round(busiest.cpuMean * 100)}% of a core on average); the machine's cores are shared by every thread, so the limit may be the machine` };
  return { kind: 'unknown', text: 'no per-thread CPU measured (not Linux, or servers outside worker threads)' };
}
