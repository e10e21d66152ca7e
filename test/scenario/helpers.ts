// Shared by the scenario tests: the in-memory modes every scenario runs in, and running one
// scenario on one backend as a test.
import { expect } from 'vitest';
import { MemoryBackend } from '../../src/memory/backend.ts';
import type { ScenarioBackend } from '../../src/scenario/backend.ts';
import type { Scenario } from '../../src/scenario/model.ts';
import { formatResult, runScenario } from '../../src/scenario/runner.ts';

/** The in-memory network with whole writes, and with seeded random chunks (frames split and share reads). */
export const MEMORY_BACKENDS = [
  { label: 'in memory, whole writes', make: () => new MemoryBackend() },
  { label: 'in memory, random chunks (seed 5)', make: () => new MemoryBackend({ chunkSeed: 5 }) },
  { label: 'in memory, random chunks (seed 31337)', make: () => new MemoryBackend({ chunkSeed: 31337 }) },
];

/**
 * The scenario's expectations hold on `backend`. In memory, also: no core rejected a frame
 * anywhere, and nothing was left in flight.
 */
export async function expectScenarioPasses(sc: Scenario, backend: ScenarioBackend): Promise<void> {
  const result = await runScenario(sc, backend);
  expect(result.failures, formatResult(result)).toEqual([]);
  expect(result.passed).toBe(true);
  if (backend instanceof MemoryBackend) {
    expect(backend.net.events.filter((e) => e.event.type === 'protocol-error')).toEqual([]);
    expect(backend.net.inFlight).toBe(false);
  }
}
