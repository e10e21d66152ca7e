// The external placement (the Kubernetes Job's driver path): servers started by someone else,
// found through an endpoints file, driven only over their control APIs. Here "someone else" is
// this test: it starts crc-server processes and, like Kubernetes, starts a crashed one again on
// the same ports. The experiment's results folder has the usual layout.
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { builtUrl } from '../../src/threads/worker-handle.ts';
import { parseExperiment } from '../../src/experiment/parse.ts';
import { runExperiment } from '../../src/experiment/runner.ts';
import { Child } from '../../src/placement/child.ts';
import { EndpointsError, loadEndpointsFile, parseEndpoints } from '../../src/placement/endpoints.ts';

const script = fileURLToPath(builtUrl('src/cli/crc-server'));

/** A crc-server kept running like a pod's container: started again, on the same ports, when it exits. */
class Supervised {
  child!: Child;
  ports = { crc: 0, monitor: 0 };
  private stopped = false;
  constructor(private readonly id: number, private readonly name: string) {}

  async start(): Promise<void> {
    this.child = new Child({
      label: `supervised ${this.name}`, command: process.execPath,
      args: [script, '--id', String(this.id), '--servername', this.name, '--info', 'external', '--port', String(this.ports.crc),
        '--monitor-port', String(this.ports.monitor), '--hold-events', '--exit-on-stdin-close', '--reconnect', '--ping-interval', '250', '--ping-timeout', '1000'],
      onExit: () => {
        if (!this.stopped) void this.start();
      },
    });
    const [crc, monitor] = await this.child.waitForLines([/listening on [^\s]+:(\d+)$/, /^monitor on http:\/\/[^:]+:(\d+)\//], 20_000);
    this.ports = { crc: Number(crc![1]), monitor: Number(monitor![1]) };
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.child.kill('SIGKILL');
    await this.child.exited;
  }
}

const running: Supervised[] = [];
afterEach(async () => {
  for (const s of running.splice(0)) await s.stop();
});

describe('endpoints file', () => {
  it('names the file and the field of every problem', () => {
    const bad = { servers: [{ name: 'a', host: 'a.svc', port: 0, control: 'ftp://a' }, { name: 'a', host: 'x', port: 1, control: 'http://x:1' }], links: [{ a: 'a', b: 'zz', proxyApi: 'http://p:8474', proxy: 'a-zz' }], extra: 1 };
    let message = '';
    try {
      parseEndpoints(bad, 'endpoints.json');
    } catch (err) {
      expect(err).toBeInstanceOf(EndpointsError);
      message = (err as Error).message;
    }
    expect(message).toMatch(/^endpoints\.json: servers\.0\.port: /m);
    expect(message).toMatch(/^endpoints\.json: servers\.0\.control: an http:\/\/ URL/m);
    expect(message).toMatch(/^endpoints\.json: extra: unknown field "extra"/m);
  });

  it('checks references once the shape is right', () => {
    expect(() => parseEndpoints({ servers: [{ name: 'a', host: 'x', port: 1, control: 'http://x:1' }, { name: 'a', host: 'y', port: 2, control: 'http://y:2' }], links: [{ a: 'a', b: 'zz', proxyApi: 'http://p:8474', proxy: 'a-zz' }] }, 'e.json'))
      .toThrow(/e\.json: servers\.1\.name: "a" is listed twice\ne\.json: links\.0\.b: "zz" is not one of the servers/);
  });

  it('the contract example is valid', () => {
    const doc = {
      servers: [{ name: 'gondor', host: 'gondor.crc-sim.svc', port: 13000, control: 'http://gondor.crc-sim.svc:9100' }, { name: 'rohan', host: 'rohan.crc-sim.svc', port: 13000, control: 'http://rohan.crc-sim.svc:9100' }],
      links: [{ a: 'gondor', b: 'rohan', proxyApi: 'http://rohan.crc-sim.svc:8474', proxy: 'gondor-rohan' }],
      clientHost: '0.0.0.0',
    };
    expect(parseEndpoints(doc, 'x').links[0]!.proxy).toBe('gondor-rohan');
  });
});

describe('placement external', () => {
  it('runs an experiment on servers it did not start (crash = POST /crash, restart = a new boot) and writes the usual results', async () => {
    const names = ['gondor', 'rohan', 'shire'];
    for (const [i, n] of names.entries()) running.push(new Supervised(i + 1, n));
    await Promise.all(running.map((s) => s.start()));
    const dir = mkdtempSync(join(tmpdir(), 'crc-external-'));
    const endpointsFile = join(dir, 'endpoints.json');
    writeFileSync(endpointsFile, JSON.stringify({
      servers: running.map((s, i) => ({ name: names[i], host: '127.0.0.1', port: s.ports.crc, control: `http://127.0.0.1:${s.ports.monitor}` })),
      links: [],
    }));
    const exp = parseExperiment({
      name: 'external-crash-restart',
      topology: {
        name: 'three', liveness: { interval: 250, timeout: 1000 },
        servers: [{ id: 1, name: 'gondor', info: 'external' }, { id: 2, name: 'rohan', info: 'external', join: 1 }, { id: 3, name: 'shire', info: 'external', join: 2 }],
        clients: [{ id: 101, name: 'aragorn', info: 'c', server: 1 }, { id: 103, name: 'frodo', info: 'c', server: 3 }],
      },
      proxyLinks: [],
      traffic: [{ from: 101, to: 103, rate: 20, start: '0s', stop: '1s' }],
      timeline: [
        { at: '1.5s', do: 'crash', server: 2 },
        { expect: 'forgotten', id: 2, within: '10s' },
        { at: '3s', do: 'restart', server: 2 },
        { expect: 'known', id: 2, within: '15s' },
        { expect: 'converged', within: '15s' },
      ],
      duration: '5s',
    }, 'inline');
    const bootBefore = (await (await fetch(`http://127.0.0.1:${running[1]!.ports.monitor}/health`)).json() as { boot: string }).boot;
    const s = await runExperiment(exp, { file: 'inline', command: 'test', outDir: dir, placement: 'external', endpoints: loadEndpointsFile(endpointsFile) });
    expect(s.checks.map((c) => [c.check, c.passed]), JSON.stringify(s.checks.filter((c) => !c.passed)) + ' of ' + JSON.stringify(s.checks)).toEqual([
      ['expect forgotten 2 within 10000 ms', true], ['expect known 2 within 15000 ms', true], ['expect converged within 15000 ms', true],
    ]);
    const bootAfter = (await (await fetch(`http://127.0.0.1:${running[1]!.ports.monitor}/health`)).json() as { boot: string }).boot;
    expect(bootAfter).not.toBe(bootBefore);
    for (const f of ['events.jsonl', 'summary.json', 'summary.md']) expect(existsSync(join(s.folder, f)), f).toBe(true);
    const summary = JSON.parse(readFileSync(join(s.folder, 'summary.json'), 'utf8'));
    expect(summary.topology.placement).toBe('external');
    // Events came from the servers' own /events streams, stamped there.
    const events = readFileSync(join(s.folder, 'events.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(events.some((e) => e.type === 'host-learned' && e.node === 3 && e.id === 1)).toBe(true);
    // The servers are still running: the driver does not stop what it did not start.
    expect(running.every((r) => r.child.alive)).toBe(true);
  }, 90_000);
});
