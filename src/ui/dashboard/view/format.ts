// Numbers, times and series as the dashboard prints them, in as few columns as they allow.

/** 950, 1.2k, 34k, 1.5M */
export function count(n: number): string {
  if (n < 1000) return String(Math.round(n));
  if (n < 10_000) return `${(n / 1000).toFixed(1)}k`;
  if (n < 1_000_000) return `${Math.round(n / 1000)}k`;
  return `${(n / 1_000_000).toFixed(1)}M`;
}

/** 0 B, 512 B, 12 KiB, 3.4 MiB */
export function bytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${Math.round(n / 1024)} KiB`;
  return `${(n / 1024 / 1024).toFixed(1)} MiB`;
}

/** 83.4 s as "1:23" */
export function clock(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  const h = Math.floor(s / 3600);
  const mm = String(Math.floor((s % 3600) / 60)).padStart(h ? 2 : 1, '0');
  const ss = String(s % 60).padStart(2, '0');
  return h ? `${h}:${mm}:${ss}` : `${mm}:${ss}`;
}

/** A log line's time: "12.3s" */
export const at = (ms: number): string => `${(Math.max(0, ms) / 1000).toFixed(1)}s`;

const BARS = '▁▂▃▄▅▆▇█';

/** The last `width` values as bars scaled to the largest; all zero is a flat line. */
export function sparkline(values: readonly number[], width: number): string {
  const shown = values.slice(-width);
  const max = Math.max(0, ...shown);
  const bars = shown.map((v) => (max > 0 ? BARS[Math.min(BARS.length - 1, Math.floor((v / max) * (BARS.length - 1) + 0.5))] : BARS[0]));
  return bars.join('').padEnd(width, ' ');
}
