// Worker side of the event stream: events are batched and posted on the raw MessagePort when
// 512 are waiting or 2 ms after the first, so a burst costs one postMessage per batch instead
// of one per event. Used by every worker script (node-host, proxy-host).
import type { MessagePort } from 'node:worker_threads';

export class EventBatcher<E extends { type: string }> {
  private batch: E[] = [];
  private timer: NodeJS.Timeout | undefined;
  private readonly wanted: Set<string> | undefined;

  /**
   * `types`: which event types to stream ('all', or a list; an empty list streams none).
   * `key`: the field of the posted batch (a worker with node and proxy events posts both kinds
   * on one port, as `events` and `proxyEvents`).
   */
  constructor(private readonly port: MessagePort, types: string[] | 'all' | undefined, private readonly key: 'events' | 'proxyEvents' = 'events') {
    this.wanted = types === 'all' || types === undefined ? undefined : new Set(types);
  }

  /** False when no event type is wanted at all, so callers can skip building events. */
  get enabled(): boolean {
    return this.wanted === undefined || this.wanted.size > 0;
  }

  wants(type: string): boolean {
    return this.wanted === undefined || this.wanted.has(type);
  }

  push(e: E): void {
    if (!this.wants(e.type)) return;
    this.batch.push(e);
    if (this.batch.length >= 512) this.flush();
    else this.timer ??= setTimeout(() => this.flush(), 2);
  }

  flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.batch.length === 0) return;
    const events = this.batch;
    this.batch = [];
    this.port.postMessage({ [this.key]: events });
  }
}
