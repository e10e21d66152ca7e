// The one poll in the tests: wait until a condition on state holds, bounded by a generous
// deadline. Use it only where the thing watched has no event to wait on (a process's stderr, a
// fake terminal's frames, a node's state read over HTTP); the deadline is a bound, never a
// timing assertion.

export type Truthy<T> = Exclude<T, null | undefined | false | 0 | ''>;

/** How often the condition is looked at by default (ms): not a wait for time to pass. */
const POLL_MS = 5;

/**
 * Poll `fn` until it returns a truthy value (returned) or the deadline passes (throws, with
 * `what` and the last value / error in the message). `pollMs`: longer for a costly look (a dial).
 */
export async function waitFor<T>(fn: () => T | Promise<T>, timeoutMs = 5000, what = 'condition', pollMs = POLL_MS): Promise<Truthy<T>> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  let lastErr: unknown;
  for (;;) {
    try {
      last = await fn();
      lastErr = undefined;
      if (last) return last as Truthy<T>;
    } catch (err) {
      lastErr = err;
    }
    if (Date.now() > deadline) {
      const detail = lastErr ? `last error: ${(lastErr as Error).message}` : `last value: ${JSON.stringify(last)}`;
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what} (${detail})`);
    }
    await new Promise((r) => setTimeout(r, pollMs));
  }
}
