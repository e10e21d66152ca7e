// The connection limits as crc-server flags (the built command), and their defaults: each
// reaches the server, shows on /metrics and in the start-up log line; a bad value is a usage error.
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_SERVER_LIMITS, defaultMaxConnections, sweepIntervalMs, resolveServerLimits } from '../../src/net/server-limits.ts';
import { Cleanup, waitFor } from '../net/helpers.ts';
import { killAll, requireBuild, run, startServer } from '../cli/helpers.ts';
import { sample } from './helpers.ts';

beforeAll(requireBuild);
const cleanup = new Cleanup();
afterEach(async () => {
  await killAll();
  await cleanup.run();
});

describe('crc-server connection-limit flags', () => {
  it('take effect: the start-up line, /metrics, and a registration timeout of 200 ms', async () => {
    const { proc, port } = await startServer(['--id', '1', '--servername', 'bree', '--info', 'x', '--monitor-port', '0',
      '--max-connections', '40', '--max-unregistered', '8', '--registration-timeout-ms', '200', '--frame-timeout-ms', '5000',
      '--sendq-timeout-ms', '7000', '--sendq-high-water', '65536', '--max-sendq', '1048576', '--send-budget', '4194304']);
    const monitor = (await proc.out(/monitor on (http:\/\/127\.0\.0\.1:\d+)\/state/))[1]!;
    expect(proc.stderr).toContain('connection limits: 40 connections, 8 unregistered; timeouts: registration 0.2 s, unfinished frame 5 s, '
      + 'SendQ 7 s; send queues: high water 64 KiB, 1.0 MiB each, 4.0 MiB in all');
    const silent = await cleanup.raw(port);
    await waitFor(() => silent.closed, 3000, 'the silent connection closed by the registration timeout');
    await waitFor(() => /closed: registration timeout: not registered 0\.\d s after connecting \(counted in crc_registration_timeouts_total\)/.test(proc.stderr), 3000, 'the log line');
    const metrics = await (await fetch(`${monitor}/metrics`)).text();
    expect(sample(metrics, 'crc_max_connections', 1)).toBe(40);
    expect(sample(metrics, 'crc_max_unregistered', 1)).toBe(8);
    expect(sample(metrics, 'crc_send_budget_bytes', 1)).toBe(4 * 1024 * 1024);
    expect(sample(metrics, 'crc_registration_timeouts_total', 1)).toBe(1);
  });

  it.each(['--max-connections', '--registration-timeout-ms', '--send-budget'])('%s 0 is a usage error naming the flag', async (flag) => {
    const p = run('crc-server', ['--id', '1', '--servername', 'a', '--port', '0', '--info', 'x', flag, '0']);
    expect(await p.exitWithin()).toEqual({ code: 2, signal: null });
    expect(p.stderr.split('\n')[0]).toContain(`${flag} must be an integer from 1`);
  });
});

describe('the defaults', () => {
  it('stay out of the way of the benchmarks and of trees of 10,000 servers; one sweep a second', async () => {
    expect(DEFAULT_SERVER_LIMITS).toEqual({
      maxUnregistered: 1000, registrationTimeoutMs: 10_000, frameTimeoutMs: 30_000, sendqTimeoutMs: 10_000,
      sendQueueHighWater: 1024 * 1024, maxQueueBytes: 16 * 1024 * 1024, sendBudgetBytes: 256 * 1024 * 1024,
    });
    expect(defaultMaxConnections()).toBeGreaterThan(0);
    expect(defaultMaxConnections()).toBeLessThanOrEqual(10_000);
    expect(sweepIntervalMs(resolveServerLimits({}))).toBe(1000);
    const { node, logs } = await cleanup.server({ id: 1 });
    expect(node.connectionLimits).toEqual({ ...DEFAULT_SERVER_LIMITS, maxConnections: defaultMaxConnections() });
    expect(logs.some((l) => l.includes('connection limits: ') && l.includes('timeouts: registration 10 s, unfinished frame 30 s, SendQ 10 s'))).toBe(true);
  });
});
