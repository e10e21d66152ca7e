// The terminal view of the bench's progress: one bar per phase, with the latest result.
import { Box, Text, render } from 'ink';
import { useEffect, useState } from 'react';
import { Bar, ChangeSignal } from '../../src/ui/live-store.tsx';
import type { ClosableProgress, PhaseState } from './progress.ts';

class Store extends ChangeSignal {
  phases: PhaseState[] = [];
  notes: string[] = [];
}

function View({ store }: { store: Store }) {
  const [, setTick] = useState(0);
  useEffect(() => store.subscribe(() => setTick((t) => t + 1)), [store]);
  return (
    <Box flexDirection="column">
      {store.phases.map((p) => (
        <Box key={p.name} gap={1}>
          <Text bold>{p.name.padEnd(12)}</Text>
          <Bar done={p.done} total={p.total} />
          <Text>{`${p.done}/${p.total}`.padStart(7)}</Text>
          <Text color={p.finished ? 'green' : 'cyan'}>{p.finished ? `done in ${((performance.now() - p.startedAt) / 1000).toFixed(1)} s` : p.detail}</Text>
        </Box>
      ))}
      {store.notes.slice(-5).map((n, i) => <Text key={i} color="yellow">note: {n}</Text>)}
    </Box>
  );
}

export function startInkProgress(): ClosableProgress {
  const store = new Store();
  const app = render(<View store={store} />);
  const find = (name: string) => store.phases.find((p) => p.name === name);
  return {
    phase(name, total) {
      store.phases.push({ name, total, done: 0, detail: '', finished: false, startedAt: performance.now() });
      store.emit();
    },
    tick(name, detail = '') {
      const p = find(name);
      if (!p) return;
      p.done++;
      if (detail) p.detail = detail;
      store.emit();
    },
    done(name) {
      const p = find(name);
      if (p) p.finished = true;
      store.emit();
    },
    note(line) {
      store.notes.push(line);
      store.emit();
    },
    close() {
      app.unmount();
    },
  };
}
