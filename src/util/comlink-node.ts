// comlink over worker_threads. The Node adapter ships as UMD and its types expect DOM event
// types, so it is wrapped once here with a type that fits.
import * as Comlink from 'comlink';
import nodeEndpointUntyped from 'comlink/dist/umd/node-adapter.js';

type Listenable = {
  postMessage(message: unknown, transfer?: unknown[]): void;
  on(type: string, listener: (...args: unknown[]) => void): unknown;
  off(type: string, listener: (...args: unknown[]) => void): unknown;
};

export const nodeEndpoint = nodeEndpointUntyped as unknown as (nep: Listenable) => Comlink.Endpoint;
export { Comlink };
