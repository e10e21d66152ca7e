// A case's work within a time bound: past it the case is INCONCLUSIVE (the machine may be
// loaded; a hang is not evidence of a wrong rule), and `onLate` cleans up what it started.
export class Late extends Error {
  override readonly name = 'Late';
}

export async function within<T>(ms: number, work: Promise<T>, onLate: () => Promise<void> | void): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Late(`did not finish within ${(ms / 1000).toFixed(0)} s`)), ms); });
  try {
    return await Promise.race([work, late]);
  } catch (err) {
    if (err instanceof Late) {
      work.catch(() => {}); // it fails once cleaned up; nobody waits for it any more
      await onLate();
    }
    throw err;
  } finally {
    clearTimeout(timer);
  }
}
