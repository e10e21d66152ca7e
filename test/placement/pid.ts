// Whether a process still exists: the placement tests check that no node process outlives
// the coordinator or its stop. Signal 0 tests for existence without touching the process.

/** True while a process with this pid exists (signal 0 sends nothing). */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
