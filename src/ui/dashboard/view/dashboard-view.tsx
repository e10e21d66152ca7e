// The whole screen: a title, the server tree, the event log (or the keys), the throughput
// sparkline and the status line. It draws what the store holds and hands keys on; it
// decides nothing.
import { Box, Text, useInput, useStdout } from 'ink';
import { useEffect, useState } from 'react';
import type { KeyPress } from '../controller.ts';
import type { Snapshot } from '../state.ts';
import type { Item } from '../tree.ts';
import { HelpView } from './help-view.tsx';
import { LogView } from './log-view.tsx';
import { StatusLine, ThroughputLine } from './status-view.tsx';
import { TreeView } from './tree-view.tsx';

export interface Screen {
  snapshot: Snapshot;
  selected?: Item;
  /** what is selected, in words */
  selection: string;
  help: boolean;
}

/** The latest screen, for the component to draw; set once a frame. */
export class ScreenStore {
  current: Screen | undefined;
  private readonly listeners = new Set<() => void>();
  set(screen: Screen): void {
    this.current = screen;
    for (const l of this.listeners) l();
  }
  subscribe(l: () => void): () => void {
    this.listeners.add(l);
    return () => void this.listeners.delete(l);
  }
}

export function DashboardView({ store, title, onKey }: { store: ScreenStore; title: string; onKey: (input: string, key: KeyPress) => void }) {
  const [screen, setScreen] = useState(store.current);
  useEffect(() => store.subscribe(() => setScreen(store.current)), [store]);
  useInput((input, key) => onKey(input, key));
  const { stdout } = useStdout();
  const columns = stdout.columns || 120;
  // A stream that is no terminal (a test's) has no size: draw for the 160×50 the docs use.
  const height = Math.max(20, (stdout.rows || 50) - 1);
  if (!screen) return <Text>{title}: starting…</Text>;
  const s = screen.snapshot;
  // Title, sparkline and status take a line each; each panel its border and heading.
  const inner = height - 3 - 6;
  const treeHeight = Math.min(s.rows.length + 2, Math.max(5, Math.floor(inner * 0.6)));
  const logHeight = Math.max(3, inner - treeHeight);
  return (
    <Box flexDirection="column" width={columns} height={height}>
      <Text wrap="truncate"><Text bold color="cyan">crc-sim</Text> {title}</Text>
      <Box borderStyle="round" borderColor="gray" flexDirection="column" height={treeHeight + 3}>
        <Text bold>servers <Text color="gray">(known/expected ✓ converged; links [state]; ↑↓ select)</Text></Text>
        <TreeView rows={s.rows} selected={screen.selected} height={treeHeight} />
      </Box>
      <Box borderStyle="round" borderColor="gray" flexDirection="column" height={logHeight + 3}>
        <Text bold>{screen.help ? 'keys (? to close)' : 'events'}</Text>
        {screen.help ? <HelpView /> : <LogView entries={s.log} height={logHeight} />}
      </Box>
      <ThroughputLine s={s} selection={screen.selection} />
      <StatusLine s={s} />
    </Box>
  );
}
