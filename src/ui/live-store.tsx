// Two small pieces the live ink views share (npm run load's, the bench's progress): a store that
// tells its view when to draw again, and a progress bar.
import { Text } from 'ink';

type Listener = () => void;

/** Holds a view's state; emit() after changing it draws the view again. */
export class ChangeSignal {
  private readonly listeners = new Set<Listener>();
  subscribe(l: Listener): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }
  emit(): void {
    for (const l of this.listeners) l();
  }
}

export function Bar({ done, total, width = 30 }: { done: number; total: number; width?: number }) {
  const filled = total > 0 ? Math.round((Math.min(done, total) / total) * width) : 0;
  return <Text color="green">{'█'.repeat(filled)}<Text color="gray">{'░'.repeat(width - filled)}</Text></Text>;
}
