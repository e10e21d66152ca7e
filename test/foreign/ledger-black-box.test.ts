// A black-box server (a foreign command impl) reports nothing: the Ledger counts what the
// others know of it and assumes its own view, so a tree with one converges and its waits end.
import { describe, expect, it } from 'vitest';
import { Ledger } from '../../src/coordinator/ledger.ts';
import type { SimEvent } from '../../src/threads/worker-api.ts';

const learned = (node: number, id: number, t: number): SimEvent => ({ type: 'host-learned', node, id, t, kind: 'server', name: `h${id}`, firstLinkId: id });

describe('the Ledger with a black-box server', () => {
  it('converges on what the observed nodes know; known() waits for them only', async () => {
    const ledger = new Ledger((id) => `n${id}`);
    ledger.addServer(1);
    ledger.addServer(2, { observed: false });
    ledger.addServer(3);
    ledger.apply([learned(1, 2, 1), learned(1, 3, 2), learned(3, 1, 3)]);
    expect(ledger.diff()).toEqual(['n3 (3): missing [2]']);
    expect([...ledger.knownBy(2)].sort()).toEqual([1, 3]);
    ledger.apply([learned(3, 2, 4)]);
    expect(ledger.isConverged()).toBe(true);
    await expect(ledger.known(2, { timeoutMs: 100 })).resolves.toEqual({ at: 4 });
    // Observed again after a restart as ours: its own knowledge counts from then on.
    ledger.remove(2);
    ledger.addServer(2);
    expect(ledger.diff()).toEqual(['n2 (2): missing [1, 3]']);
  });
});
