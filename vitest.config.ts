import { defineConfig } from 'vitest/config';

// Files whose checks run on real time and are light themselves run in a second group, one at a
// time, after the rest: beside a CPU-heavy file (own-scenarios, the sim runs) two cores are not
// theirs, and their bounds would measure the neighbour. The doc test runs every README/docs
// command (npm start tree:1000:7 among them): heavy, but each command is judged in a time window.
const REAL_TIME = [
  'test/faults/**/*.test.ts',
  'test/placement/external*.test.ts',
  'test/cli/crc-scenario.test.ts',
  'test/docs/commands.test.ts',
];

const shared = {
  globalSetup: ['test/global-setup.ts'],
  // Tests open real sockets and worker threads; two cores here, so keep the fan-out small.
  pool: 'forks' as const,
  testTimeout: 20_000,
  hookTimeout: 20_000,
};

export default defineConfig({
  test: {
    projects: [
      { test: { ...shared, name: 'parallel', include: ['test/**/*.test.ts'], exclude: REAL_TIME, maxWorkers: 2, sequence: { groupOrder: 0 } } },
      { test: { ...shared, name: 'real-time', include: REAL_TIME, maxWorkers: 1, sequence: { groupOrder: 1 } } },
    ],
  },
});
