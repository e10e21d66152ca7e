// The toxic interface. A link proxy pipes each accepted connection to its target in two
// directions; each direction of each connection has its own chain of toxic instances. A chunk
// read from the source enters the first toxic, which passes it on with out.next() (at once,
// later, sliced, or never); the last one feeds the destination socket. The proxy never parses
// the bytes: toxics are protocol-agnostic.
import { z } from 'zod';
import { mulberry32 } from '../util/random.ts';
import type { Timer } from './scheduler.ts';

/** upstream: dialler -> listening server; downstream: server -> dialler. */
export type Direction = 'upstream' | 'downstream';
export type DirectionSpec = Direction | 'both';
export const DIRECTIONS: readonly Direction[] = ['upstream', 'downstream'];

export function directionsOf(d: DirectionSpec): readonly Direction[] {
  return d === 'both' ? DIRECTIONS : [d];
}

/** Where a toxic sends what it lets through. */
export interface ToxicOutput {
  /** Pass a chunk on to the next toxic (or the destination socket). */
  next(chunk: Buffer): void;
  /** Pass the source's half-close (FIN) on; call it after every chunk you will ever pass. */
  end(): void;
}

/** What a toxic instance may use: its identity, time, seeded randomness, and the connection. */
export interface ToxicContext {
  readonly proxy: string;
  /** Connection number within the proxy, from 1 in accept order. */
  readonly conn: number;
  readonly direction: Direction;
  /** The toxic's name. */
  readonly toxic: string;
  /** The proxy's clock, ms (its Scheduler's now()). */
  now(): number;
  /**
   * Uniform [0, 1), seeded by (proxy seed, proxy name, connection number, direction, toxic name):
   * the same seed and the same traffic give the same samples.
   */
  rand(): number;
  /** Run fn at `due` (a now() value) on the proxy's scheduler; never early (real time: ~±1 ms late at worst; virtual: exact). */
  at(due: number, fn: () => void): Timer;
  cancel(timer: Timer | undefined): void;
  /** Write what has reached the destination socket in this batch now, as its own write. */
  flush(): void;
  /** Close the whole connection gracefully: both peers see a FIN. Undelivered bytes are dropped. */
  close(reason: string): void;
  /** Abort the whole connection: both peers see a TCP RST. */
  reset(reason: string): void;
}

/** One toxic on one direction of one connection. */
export interface Toxic {
  /** A chunk from the previous stage. */
  onData(chunk: Buffer): void;
  /** The source half-closed. */
  onEnd(): void;
  /** The toxic is being removed from a live connection: pass on everything held, in order, now. */
  flush(): void;
  /** The connection is gone: cancel timers, drop everything. */
  destroy(): void;
  /** Bytes held right now (for flow control). */
  buffered(): number;
}

/** A pass-through toxic to extend: override what you need. */
export class PassThroughToxic implements Toxic {
  constructor(protected readonly ctx: ToxicContext, protected readonly out: ToxicOutput) {}
  onData(chunk: Buffer): void {
    this.out.next(chunk);
  }
  onEnd(): void {
    this.out.end();
  }
  flush(): void {}
  destroy(): void {}
  buffered(): number {
    return 0;
  }
}

/** A toxic type: its attribute schema, what it does, and how to make an instance. */
export interface ToxicDefinition<A = any> {
  type: string;
  description: string;
  /** zod schema of the attributes (a strict object: unknown attributes are errors). */
  schema: z.ZodType;
  create(attributes: A, ctx: ToxicContext, out: ToxicOutput): Toxic;
}

export function defineToxic<S extends z.ZodType>(def: {
  type: string;
  description: string;
  schema: S;
  create(attributes: z.output<S>, ctx: ToxicContext, out: ToxicOutput): Toxic;
}): ToxicDefinition<z.output<S>> {
  return def;
}

/**
 * A toxic as files and APIs write it: the common fields plus the toxic's own attributes, flat,
 * e.g. `{ type: 'latency', direction: 'downstream', ms: 50, jitter: 5 }`. Only at the edges:
 * parseToxicSpec (registry.ts) turns it into a ToxicInfo where it enters, flatToxic writes it out.
 */
export interface ToxicSpec {
  type: string;
  /** Unique within the proxy; default `${type}_${direction}`. */
  name?: string;
  /** Default 'both'. */
  direction?: DirectionSpec;
  /** Probability (0..1) that the toxic applies to a given connection, drawn per connection from the seed. Default 1. */
  toxicity?: number;
  [attribute: string]: unknown;
}

/**
 * A validated toxic, defaults filled in: the one shape inside the program, from the parser that
 * made it to the proxy that runs it (and back in its snapshot). Only parseToxicSpec and
 * updatedToxic (registry.ts) make one.
 */
export interface ToxicInfo<A = Record<string, unknown>> {
  name: string;
  type: string;
  direction: DirectionSpec;
  toxicity: number;
  attributes: A;
}

export const commonSpecSchema = z.object({
  type: z.string().min(1),
  name: z.string().min(1).max(200).optional(),
  direction: z.enum(['upstream', 'downstream', 'both']).default('both'),
  toxicity: z.number().min(0).max(1).default(1),
});

/** A bad toxic spec. `issues` are zod's, with paths naming the attribute; `cause` is the ZodError. */
export class ToxicSpecError extends Error {
  override readonly name = 'ToxicSpecError';
  constructor(message: string, readonly issues: ReadonlyArray<{ path: PropertyKey[]; message: string }> = [], cause?: unknown) {
    super(message, cause === undefined ? undefined : { cause });
  }
}

/** FNV-1a over a string: turns (seed, names…) into a 32-bit seed. */
export function hash32(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** An independent random stream for (seed, parts…): same inputs, same sequence. */
export function seededStream(seed: number, ...parts: Array<string | number>): () => number {
  return mulberry32(hash32(`${seed >>> 0}\u0000${parts.join('\u0000')}`));
}
