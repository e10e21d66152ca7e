// The soak's hostile peers, each against one server over loopback: floods (registrations,
// statuses, a connection storm), drips (frames a byte a second) and stalls (clients that read
// nothing, fed by accomplices). Every loop is bounded in count and in time (`until`) and stops
// by itself; each attack reports what it did and what the server did to it, seen from outside.
import type net from 'node:net';
import { performance } from 'node:perf_hooks';
import { HOST_LIMIT_STATUS } from '../../src/core/index.ts';
import { FrameDecoder, MessageType, encode } from '../../src/protocol/index.ts';
import { clientRegistration, closedAt, dialRaw, promisingHeader, serverRegistration, sleep, writeHonouringDrain } from './peer.ts';

export interface AttackResult {
  attack: string;
  target: number;
  /** What the hostile peers did. */
  did: string;
  connections: number;
  /** Connections the server closed before the attack ended, and how long each took from the moment it had cause. */
  cut: number;
  cutAfterMs: { min: number; p50: number; max: number } | null;
  /** Still open when the attack ended (then closed by the attacker). */
  open: number;
  notes: string[];
}

export interface AttackContext {
  port: number;
  target: number;
  /** performance.now() by which every loop has stopped */
  until: number;
}

function spread(ms: number[]): AttackResult['cutAfterMs'] {
  if (ms.length === 0) return null;
  const s = [...ms].sort((a, b) => a - b);
  return { min: s[0]!, p50: s[Math.floor(s.length / 2)]!, max: s[s.length - 1]! };
}

/** Server 900000 relays 120,000 client registrations at 10,000 a second (past the 100,000-host limit), then leaves: a netsplit of all it brought. */
export async function registrationFlood({ port, target, until }: AttackContext): Promise<AttackResult> {
  const s = await dialRaw(port);
  let refused = 0;
  const dec = new FrameDecoder();
  s.on('data', (c: Buffer) => { for (const m of dec.feed(c).messages) if (m.type === MessageType.Status && m.statusCode === HOST_LIMIT_STATUS) refused++; });
  s.write(serverRegistration(900_000));
  let sent = 0;
  const total = 120_000;
  const leaveAt = Math.min(until, performance.now() + 30_000);
  while (sent < total && performance.now() < leaveAt && !s.destroyed) {
    const batch: Buffer[] = [];
    for (let i = 0; i < 500 && sent < total; i++, sent++) batch.push(clientRegistration(50_000_000 + sent, 900_000));
    await writeHonouringDrain(s, Buffer.concat(batch), leaveAt);
    await sleep(50);
  }
  await sleep(Math.max(0, Math.min(5000, leaveAt - performance.now())));
  const open = s.destroyed ? 0 : 1;
  s.destroy();
  return {
    attack: 'registration flood', target, did: `one server link relaying ${sent.toLocaleString('en-US')} client registrations at 10,000/s, then leaving`,
    connections: 1, cut: 1 - open, cutAfterMs: null, open,
    notes: [`${refused.toLocaleString('en-US')} registrations answered "Server full"`],
  };
}

/** A registered client sends statuses for the server's log: 200-byte texts, 20,000 a second, 400,000 at most. */
export async function statusFlood({ port, target, until }: AttackContext): Promise<AttackResult> {
  const s = await dialRaw(port);
  s.resume();
  s.write(clientRegistration(900_001));
  const frame = encode({ type: MessageType.Status, sourceId: 900_001, destinationId: 0, statusCode: 0, content: 's'.repeat(200) });
  const batch = Buffer.concat(Array.from({ length: 200 }, () => frame));
  let sent = 0;
  while (sent < 400_000 && performance.now() < until && !s.destroyed) {
    await writeHonouringDrain(s, batch, until);
    sent += 200;
    await sleep(10);
  }
  const open = s.destroyed ? 0 : 1;
  s.destroy();
  return {
    attack: 'status flood', target, did: `one client sending ${sent.toLocaleString('en-US')} statuses (200 B) to the server's log at 20,000/s`,
    connections: 1, cut: 1 - open, cutAfterMs: null, open, notes: [],
  };
}

/** 3,000 connections opened at 1,000 a second that never send a byte. */
export async function connectionStorm({ port, target, until }: AttackContext): Promise<AttackResult> {
  const sockets: Array<{ s: net.Socket; at: number; closed?: number }> = [];
  let failed = 0;
  while (sockets.length + failed < 3000 && performance.now() < until) {
    await Promise.all(Array.from({ length: 50 }, async () => {
      try {
        const s = await dialRaw(port);
        s.resume();
        const entry: { s: net.Socket; at: number; closed?: number } = { s, at: performance.now() };
        void closedAt(s).then((t) => { entry.closed = t; });
        sockets.push(entry);
      } catch {
        failed++;
      }
    }));
    await sleep(50);
  }
  while (sockets.some((e) => e.closed === undefined) && performance.now() < until) await sleep(100);
  const cut = sockets.filter((e) => e.closed !== undefined);
  for (const e of sockets) e.s.destroy();
  return {
    attack: 'connection storm', target, did: `${sockets.length.toLocaleString('en-US')} connections opened at 1,000/s, never sending a byte`,
    connections: sockets.length, cut: cut.length, cutAfterMs: spread(cut.map((e) => e.closed! - e.at)),
    open: sockets.length - cut.length, notes: failed ? [`${failed} connections could not be opened`] : [],
  };
}

/**
 * 100 registered clients each send a chat header promising 64 KiB, and 100 unregistered
 * connections a registration header promising a 60,000-byte info; then every one drips a byte a second.
 */
export async function drip({ port, target, until }: AttackContext): Promise<AttackResult> {
  const drippers = await Promise.all(Array.from({ length: 200 }, async (_, i) => {
    const registered = i < 100;
    const s = await dialRaw(port);
    s.resume();
    if (registered) {
      s.write(clientRegistration(900_100 + i));
      await sleep(100); // the registration first, on its own
    }
    s.write(registered ? promisingHeader('chat', 900_100 + i, 64 * 1024) : promisingHeader('registration', 900_200 + i, 60_000));
    const entry: { s: net.Socket; at: number; closed?: number; registered: boolean } = { s, at: performance.now(), registered };
    void closedAt(s).then((t) => { entry.closed = t; });
    return entry;
  }));
  const one = Buffer.from('x');
  while (drippers.some((d) => d.closed === undefined) && performance.now() < until) {
    for (const d of drippers) if (d.closed === undefined) d.s.write(one);
    await sleep(1000);
  }
  for (const d of drippers) d.s.destroy();
  const cut = drippers.filter((d) => d.closed !== undefined);
  const after = (registered: boolean) => spread(cut.filter((d) => d.registered === registered).map((d) => d.closed! - d.at));
  const fmt = (x: AttackResult['cutAfterMs']) => (x ? `${(x.min / 1000).toFixed(1)}-${(x.max / 1000).toFixed(1)} s` : 'never');
  return {
    attack: 'drip', target, did: '200 connections dripping a frame at 1 B/s: 100 registered (a 64 KiB chat), 100 not (a 60,000-byte registration)',
    connections: drippers.length, cut: cut.length, cutAfterMs: spread(cut.map((d) => d.closed! - d.at)),
    open: drippers.length - cut.length,
    notes: [`registered: cut after ${fmt(after(true))}`, `unregistered: cut after ${fmt(after(false))}`],
  };
}

/**
 * 10 registered clients that read nothing, each fed 60 KB chats at 8 MiB/s (64 MiB at most)
 * by an accomplice; a staller's cut shows as "Unknown ID" answers to its feeder.
 */
export async function stall({ port, target, until }: AttackContext): Promise<AttackResult> {
  const pairs = await Promise.all(Array.from({ length: 10 }, async (_, i) => {
    const stallerId = 900_300 + i;
    const feederId = 900_400 + i;
    const staller = await dialRaw(port);
    staller.write(clientRegistration(stallerId));
    staller.pause(); // reads nothing, ever
    const feeder = await dialRaw(port);
    feeder.write(clientRegistration(feederId));
    const entry: { staller: net.Socket; feeder: net.Socket; started: number; gone?: number; sent: number } = { staller, feeder, started: 0, sent: 0 };
    const dec = new FrameDecoder();
    feeder.on('data', (c: Buffer) => {
      for (const m of dec.feed(c).messages) {
        if (m.type === MessageType.Status && m.content === `Unknown ID ${stallerId}` && entry.gone === undefined) entry.gone = performance.now();
      }
    });
    await sleep(200);
    const chat = encode({ type: MessageType.ClientChat, sourceId: feederId, destinationId: stallerId, content: 'z'.repeat(60_000) });
    entry.started = performance.now();
    void (async () => {
      while (entry.gone === undefined && entry.sent < 64 * 2 ** 20 && performance.now() < until && !feeder.destroyed) {
        await writeHonouringDrain(feeder, chat, until);
        entry.sent += chat.length;
        const ahead = (entry.sent / (8 * 2 ** 20)) * 1000 - (performance.now() - entry.started);
        if (ahead > 1) await sleep(ahead);
      }
    })();
    return entry;
  }));
  while (pairs.some((p) => p.gone === undefined) && performance.now() < until) await sleep(100);
  for (const p of pairs) {
    p.staller.destroy();
    p.feeder.destroy();
  }
  const cut = pairs.filter((p) => p.gone !== undefined);
  const fed = pairs.reduce((a, p) => a + p.sent, 0);
  return {
    attack: 'stall', target, did: '10 clients reading nothing, each fed 60 KB chats at 8 MiB/s by another client',
    connections: pairs.length, cut: cut.length, cutAfterMs: spread(cut.map((p) => p.gone! - p.started)), open: pairs.length - cut.length,
    notes: [`feeders sent ${(fed / 2 ** 20).toFixed(0)} MiB in all (held back by TCP, not cut); cut times count from the first chat`],
  };
}
