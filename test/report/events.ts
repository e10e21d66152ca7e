// Hand-made events.jsonl records for the report's tests. Not a test file itself.
import type { Action } from '../../src/experiment/schema.ts';
import type { EventRecord } from '../../src/experiment/summary.ts';

const rec = (o: Record<string, unknown>) => ({ rel: null, ...o }) as unknown as EventRecord;

/** Server `node` sent a frame to `peer` (0: not registered yet) on `conn`. */
export const sent = (node: number, peer: number, fp: string, t: number, conn = 1, frame = 'client_chat') =>
  rec({ type: 'frame-sent', conn, peer, frame, bytes: 20, fp, t, node });
/** Server `node` received a frame from `peer` on `conn`. */
export const received = (node: number, peer: number, fp: string, t: number, conn = 1, frame = 'client_chat') =>
  rec({ type: 'frame-received', conn, peer, frame, bytes: 20, fp, t, node });
export const linkUp = (node: number, peerId: number, t: number, conn = 1, kind = 'server') => rec({ type: 'link-up', conn, peerId, kind, t, node });
export const linkDown = (node: number, peerId: number, t: number, conn = 1) => rec({ type: 'link-down', conn, peerId, kind: 'server', lost: 0, t, node });
export const connOpened = (node: number, conn: number, t: number) => rec({ type: 'conn-opened', conn, remote: '127.0.0.1:1', outbound: true, t, node });
export const connClosed = (node: number, conn: number, t: number) => rec({ type: 'conn-closed', conn, reason: 'gone', t, node });
export const learned = (node: number, id: number, t: number, kind = 'client') => rec({ type: 'host-learned', id, kind, name: `h${id}`, firstLinkId: id, t, node });
export const forgotten = (node: number, id: number, t: number) => rec({ type: 'host-forgotten', id, kind: 'client', reason: 'quit', t, node });
export const start = (t: number) => rec({ type: 'experiment-start', t, name: 'hand-made', seed: 1 });
/** An action the runner ran at `t` (ms since the epoch; the experiment starts at 0 here). */
export const action = (t: number, spec: Record<string, unknown>, index = 0) =>
  rec({ type: 'action', t, index, at: t, did: String(spec.do), lateMs: 0, spec: spec as Action });
export const check = (t: number, index: number, startMs: number, tookMs: number | null, passed: boolean) =>
  rec({ type: 'check', t, index, check: `check ${index}`, startMs, withinMs: 100, tookMs, passed });
