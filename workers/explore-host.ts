// A worker thread of `npm run explore`: runs the seeds it is sent (schedule, run, shrink on a
// failure) with the experiment runner, and answers with each seed's outcome.
import { parentPort, workerData } from 'node:worker_threads';
import { fileRunner } from '../src/explore/run-file.ts';
import { runSeed } from '../src/explore/seed.ts';
import type { ExploreWorkerData, ExploreWorkerMessage } from '../src/explore/thread-job.ts';

const data = workerData as ExploreWorkerData;
const run = fileRunner({ outDir: data.outDir, placement: data.placement as never, keepResults: data.keepResults });
const post = (m: ExploreWorkerMessage) => parentPort!.postMessage(m);

parentPort!.on('message', ({ seed }: { seed: number }) => {
  runSeed(data.config, seed, run, (doc, result) => post({ type: 'failed', seed, doc, result }))
    .then((outcome) => post({ type: 'done', outcome }))
    .catch((err: Error) => post({ type: 'error', seed, message: err.stack ?? err.message }));
});
