// A load generator thread (src/load/generator.ts): its own long-lived Worker, apart from the
// servers' threads. Commands in and reports out over the worker's port.
import { parentPort, workerData } from 'node:worker_threads';
import type { GeneratorCommand, GeneratorData, GeneratorMessage } from '../src/load/generator-api.ts';
import { Generator } from '../src/load/generator.ts';

const port = parentPort!;
const post = (m: GeneratorMessage) => port.postMessage(m);
const generator = new Generator(workerData as GeneratorData, post);
port.on('message', (c: GeneratorCommand) => {
  generator.command(c).catch((err: Error) => post({ type: 'error', message: err.message }));
});
generator.connect().then(() => post({ type: 'ready' }), (err: Error) => post({ type: 'error', message: err.message }));
