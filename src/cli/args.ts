// Shared flag parsing for the commands: util.parseArgs, then typed checks with usage errors.
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { type LivenessSettings, resolveLiveness } from '../core/index.ts';
import { type ImplSpec, commandProblem, courseDirProblem } from '../topology/impl-spec.ts';

export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export function parseFlags<T extends NonNullable<ParseArgsConfig['options']>>(argv: string[], options: T, allowPositionals = false) {
  try {
    return parseArgs({ args: argv, options, strict: true, allowPositionals });
  } catch (err) {
    throw new UsageError((err as Error).message.replace(/\. To specify.*$/s, ''));
  }
}

export function requireString(values: Record<string, unknown>, flag: string): string {
  const v = values[flag];
  if (typeof v !== 'string' || v === '') throw new UsageError(`missing required flag --${flag}`);
  return v;
}

export function intFlag(values: Record<string, unknown>, flag: string, min: number, max: number, fallback?: number): number {
  const v = values[flag];
  if (v === undefined) {
    if (fallback === undefined) throw new UsageError(`missing required flag --${flag}`);
    return fallback;
  }
  const s = String(v);
  const n = Number(s);
  if (!/^\d+$/.test(s) || !Number.isSafeInteger(n) || n < min || n > max) {
    throw new UsageError(`--${flag} must be an integer from ${min} to ${max}, got '${s}'`);
  }
  return n;
}

/** Run a command's main, turning usage errors into a message and exit code 2. */
export async function runMain(usage: string, main: () => Promise<void>): Promise<void> {
  try {
    await main();
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`error: ${err.message}\n\n${usage}`);
      process.exit(2);
    }
    process.stderr.write(`error: ${(err as Error).message}\n`);
    process.exit(1);
  }
}

/** A flag that takes one of `choices` (absent: undefined). */
export function choiceFlag<T extends string>(values: Record<string, unknown>, flag: string, choices: readonly T[]): T | undefined {
  const v = values[flag];
  if (v === undefined) return undefined;
  if (!choices.includes(v as T)) throw new UsageError(`--${flag} must be one of ${choices.join(', ')}, got '${String(v)}'`);
  return v as T;
}

/** --ping-interval / --ping-timeout (absent interval: 0, no liveness), checked by the core's rule, errors in flag names. */
export function livenessFlags(values: Record<string, unknown>): LivenessSettings {
  const interval = intFlag(values, 'ping-interval', 0, 86_400_000, 0);
  const timeout = values['ping-timeout'] === undefined ? undefined : intFlag(values, 'ping-timeout', 1, 86_400_000);
  try {
    return resolveLiveness(interval, timeout);
  } catch (err) {
    throw new UsageError((err as Error).message.replace('pingIntervalMs', '--ping-interval').replace('pingTimeoutMs', '--ping-timeout'));
  }
}

/** The --impl / --impl-ids lines of a command's usage. */
export const IMPL_USAGE = `  --impl course:DIR        foreign servers: a folder in the course's layout (ChatServer.py or src/ChatServer.py),
                           run by tools/course_host.py; or command:'prog {id} {port} ...' (any program, split
                           on spaces; placeholders {id} {name} {info} {port} {connect_host} {connect_port})
  --impl-ids 2,4,...       only these servers run --impl (default: all); the rest are ours
`;

/** The --impl / --impl-ids flags, for parseFlags. */
export const IMPL_FLAG_OPTIONS = {
  impl: { type: 'string' },
  'impl-ids': { type: 'string' },
} as const;

/**
 * --impl course:DIR | command:'prog {id} {port} ...' (split on spaces), and --impl-ids 2,4
 * (absent: every server). Undefined without --impl. Checked as a topology's "impl" field is.
 */
export function implFlags(values: Record<string, unknown>): { impl: ImplSpec; ids?: number[] } | undefined {
  const v = values.impl;
  if (v === undefined) {
    if (values['impl-ids'] !== undefined) throw new UsageError('--impl-ids goes with --impl');
    return undefined;
  }
  const s = String(v);
  let impl: ImplSpec;
  if (s.startsWith('course:')) {
    impl = { course: s.slice('course:'.length) };
    const problem = courseDirProblem(impl.course);
    if (problem) throw new UsageError(`--impl course:DIR: ${problem}`);
  } else if (s.startsWith('command:')) {
    impl = { command: s.slice('command:'.length).trim().split(/\s+/).filter(Boolean) };
    const problem = commandProblem(impl.command);
    if (problem) throw new UsageError(`--impl command:...: ${problem}`);
  } else {
    throw new UsageError(`--impl must be course:DIR or command:'prog {id} {port} ...', got '${s}'`);
  }
  const rawIds = values['impl-ids'];
  if (rawIds === undefined) return { impl };
  const ids = String(rawIds).split(',').map((x) => x.trim());
  if (ids.some((x) => !/^\d+$/.test(x) || Number(x) < 1 || Number(x) > 0xffff_ffff)) throw new UsageError(`--impl-ids must be server ids separated by commas (e.g. 3,5,7), got '${String(rawIds)}'`);
  return { impl, ids: ids.map(Number) };
}
