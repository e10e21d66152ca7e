// Tuning knobs read from the environment (worker threads see the process's): a whole number,
// or the default when unset; anything else throws an error naming the variable.

/** `process.env[name]` as a whole number >= 0, `fallback` when unset or empty. */
export function envWholeNumber(name: string, fallback: number, what: string): number {
  const v = process.env[name];
  if (v === undefined || v === '') return fallback;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new Error(`${name}: expected ${what}, got '${v}'`);
  return n;
}
