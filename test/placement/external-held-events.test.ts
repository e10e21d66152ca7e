// A server someone else started (or restarted) before the coordinator subscribes holds what it
// learned since its boot (--hold-events); the coordinator must count those events. On a loaded
// machine the coordinator reads /events' response head and the held events in one chunk, so
// they reach the Ledger before Simulation's start of that server resolves: CI once saw a
// restarted server "missing" hosts it knew (test/placement/external.test.ts). Here a relay in
// front of the control port makes that one chunk every time.
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { Simulation } from '../../src/coordinator/simulation.ts';
import { Child } from '../../src/placement/child.ts';
import { parseEndpoints } from '../../src/placement/endpoints.ts';
import { builtUrl } from '../../src/threads/worker-handle.ts';
import { parseTopology } from '../../src/topology/schema.ts';
import { waitFor } from '../wait.ts';

const script = fileURLToPath(builtUrl('src/cli/crc-server'));

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function crcServer(args: string[]): Promise<{ crc: number; monitor?: number }> {
  const child = new Child({ label: `crc-server ${args.join(' ')}`, command: process.execPath, args: [script, ...args, '--exit-on-stdin-close'] });
  cleanups.push(async () => { child.kill('SIGKILL'); await child.exited; });
  const want = args.includes('--monitor-port') ? [/listening on [^\s]+:(\d+)$/, /^monitor on http:\/\/[^:]+:(\d+)\//] : [/listening on [^\s]+:(\d+)$/];
  const [crc, monitor] = await child.waitForLines(want, 20_000);
  return { crc: Number(crc![1]), monitor: monitor ? Number(monitor[1]) : undefined };
}

/**
 * A TCP relay to `port` that hands a GET /events response over in one write: its head and the
 * first NDJSON line(s) together, as a reader that came late finds them. Anything else passes as is.
 */
async function coalescingRelay(port: number): Promise<number> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((down) => {
    const up = net.connect(port, '127.0.0.1');
    sockets.add(up).add(down);
    let events: boolean | undefined;
    let held = Buffer.alloc(0);
    down.on('data', (b) => {
      events ??= b.toString('latin1').startsWith('GET /events');
      up.write(b);
    });
    up.on('data', (b) => {
      if (!events || held === undefined) return down.write(b);
      held = Buffer.concat([held, b]);
      const head = held.indexOf('\r\n\r\n');
      if (head >= 0 && held.indexOf('\n', head + 4) >= 0) {
        down.write(held);
        held = undefined!;
      }
    });
    const close = () => { up.destroy(); down.destroy(); };
    up.on('close', close).on('error', close);
    down.on('close', close).on('error', close);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  cleanups.push(() => new Promise<void>((r) => {
    server.close(() => r());
    for (const s of sockets) s.destroy();
  }));
  return (server.address() as net.AddressInfo).port;
}

describe('placement external: events held since the boot', () => {
  it('count when they arrive in the same read as the /events response head', async () => {
    const a = await crcServer(['--id', '1', '--servername', 'a', '--info', 'x', '--port', '0', '--monitor-port', '0', '--hold-events']);
    await crcServer(['--id', '2', '--servername', 'b', '--info', 'x', '--port', '0', '--connect_to_port', String(a.crc)]);
    // a learned b before anyone subscribed: that host-learned event waits in a's backlog.
    await waitFor(async () => {
      const state = await (await fetch(`http://127.0.0.1:${a.monitor}/state`)).json() as { hosts?: Array<{ id: number }> };
      return JSON.stringify(state).includes('"id":2');
    }, 20_000, 'a knows b (GET /state)', 50);
    const control = await coalescingRelay(a.monitor!);
    const endpoints = parseEndpoints({ servers: [{ name: 'a', host: '127.0.0.1', port: a.crc, control: `http://127.0.0.1:${control}` }], links: [] }, 'inline endpoints');
    const sim = await Simulation.start({ topology: parseTopology({ name: 'one', servers: [{ id: 1, name: 'a', info: 'x' }], clients: [] }, 'inline'), placement: 'external', endpoints });
    cleanups.push(() => sim.stop());
    expect([...sim.knownBy(1)]).toEqual([2]);
  }, 60_000);
});
