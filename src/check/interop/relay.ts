// A TCP relay between two servers that can be cut (every connection through it closed, as a
// lost link) and pointed elsewhere (a restarted server on a new port), while it keeps listening
// so a re-dial gets through. The interop matrix (matrix.ts) puts one on the link it cuts.
import net from 'node:net';

export interface Relay {
  port: number;
  /** Close every connection through it, both ends: a netsplit. */
  cut(): void;
  /** Send new connections to `port` from now on. */
  retarget(port: number): void;
  /** Connections made through it so far. */
  readonly accepted: number;
  close(): Promise<void>;
}

export async function relayTo(target: number): Promise<Relay> {
  const pairs = new Set<[net.Socket, net.Socket]>();
  let upstream = target;
  let accepted = 0;
  const server = net.createServer((a) => {
    accepted++;
    const b = net.connect(upstream, '127.0.0.1');
    const pair: [net.Socket, net.Socket] = [a, b];
    pairs.add(pair);
    for (const s of pair) { s.on('error', () => {}); s.setNoDelay(true); }
    a.pipe(b);
    b.pipe(a);
    const drop = () => { pairs.delete(pair); a.destroy(); b.destroy(); };
    a.on('close', drop);
    b.on('close', drop);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return {
    port: (server.address() as net.AddressInfo).port,
    cut: () => { for (const [a, b] of [...pairs]) { a.destroy(); b.destroy(); } pairs.clear(); },
    retarget: (port) => { upstream = port; },
    get accepted() { return accepted; },
    close: () => new Promise<void>((r) => { for (const [a, b] of pairs) { a.destroy(); b.destroy(); } server.close(() => r()); }),
  };
}
