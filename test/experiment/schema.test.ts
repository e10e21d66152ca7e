// Experiments as data: every shipped experiment parses; bad documents fail with the file and
// the field named; durations convert to ms. Toxic specs and references are in
// checked-at-parse.test.ts.
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadExperimentFile, parseExperiment } from '../../src/experiment/parse.ts';
import { ACTIONS, CHECKS, Duration, ExperimentError, isCheck } from '../../src/experiment/schema.ts';

const EXPERIMENTS = fileURLToPath(new URL('../../topologies/experiments/', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'crc-exp-schema-'));
const write = (name: string, doc: unknown) => {
  const p = join(dir, name);
  writeFileSync(p, JSON.stringify(doc));
  return p;
};
const base = { name: 'x', topology: 'chain:3' };

describe('experiment files', () => {
  const files = readdirSync(EXPERIMENTS).filter((f) => f.endsWith('.json'));

  it('there are shipped experiments', () => {
    expect(files.length).toBeGreaterThanOrEqual(4);
  });

  it.each(files)('%s parses, and refers only to links and hosts of its topology', (file) => {
    const exp = loadExperimentFile(join(EXPERIMENTS, file));
    expect(`${exp.name}.json`).toBe(file);
    expect(exp.timeline.length).toBeGreaterThan(0);
    expect(exp.timeline.some(isCheck)).toBe(true);
    const t = exp.topology; // resolved when parsed
    const servers = new Set(t.servers.map((s) => s.id));
    const clients = new Set(t.clients.map((c) => c.id));
    for (const e of exp.timeline) {
      if ('link' in e) {
        const [a, b] = e.link.split('-').map(Number);
        const serverLink = t.servers.some((s) => (s.id === a && s.join === b) || (s.id === b && s.join === a));
        // or a proxied client's link to its server
        const clientLink = t.clients.some((c) => ((c.id === a && c.server === b) || (c.id === b && c.server === a)) && (exp.proxyClients === 'all' || exp.proxyClients.includes(c.id)));
        expect(serverLink || clientLink, `${file}: link ${e.link}`).toBe(true);
      }
      if ('server' in e) expect(servers.has(e.server), `${file}: server ${e.server}`).toBe(true);
      if ('client' in e) expect(clients.has(e.client), `${file}: client ${e.client}`).toBe(true);
      if ('within' in e) expect(e.within).toBeGreaterThan(0);
    }
    for (const f of exp.traffic) {
      expect(clients.has(f.from) && clients.has(f.to), `${file}: traffic ${f.from}->${f.to}`).toBe(true);
    }
  });

  it('defaults: seed 1, one server per worker, every link proxied, no traffic, empty timeline', () => {
    const exp = parseExperiment(base, 'min.json');
    expect(exp).toMatchObject({ seed: 1, serversPerWorker: 1, proxyLinks: 'all', traffic: [], timeline: [] });
    expect(exp.duration).toBeUndefined();
    expect(ACTIONS).toContain('partition');
    expect(CHECKS).toEqual(['forgotten', 'known', 'converged', 'consistent']);
  });
});

describe('experiment errors name the file and the field', () => {
  const bad = (name: string, doc: unknown) => {
    const p = write(name, doc);
    try {
      loadExperimentFile(p);
    } catch (err) {
      expect(err).toBeInstanceOf(ExperimentError);
      return (err as Error).message;
    }
    throw new Error(`${name} parsed, but it should not have`);
  };

  it('an unknown action', () => {
    const m = bad('explode.json', { ...base, timeline: [{ at: '1s', do: 'down', link: '2-1' }, { at: '2s', do: 'explode' }] });
    expect(m).toMatch(/explode\.json: timeline\.1: unknown action "explode" \(one of .*partition/);
  });

  it('an unknown check, and an entry that is neither', () => {
    expect(bad('check.json', { ...base, timeline: [{ expect: 'happy', within: '1s' }] })).toMatch(/check\.json: timeline\.0: unknown check "happy"/);
    expect(bad('neither.json', { ...base, timeline: [{ at: '1s' }] })).toMatch(/neither\.json: timeline\.0: an entry needs "do"/);
  });

  it('a bad duration', () => {
    expect(bad('dur.json', { ...base, duration: '2 seconds' })).toMatch(/dur\.json: duration: a duration like "500ms"/);
    expect(bad('at.json', { ...base, timeline: [{ at: '1 s', do: 'heal' }] })).toMatch(/at\.json: timeline\.0\.at: a duration like/);
    expect(bad('start.json', { ...base, traffic: [{ from: 1, to: 2, rate: 1, start: '-1s' }] })).toMatch(/start\.json: traffic\.0\.start/);
  });

  it('a bad link format', () => {
    expect(bad('link.json', { ...base, timeline: [{ do: 'down', link: '2to1' }] })).toMatch(/link\.json: timeline\.0\.link: a link "a-b"/);
    expect(bad('plinks.json', { ...base, proxyLinks: ['1-2', '2:3'] })).toMatch(/plinks\.json: proxyLinks\.1: a link "a-b"/);
  });

  it('a check without "within"', () => {
    expect(bad('within.json', { ...base, timeline: [{ at: '1s', expect: 'forgotten', id: 101 }] })).toMatch(/within\.json: timeline\.0\.within: /);
  });

  it('an unknown key, at the top level and in an entry', () => {
    expect(bad('key.json', { ...base, colour: 'red' })).toMatch(/key\.json: colour: unknown field "colour"/);
    expect(bad('ekey.json', { ...base, timeline: [{ do: 'quit', client: 101, colour: 'red' }] })).toMatch(/ekey\.json: timeline\.0\.colour: unknown field "colour"/);
  });

  it('a bad name, and a file that is not JSON or not there', () => {
    expect(bad('name.json', { ...base, name: 'Has Spaces' })).toMatch(/name\.json: name: lower-case/);
    const p = join(dir, 'broken.json');
    writeFileSync(p, '{"name": ');
    expect(() => loadExperimentFile(p)).toThrow(/broken\.json: not valid JSON/);
    expect(() => loadExperimentFile(join(dir, 'missing.json'))).toThrow(/missing\.json: cannot read: ENOENT/);
  });
});

describe('durations', () => {
  it.each([
    ['500ms', 500],
    ['2s', 2000],
    ['1.5s', 1500],
    ['1m', 60_000],
    ['0s', 0],
    [250, 250],
  ] as const)('%s -> %d ms', (v, ms) => {
    expect(Duration.parse(v)).toBe(ms);
  });

  it.each(['2 seconds', '1h', 's', '-1s', '1.s', ''])('%j is refused', (v) => {
    expect(Duration.safeParse(v).success).toBe(false);
  });

  it('a negative number is refused', () => {
    expect(Duration.safeParse(-1).success).toBe(false);
  });
});
