// "The network is quiet": every byte any node queued has been read by its peer (and so
// processed: nodes handle a read synchronously, queuing any reply before the next check).
// If bytes were lost on a connection that was cut, the totals never meet; then a long enough
// stretch with no change counts as quiet.

export interface ByteTotals {
  bytesOut: number;
  bytesIn: number;
}

export interface QuietOptions {
  /** Give up after this long (ms). */
  timeoutMs?: number;
  /** With totals that never meet, quiet = no change for this long (ms). */
  stillMs?: number;
}

export async function waitForQuiet(
  totals: () => ByteTotals | Promise<ByteTotals>,
  { timeoutMs = 10_000, stillMs = 250 }: QuietOptions = {},
): Promise<void> {
  const start = Date.now();
  let last = await totals();
  let lastChange = Date.now();
  let balancedChecks = 0;
  for (;;) {
    await new Promise((r) => setTimeout(r, 1));
    const t = await totals();
    const changed = t.bytesOut !== last.bytesOut || t.bytesIn !== last.bytesIn;
    if (changed) lastChange = Date.now();
    last = t;
    // Two balanced readings in a row, with nothing new between them.
    balancedChecks = t.bytesOut === t.bytesIn && !changed ? balancedChecks + 1 : 0;
    if (balancedChecks >= 2) return;
    if (Date.now() - lastChange >= stillMs) return;
    if (Date.now() - start > timeoutMs) {
      throw new Error(`the network did not go quiet within ${timeoutMs} ms (${t.bytesOut} bytes sent, ${t.bytesIn} received)`);
    }
  }
}
