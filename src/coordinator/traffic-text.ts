// The text of a traffic() chat: "<tag><seq> <send time ms> " padded with 'x' to the size asked
// for. Built in the sender's worker, read back from the receiver's chat-delivered events (the
// experiment runner, tests): the one place that knows the format.

/** The chat text for message `seq` of flow `tag`, sent at `sentAt` (nowMs()), `size` bytes long at least. */
export function trafficText(tag: string, seq: number, sentAt: number, size: number): string {
  const head = `${tag}${seq} ${sentAt.toFixed(3)} `;
  return head.length >= size ? head : head + 'x'.repeat(size - head.length);
}

export interface TrafficStamp {
  tag: string;
  seq: number;
  sentAt: number;
}

// A tag is any run of non-space characters that does not end in a digit, so "<tag><seq>" splits.
const STAMP = /^(\S*?[^\s\d]|)(\d+) (\d+\.\d+) /;

/** The tag, sequence number and send time of a traffic chat, or undefined for any other text. */
export function parseTrafficText(content: string): TrafficStamp | undefined {
  const m = STAMP.exec(content);
  if (!m) return undefined;
  return { tag: m[1]!, seq: Number(m[2]), sentAt: Number(m[3]) };
}
