// Where an experiment's network runs, and on which clock: on real ports (the coordinator's
// Simulation: worker threads, processes or external servers) in real time, or in this thread
// on virtual time (placement 'sim': src/sim/). Also where events.jsonl goes: streamed to the
// file on real time; written synchronously in chunks on virtual time, since nothing driven by
// the virtual clock may wait on real I/O (it would run at an arbitrary virtual time).
import { closeSync, createWriteStream, openSync, writeSync } from 'node:fs';
import { Simulation, type SimulationOptions } from '../coordinator/simulation.ts';
import type { PlacementKind } from '../placement/index.ts';
import { SimNetwork } from '../sim/sim-network.ts';
import { type Clock, realClock } from '../util/clock.ts';
import { VirtualClock } from '../util/virtual-clock.ts';
import type { ExperimentNetwork } from './network.ts';

export type ExperimentPlacement = PlacementKind | 'sim';

export interface EventSink {
  write(line: string): void;
  /** Everything written is in the file once this resolves. */
  close(): Promise<void>;
}

export interface OpenedNetwork {
  readonly clock: Clock;
  readonly events: EventSink;
  start(options: Omit<SimulationOptions, 'placement'>): Promise<ExperimentNetwork>;
  /** Run `body` to its end: at once on real time; on virtual time, by driving the clock until it settles. */
  run<T>(body: () => Promise<T>): Promise<T>;
}

/** No events.jsonl: the run's events are still seen by onEvent, just not written. */
const NO_EVENTS: EventSink = { write: () => {}, close: async () => {} };

export function openNetwork(placement: ExperimentPlacement, eventsFile: string | undefined): OpenedNetwork {
  if (placement !== 'sim') {
    const stream = eventsFile === undefined ? undefined : createWriteStream(eventsFile);
    return {
      clock: realClock,
      events: stream ? { write: (line) => void stream.write(line), close: () => new Promise((r) => stream.end(r)) } : NO_EVENTS,
      start: (o) => Simulation.start({ ...o, placement }),
      run: (body) => body(),
    };
  }
  const clock = new VirtualClock();
  return {
    clock,
    events: eventsFile === undefined ? NO_EVENTS : syncFile(eventsFile),
    start: (o) => SimNetwork.start({
      topology: o.topology, clock, seed: o.seed, proxyLinks: o.proxyLinks, proxyClients: o.proxyClients, traceFrames: o.traceFrames,
      reconnect: o.reconnect, clientReconnect: o.clientReconnect, pingIntervalMs: o.pingIntervalMs, pingTimeoutMs: o.pingTimeoutMs,
      onEvent: o.onEvent, onProxyEvent: o.onProxyEvent,
    }),
    run: (body) => clock.runWhile(body()),
  };
}

/** Lines gathered up to this many characters, then written at once (synchronously: no event loop turn). */
const SYNC_CHUNK = 1 << 20;

/** events.jsonl for a virtual run: synchronous writes of ~1 MiB, so memory stays bounded and the clock never waits on I/O. */
function syncFile(path: string): EventSink {
  const fd = openSync(path, 'w');
  let pending: string[] = [];
  let size = 0;
  const flush = () => {
    if (pending.length) writeSync(fd, pending.join(''));
    pending = [];
    size = 0;
  };
  return {
    write: (line) => {
      pending.push(line);
      size += line.length;
      if (size >= SYNC_CHUNK) flush();
    },
    close: async () => {
      flush();
      closeSync(fd);
    },
  };
}
