// GET /metrics: the Prometheus text exposition format (0.0.4). Toxiproxy's names where it has
// one (toxiproxy_proxy_{received,sent}_bytes_total{direction,listener,proxy,upstream}), ours
// under crc_proxy_. Label sets are bounded: one series set per proxy (at most --max-proxies),
// per direction (2), per toxic type (the registry's) and per fault mode (2). Pure: the server
// passes a snapshot in.
import type { ProxyStats } from '../faults/proxy.ts';
import type { LatenessStats } from '../faults/scheduler.ts';
import { DIRECTIONS } from '../faults/toxic.ts';

export const METRICS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

export interface MetricsProxy {
  name: string;
  /** as toxiproxy's JSON reports them */
  listen: string;
  upstream: string;
  enabled: boolean;
  stats: ProxyStats;
  /** times each direction was taken down (cut or silent) and held */
  faults: ProxyFaultCounts;
}

export interface ProxyFaultCounts {
  downs: Record<'upstream' | 'downstream', number>;
  holds: Record<'upstream' | 'downstream', number>;
}

export interface MetricsSnapshot {
  proxies: MetricsProxy[];
  /** the server's own counters (GET /crc/counters), flattened to `group_name` counters */
  counters: Record<string, Record<string, number>>;
  /** how late the toxics' timers ran (since the last GET /crc/timers?reset=true) */
  timerLateness: LatenessStats;
}

type Labels = Record<string, string>;
interface Family {
  name: string;
  type: 'counter' | 'gauge' | 'summary';
  help: string;
  samples: { labels: Labels; value: number }[];
}

/** Escape a label value as the format asks: backslash, double quote, newline. */
export function escapeLabel(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

const fmtValue = (v: number) => (Number.isNaN(v) ? 'NaN' : v === Infinity ? '+Inf' : v === -Infinity ? '-Inf' : String(v));
const fmtLabels = (l: Labels) => {
  const parts = Object.entries(l).map(([k, v]) => `${k}="${escapeLabel(v)}"`);
  return parts.length ? `{${parts.join(',')}}` : '';
};

function render(families: Family[]): string {
  const out: string[] = [];
  for (const f of families) {
    // A summary's _sum and _count lines belong to its family: no HELP or TYPE of their own.
    if (f.help !== '') out.push(`# HELP ${f.name} ${f.help}`, `# TYPE ${f.name} ${f.type}`);
    for (const s of f.samples) out.push(`${f.name}${fmtLabels(s.labels)} ${fmtValue(s.value)}`);
  }
  return out.join('\n') + '\n';
}

// Counter names without a _total suffix get one; the server's counters are all counts, but the
// open/max figures are gauges.
const GAUGE_COUNTERS = new Set(['open', 'max', 'maxPerProxy', 'readers', 'maxReaders']);
const snake = (s: string) => s.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

export function renderMetrics(snap: MetricsSnapshot): string {
  const fam = (name: string, type: Family['type'], help: string): Family => ({ name, type, help, samples: [] });
  const received = fam('toxiproxy_proxy_received_bytes_total', 'counter', 'Bytes read from the source side, per proxy and direction (toxiproxy\'s name).');
  const sent = fam('toxiproxy_proxy_sent_bytes_total', 'counter', 'Bytes written to the destination side, per proxy and direction (toxiproxy\'s name).');
  const queued = fam('crc_proxy_queued_bytes', 'gauge', 'Bytes queued now because the direction is held.');
  const buffered = fam('crc_proxy_buffered_bytes', 'gauge', 'Bytes past the gate not yet taken by the kernel (in toxics, batched, or in the socket buffer).');
  const dropped = fam('crc_proxy_dropped_bytes_total', 'counter', 'Bytes dropped because the direction was down silently.');
  const open = fam('crc_proxy_connections_open', 'gauge', 'Client connections open now.');
  const total = fam('crc_proxy_connections_total', 'counter', 'Client connections accepted.');
  const refused = fam('crc_proxy_connections_refused_total', 'counter', 'Client connections refused because a direction was cut.');
  const enabled = fam('crc_proxy_enabled', 'gauge', '1 if the proxy is enabled (toxiproxy\'s "enabled").');
  const down = fam('crc_proxy_down', 'gauge', '1 while the direction is down in this mode (cut: closed and refused; silent: bytes dropped).');
  const held = fam('crc_proxy_held', 'gauge', '1 while the direction is held (bytes queue until release).');
  const downs = fam('crc_proxy_downs_total', 'counter', 'Times the direction was taken down (cut or silent).');
  const holds = fam('crc_proxy_holds_total', 'counter', 'Times the direction was held.');
  const toxics = fam('crc_proxy_toxics', 'gauge', 'Toxics on the proxy now, per type and stream.');

  for (const p of snap.proxies) {
    const base = { proxy: p.name };
    const s = p.stats;
    for (const d of DIRECTIONS) {
      const ds = s[d];
      const tp = { direction: d, listener: p.listen, proxy: p.name, upstream: p.upstream };
      received.samples.push({ labels: tp, value: ds.in });
      sent.samples.push({ labels: tp, value: ds.out });
      const dl = { ...base, direction: d };
      queued.samples.push({ labels: dl, value: ds.queued });
      buffered.samples.push({ labels: dl, value: ds.buffered });
      dropped.samples.push({ labels: dl, value: ds.dropped });
      for (const mode of ['cut', 'silent'] as const) {
        down.samples.push({ labels: { ...dl, mode }, value: (mode === 'cut' ? s.cut : s.silent).includes(d) ? 1 : 0 });
      }
      held.samples.push({ labels: dl, value: s.held.includes(d) ? 1 : 0 });
      downs.samples.push({ labels: dl, value: p.faults.downs[d] });
      holds.samples.push({ labels: dl, value: p.faults.holds[d] });
    }
    open.samples.push({ labels: base, value: s.connections.open });
    total.samples.push({ labels: base, value: s.connections.total });
    refused.samples.push({ labels: base, value: s.connections.refused });
    enabled.samples.push({ labels: base, value: p.enabled ? 1 : 0 });
    // Toxiproxy's streams: a toxic on 'both' counts on each.
    const byKey = new Map<string, { type: string; stream: string; n: number }>();
    for (const t of s.toxics) {
      for (const stream of t.direction === 'both' ? DIRECTIONS : [t.direction]) {
        const key = `${t.type}/${stream}`;
        const row = byKey.get(key) ?? { type: t.type, stream, n: 0 };
        row.n++;
        byKey.set(key, row);
      }
    }
    for (const r of byKey.values()) toxics.samples.push({ labels: { ...base, type: r.type, stream: r.stream }, value: r.n });
  }

  const server: Family[] = [];
  for (const [group, values] of Object.entries(snap.counters)) {
    for (const [key, value] of Object.entries(values)) {
      const gauge = GAUGE_COUNTERS.has(key);
      const name = `crc_proxy_${snake(group)}_${snake(key)}${gauge ? '' : '_total'}`;
      server.push({ name, type: gauge ? 'gauge' : 'counter', help: `crc-proxy ${group} ${key} (as in GET /crc/counters).`, samples: [{ labels: {}, value }] });
    }
  }
  // A summary: its samples are the family name with quantile labels, then _sum and _count.
  const late = snap.timerLateness;
  const timers = fam('crc_proxy_timer_late_seconds', 'summary', 'How late each group of toxic timers ran after its due time (GET /crc/timers?reset=true starts over).');
  timers.samples.push(
    { labels: { quantile: '0.5' }, value: late.p50Us / 1e6 },
    { labels: { quantile: '0.99' }, value: late.p99Us / 1e6 },
    { labels: { quantile: '1' }, value: late.maxUs / 1e6 },
  );
  const tail = [
    timers,
    { name: 'crc_proxy_timer_late_seconds_sum', type: 'summary' as const, help: '', samples: [{ labels: {}, value: (late.meanUs * late.count) / 1e6 }] },
    { name: 'crc_proxy_timer_late_seconds_count', type: 'summary' as const, help: '', samples: [{ labels: {}, value: late.count }] },
  ];
  return render([received, sent, queued, buffered, dropped, open, total, refused, enabled, down, held, downs, holds, toxics, ...server, ...tail]);
}
