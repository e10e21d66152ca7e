// A link's fault state (Links keeps it as data) as the one word the dashboard shows, and the
// toxic that stands in for a silent partition until the coordinator has a mode for it.
import type { LinkFaults } from '../../coordinator/simulation.ts';
import type { ToxicSpec } from '../../faults/toxic.ts';

export type LinkState = 'up' | 'cut' | 'silent' | 'held' | 'direct';

/**
 * A silent partition: connections stay open, every byte is dropped both ways, nothing closes;
 * only a liveness check could notice. The timeout toxic with timeout 0 does exactly that.
 */
export const SILENT_TOXIC = 'silent';
export const silentToxic = (): ToxicSpec => ({ type: 'timeout', name: SILENT_TOXIC, direction: 'both', timeout: 0 });

export function linkState(f: LinkFaults | undefined): LinkState {
  if (!f) return 'direct';
  if (f.cut !== undefined) return 'cut';
  if (f.toxics.includes(SILENT_TOXIC) || f.upstream.down === 'silent' || f.downstream.down === 'silent') return 'silent';
  if (f.upstream.down === 'cut' || f.downstream.down === 'cut') return 'cut';
  if (f.upstream.held || f.downstream.held) return 'held';
  return 'up';
}

/** The toxics worth listing beside the state (the silent one is the state itself). */
export const shownToxics = (f: LinkFaults | undefined): string[] => (f ? f.toxics.filter((t) => t !== SILENT_TOXIC) : []);
