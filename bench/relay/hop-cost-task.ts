// The bench's load task (a piscina task), answering with its thread's id too, so hop-cost.ts
// can tell the load generator's kernel counters from the servers'.
import { ownTid } from './thread-stats.ts';
import runLoad, { type LoadResult, type LoadTask } from '../load/load-task.ts';

export default async function run(task: LoadTask): Promise<LoadResult & { tid?: number }> {
  const tid = ownTid();
  return { ...(await runLoad(task)), tid };
}
