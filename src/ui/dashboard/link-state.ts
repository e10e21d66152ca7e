// A link's fault state (Links keeps it as data per direction) as the one word the dashboard shows.
import type { LinkFaults } from '../../coordinator/simulation.ts';

export type LinkState = 'up' | 'cut' | 'silent' | 'held' | 'direct';

/** Cut first (it closes connections), then silent (bytes dropped, nothing closed), then held. */
export function linkState(f: LinkFaults | undefined): LinkState {
  if (!f) return 'direct';
  if (f.cut !== undefined) return 'cut';
  if (f.upstream.down === 'silent' || f.downstream.down === 'silent') return 'silent';
  if (f.upstream.down === 'cut' || f.downstream.down === 'cut') return 'cut';
  if (f.upstream.held || f.downstream.held) return 'held';
  return 'up';
}

/** The toxics to list beside the state. */
export const shownToxics = (f: LinkFaults | undefined): string[] => (f ? [...f.toxics] : []);
