// A server's own bursts (seeding a newcomer, announcing a netsplit) as lazy frame sequences,
// so a driver that streams them encodes a frame only when its connection has room for it.
import type { HostRecord } from './host-table.ts';
import { departureFrame, registrationFrame } from './server-frames.ts';

/** The registrations of those `hosts` that `keep` accepts, as this server relays them. Lazy. */
export function* registrations(hosts: Iterable<HostRecord>, lastHopId: number, keep: (h: HostRecord) => boolean): IterableIterator<Buffer> {
  for (const h of hosts) if (keep(h)) yield registrationFrame(h, lastHopId);
}

/**
 * What a netsplit announces, one departure per lost host: each frame encoded when first read
 * and shared by every connection that reads it (servers hear of every host, clients of clients).
 */
export class Departures {
  private readonly frames: Array<Buffer | undefined>;
  readonly anyClient: boolean;

  constructor(readonly lost: readonly HostRecord[], private readonly splitText: string) {
    this.frames = new Array<Buffer | undefined>(lost.length);
    this.anyClient = lost.some((h) => h.kind === 'client');
  }

  frame(i: number): Buffer {
    return (this.frames[i] ??= departureFrame(this.lost[i]!, this.splitText));
  }

  isClient(i: number): boolean {
    return this.lost[i]!.kind === 'client';
  }

  /** Every departure in order, or the clients' only. Lazy. */
  *read(clientsOnly: boolean): IterableIterator<Buffer> {
    for (let i = 0; i < this.lost.length; i++) if (!clientsOnly || this.isClient(i)) yield this.frame(i);
  }
}
