// The tail of the event log, newest last, coloured by what kind of thing happened.
import { Box, Text } from 'ink';
import type { LogEntry, LogKind } from '../event-log.ts';
import { at } from './format.ts';

const KIND_COLOR: Record<LogKind, string> = {
  action: 'cyan', fault: 'magenta', netsplit: 'red', detect: 'yellow', quit: 'yellow', join: 'green', error: 'redBright', info: 'gray',
};

export function LogView({ entries, height }: { entries: LogEntry[]; height: number }) {
  return (
    <Box flexDirection="column">
      {entries.slice(-height).map((e, i) => (
        <Text key={i} wrap="truncate">
          <Text color="gray">{at(e.atMs).padStart(7)} </Text>
          <Text color={KIND_COLOR[e.kind]}>{e.kind.padEnd(8)}</Text> {e.text}
        </Text>
      ))}
    </Box>
  );
}
