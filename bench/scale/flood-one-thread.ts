// CPU per host record of a join flood, in one thread: tree:N's servers on real localhost ports,
// every join at once, until every server knows every other. The same per-record work as a
// scale run (decode, judge, learn, relay, write; a host-learned event per record, folded into
// a digest as a worker does), without threads, processes or the coordinator, so a profile
// (node --cpu-prof) and a CPU-per-record figure take a minute, not a scale run.
// Usage: node dist/bench/scale/flood-one-thread.js N [--events digest|none]
import { connectionTimeoutsOf } from '../../src/coordinator/liveness-defaults.ts';
import { DigestKeeper } from '../../src/coordinator/knowledge-digest.ts';
import { CrcServerNode } from '../../src/net/server-node.ts';
import { resolveTopology } from '../../src/topology/generate.ts';

const n = Number(process.argv[2] ?? 400);
if (!Number.isInteger(n) || n < 2) throw new Error(`N: expected a server count of at least 2, got '${process.argv[2]}'`);
const eventsFlag = process.argv.indexOf('--events');
const events = eventsFlag > 0 ? process.argv[eventsFlag + 1] : 'digest';
if (events !== 'digest' && events !== 'none') throw new Error(`--events: expected digest or none, got '${events}'`);

const topology = resolveTopology(`tree:${n}:7`);
let posted = 0;
const digests = new DigestKeeper(() => posted++);
const nodes = new Map<number, CrcServerNode>();
// As a simulation grows them: a thread far behind in the flood must not cut joins.
const timeouts = connectionTimeoutsOf({ topology });
for (const s of topology.servers) {
  const onEvent = events === 'digest' ? (e: { type: string; id?: number }, t: number) => { digests.fold(s.id, e, t); } : undefined;
  nodes.set(s.id, new CrcServerNode({ id: s.id, name: s.name, info: s.info, port: 0, onEvent, ...timeouts }));
}
const ports = new Map<number, number>();
for (const [id, node] of nodes) ports.set(id, await node.start());

const cpu0 = process.cpuUsage();
const t0 = performance.now();
await Promise.all(topology.servers.filter((s) => s.join !== undefined).map((s) => nodes.get(s.id)!.join({ host: '127.0.0.1', port: ports.get(s.join!)! })));
const records = n * (n - 1);
await new Promise<void>((resolve) => {
  const look = setInterval(() => {
    let known = 0;
    for (const node of nodes.values()) known += node.core.hostCount;
    if (known >= records) {
      clearInterval(look);
      resolve();
    }
  }, 50);
});
const cpu = process.cpuUsage(cpu0);
const wallMs = performance.now() - t0;
const cpuMs = (cpu.user + cpu.system) / 1000;
process.stdout.write(JSON.stringify({
  servers: n, records, events, wallMs: Math.round(wallMs), cpuMs: Math.round(cpuMs), userMs: Math.round(cpu.user / 1000), systemMs: Math.round(cpu.system / 1000),
  usPerRecord: +((cpuMs * 1000) / records).toFixed(3), digestsPosted: posted,
}) + '\n');
await Promise.all([...nodes.values()].map((s) => s.stop()));
process.exit(0);
