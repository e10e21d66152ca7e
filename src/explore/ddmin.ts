// Delta debugging (Zeller's ddmin): the smallest subset of `items` (1-minimal: no single item
// of it can go) for which `fails` still holds. `fails` is the caller's (it runs experiments
// and counts them); `stop` ends the search early with the best subset so far.

export async function ddmin<T>(items: readonly T[], fails: (kept: readonly T[]) => Promise<boolean>, stop: () => boolean = () => false): Promise<T[]> {
  let current = [...items];
  if (current.length === 0 || stop()) return current;
  if (await fails([])) return [];
  let n = 2;
  while (current.length >= 2 && !stop()) {
    const chunks = split(current, n);
    let reduced = false;
    // A chunk alone, then everything but a chunk.
    for (const chunk of chunks) {
      if (stop()) return current;
      if (chunk.length < current.length && await fails(chunk)) {
        current = chunk;
        n = 2;
        reduced = true;
        break;
      }
    }
    if (!reduced && n > 2) {
      for (const chunk of chunks) {
        if (stop()) return current;
        const rest = current.filter((x) => !chunk.includes(x));
        if (await fails(rest)) {
          current = rest;
          n = Math.max(n - 1, 2);
          reduced = true;
          break;
        }
      }
    }
    if (!reduced) {
      if (n >= current.length) break;
      n = Math.min(current.length, 2 * n);
    }
  }
  return current;
}

/** `xs` in `n` chunks of near-equal size, in order. */
function split<T>(xs: readonly T[], n: number): T[][] {
  const out: T[][] = [];
  let from = 0;
  for (let i = 0; i < n; i++) {
    const to = from + Math.floor((xs.length - from) / (n - i));
    if (to > from) out.push(xs.slice(from, to));
    from = to;
  }
  return out;
}
