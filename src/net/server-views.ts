// What a running server shows its monitor, control API and worker: its state, and its
// connections' queues and kinds, read from the core and the live connections.
import type { HostRecord, ServerCore } from '../core/index.ts';
import type { FramedConnection } from './connection.ts';
import type { ServerState } from './server-node-options.ts';

/** Send queues and unfinished frames across all connections; held = connections not being read, by peer kind. */
export interface QueueStats {
  queuedBytes: number;
  held: { server: number; client: number; pending: number };
  partialBytes: number;
  partialCapacity: number;
}

export function serverState(core: ServerCore, port: number, joinFrames: readonly string[] | undefined): ServerState {
  return {
    id: core.id,
    name: core.name,
    info: core.info,
    port,
    hosts: core.hostsSnapshot().map((h: HostRecord) => ({ id: h.id, kind: h.kind, name: h.name, info: h.info, firstLinkId: h.firstLinkId })),
    adjacentServerIds: core.adjacentServerIds(),
    adjacentUserIds: core.adjacentUserIds(),
    statusLog: core.statusUpdates(),
    ...(joinFrames ? { joinFrames: [...joinFrames] } : {}),
  };
}

/** Bytes queued but not yet handed to the kernel, across all connections. */
export function pendingBytes(conns: ReadonlyMap<number, FramedConnection>): number {
  let n = 0;
  for (const c of conns.values()) n += c.pendingBytes;
  return n;
}

export function queueStats(core: ServerCore, conns: ReadonlyMap<number, FramedConnection>): QueueStats {
  const out = { queuedBytes: 0, held: { server: 0, client: 0, pending: 0 }, partialBytes: 0, partialCapacity: 0 };
  for (const [id, c] of conns) {
    out.queuedBytes += c.pendingBytes;
    if (c.readsHeld) out.held[core.peerOf(id)?.kind ?? 'pending']++;
    out.partialBytes += c.decoder.buffered;
    out.partialCapacity += c.decoder.capacity;
  }
  return out;
}

export function connectionCounts(core: ServerCore, conns: ReadonlyMap<number, FramedConnection>): { server: number; client: number; pending: number } {
  const out = { server: 0, client: 0, pending: 0 };
  for (const id of conns.keys()) {
    const p = core.peerOf(id);
    out[p ? p.kind : 'pending']++;
  }
  return out;
}
