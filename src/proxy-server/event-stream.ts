// GET /crc/events: every ProxyEvent of every proxy as newline-delimited JSON, to any number of
// readers up to a bound. Each event is serialised once for all readers. A reader that does not
// keep up (its unsent bytes pass the buffer bound) is disconnected and counted: it must never
// make the proxy hold memory for it, nor slow the others.
import type http from 'node:http';
import type { ProxyEvent } from '../faults/events.ts';

export interface EventStreamOptions {
  /** Readers at once; one more gets a 503. */
  maxSubscribers: number;
  /** Unsent bytes one reader may have before it is dropped. */
  maxBufferBytes: number;
  log: (line: string) => void;
}

/** Which events a reader wants (from ?types=a,b and ?proxy=name). */
export interface EventFilter {
  types?: ReadonlySet<string>;
  proxy?: string;
}

interface Subscriber {
  res: http.ServerResponse;
  filter: EventFilter;
  remote: string;
}

export class EventStream {
  private readonly subs = new Set<Subscriber>();
  readonly counters = { published: 0, opened: 0, droppedSlow: 0, refusedFull: 0 };

  constructor(private readonly options: EventStreamOptions) {}

  get subscribers(): number {
    return this.subs.size;
  }

  publish(event: ProxyEvent): void {
    this.counters.published++;
    if (this.subs.size === 0) return;
    let line: string | undefined;
    for (const s of this.subs) {
      if (s.filter.types && !s.filter.types.has(event.type)) continue;
      if (s.filter.proxy !== undefined && s.filter.proxy !== event.proxy) continue;
      line ??= JSON.stringify(event) + '\n';
      if (s.res.writableLength + line.length > this.options.maxBufferBytes) {
        this.counters.droppedSlow++;
        this.options.log(`events: reader ${s.remote} dropped: over ${this.options.maxBufferBytes} bytes unsent (--event-buffer-bytes)`);
        this.subs.delete(s);
        s.res.destroy();
        continue;
      }
      s.res.write(line);
    }
  }

  /** Start streaming to `res`; false (nothing sent) when the reader bound is reached. */
  subscribe(res: http.ServerResponse, filter: EventFilter, remote: string): boolean {
    if (this.subs.size >= this.options.maxSubscribers) {
      this.counters.refusedFull++;
      this.options.log(`events: reader ${remote} refused: ${this.options.maxSubscribers} readers already (--max-event-readers)`);
      return false;
    }
    const sub: Subscriber = { res, filter, remote };
    this.subs.add(sub);
    this.counters.opened++;
    res.writeHead(200, { 'content-type': 'application/x-ndjson', 'cache-control': 'no-store' });
    // Headers out now, so a reader knows it is subscribed before the first event.
    res.flushHeaders();
    res.once('close', () => this.subs.delete(sub));
    return true;
  }

  /** End every stream (shutdown). */
  close(): void {
    for (const s of this.subs) s.res.end();
    this.subs.clear();
  }
}
