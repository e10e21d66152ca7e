// Liveness false positives while a big tree boots (issue 20): start a tree (default tree:2000:7,
// servers in threads as the scale bench places them), wait until it has converged, and count
// every link declared dead on the way. No fault is injected, so every link is healthy: any
// `ping timeout` is a false positive. Prints one JSON line (with why connections closed, to
// name a netsplit's cause); exit 1 if there was one.
//   node dist/bench/tree-liveness.js [--topology tree:2000:7] [--servers-per-worker K] [--timeout-ms MS]
import { intFlag, parseFlags } from '../src/cli/args.ts';
import { Simulation } from '../src/coordinator/simulation.ts';
import { resolveTopology } from '../src/topology/generate.ts';
import { placement } from './phases/scale.ts';

const { values } = parseFlags(process.argv.slice(2), {
  topology: { type: 'string', default: 'tree:2000:7' },
  'servers-per-worker': { type: 'string' },
  'timeout-ms': { type: 'string', default: '600000' },
});
const topology = resolveTopology(values.topology!);
const k = intFlag(values, 'servers-per-worker', 1, 10_000, placement(topology.servers.length));
const timeoutMs = intFlag(values, 'timeout-ms', 1, 3_600_000, 600_000);

const dead = new Map<string, number>();
let splits = 0;
/** Why connections closed, numbers taken out so like reasons count together (bounded: 50 kinds). */
const closes = new Map<string, number>();
const MAX_CLOSE_KINDS = 50;
const closeKind = (reason: string) => reason.replace(/[0-9]+(\.[0-9]+)?/g, 'N').slice(0, 120);
/** Stopping closes every link: only what happened before is counted. */
let counting = true;
const t0 = performance.now();
const sim = await Simulation.start({
  topology, serversPerWorker: k, knowledge: 'digest', callTimeoutMs: 120_000,
  onEvent: (e) => {
    if (!counting) return;
    if (e.type === 'link-dead') dead.set(e.reason, (dead.get(e.reason) ?? 0) + 1);
    else if (e.type === 'link-down') splits++;
    else if (e.type === 'conn-closed') {
      const kind = closeKind(String((e as { reason?: unknown }).reason ?? ''));
      if (closes.has(kind) || closes.size < MAX_CLOSE_KINDS) closes.set(kind, (closes.get(kind) ?? 0) + 1);
    }
  },
});
let converged = false;
try {
  await sim.converged({ timeoutMs });
  converged = true;
} catch (err) {
  process.stderr.write(`not converged: ${(err as Error).message.split('\n')[0]}\n`);
}
const convergeMs = performance.now() - t0;
counting = false;
await sim.stop();
const pingTimeouts = dead.get('ping timeout') ?? 0;
process.stdout.write(JSON.stringify({
  topology: topology.name, servers: topology.servers.length, serversPerWorker: k, converged, convergeMs: Math.round(convergeMs),
  pingTimeouts, linkDead: Object.fromEntries(dead), netsplits: splits, closes: Object.fromEntries(closes),
}) + '\n');
process.exit(converged && pingTimeouts === 0 ? 0 : 1);
