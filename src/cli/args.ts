// Shared flag parsing for the commands: util.parseArgs, then typed checks with usage errors.
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { type LivenessSettings, resolveLiveness } from '../core/index.ts';

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
