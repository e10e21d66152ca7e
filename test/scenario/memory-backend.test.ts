// MemoryBackend: the in-memory network reports exactly what real TCP nodes report, and its
// made-up ports behave like ports.
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { MemoryBackend } from '../../src/memory/backend.ts';
import type { NetworkSnapshot } from '../../src/scenario/backend.ts';
import { InProcessBackend } from '../../src/scenario/in-process.ts';
import { loadScenarioFile, playScenario } from '../../src/scenario/runner.ts';

const dir = fileURLToPath(new URL('../../topologies/scenarios/', import.meta.url));
const files = readdirSync(dir).filter((f) => f.endsWith('.json')).sort();

const ids = (xs: number[]) => [...xs].sort((a, b) => a - b);
/** Id lists and join frames as sets (arrival order across connections is the OS's); logs in order. */
function comparable(snap: NetworkSnapshot) {
  return {
    servers: Object.fromEntries(Object.entries(snap.servers).map(([name, s]) => [name, {
      hosts: ids(s.hosts), adjacentServers: ids(s.adjacentServers), adjacentUsers: ids(s.adjacentUsers),
      statusLog: s.statusLog, joinFrames: [...s.joinFrames].sort(),
    }])),
    clients: Object.fromEntries(Object.entries(snap.clients).map(([name, c]) => [name, {
      users: ids(c.users), statusLog: c.statusLog, chatLog: c.chatLog,
    }])),
  };
}

describe('MemoryBackend', () => {
  it.each(files)('%s: the same final state as real TCP nodes, every field of every host', async (f) => {
    const sc = loadScenarioFile(dir + f);
    const memory = new MemoryBackend();
    const tcp = new InProcessBackend();
    try {
      const inMemory = await playScenario(sc, memory);
      const overTcp = await playScenario(sc, tcp);
      expect(comparable(inMemory)).toEqual(comparable(overTcp));
    } finally {
      await Promise.all([memory.close(), tcp.close()]);
    }
  });

  it('gives each server its own made-up port, honours a requested one, and refuses a taken or unknown one', async () => {
    const b = new MemoryBackend();
    const p1 = await b.launchServer({ name: 'a', id: 1, info: '', port: 0 });
    const p2 = await b.launchServer({ name: 'b', id: 2, info: '', port: 0, joinPort: p1 });
    expect(p2).not.toBe(p1);
    expect(await b.launchServer({ name: 'c', id: 3, info: '', port: 40003, joinPort: p2 })).toBe(40003);
    await expect(b.launchServer({ name: 'd', id: 4, info: '', port: p1 })).rejects.toThrow(`cannot take port ${p1}: a has it`);
    await expect(b.launchClient({ name: 'x', id: 101, info: '', serverPort: 9999 })).rejects.toThrow('no server on port 9999');
    await b.launchClient({ name: 'y', id: 102, info: '', serverPort: 40003 });
    await b.settle();
    const snap = await b.snapshot();
    expect(ids(snap.servers.a!.hosts)).toEqual([2, 3, 102]);
    expect(snap.servers.c!.adjacentUsers).toEqual([102]);
    expect(Object.keys(snap.servers).sort()).toEqual(['a', 'b', 'c']);
  });

  it('delivers nothing until settle(), then everything', async () => {
    const b = new MemoryBackend();
    const port = await b.launchServer({ name: 'a', id: 1, info: '', port: 0 });
    await b.launchClient({ name: 'y', id: 102, info: '', serverPort: port });
    expect((await b.snapshot()).servers.a!.adjacentUsers).toEqual([]);
    expect(b.net.inFlight).toBe(true);
    await b.settle();
    expect((await b.snapshot()).servers.a!.adjacentUsers).toEqual([102]);
    expect(b.net.inFlight).toBe(false);
  });
});
