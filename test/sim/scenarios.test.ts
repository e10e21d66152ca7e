// Our own 20 scenario files (topologies/scenarios/) on the sim backend: the sim's servers and
// clients (the ones --placement sim runs) on virtual time, as crc-scenario --backend sim runs them.
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadScenarioFile } from '../../src/scenario/runner.ts';
import { SimBackend } from '../../src/sim/scenario-backend.ts';
import { expectScenarioPasses } from '../scenario/helpers.ts';

const dir = fileURLToPath(new URL('../../topologies/scenarios/', import.meta.url));
const files = readdirSync(dir).filter((f) => f.endsWith('.json')).sort();

describe('own scenarios on the sim backend', () => {
  it('has all 20', () => expect(files).toHaveLength(20));
  it.each(files)('%s', (f) => expectScenarioPasses(loadScenarioFile(dir + f), new SimBackend()));
});
