// The ink view of `npm run load`: progress, the last second's offered and delivered rates and
// percentiles, a p99 sparkline, and the find-max trials so far.
import { Box, Text, render } from 'ink';
import { useEffect, useState } from 'react';
import { Bar, ChangeSignal } from '../live-store.tsx';
import type { LoadLiveState } from './live-state.ts';

export class LiveStore extends ChangeSignal {
  constructor(readonly state: LoadLiveState) {
    super();
  }
}

function View({ store }: { store: LiveStore }) {
  const [, setTick] = useState(0);
  useEffect(() => store.subscribe(() => setTick((t) => t + 1)), [store]);
  const st = store.state;
  const s = st.last;
  const l = s?.latencyMs;
  return (
    <Box flexDirection="column">
      <Box gap={1}>
        <Text bold>{st.label || 'starting'}</Text>
        <Bar done={st.elapsedS} total={st.plannedS} />
        <Text>{`${st.elapsedS}/${Math.ceil(st.plannedS)} s`}</Text>
      </Box>
      {s && <Text>{`offered ${s.offered}/s  delivered ${s.delivered}/s  unknown dest ${st.lost.unknownDestination}  not sent ${st.lost.cut}`}</Text>}
      {s && <Text color={s.lateMaxMs > 5 ? 'red' : undefined}>{l ? `p50 ${l.p50}  p90 ${l.p90}  p99 ${l.p99}  p99.9 ${l.p99_9}  max ${l.max} ms` : 'nothing delivered this second'}{s.lateMaxMs > 5 ? `  (generator ${s.lateMaxMs} ms late)` : ''}</Text>}
      <Text color="cyan">{`p99 ${st.sparkline()}`}</Text>
      {st.trials.map((t, i) => <Text key={i} color={t.held ? 'green' : 'red'}>{`trial ${t.rate}/s: ${t.held ? 'held' : 'broke'} (${t.why})`}</Text>)}
      {st.notes.map((n, i) => <Text key={`n${i}`} color="yellow">{n}</Text>)}
    </Box>
  );
}

export function startLiveView(store: LiveStore): { close(): void } {
  const app = render(<View store={store} />);
  return { close: () => app.unmount() };
}
