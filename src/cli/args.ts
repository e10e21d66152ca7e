// Shared flag parsing for the commands: util.parseArgs, then typed checks with usage errors.
import { parseArgs, type ParseArgsConfig } from 'node:util';

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
