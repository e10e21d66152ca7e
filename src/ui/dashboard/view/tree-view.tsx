// The server tree: one row per host with its uplink's state, what it knows against what it
// should, and (servers) its port, msgs/s in and out and queued bytes. Scrolls to keep the
// selection in view.
import { Box, Text } from 'ink';
import type { LinkState } from '../link-state.ts';
import type { RowView } from '../state.ts';
import type { Item } from '../tree.ts';
import { bytes, count } from './format.ts';

const LINK_COLOR: Record<LinkState, string> = { up: 'green', cut: 'red', silent: 'magenta', held: 'yellow', direct: 'gray' };
const BADGE = 10;

function badge(row: RowView): string {
  return row.link ? `[${row.link.state}]`.padEnd(BADGE, '─') + ' ' : '';
}

// A foreign server says how it is seen: course (its attributes, polled) or black-box (its port; what it knows is assumed).
const label = (row: RowView) => `${row.kind === 'server' ? (row.foreign ? '◆' : '●') : '○'} ${row.id} ${row.name}${row.foreign ? ` [${row.foreign}]` : ''}`;

/** Which rows fit in `height`, keeping `focus` in view. */
export function visibleRange(total: number, focus: number, height: number): [number, number] {
  if (total <= height) return [0, total];
  const start = Math.min(Math.max(0, focus - Math.floor(height / 2)), total - height);
  return [start, start + height];
}

function Knowledge({ row }: { row: RowView }) {
  if (!row.up) return <Text color="red">{'down'.padEnd(9)}</Text>;
  if (row.known === undefined) return <Text color="gray">{'…'.padEnd(9)}</Text>;
  const text = `${row.known}/${row.expected}`.padStart(7);
  return <Text color={row.converged ? 'green' : 'yellow'}>{text} {row.converged ? '✓' : '✗'}</Text>;
}

function Traffic({ row }: { row: RowView }) {
  if (row.kind !== 'server' || !row.up) return null;
  const port = row.port === undefined ? '' : `:${row.port}`;
  const rate = row.inRate === undefined ? '' : `in ${count(row.inRate).padStart(5)}/s out ${count(row.outRate ?? 0).padStart(5)}/s`;
  return (
    <Text>
      <Text color="gray">{port.padEnd(7)}</Text>
      {rate.padEnd(25)}
      <Text color={row.pending ? 'yellow' : 'gray'}>{row.pending === undefined ? '' : ` q ${bytes(row.pending)}`}</Text>
    </Text>
  );
}

export function TreeView({ rows, selected, height }: { rows: RowView[]; selected: Item | undefined; height: number }) {
  const focus = Math.max(0, rows.findIndex((r) => selected && (selected.kind === 'link' ? r.id === selected.child : r.id === selected.id && r.kind === selected.kind)));
  // When it scrolls, two of the lines say how many rows are hidden above and below.
  const [from, to] = visibleRange(rows.length, focus, rows.length <= height ? height : height - 2);
  const width = Math.min(64, Math.max(...rows.map((r) => r.prefix.length + badge(r).length + label(r).length)) + 1);
  return (
    <Box flexDirection="column">
      {from > 0 && <Text color="gray">  ↑ {from} more</Text>}
      {rows.slice(from, to).map((r) => {
        const linkSel = selected?.kind === 'link' && selected.child === r.id;
        const hostSel = selected !== undefined && selected.kind === r.kind && selected.id === r.id;
        const pad = Math.max(0, width - r.prefix.length - badge(r).length - label(r).length);
        return (
          <Box key={`${r.kind}-${r.id}`}>
            <Text wrap="truncate">
              <Text color="gray">{r.prefix}</Text>
              {r.link && <Text color={LINK_COLOR[r.link.state]} inverse={linkSel}>{badge(r)}</Text>}
              <Text inverse={hostSel} color={r.up ? undefined : 'gray'} strikethrough={!r.up} bold={r.kind === 'server'}>{label(r)}</Text>
              {' '.repeat(pad)}
              <Knowledge row={r} /> <Traffic row={r} />
              {r.link?.toxics.length ? <Text color="cyan"> {r.link.toxics.join(' ')}</Text> : null}
            </Text>
          </Box>
        );
      })}
      {to < rows.length && <Text color="gray">  ↓ {rows.length - to} more</Text>}
    </Box>
  );
}
