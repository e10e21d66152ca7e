// Read a JSON data file, turning "cannot read" and "not valid JSON" into one error type that
// names the file, so every loader of topologies, scenarios and experiments reports alike.
import { readFileSync } from 'node:fs';

export function readJsonFile(path: string, makeError: (message: string) => Error): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw makeError(`${path}: cannot read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw makeError(`${path}: not valid JSON: ${(err as Error).message}`);
  }
}
