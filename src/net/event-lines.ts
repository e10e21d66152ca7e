// The line a server's log gets for a core event, where one is worth a line (links declared
// dead, peers without liveness, limits that started to bite); the rest are events only.
import type { CoreEvent } from '../core/index.ts';

export function eventLine(event: CoreEvent): string | undefined {
  if (event.type === 'link-dead') {
    const { peerId, silentMs, reason } = event;
    return peerId === 0
      ? `connection ${event.conn}: ${reason}: not registered ${silentMs.toFixed(0)} ms after our registration`
      : `server ${peerId} silent for ${silentMs.toFixed(0)} ms: ${reason}, splitting it off`;
  }
  if (event.type === 'no-liveness') {
    return `server ${event.peerId} did not answer the liveness ping: a server without liveness, never pinged or timed out again`;
  }
  if (event.type === 'limit-reached') {
    return event.limit === 'max-hosts'
      ? `host table full (${event.value} hosts): refusing new registrations (counted in crc_registrations_refused_total)`
      : `status log full (${event.value} entries): dropping the oldest from now on (counted in crc_status_log_dropped_total)`;
  }
  return undefined;
}
