// A proxied connection's ends in memory: connect() hands the dialler one end of a memory pair
// and keeps the other; the target is dialled through the proxy's `dial` (a ByteStream, usually
// one end of another pair whose other end a server reads). Both are read by 'data' events.
import type { Clock } from '../util/clock.ts';
import { type ByteStream, dataEvents } from './byte-stream.ts';
import { MemoryStream, memoryPair } from './memory-stream.ts';
import type { PairEnds } from './pipe-pair.ts';

/** The dialler's end, and the proxy's end of the same pair (paused until the target answers). */
export function acceptMemory(clock: Clock, proxy: string, remote: string): { dialler: MemoryStream; near: MemoryStream } {
  const [dialler, near] = memoryPair(clock, { name: `${remote} -> proxy ${proxy}` }, { name: `proxy ${proxy} <- ${remote}`, allowHalfOpen: true });
  near.pause();
  return { dialler, near };
}

/** Dial the target for `near`; a dial that throws is a refused connection (the dialler sees a reset). */
export function memoryEnds(clock: Clock, proxy: string, near: MemoryStream, remote: string, dial: () => ByteStream): PairEnds {
  let target: ByteStream;
  try {
    target = dial();
  } catch (err) {
    const [refused] = memoryPair(clock, { name: `proxy ${proxy} -> target`, connecting: true });
    refused.refuse('ECONNREFUSED', err instanceof Error ? err.message : String(err));
    target = refused;
  }
  target.pause(); // read from when the pipes start (a server may greet at once)
  return { client: near, clientReads: dataEvents(near), target, targetReads: dataEvents(target), targetPaused: true, remote };
}
