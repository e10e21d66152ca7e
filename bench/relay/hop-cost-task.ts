// The bench's load task (a piscina task), answering with its thread's id too, so hop-cost.ts
// can tell the load generator's kernel counters from the servers'.
import { readlinkSync } from 'node:fs';
import runLoad, { type LoadResult, type LoadTask } from '../load/load-task.ts';

export default async function run(task: LoadTask): Promise<LoadResult & { tid?: number }> {
  let tid: number | undefined;
  try {
    tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
  } catch {
    tid = undefined; // not Linux
  }
  return { ...(await runLoad(task)), tid };
}
