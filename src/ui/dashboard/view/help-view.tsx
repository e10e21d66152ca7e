// The keys, shown in place of the log while `?` is on.
import { Box, Text } from 'ink';
import { KEYS } from '../controller.ts';

export function HelpView() {
  return (
    <Box flexDirection="column">
      {KEYS.map(([k, what]) => (
        <Text key={k}>
          <Text color="cyan">{k.padEnd(5)}</Text> {what}
        </Text>
      ))}
      <Text color="gray">Every action goes to the log with its time; w writes them all as an experiment file.</Text>
    </Box>
  );
}
