// Scratch: node dist/bench/proxy/chain-quick.js [rounds] [seconds] [modes]
import { crcChain, type ChainMode } from './crc-chain.ts';
const rounds = Number(process.argv[2] ?? 3);
const seconds = Number(process.argv[3] ?? 3);
const modes = (process.argv[4] ?? 'direct,network,per-link').split(',') as ChainMode[];
const out = await crcChain(modes, rounds, seconds, (s) => process.stdout.write(s));
for (const r of out) {
  const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  console.log(r.mode, 'msgs/s', Math.round(med(r.runs.map((x) => x.msgsPerSec))), 'p50', med(r.runs.map((x) => x.latencyUs.p50)), 'cpu µs/msg', med(r.runs.map((x) => x.cpuUsPerMsg)).toFixed(2));
}
process.exit(0);
