// The one place that tells the Ledger what changed in the network beyond the nodes' own events:
// which live servers can still reach each other (a cut is known at once; a silent link only
// once liveness has had time to find it), and which clients are cut off and when they come
// back (with reconnects, a cut-off client re-registers once its link or its server returns).
// Links and World never touch the Ledger; the Simulation facade forwards their changes here.
import { DEFAULT_RECONNECT_DEADLINE_MS } from '../net/client-node.ts';
import { type Clock, realClock } from '../util/clock.ts';
import type { Ledger } from './ledger.ts';
import { type LinkChange, type LinkFaults, type LinkInfo, type Links, isCut, isSilent, linkKey } from './links.ts';
import { SilentLinks } from './silent-links.ts';

export class LedgerFeed {
  /** Clients cut off from their server (link cut, or server crashed), and since when: they re-dial it. */
  private readonly cutOff = new Map<number, { server: number; at: number }>();
  private readonly silentLinks: SilentLinks;

  /** `detectionMs`: how long liveness takes to find a silent link (undefined: never, liveness off). */
  constructor(private readonly ledger: Ledger, private readonly links: Pick<Links, 'components'>, private readonly clientReconnect: boolean, detectionMs: number | undefined, private readonly clock: Clock = realClock) {
    this.silentLinks = new SilentLinks(detectionMs, () => this.resync(), clock);
  }

  /** A link went down or came back (Links.onChange). */
  linkChanged({ link, faults }: LinkChange): void {
    if (link.kind === 'client') return this.clientLink(link, faults);
    const key = linkKey(link.child, link.parent);
    if (isSilent(faults)) this.silentLinks.silent(key);
    else this.silentLinks.clear(key);
    this.resync();
  }

  /**
   * A client cut off is gone, as if it had disconnected; with reconnects, it comes back (and
   * registers again) once its link does. Servers do not probe clients: a silent client link
   * goes unnoticed.
   */
  private clientLink(link: LinkInfo, faults: LinkFaults): void {
    if (isCut(faults)) {
      if (this.ledger.remove(link.child)) this.cutOff.set(link.child, { server: link.parent, at: this.clock.now() });
    } else if (!isSilent(faults)) {
      this.comeBack(link.child);
    }
  }

  /** A client left by its own doing, or was started afresh: it no longer re-dials. */
  clientGone(client: number): void {
    this.cutOff.delete(client);
  }

  /** A server crashed: the rest of the network splits around it, and its clients re-dial it. */
  serverCrashed(clients: Array<{ id: number; server: number }>): void {
    for (const c of clients) this.cutOff.set(c.id, { server: c.server, at: this.clock.now() });
    this.resync();
  }

  /** A crashed server is back on its port: its clients re-dial it and come back too. */
  serverRestarted(id: number): void {
    for (const [client, { server }] of this.cutOff) if (server === id) this.comeBack(client);
    this.resync();
  }

  /** A cut-off client's way back is open: with reconnects (and before it gives up) it re-registers. */
  private comeBack(client: number): void {
    const gone = this.cutOff.get(client);
    if (!gone) return;
    this.cutOff.delete(client);
    if (this.clientReconnect && this.clock.now() - gone.at < DEFAULT_RECONNECT_DEADLINE_MS) this.ledger.addClient(client, gone.server);
  }

  /** Tell the Ledger which live servers can still reach each other, as far as the servers can know. */
  private resync(): void {
    const down = (l: LinkInfo, f: LinkFaults) => isCut(f) || this.silentLinks.isFound(linkKey(l.child, l.parent));
    this.ledger.setSides(this.links.components(this.ledger.liveServers, down));
  }

  stop(): void {
    this.silentLinks.stop();
  }
}
