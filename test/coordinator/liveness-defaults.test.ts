// Which liveness a simulation gives its servers: the options', else the topology's, else the
// defaults (250 ms / 1 s, the timeout growing with networks of more than 50 servers).
import { describe, expect, it } from 'vitest';
import { connectionTimeoutsOf, livenessOf } from '../../src/coordinator/liveness-defaults.ts';
import { resolveTopology } from '../../src/topology/generate.ts';

describe('livenessOf', () => {
  it('defaults to 250 ms / 1 s, scaled up beyond 50 servers', () => {
    expect(livenessOf({ topology: resolveTopology('middle-earth') })).toEqual({ intervalMs: 250, timeoutMs: 1000 });
    expect(livenessOf({ topology: resolveTopology('chain:50') })).toEqual({ intervalMs: 250, timeoutMs: 1000 });
    expect(livenessOf({ topology: resolveTopology('tree:1000:7') })).toEqual({ intervalMs: 5000, timeoutMs: 20_000 });
  });

  it("the topology's liveness, then the options', win over the defaults", () => {
    const topology = { ...resolveTopology('tree:1000:7'), liveness: { interval: 100, timeout: 400 } };
    expect(livenessOf({ topology })).toEqual({ intervalMs: 100, timeoutMs: 400 });
    expect(livenessOf({ topology: { ...topology, liveness: false } })).toEqual({ intervalMs: 0, timeoutMs: 0 });
    expect(livenessOf({ topology, pingIntervalMs: 50 })).toEqual({ intervalMs: 50, timeoutMs: 200 });
    expect(livenessOf({ topology, pingIntervalMs: 0 })).toEqual({ intervalMs: 0, timeoutMs: 0 });
    expect(livenessOf({ topology: resolveTopology('chain:3'), pingTimeoutMs: 2000 })).toEqual({ intervalMs: 500, timeoutMs: 2000 });
    expect(() => livenessOf({ topology, pingIntervalMs: 100, pingTimeoutMs: 150 })).toThrow(/at least twice/);
  });
});

describe('connection timeouts of a simulation', () => {
  const tree = (n: number) => resolveTopology(`tree:${n}:7`);
  it('are the servers\' defaults up to 500 servers, then 20 ms per server; given ones win', () => {
    expect(connectionTimeoutsOf({ topology: tree(500) })).toEqual({ registrationTimeoutMs: undefined, sendqTimeoutMs: undefined });
    expect(connectionTimeoutsOf({ topology: tree(2000) })).toEqual({ registrationTimeoutMs: 40_000, sendqTimeoutMs: 40_000 });
    expect(connectionTimeoutsOf({ topology: tree(2000), registrationTimeoutMs: 5000 })).toEqual({ registrationTimeoutMs: 5000, sendqTimeoutMs: 40_000 });
  });
});
