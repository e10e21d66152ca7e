// A server's events for HTTP subscribers (GET /events): each subscriber gets newline-delimited
// JSON, batched per turn (one write per subscriber per 2 ms), with its own bounded buffer. A
// subscriber that falls behind by more than `maxBufferedBytes` is dropped and counted: a slow
// reader costs only its own stream, never the server. With `holdUntilSubscribed`, events from
// start-up are kept (up to `backlogLimit`, the rest dropped and counted) for the first
// subscriber, so a coordinator that subscribes after spawning misses nothing.
import type { NodeEvent } from './events.ts';

export interface EventSink {
  /** Write a chunk; false when the transport is past its own buffer (like a stream's write). */
  write(chunk: string): boolean;
  /** Bytes the transport holds unwritten. */
  buffered(): number;
  /** Give up on this subscriber. */
  drop(reason: string): void;
}

export interface EventStreamOptions {
  /** the server's id, stamped on every event as `node` */
  node: number;
  /** Keep start-up events for the first subscriber. */
  holdUntilSubscribed?: boolean;
  /** Events held for the first subscriber at most (default 100,000). */
  backlogLimit?: number;
  /** A subscriber this far behind (bytes) is dropped (default 16 MiB). */
  maxBufferedBytes?: number;
  /** Subscribers at once (default 16); one more is refused. */
  maxSubscribers?: number;
  log?: (line: string) => void;
}

interface Subscriber {
  sink: EventSink;
  types: Set<string> | undefined;
  pending: string[];
}

export class EventStream {
  readonly counters = { subscribersDropped: 0, subscribersRefused: 0, backlogDropped: 0, eventsSent: 0 };
  private readonly subs = new Set<Subscriber>();
  private backlog: string[] | undefined;
  private backlogTypes: string[] = [];
  private timer: NodeJS.Timeout | undefined;
  private readonly backlogLimit: number;
  private readonly maxBufferedBytes: number;
  private readonly maxSubscribers: number;

  constructor(private readonly options: EventStreamOptions) {
    this.backlog = options.holdUntilSubscribed ? [] : undefined;
    this.backlogLimit = options.backlogLimit ?? 100_000;
    this.maxBufferedBytes = options.maxBufferedBytes ?? 16 * 1024 * 1024;
    this.maxSubscribers = options.maxSubscribers ?? 16;
  }

  /** Is anyone listening (or holding for a first listener)? Lets the server skip building events. */
  get active(): boolean {
    return this.subs.size > 0 || this.backlog !== undefined;
  }

  get subscriberCount(): number {
    return this.subs.size;
  }

  /** The node's onEvent: stamp `t` (where it happened) and `node`, queue for each subscriber. */
  push(event: NodeEvent, t: number): void {
    if (!this.active) return;
    const line = JSON.stringify({ ...event, t, node: this.options.node }) + '\n';
    if (this.backlog) {
      if (this.backlog.length < this.backlogLimit) {
        this.backlog.push(line);
        this.backlogTypes.push(event.type);
      } else if (this.counters.backlogDropped++ === 0) {
        this.options.log?.(`events: start-up backlog full (${this.backlogLimit} events), dropping until someone subscribes to /events`);
      }
    }
    for (const s of this.subs) if (!s.types || s.types.has(event.type)) s.pending.push(line);
    this.timer ??= setTimeout(() => this.flush(), 2);
  }

  /** A new subscriber; `types` filters by event type. Returns its remover, or a reason it was refused. */
  subscribe(sink: EventSink, types?: string[]): (() => void) | string {
    if (this.subs.size >= this.maxSubscribers) {
      this.counters.subscribersRefused++;
      return `too many /events subscribers (${this.maxSubscribers})`;
    }
    const sub: Subscriber = { sink, types: types && types.length ? new Set(types) : undefined, pending: [] };
    if (this.backlog) {
      // The first subscriber takes the start-up events; from now on only live ones.
      this.backlog.forEach((line, i) => {
        if (!sub.types || sub.types.has(this.backlogTypes[i]!)) sub.pending.push(line);
      });
      this.backlog = undefined;
      this.backlogTypes = [];
      this.timer ??= setTimeout(() => this.flush(), 0);
    }
    this.subs.add(sub);
    return () => this.subs.delete(sub);
  }

  /** Write what each subscriber has waiting, one write each; drop those too far behind. */
  flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    for (const s of this.subs) {
      if (s.pending.length === 0) continue;
      const chunk = s.pending.join('');
      this.counters.eventsSent += s.pending.length;
      s.pending = [];
      s.sink.write(chunk);
      if (s.sink.buffered() > this.maxBufferedBytes) {
        this.subs.delete(s);
        this.counters.subscribersDropped++;
        this.options.log?.(`events: a subscriber fell ${s.sink.buffered()} bytes behind (limit ${this.maxBufferedBytes}); dropped`);
        s.sink.drop('too slow');
      }
    }
  }

  close(): void {
    this.flush();
    this.backlog = undefined;
    for (const s of this.subs) s.sink.drop('server stopping');
    this.subs.clear();
  }
}
