// What upstream toxiproxy cannot do of an experiment's timeline. Its API has the same toxics
// (latency, bandwidth, slicer, timeout, reset_peer, slow_close, limit_data) but only one way
// to take a link down: disable the proxy, which closes both ways. crc-proxy's extras (silent or
// one-way down, hold/release) and our normal-distributed jitter have no equivalent there.
import type { ExportWarning, TimedAction } from './timeline.ts';

const EXTRA = 'needs crc-proxy (upstream toxiproxy cannot do it; the driver\'s call will fail against it): export without --proxy toxiproxy';

export function toxiproxyWarnings(actions: readonly TimedAction[]): ExportWarning[] {
  const out: ExportWarning[] = [];
  const warn = (a: TimedAction, what: string) => out.push({ path: `timeline.${a.index}`, message: `${what} ${EXTRA}` });
  for (const t of actions) {
    const a = t.action;
    switch (a.do) {
      case 'down':
      case 'up':
        if (a.mode === 'silent') warn(t, `"${a.do}" with "mode": "silent"`);
        else if (a.direction !== 'both') warn(t, `a one-way "${a.do}" (${a.direction})`);
        else if (a.do === 'down' && a.how === 'reset') warn(t, '"down" with "how": "reset" (disabling a toxiproxy proxy closes its connections, no RST)');
        break;
      case 'partition':
        if (a.mode === 'silent') warn(t, 'a silent partition');
        break;
      case 'hold':
      case 'release':
        warn(t, `"${a.do}"`);
        break;
      case 'latency':
        if (a.toxic.attributes.distribution === 'normal') warn(t, 'latency with "distribution": "normal"');
        break;
      case 'toxic':
        if (a.toxic.type === 'latency' && a.toxic.attributes.distribution === 'normal') warn(t, 'a latency toxic with "distribution": "normal"');
        break;
      default:
        break;
    }
  }
  return out;
}
