// GET /metrics: Prometheus text format (checked by a strict parser below, and by promtool when
// installed), toxiproxy's byte counters per proxy and direction, our fault and toxic figures.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { escapeLabel } from '../../src/proxy-server/metrics.ts';
import { Cleanup, accepted, pattern, waitFor } from '../faults/helpers.ts';
import { type Api, startApi, until } from './helpers.ts';

const cleanup = new Cleanup();
let api: Api;
afterEach(async () => {
  await api?.server.close();
  await cleanup.run();
});

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/**
 * A strict reader of the text exposition format 0.0.4 as crc-proxy writes it: every family has
 * HELP then TYPE before its samples, once; samples of a family are contiguous; names and label
 * names are valid; label values are escaped; no series twice; counters end in _total and are
 * not negative; the text ends in a newline. Throws with the line number on the first fault.
 */
function parseStrict(text: string): { samples: Sample[]; types: Map<string, string> } {
  if (!text.endsWith('\n')) throw new Error('metrics: text must end with a newline');
  const types = new Map<string, string>();
  const helps = new Set<string>();
  const seen = new Set<string>();
  const closed = new Set<string>();
  const samples: Sample[] = [];
  let current: string | undefined;
  const lines = text.slice(0, -1).split('\n');
  lines.forEach((line, i) => {
    const at = `metrics line ${i + 1} (${JSON.stringify(line)})`;
    const open = (name: string) => {
      if (current !== name) {
        if (current) closed.add(current);
        if (closed.has(name)) throw new Error(`${at}: family ${name} is not contiguous`);
        current = name;
      }
    };
    if (line.startsWith('# HELP ')) {
      const [name] = line.slice(7).split(' ', 1);
      if (!METRIC_NAME.test(name!)) throw new Error(`${at}: bad metric name`);
      if (helps.has(name!)) throw new Error(`${at}: second HELP`);
      if (types.has(name!)) throw new Error(`${at}: HELP after TYPE`);
      open(name!);
      helps.add(name!);
      return;
    }
    if (line.startsWith('# TYPE ')) {
      const m = /^# TYPE (\S+) (counter|gauge|histogram|summary|untyped)$/.exec(line);
      if (!m) throw new Error(`${at}: bad TYPE line`);
      if (types.has(m[1]!)) throw new Error(`${at}: second TYPE`);
      open(m[1]!);
      types.set(m[1]!, m[2]!);
      return;
    }
    if (line.startsWith('#') || line === '') throw new Error(`${at}: unexpected comment or blank line`);
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)$/.exec(line);
    if (!m) throw new Error(`${at}: not a sample`);
    const [, name, , body, valueText] = m;
    // A summary's or histogram's _sum, _count (and _bucket) lines belong to its family.
    const base = /^(.*)_(sum|count|bucket)$/.exec(name!)?.[1];
    const family = types.has(name!) ? name! : base !== undefined && ['summary', 'histogram'].includes(types.get(base) ?? '') ? base : undefined;
    if (family === undefined) throw new Error(`${at}: sample before its TYPE`);
    open(family);
    const labels: Record<string, string> = {};
    let rest = body ?? '';
    while (rest.length) {
      const lm = /^([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\["\\n])*)"(,|$)/.exec(rest);
      if (!lm) throw new Error(`${at}: bad labels at ${JSON.stringify(rest)}`);
      if (!LABEL_NAME.test(lm[1]!) || lm[1]!.startsWith('__')) throw new Error(`${at}: bad label name`);
      if (lm[1]! in labels) throw new Error(`${at}: label ${lm[1]} twice`);
      labels[lm[1]!] = lm[2]!.replace(/\\(["\\n])/g, (_, c: string) => (c === 'n' ? '\n' : c));
      rest = rest.slice(lm[0].length);
      if (lm[3] === ',' && rest === '') throw new Error(`${at}: trailing comma`);
    }
    if (!/^(NaN|[+-]Inf|[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?)$/.test(valueText!)) throw new Error(`${at}: bad value`);
    const value = Number(valueText!.replace('Inf', 'Infinity'));
    const key = `${name}${JSON.stringify(Object.entries(labels).sort())}`;
    if (seen.has(key)) throw new Error(`${at}: series twice`);
    seen.add(key);
    if (types.get(family) === 'summary' && family === name && !('quantile' in labels)) throw new Error(`${at}: summary sample without a quantile`);
    if (types.get(family) === 'counter') {
      if (!name!.endsWith('_total')) throw new Error(`${at}: counter without _total`);
      if (!(value >= 0)) throw new Error(`${at}: negative counter`);
    }
    samples.push({ name: name!, labels, value });
  });
  for (const name of types.keys()) if (!helps.has(name)) throw new Error(`metrics: ${name} has no HELP`);
  return { samples, types };
}

const pick = (samples: Sample[], name: string, labels: Record<string, string>) =>
  samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));

async function metrics(): Promise<{ text: string; contentType: string | null }> {
  const res = await fetch(`${api.url}/metrics`);
  expect(res.status).toBe(200);
  return { text: await res.text(), contentType: res.headers.get('content-type') };
}

describe('crc-proxy GET /metrics', () => {
  it('the strict reader refuses what the format forbids (it can fail)', () => {
    const ok = '# HELP a_total x\n# TYPE a_total counter\na_total{p="v"} 1\n';
    expect(parseStrict(ok).samples).toHaveLength(1);
    for (const bad of [
      ok.slice(0, -1), // no final newline
      '# TYPE a_total counter\na_total 1\n', // no HELP
      '# HELP a x\n# TYPE a counter\na 1\n', // counter without _total
      ok + 'a_total{p="v"} 2\n', // series twice
      '# HELP a_total x\n# TYPE a_total counter\na_total{p="v\\x"} 1\n', // bad escape
      '# HELP a_total x\n# TYPE a_total counter\na_total{p="v",} 1\n', // trailing comma
      '# HELP a x\n# TYPE a gauge\na 1\n# HELP b x\n# TYPE b gauge\nb 1\na{x="1"} 2\n', // not contiguous
      '# HELP s x\n# TYPE s summary\ns 1\n', // a summary sample without a quantile
      '# HELP g x\n# TYPE g gauge\ng_sum 1\n', // _sum of a gauge
    ]) expect(() => parseStrict(bad), bad).toThrow(/metrics/);
    expect(escapeLabel('a"b\\c\nd')).toBe('a\\"b\\\\c\\nd');
  });

  it('toxiproxy\'s byte counters per proxy and direction, our faults and toxics, in the text format', async () => {
    api = await startApi({ maxProxies: 4 });
    const echo = await cleanup.server(true);
    // A name with a quote and a backslash: label values must be escaped.
    const name = 'minas"tirith\\1';
    const p = await api.client.createProxy({ name, listen: '127.0.0.1:0', upstream: `127.0.0.1:${echo.port}` });
    const empty = parseStrict((await metrics()).text);
    expect(pick(empty.samples, 'toxiproxy_proxy_received_bytes_total', { proxy: name })).toHaveLength(2);

    const c = await cleanup.client(Number(p.listen.split(':').pop()));
    await accepted(echo, 0);
    c.write(pattern(3000));
    await waitFor(() => c.bytes === 3000, 5000, 'echo back');
    await api.client.addToxic(name, { type: 'latency', stream: 'downstream', attributes: { latency: 1 } });
    await api.client.addToxic(name, { name: 'slow2', type: 'latency', stream: 'downstream', attributes: { latency: 2 } });
    // Through the toxics: their timers run, and GET /crc/timers?reset=true counts them.
    await api.call('GET', '/crc/timers?reset=true');
    c.write(pattern(100));
    await waitFor(() => c.bytes === 3100, 5000, 'echo back through the latency toxics');
    await api.client.hold(name, 'upstream');
    await api.client.down(name, { direction: 'both', mode: 'silent' });

    const { text, contentType } = await metrics();
    expect(contentType).toBe('text/plain; version=0.0.4; charset=utf-8');
    const { samples, types } = parseStrict(text);
    expect(types.get('toxiproxy_proxy_received_bytes_total')).toBe('counter');
    expect(types.get('toxiproxy_proxy_sent_bytes_total')).toBe('counter');
    const labels = { proxy: name, listener: p.listen, upstream: `127.0.0.1:${echo.port}` };
    for (const direction of ['upstream', 'downstream']) {
      for (const metric of ['toxiproxy_proxy_received_bytes_total', 'toxiproxy_proxy_sent_bytes_total']) {
        expect(pick(samples, metric, { ...labels, direction }).map((s) => s.value), `${metric} ${direction}`).toEqual([3100]);
      }
      expect(pick(samples, 'crc_proxy_downs_total', { proxy: name, direction })[0]?.value).toBe(1);
      expect(pick(samples, 'crc_proxy_down', { proxy: name, direction, mode: 'silent' })[0]?.value).toBe(1);
      expect(pick(samples, 'crc_proxy_down', { proxy: name, direction, mode: 'cut' })[0]?.value).toBe(0);
    }
    expect(pick(samples, 'crc_proxy_holds_total', { proxy: name, direction: 'upstream' })[0]?.value).toBe(1);
    expect(pick(samples, 'crc_proxy_holds_total', { proxy: name, direction: 'downstream' })[0]?.value).toBe(0);
    expect(pick(samples, 'crc_proxy_held', { proxy: name, direction: 'upstream' })[0]?.value).toBe(1);
    expect(pick(samples, 'crc_proxy_toxics', { proxy: name, type: 'latency', stream: 'downstream' })[0]?.value).toBe(2);
    expect(pick(samples, 'crc_proxy_connections_open', { proxy: name })[0]?.value).toBe(1);
    expect(pick(samples, 'crc_proxy_connections_total', { proxy: name })[0]?.value).toBe(1);
    expect(pick(samples, 'crc_proxy_proxies_max', {})[0]?.value).toBe(4);
    expect(pick(samples, 'crc_proxy_toxics_added_total', {})[0]?.value).toBe(2);
    expect(types.get('crc_proxy_timer_late_seconds')).toBe('summary');
    expect(pick(samples, 'crc_proxy_timer_late_seconds_count', {})[0]?.value).toBeGreaterThan(0);
    expect(pick(samples, 'crc_proxy_timer_late_seconds', { quantile: '0.99' })).toHaveLength(1);

    // Totals survive the connection's close.
    await api.client.up(name);
    await api.client.release(name);
    c.socket.destroy();
    await until(async () => (await api.client.stats(name)).connections.open === 0, 5000, 'connection closed');
    const after = parseStrict((await metrics()).text).samples;
    expect(pick(after, 'toxiproxy_proxy_sent_bytes_total', { proxy: name, direction: 'downstream' })[0]?.value).toBe(3100);
  });

  it('series per proxy are bounded by --max-proxies', async () => {
    api = await startApi({ maxProxies: 3 });
    for (let i = 0; i < 5; i++) await api.call('POST', '/proxies', { name: `p${i}`, listen: '127.0.0.1:0', upstream: '127.0.0.1:9' });
    const { samples } = parseStrict((await metrics()).text);
    const proxies = new Set(samples.filter((s) => s.labels.proxy !== undefined).map((s) => s.labels.proxy));
    expect([...proxies].sort()).toEqual(['p0', 'p1', 'p2']);
  });

  const promtool = '/usr/bin/promtool';
  it.skipIf(!existsSync(promtool))('promtool check metrics accepts it (skipped without Debian\'s prometheus package)', async () => {
    api = await startApi();
    await api.client.createProxy({ name: 'osgiliath', listen: '127.0.0.1:0', upstream: '127.0.0.1:9' });
    await api.client.addToxic('osgiliath', { type: 'bandwidth', stream: 'upstream', attributes: { rate: 100 } });
    const r = spawnSync(promtool, ['check', 'metrics'], { input: (await metrics()).text, encoding: 'utf8' });
    // promtool exits 1 on lint problems and 3 on a parse error; it prints what it found.
    expect(r.stdout + r.stderr).toBe('');
    expect(r.status).toBe(0);
  });
});
