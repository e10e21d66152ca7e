// "The server under test": what every case runs against, whoever wrote it. A case either
// starts single servers itself (robustness) or hands the scenario and experiment runners a
// placement whose processes are this server (conformance, faults): our built crc-server, one of
// the check's mutants of it, or a course-layout folder (course-server.ts, placed by its impl).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { builtUrl } from '../threads/worker-handle.ts';
import { Child } from '../placement/child.ts';
import type { ImplSpec } from '../topology/impl-spec.ts';
import { MUTANTS } from './mutants/mutations.ts';

export interface ServerSpec {
  id: number;
  name: string;
  info: string;
}

export interface SpawnedServer {
  port: number;
  pid: number;
  alive(): boolean;
  /** "exited with code 1" etc., once it is gone */
  exitInfo(): Promise<string>;
  /** its resident memory now, bytes (undefined: it is gone, or no /proc) */
  rssBytes(): number | undefined;
  /** the end of its stderr ('' if none) */
  stderrTail(): string;
  stop(): Promise<void>;
}

export interface ServerUnderTest {
  /** for the report's header */
  label: string;
  /** where the scenario and experiment runners start its servers */
  placement: 'processes';
  /** a foreign implementation: the runners put it on every server (and on some, beside ours, in the mixed cases) */
  impl?: ImplSpec;
  /** set up what its processes need (e.g. a mutant's preload in their environment) */
  open(): void;
  close(): void;
  /** one server on a free port, started by the case */
  spawn(spec: ServerSpec): Promise<SpawnedServer>;
}

/** How long a server may take to print its port (node's start-up on a loaded machine). */
/** Start-up on a loaded machine (node, or Python plus a course folder's imports). */
const START_TIMEOUT_MS = 20_000;

/** Resident memory of a process from /proc (Linux), bytes. */
export function rssOf(pid: number): number | undefined {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** A server started by `node [nodeArgs] script --id ... --port 0`, which prints "listening on host:port". */
export function spawnNodeServer(script: string, spec: ServerSpec, label: string, nodeArgs: string[] = []): Promise<SpawnedServer> {
  return spawnListening(label, process.execPath, [...nodeArgs, script], spec);
}

/** `command [...prefix] --id ... --servername ... --info ... --port 0 --exit-on-stdin-close`, ready when it prints "listening on host:port". */
export async function spawnListening(label: string, command: string, prefix: string[], spec: ServerSpec): Promise<SpawnedServer> {
  const child = new Child({
    label, command,
    args: [...prefix, '--id', String(spec.id), '--servername', spec.name, '--info', spec.info, '--port', '0', '--exit-on-stdin-close'],
  });
  const [listen] = await child.waitForLines([/listening on ([^\s]+):(\d+)$/], START_TIMEOUT_MS).catch((err) => {
    child.kill();
    throw err;
  });
  const pid = child.process.pid!;
  return {
    port: Number(listen![2]), pid,
    alive: () => child.alive,
    exitInfo: () => child.exited,
    rssBytes: () => (child.alive ? rssOf(pid) : undefined),
    stderrTail: () => child.tail(),
    stop: async () => {
      child.kill('SIGTERM');
      await child.waitOrKill(5000);
    },
  };
}

/** Our built crc-server (dist/src/cli/crc-server.js), as it ships. */
export function ourServer(): ServerUnderTest {
  const script = fileURLToPath(builtUrl('src/cli/crc-server'));
  return {
    label: `crc-server (ours: ${script})`, placement: 'processes',
    open() {}, close() {},
    spawn: (spec) => spawnNodeServer(script, spec, `crc-server ${spec.name} (${spec.id})`),
  };
}

/**
 * Our crc-server with a mutation (src/check/mutants/): every process it starts, whoever starts it
 * (this check, or the processes placement), preloads the mutation, named in CRC_MUTANT.
 */
export function mutantServer(name: string): ServerUnderTest {
  if (!Object.hasOwn(MUTANTS, name)) throw new Error(`--mutant: unknown mutant '${name}' (one of ${Object.keys(MUTANTS).join(', ')})`);
  const script = fileURLToPath(builtUrl('src/cli/crc-server'));
  const preload = builtUrl('src/check/mutants/preload').href;
  let saved: { mutant: string | undefined; options: string | undefined } | undefined;
  return {
    label: `mutant ${name} of crc-server (${MUTANTS[name]!.does}; breaks ${MUTANTS[name]!.breaks})`, placement: 'processes',
    open() {
      saved = { mutant: process.env.CRC_MUTANT, options: process.env.NODE_OPTIONS };
      process.env.CRC_MUTANT = name;
      process.env.NODE_OPTIONS = `${saved.options ?? ''} --import=${preload}`.trim();
    },
    close() {
      if (!saved) return;
      restore('CRC_MUTANT', saved.mutant);
      restore('NODE_OPTIONS', saved.options);
      saved = undefined;
    },
    spawn: (spec) => spawnNodeServer(script, spec, `mutant ${name} ${spec.name} (${spec.id})`),
  };
}

function restore(key: string, value: string | undefined): void {
  if (value === undefined) delete process.env[key];
  else process.env[key] = value;
}
