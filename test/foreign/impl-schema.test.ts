// The "impl" field of a topology's server and the --impl / --impl-ids flags: every error names
// the file (or flag) and the field; a course folder must exist and hold ChatServer.py (at the
// top or under src/); a command must use known placeholders and take {port}.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { UsageError, implFlags } from '../../src/cli/args.ts';
import { depthWaves } from '../../src/coordinator/lifecycle.ts';
import { fillCommand } from '../../src/topology/impl-spec.ts';
import { resolveTopology } from '../../src/topology/generate.ts';
import { withImpl } from '../../src/topology/impl.ts';
import { loadTopologyFile } from '../../src/topology/schema.ts';

const dir = mkdtempSync(join(tmpdir(), 'impl-schema-'));
const topLevel = join(dir, 'top');
const underSrc = join(dir, 'under-src');
const empty = join(dir, 'empty');
mkdirSync(topLevel);
mkdirSync(join(underSrc, 'src'), { recursive: true });
mkdirSync(empty);
writeFileSync(join(topLevel, 'ChatServer.py'), '');
writeFileSync(join(underSrc, 'src', 'ChatServer.py'), '');

function topologyErrors(impls: unknown[]): string[] {
  const file = join(dir, 'topo.json');
  const servers = impls.map((impl, i) => ({ id: i + 1, name: `s${i + 1}`, info: '', ...(i ? { join: i } : {}), ...(impl === undefined ? {} : { impl }) }));
  writeFileSync(file, JSON.stringify({ name: 't', servers }));
  try {
    loadTopologyFile(file);
    return [];
  } catch (err) {
    return (err as Error).message.split('\n').map((l) => l.replace(file, 'topo.json').replace(dir, 'DIR'));
  }
}

describe('the impl field of a topology', () => {
  it('accepts a course folder with ChatServer.py at the top or under src/, and a command taking {port}', () => {
    expect(topologyErrors([undefined, { course: topLevel }, { course: underSrc }, { command: ['prog', '--port', '{port}', '--join', '{connect_host}:{connect_port}'] }])).toEqual([]);
  });

  it('names the file and the field of every bad impl', () => {
    expect(topologyErrors([
      { course: join(dir, 'nowhere') },
      { course: empty },
      { command: ['prog', '{id}', '{colour}'] },
      { command: ['prog', '{id}'] },
      { course: 'x', command: ['y'] },
      { command: [] },
    ])).toEqual([
      expect.stringMatching(/^topo\.json: servers\.4\.impl: \{"course": "DIR"\} or \{"command"/),
      'topo.json: servers.5.impl.command: a program and its arguments, e.g. ["prog", "{id}", "{port}"]',
    ]);
    // The shape first (as zod reports it); with good shapes, every folder and command is checked.
    expect(topologyErrors([{ course: join(dir, 'nowhere') }, { course: empty }, { command: ['prog', '{id}', '{colour}'] }, { command: ['prog', '{id}'] }])).toEqual([
      expect.stringMatching(/^topo\.json: servers\.0\.impl\.course: no folder DIR\/nowhere/),
      'topo.json: servers.1.impl.course: DIR/empty holds neither ChatServer.py nor src/ChatServer.py',
      expect.stringMatching(/^topo\.json: servers\.2\.impl\.command: unknown placeholder \{colour\} \(known: \{id\} \{name\}/),
      'topo.json: servers.3.impl.command: the command must take {port}: the port it listens on is picked by the simulator',
    ]);
  });
});

describe('--impl and --impl-ids', () => {
  it('course:DIR and command:... parse; ids are checked against the topology', () => {
    expect(implFlags({ impl: `course:${topLevel}`, 'impl-ids': '2, 3' })).toEqual({ impl: { course: topLevel }, ids: [2, 3] });
    expect(implFlags({ impl: 'command:prog  {id} {port}' })).toEqual({ impl: { command: ['prog', '{id}', '{port}'] } });
    expect(implFlags({})).toBeUndefined();
    const t = withImpl(resolveTopology('chain:3'), { course: topLevel }, [2]);
    expect(t.servers.map((s) => s.impl)).toEqual([undefined, { course: topLevel }, undefined]);
    expect(withImpl(resolveTopology('chain:2'), { course: topLevel }).servers.every((s) => s.impl)).toBe(true);
    expect(() => withImpl(resolveTopology('chain:3'), { course: topLevel }, [2, 7])).toThrow('--impl-ids: no server with id 7 in topology chain:3 (servers: 1,2,3)');
  });

  it('bad flags are usage errors naming the flag', () => {
    const bad = (values: Record<string, unknown>) => {
      try {
        implFlags(values);
      } catch (err) {
        expect(err).toBeInstanceOf(UsageError);
        return (err as Error).message.replace(dir, 'DIR');
      }
      throw new Error('accepted');
    };
    expect(bad({ impl: 'python:x' })).toBe("--impl must be course:DIR or command:'prog {id} {port} ...', got 'python:x'");
    expect(bad({ impl: `course:${empty}` })).toBe('--impl course:DIR: DIR/empty holds neither ChatServer.py nor src/ChatServer.py');
    expect(bad({ impl: 'command:prog {id}' })).toMatch(/^--impl command:\.\.\.: the command must take \{port\}/);
    expect(bad({ 'impl-ids': '2' })).toBe('--impl-ids goes with --impl');
    expect(bad({ impl: `course:${topLevel}`, 'impl-ids': '2,x' })).toBe("--impl-ids must be server ids separated by commas (e.g. 3,5,7), got '2,x'");
  });
});

describe('helpers', () => {
  it('placeholders are filled inside arguments; joins go depth by depth', () => {
    expect(fillCommand(['p', '--at={connect_host}:{connect_port}', '{id}', '{other}'], { id: 3, name: 'n', info: 'i', port: 9, connect_host: 'h', connect_port: 7 }))
      .toEqual(['p', '--at=h:7', '3', '{other}']);
    const waves = depthWaves(resolveTopology('balanced:2:2').servers);
    expect(waves.map((w) => w.map((s) => s.id))).toEqual([[2, 3], [4, 5, 6, 7]]);
  });
});
