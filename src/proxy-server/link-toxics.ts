// The toxic rules of the proxy API on one LinkProxy: names unique (409), at most
// --max-toxics (409), a missing toxic is a 404, a bad spec a 400, and a log line per change.
// Both ways in share them: toxiproxy's JSON (translated in toxiproxy-json.ts) and our ToxicSpec,
// each validated once as it arrives (this is crc-proxy's edge); the LinkProxy takes the ToxicInfo.
import type { LinkProxy } from '../faults/proxy.ts';
import { checkToxicSpec } from '../faults/registry.ts';
import { type ToxicInfo, ToxicSpecError } from '../faults/toxic.ts';
import { ApiError, toxicExists, toxicNotFound } from './api-error.ts';
import { toxicUpdateFromToxiproxy } from './toxiproxy-json.ts';

export function findToxic(link: LinkProxy, name: string): ToxicInfo {
  const t = link.toxics().find((x) => x.name === name);
  if (!t) throw toxicNotFound();
  return t;
}

/** Our own ToxicSpec, checked by the one validator: a 400 with its message if bad. */
export function checkedSpec(spec: unknown): ToxicInfo {
  const r = checkToxicSpec(spec);
  if ('issues' in r) throw new ApiError(r.message, 400);
  return r.value;
}

export class LinkToxics {
  readonly counters = { added: 0, removed: 0, refusedFull: 0 };

  constructor(private readonly maxPerProxy: number, private readonly log: (line: string) => void) {}

  /** Add a validated toxic; returns it as the link keeps it. */
  add(link: LinkProxy, info: ToxicInfo): ToxicInfo {
    const have = link.toxics();
    if (have.some((t) => t.name === info.name)) throw toxicExists();
    if (have.length >= this.maxPerProxy) {
      this.counters.refusedFull++;
      this.log(`proxy ${link.name}: toxic ${info.name} refused: ${have.length} toxics already (--max-toxics)`);
      throw new ApiError(`too many toxics on proxy ${link.name}: at most ${this.maxPerProxy} (--max-toxics)`, 409);
    }
    link.addToxic(info);
    this.counters.added++;
    this.log(`proxy ${link.name}: toxic ${info.name} added (${info.type} ${info.direction}, toxicity ${info.toxicity}, ${JSON.stringify(info.attributes)})`);
    return findToxic(link, info.name);
  }

  /**
   * Toxiproxy's update. New attributes take effect on live connections (what the old ones hold
   * is passed on). A new toxicity is drawn again per connection: the toxic is removed and added
   * back, so it moves to the end of its direction's chain.
   */
  updateToxiproxy(link: LinkProxy, name: string, body: unknown): ToxicInfo {
    const old = findToxic(link, name);
    const info = toxicUpdateFromToxiproxy(old, body);
    if (info.toxicity !== old.toxicity) {
      link.removeToxic(name);
      link.addToxic(info);
    } else {
      link.replaceToxic(info);
    }
    this.log(`proxy ${link.name}: toxic ${name} updated (toxicity ${info.toxicity}, ${JSON.stringify(info.attributes)})`);
    return findToxic(link, name);
  }

  /** New attributes in our names (LinkProxy.updateToxic merges and validates them). */
  updateSpec(link: LinkProxy, name: string, attributes: unknown): ToxicInfo {
    findToxic(link, name);
    let info: ToxicInfo;
    try {
      info = link.updateToxic(name, attributes as Record<string, unknown>);
    } catch (err) {
      if (err instanceof ToxicSpecError) throw new ApiError(err.message, 400);
      throw err;
    }
    this.log(`proxy ${link.name}: toxic ${name} updated (${JSON.stringify(info.attributes)})`);
    return info;
  }

  remove(link: LinkProxy, name: string): void {
    findToxic(link, name);
    link.removeToxic(name);
    this.counters.removed++;
    this.log(`proxy ${link.name}: toxic ${name} removed`);
  }
}
