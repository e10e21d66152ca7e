// Shared pieces of the core tests: sorted copies for set comparison.

/** Sorted copy of numeric ids, for set comparison with a count check. */
export const sortedIds = (xs: Iterable<number>): number[] => [...xs].sort((a, b) => a - b);
