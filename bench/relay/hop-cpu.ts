// CPU per message over a chain of servers (or relays), with the sender and receiver in this
// thread. On a loaded machine wall-clock msgs/s is noise; the CPU the process spends per
// delivered chat (every thread's: process.cpuUsage) much less so. `--threads one` puts every
// node in this thread too, so `node --cpu-prof` on this script profiles the whole hop;
// `--threads workers` places them as the bench does (each in its own worker). Usage:
//   node dist/bench/relay/hop-cpu.js [--system crc|raw|decode] [--hops 3] [--window 256]
//        [--size 64] [--count 200000] [--rounds 3] [--threads one|workers]
// Prints one JSON line per round: { system, hops, msgs, cpuUsPerMsg, wallMsgsPerSec }.
import { CrcServerNode } from '../../src/net/server-node.ts';
import { intFlag, parseFlags, runMain, UsageError } from '../../src/cli/args.ts';
import { DEFAULT_PING_INTERVAL_MS, DEFAULT_PING_TIMEOUT_MS } from '../../src/coordinator/liveness-defaults.ts';
import runLoad, { type LoadTask } from '../load/load-task.ts';
import { type RelayNode, startRelayNode } from './relay-node.ts';
import { startRelayChain } from './chain.ts';
import { Simulation } from '../../src/coordinator/simulation.ts';
import { resolveTopology } from '../../src/topology/generate.ts';

const USAGE = 'usage: node dist/bench/relay/hop-cpu.js [--system crc|raw|decode] [--hops N] [--window W] [--size B] [--count M] [--rounds R] [--threads one|workers]\n';

interface Chain {
  headPort: number;
  tailPort: number;
  mode: 'crc' | 'raw';
  stop(): Promise<void>;
}

/** hops + 1 CRC servers in a line, each joining the one before, with the simulator's liveness. */
async function crcChain(hops: number): Promise<Chain> {
  const nodes: CrcServerNode[] = [];
  for (let i = 0; i <= hops; i++) {
    const prev = nodes[i - 1];
    const n = new CrcServerNode({
      id: i + 1, name: `s${i + 1}`, info: 'hop bench',
      connectTo: prev ? { host: '127.0.0.1', port: prev.port } : undefined,
      pingIntervalMs: DEFAULT_PING_INTERVAL_MS, pingTimeoutMs: DEFAULT_PING_TIMEOUT_MS,
    });
    await n.start();
    nodes.push(n);
  }
  // Every server knows every other before load starts.
  const deadline = Date.now() + 10_000;
  while (nodes.some((n) => n.core.hostCount < hops)) {
    if (Date.now() > deadline) throw new Error('the chain did not converge within 10 s');
    await new Promise((r) => setTimeout(r, 5));
  }
  return {
    headPort: nodes[0]!.port, tailPort: nodes[hops]!.port, mode: 'crc',
    stop: async () => void (await Promise.all(nodes.map((n) => n.stop()))),
  };
}

/** The same chain as the bench places it: a Simulation of chain:N, each server in its own worker. */
async function crcChainInWorkers(hops: number): Promise<Chain> {
  const sim = await Simulation.start({ topology: resolveTopology(`chain:${hops + 1}`) });
  await sim.converged({ timeoutMs: 20_000 });
  const ids = sim.topology.servers.map((s) => s.id);
  return { headPort: sim.port(ids[0]!), tailPort: sim.port(ids[hops]!), mode: 'crc', stop: () => sim.stop() };
}

async function relayChain(hops: number, mode: 'raw' | 'decode'): Promise<Chain> {
  const relays: RelayNode[] = [];
  let next: number | undefined;
  for (let i = 0; i <= hops; i++) {
    const r = await startRelayNode(mode, next);
    relays.unshift(r);
    next = r.port;
  }
  return {
    headPort: relays[0]!.port, tailPort: relays[hops]!.port, mode: 'raw',
    stop: async () => relays.forEach((r) => r.stop()),
  };
}

await runMain(USAGE, async () => {
  const { values } = parseFlags(process.argv.slice(2), {
    system: { type: 'string' }, hops: { type: 'string' }, window: { type: 'string' },
    size: { type: 'string' }, count: { type: 'string' }, rounds: { type: 'string' }, threads: { type: 'string' },
  });
  const threads = values.threads ?? 'one';
  if (threads !== 'one' && threads !== 'workers') throw new UsageError(`--threads must be one or workers, got '${threads}'`);
  const system = values.system ?? 'crc';
  if (system !== 'crc' && system !== 'raw' && system !== 'decode') throw new UsageError(`--system must be crc, raw or decode, got '${system}'`);
  const hops = intFlag(values, 'hops', 0, 20, 3);
  const window = intFlag(values, 'window', 1, 100_000, 256);
  const size = intFlag(values, 'size', 16, 65_536, 64);
  const count = intFlag(values, 'count', 1, 10_000_000, 200_000);
  const rounds = intFlag(values, 'rounds', 1, 100, 3);
  let nextId = 1_000_000;
  for (let r = 0; r < rounds; r++) {
    const chain = threads === 'one'
      ? (system === 'crc' ? await crcChain(hops) : await relayChain(hops, system))
      : system === 'crc' ? await crcChainInWorkers(hops)
        : await startRelayChain(hops + 1, system).then((c) => ({ ...c, mode: 'raw' as const }));
    try {
      const task: LoadTask = {
        mode: chain.mode, senderPort: chain.headPort, receiverPort: chain.tailPort,
        senderId: nextId++, receiverId: nextId++, window, size, count,
      };
      const cpu0 = process.cpuUsage();
      const t0 = performance.now();
      const res = await runLoad(task);
      const wall = performance.now() - t0;
      const cpu = process.cpuUsage(cpu0);
      if (res.error) throw new Error(res.error);
      const us = cpu.user + cpu.system;
      process.stdout.write(JSON.stringify({
        system, threads, hops, window, size, msgs: res.delivered,
        cpuUsPerMsg: +(us / res.delivered).toFixed(3),
        userUsPerMsg: +(cpu.user / res.delivered).toFixed(3),
        wallMsgsPerSec: Math.round(res.delivered / (wall / 1000)),
      }) + '\n');
    } finally {
      await chain.stop();
    }
  }
});
