// A proxied connection's ends on real ports: the accepted socket re-made to read into a slot
// of its own (read-slot.ts), and the target dialled with one too. Everything past this file
// sees them as ByteStreams.
import net from 'node:net';
import type { PairEnds } from './pipe-pair.ts';
import { ReadSlot, adoptWithSlot } from './read-slot.ts';

/** `accepted`: paused, not read yet (pauseOnConnect). */
export function socketEnds(accepted: net.Socket, target: { host: string; port: number }): PairEnds {
  const remote = `${accepted.remoteAddress}:${accepted.remotePort}`;
  const clientReads = new ReadSlot();
  const client = adoptWithSlot(accepted, clientReads);
  client.setNoDelay(true);
  const targetReads = new ReadSlot();
  const dialled = net.connect({ host: target.host, port: target.port, noDelay: true, allowHalfOpen: true, onread: targetReads.onread });
  dialled.once('connect', () => dialled.setNoDelay(true));
  return { client, clientReads, target: dialled, targetReads, remote };
}

/** A listener for a proxy: accepted sockets paused, half-open allowed (each direction ends on its own). */
export function proxyServer(onSocket: (s: net.Socket) => void): net.Server {
  return net.createServer({ allowHalfOpen: true, pauseOnConnect: true, noDelay: true }, onSocket);
}

/** Listen; resolves with the port. `name` names the proxy in the error. */
export async function listenOn(server: net.Server, host: string, port: number, name: string): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    const onError = (err: Error) => reject(new Error(`proxy ${name} cannot listen on ${host}:${port}: ${err.message}`));
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve();
    });
  });
  return (server.address() as net.AddressInfo).port;
}
