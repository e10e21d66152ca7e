// Seeded fuzzing of the decoder (never throws, never hangs, only DecodeErrors) and round-trip properties.
import { describe, expect, it } from 'vitest';
import {
  DecodeError,
  type DecodedMessage,
  FrameDecoder,
  type Limits,
  encode,
} from '../../src/protocol/index.ts';
import { type Rng, mulberry32, randInt, randomChunks, randomMessage, stripRaw } from './helpers.ts';

const FUZZ_INPUTS = 100_000;
const SEED = 0x5eed_c2c;
const CODES = new Set(['unknown-type', 'name-too-long', 'info-too-long', 'content-too-long', 'invalid-utf8']);
const SMALL_LIMITS: Limits = { maxName: 16, maxInfo: 24, maxContent: 32 };

function randomBytes(rng: Rng, n: number): Buffer {
  const b = Buffer.allocUnsafe(n);
  for (let i = 0; i < n; i++) b[i] = (rng() * 256) | 0;
  return b;
}

/** A pool of valid frames to mutate. */
function validFrames(rng: Rng, n: number): Buffer[] {
  return Array.from({ length: n }, () => encode(randomMessage(rng, 10)));
}

function mutate(rng: Rng, pool: readonly Buffer[]): Buffer {
  const kind = randInt(rng, 0, 3);
  const one = () => pool[(rng() * pool.length) | 0]!;
  let b: Buffer;
  if (kind === 0) {
    b = Buffer.from(one()); // flip bytes
  } else if (kind === 1) {
    const f = one(); // truncate
    return Buffer.from(f.subarray(0, randInt(rng, 0, f.length)));
  } else {
    b = Buffer.concat(Array.from({ length: randInt(rng, 2, 5) }, one)); // concatenate, then corrupt
    if (kind === 3) return b; // sometimes leave intact: everything must decode
  }
  const flips = randInt(rng, 1, 3);
  for (let i = 0; i < flips && b.length > 0; i++) {
    const at = randInt(rng, 0, b.length - 1);
    const r = rng();
    if (r < 0.4) b[at]! ^= 1 << randInt(rng, 0, 7);
    else if (r < 0.8) b[at] = randInt(rng, 0, 255);
    else b[at] = [0x00, 0x7f, 0x80, 0xc0, 0xed, 0xff][randInt(rng, 0, 5)]!;
  }
  if (rng() < 0.2) b = b.subarray(0, randInt(rng, 0, b.length));
  return b;
}

interface Outcome {
  messages: DecodedMessage[];
  error: DecodeError | undefined;
  consumedOk: boolean;
}

/** Feed `chunks` to a fresh decoder, checking the per-feed invariants as it goes. */
function run(chunks: readonly Buffer[], limits: Limits | undefined, totalLen: number): Outcome {
  const dec = new FrameDecoder(limits);
  const messages: DecodedMessage[] = [];
  let error: DecodeError | undefined;
  let consumedOk = true;
  for (const c of chunks) {
    const r = dec.feed(c); // must not throw: vitest fails the test if it does
    if (error) {
      // Sticky failure: same error object, no messages.
      if (r.error !== error || r.messages.length !== 0) consumedOk = false;
      continue;
    }
    messages.push(...r.messages);
    if (r.error !== undefined) {
      if (!(r.error instanceof DecodeError) || !CODES.has(r.error.code)) consumedOk = false;
      if (r.error.streamOffset < 0 || r.error.streamOffset >= totalLen) consumedOk = false;
      error = r.error;
    }
  }
  if (error && dec.failed !== error) consumedOk = false;
  return { messages, error, consumedOk };
}

describe('decoder fuzz (seeded)', () => {
  it(`${FUZZ_INPUTS} random and mutated inputs: only messages or DecodeErrors, round-trip exact, chunking-independent`, () => {
    const rng = mulberry32(SEED);
    const pool = validFrames(rng, 500);
    const seen = { messages: 0, errors: new Map<string, number>(), clean: 0, intactConcats: 0 };
    let roundTripFailures = 0;
    let chunkingMismatches = 0;
    let invariantFailures = 0;
    const firstProblem: string[] = [];

    for (let i = 0; i < FUZZ_INPUTS; i++) {
      const input = rng() < 0.45 ? randomBytes(rng, randInt(rng, 0, 64)) : mutate(rng, pool);
      const limits = rng() < 0.3 ? SMALL_LIMITS : undefined;
      const maxChunk = pick3(rng);
      const chunks = input.length === 0 ? [input] : randomChunks(input, rng, maxChunk);

      const chunked = run(chunks, limits, input.length);
      // Differential: the same bytes in one chunk must give the same outcome.
      const whole = run([input], limits, input.length);

      if (!chunked.consumedOk || !whole.consumedOk) {
        invariantFailures++;
        if (firstProblem.length < 3) firstProblem.push(`invariant: ${input.toString('hex')}`);
      }
      if (
        chunked.messages.length !== whole.messages.length
        || chunked.error?.code !== whole.error?.code
        || chunked.error?.value !== whole.error?.value
        || chunked.error?.streamOffset !== whole.error?.streamOffset
        || chunked.messages.some((m, k) => !m.raw.equals(whole.messages[k]!.raw))
      ) {
        chunkingMismatches++;
        if (firstProblem.length < 3) firstProblem.push(`chunking: ${input.toString('hex')}`);
      }

      let offset = 0;
      for (const m of chunked.messages) {
        seen.messages++;
        // Round trip: re-encoding a decoded message reproduces its raw bytes exactly,
        // and the frames tile the input from offset 0 with no gaps.
        const again = encode(stripRaw(m));
        if (!again.equals(m.raw) || !input.subarray(offset, offset + m.raw.length).equals(m.raw)) {
          roundTripFailures++;
          if (firstProblem.length < 3) firstProblem.push(`round-trip: ${m.raw.toString('hex')}`);
        }
        offset += m.raw.length;
      }
      if (chunked.error) {
        const c = chunked.error.code;
        seen.errors.set(c, (seen.errors.get(c) ?? 0) + 1);
        if (chunked.error.streamOffset !== offset) {
          invariantFailures++;
          if (firstProblem.length < 3) firstProblem.push(`error offset ${chunked.error.streamOffset} != ${offset}: ${input.toString('hex')}`);
        }
      } else {
        seen.clean++;
        if (offset === input.length && chunked.messages.length >= 2) seen.intactConcats++;
      }
    }

    expect(firstProblem).toEqual([]);
    expect(invariantFailures).toBe(0);
    expect(chunkingMismatches).toBe(0);
    expect(roundTripFailures).toBe(0);
    // The fuzzer must actually have exercised every path.
    expect(seen.messages).toBeGreaterThan(50_000);
    expect(seen.intactConcats).toBeGreaterThan(1_000);
    for (const code of CODES) expect(seen.errors.get(code) ?? 0, `error code ${code} never produced`).toBeGreaterThan(50);
  }, 60_000);

  it('20,000 random valid messages round-trip: decode(encode(m)) === m, encode(decode(b)) === b', () => {
    const rng = mulberry32(SEED ^ 0xabcdef);
    const msgs = Array.from({ length: 20_000 }, () => randomMessage(rng, 60));
    const frames = msgs.map((m) => encode(m));
    const dec = new FrameDecoder();
    const out: DecodedMessage[] = [];
    for (const c of randomChunks(Buffer.concat(frames), rng, 97)) {
      const r = dec.feed(c);
      expect(r.error).toBeUndefined();
      out.push(...r.messages);
    }
    expect(out).toHaveLength(msgs.length);
    for (let i = 0; i < msgs.length; i++) {
      expect(out[i]!.raw.equals(frames[i]!)).toBe(true);
      expect(encode(out[i]!).equals(frames[i]!)).toBe(true);
    }
    expect(out.map(stripRaw)).toStrictEqual(msgs);
  }, 60_000);
});

/** Chunk size cap: mostly tiny (1..3 bytes, to split headers), sometimes larger. */
function pick3(rng: Rng): number {
  const r = rng();
  if (r < 0.3) return 1;
  if (r < 0.6) return 3;
  if (r < 0.85) return 16;
  return 256;
}
