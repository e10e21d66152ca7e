// The control API on the monitor port (src/net/control-api.ts) and its event stream
// (src/net/event-stream.ts): health, events stamped t and node with a type filter, the
// start-up backlog for the first subscriber, a slow subscriber dropped and counted, joins,
// state, stop and crash, and clear errors on bad requests.
import http from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { ControlApi } from '../../src/net/control-api.ts';
import { EventStream } from '../../src/net/event-stream.ts';
import { startMonitor } from '../../src/net/monitor.ts';
import type { CrcServerNode } from '../../src/net/server-node.ts';
import { ServerControl } from '../../src/placement/control-client.ts';
import { LatenessProbe } from '../../src/util/lateness-probe.ts';
import type { SimEvent } from '../../src/threads/worker-api.ts';
import { Cleanup, waitFor } from './helpers.ts';

const cleanup = new Cleanup();
afterEach(() => cleanup.run());

/** A server with an event stream and the control API on its monitor; stop/crash are recorded, not obeyed. */
async function controlled(id: number, hold = false) {
  let events!: EventStream;
  const { node } = await cleanup.server({ id, onEvent: (e, t) => events.push(e, t) });
  events = new EventStream({ node: id, holdUntilSubscribed: hold });
  const calls: string[] = [];
  const api = new ControlApi(node, events, { stop: async () => { calls.push('stop'); }, crash: () => calls.push('crash') });
  const monitor = await startMonitor(node, 0, undefined, { control: api });
  cleanup.add(() => monitor.close());
  cleanup.add(() => events.close());
  const base = `http://127.0.0.1:${monitor.port}`;
  return { node, events, api, base, calls, control: new ServerControl(`server ${id}`, base) };
}

describe('control API', () => {
  it('GET /health names the server and a boot id unique to this process start', async () => {
    const { node, base, api } = await controlled(1);
    const h = await (await fetch(`${base}/health`)).json();
    expect(h).toEqual({ ok: true, name: 's1', id: 1, boot: api.boot, port: node.port });
    const other = new ControlApi(node, new EventStream({ node: 1 }), { stop: async () => {} });
    expect(other.boot).not.toBe(api.boot);
  });

  it('POST /join joins, /events streams the join stamped with t and node, ?types filters, /node-state and /counters show it', async () => {
    const a = await controlled(1);
    const b = await controlled(2);
    const all: SimEvent[] = [];
    const learned: SimEvent[] = [];
    await a.control.subscribe((e) => all.push(...e), 'all', () => {});
    await a.control.subscribe((e) => learned.push(...e), ['host-learned'], () => {});
    const before = performance.timeOrigin + performance.now();
    const t = await b.control.join({ host: '127.0.0.1', port: a.node.port }, 5000);
    expect(t).toBeGreaterThanOrEqual(before);
    await waitFor(() => learned.length >= 1, 5000, 'host-learned at server 1');
    expect(learned[0]).toMatchObject({ type: 'host-learned', id: 2, node: 1 });
    expect(learned[0]!.t).toBeGreaterThanOrEqual(before);
    expect(learned.every((e) => e.type === 'host-learned')).toBe(true);
    await waitFor(() => all.some((e) => e.type === 'link-up'), 5000, 'link-up at server 1');
    expect(new Set(all.map((e) => e.type)).size).toBeGreaterThan(1);
    const state = await a.control.state();
    expect(state.hosts.map((h) => h.id)).toEqual([2]);
    expect((await a.control.counters()).msgsIn).toBeGreaterThan(0);
    expect((await a.control.totals()).bytesIn).toBeGreaterThan(0);
  });

  it('with holdUntilSubscribed the first subscriber gets the events from before it subscribed', async () => {
    const a = await controlled(1, true);
    const b = await controlled(2);
    await b.control.join({ host: '127.0.0.1', port: a.node.port }, 5000);
    await waitFor(() => a.node.core.hostCount === 1, 5000, 'server 1 learns 2');
    const got: SimEvent[] = [];
    await a.control.subscribe((e) => got.push(...e), 'all', () => {});
    await waitFor(() => got.some((e) => e.type === 'host-learned' && e.id === 2), 5000, 'the held host-learned');
  });

  it('a subscriber that falls too far behind is dropped and counted; the server and other subscribers go on', async () => {
    const events = new EventStream({ node: 7, maxBufferedBytes: 1000 });
    let slowBuffered = 0;
    let dropped = '';
    const fast: string[] = [];
    events.subscribe({ write: (c) => { slowBuffered += c.length; return false; }, buffered: () => slowBuffered, drop: (why) => { dropped = why; } });
    events.subscribe({ write: (c) => { fast.push(c); return true; }, buffered: () => 0, drop: () => {} });
    for (let i = 0; i < 100; i++) events.push({ type: 'unknown-destination', from: 1, to: i }, i);
    events.flush();
    expect(dropped).toBe('too slow');
    expect(events.counters.subscribersDropped).toBe(1);
    expect(events.subscriberCount).toBe(1);
    events.push({ type: 'unknown-destination', from: 1, to: 999 }, 1000);
    events.flush();
    const lines = fast.join('').trim().split('\n').map((l) => JSON.parse(l));
    expect(lines).toHaveLength(101);
    expect(lines[100]).toEqual({ type: 'unknown-destination', from: 1, to: 999, t: 1000, node: 7 });
  });

  it('the start-up backlog is bounded: past it events are dropped and counted', () => {
    const events = new EventStream({ node: 1, holdUntilSubscribed: true, backlogLimit: 10 });
    for (let i = 0; i < 25; i++) events.push({ type: 'unknown-destination', from: 1, to: i }, i);
    expect(events.counters.backlogDropped).toBe(15);
  });

  it('too many subscribers: the next one is refused with 503 and counted', async () => {
    const events = new EventStream({ node: 1, maxSubscribers: 1 });
    expect(typeof events.subscribe({ write: () => true, buffered: () => 0, drop: () => {} })).toBe('function');
    expect(events.subscribe({ write: () => true, buffered: () => 0, drop: () => {} })).toMatch(/too many/);
    expect(events.counters.subscribersRefused).toBe(1);
  });

  it('POST /stop and POST /crash answer 202 and then call the hooks; GET on them is 405', async () => {
    const { base, calls } = await controlled(1);
    expect((await fetch(`${base}/stop`, { method: 'POST' })).status).toBe(202);
    expect((await fetch(`${base}/crash`, { method: 'POST' })).status).toBe(202);
    await waitFor(() => calls.length === 2, 2000, 'both hooks');
    expect(calls.sort()).toEqual(['crash', 'stop']);
    expect((await fetch(`${base}/stop`)).status).toBe(405);
    expect((await fetch(`${base}/health`, { method: 'POST' })).status).toBe(405);
  });

  it('GET /lateness answers this process\'s timer lateness around a span; bad spans are 400, none sampled 404', async () => {
    const { node, events, base, control } = await controlled(1);
    const probe = new LatenessProbe(5, 100, 10);
    probe.note(1000, 7);
    probe.note(1500, 1);
    const api = new ControlApi(node, events, { stop: async () => {}, lateness: probe });
    const monitor = await startMonitor(node, 0, undefined, { control: api });
    cleanup.add(() => monitor.close());
    const sampled = new ServerControl('server 1', `http://127.0.0.1:${monitor.port}`);
    expect(await sampled.lateness(1000, 1099)).toMatchObject({ maxMs: 7, summary: { samples: 2, maxMs: 7 } });
    expect((await sampled.lateness(1400, 1600)).maxMs).toBe(1);
    expect((await fetch(`http://127.0.0.1:${monitor.port}/lateness?from=x&to=2`)).status).toBe(400);
    await expect(control.lateness(0, 1)).rejects.toThrow(/HTTP 404/);
    expect((await fetch(`${base}/lateness`, { method: 'POST' })).status).toBe(405);
  });

  it('bad joins are 400 with the field named; an unreachable bootstrap is 502', async () => {
    const { base } = await controlled(1);
    const post = async (body: string) => {
      const r = await fetch(`${base}/join`, { method: 'POST', body });
      return { status: r.status, error: ((await r.json()) as { error: string }).error };
    };
    expect(await post('not json')).toEqual({ status: 400, error: 'body is not JSON' });
    expect(await post('{"host":"127.0.0.1"}')).toEqual({ status: 400, error: 'join: port must be an integer from 1 to 65535' });
    expect(await post('{"port":1}')).toEqual({ status: 400, error: 'join: host must be a non-empty string' });
    expect(await post('x'.repeat(70_000))).toMatchObject({ status: 400, error: 'body over 65536 bytes' });
    const closed = http.createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as { port: number }).port;
    await new Promise((r) => closed.close(r));
    const r = await post(JSON.stringify({ host: '127.0.0.1', port, deadlineMs: 0 }));
    expect(r.status).toBe(502);
    expect(r.error).toMatch(new RegExp(`join 127.0.0.1:${port}`));
  });

  it('/metrics counts the event stream', async () => {
    const { base } = await controlled(1);
    const text = await (await fetch(`${base}/metrics`)).text();
    expect(text).toMatch(/crc_event_subscribers_dropped_total\{server_id="1"\} 0/);
    expect(text).toMatch(/crc_event_backlog_dropped_total/);
  });
});

export type { CrcServerNode };
