// What every hostile case is: one attack against one server over loopback, bounded in count
// and in time, reporting what it did and what the server did to it, seen from outside. Used by
// `npm run check` (robustness, with a judge: ../cases/robustness.ts) and by `npm run bench:soak`.
export interface AttackContext {
  port: number;
  /** the target server's id */
  target: number;
  /** performance.now() by which every loop has stopped */
  until: number;
  /** multiplies the attack's counts (peers, connections); 1 = the soak's full size */
  scale?: number;
}

export interface AttackResult {
  attack: string;
  target: number;
  /** What the hostile peers did. */
  did: string;
  connections: number;
  /** Connections the server closed before the attack ended, and how long each took from the moment it had cause. */
  cut: number;
  cutAfterMs: { min: number; p50: number; max: number } | null;
  /** Still open when the attack ended (then closed by the attacker). */
  open: number;
  notes: string[];
}

export interface HostileAttack {
  /** the case's id, and the file's name */
  id: string;
  title: string;
  /** how long it runs against the check's server at most, ms (its `until`) */
  checkMs: number;
  /** its scale in the check (the soak runs 1) */
  checkScale: number;
  run(ctx: AttackContext): Promise<AttackResult>;
}

export function spread(ms: number[]): AttackResult['cutAfterMs'] {
  if (ms.length === 0) return null;
  const s = [...ms].sort((a, b) => a - b);
  return { min: s[0]!, p50: s[Math.floor(s.length / 2)]!, max: s[s.length - 1]! };
}

/** `n` scaled, at least 1. */
export const scaled = (n: number, scale = 1) => Math.max(1, Math.round(n * scale));
