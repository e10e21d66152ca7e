// What one read of the host lateness board costs (every server reads it on every sweep, once a
// second): 17 threads publishing full rings, a span longer than the ring (the liveness timeout
// of 10,000 servers is 200 s). Usage: node dist/bench/scale/board-read.js
import { BOARD_RING, HostLatenessBoard } from '../../src/util/host-lateness-board.ts';

const board = HostLatenessBoard.create(0);
for (let slot = 0; slot < 17; slot++) {
  board.ran(slot, BOARD_RING * 100);
  for (let w = 0; w < BOARD_RING; w++) board.publish(slot, w * 100, (w * 7 + slot) % 50, 100);
}
const reads = 20_000;
let sink = 0;
for (let i = 0; i < 2_000; i++) sink += board.worstSince(-200_000 + i, BOARD_RING * 100 + 100); // warm up
const cpu0 = process.cpuUsage();
for (let i = 0; i < reads; i++) sink += board.worstSince(-200_000 + i, BOARD_RING * 100 + 100);
const cpu = process.cpuUsage(cpu0);
process.stdout.write(JSON.stringify({ usPerRead: +((cpu.user + cpu.system) / reads).toFixed(2), checksum: sink }) + '\n');
