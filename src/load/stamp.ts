// The stamp at the head of a load chat's text: fixed-width ASCII hex, written into a copy of
// one template frame and read back from the received bytes without decoding the text.
// bench/load/load-task.ts writes seq + send time; the open-loop generator adds a run number.

const HEX = Buffer.from('0123456789abcdef');

/** Write `v` (unsigned 32-bit) as 8 hex digits at `at`. */
export function writeHex8(buf: Buffer, at: number, v: number): void {
  for (let i = 7; i >= 0; i--) {
    buf[at + i] = HEX[v & 15]!;
    v >>>= 4;
  }
}

/** Read 8 hex digits at `at` as an unsigned 32-bit number. */
export function readHex8(buf: Buffer, at: number): number {
  let v = 0;
  for (let i = 0; i < 8; i++) {
    const c = buf[at + i]!;
    v = (v << 4) | (c <= 57 ? c - 48 : c - 87);
  }
  return v >>> 0;
}

/** Where a chat frame's text starts (`!B I I I` header). */
export const CHAT_TEXT_AT = 13;

/** Open-loop stamp: run (8 hex), sequence in the flow (8 hex), intended send time in µs since the run's start (8 hex). */
export const LOAD_STAMP_BYTES = 24;

export interface LoadStamp {
  run: number;
  seq: number;
  intendedUs: number;
}

export function writeLoadStamp(frame: Buffer, s: LoadStamp): void {
  writeHex8(frame, CHAT_TEXT_AT, s.run);
  writeHex8(frame, CHAT_TEXT_AT + 8, s.seq);
  writeHex8(frame, CHAT_TEXT_AT + 16, s.intendedUs);
}

/** The stamp of a whole chat frame, or undefined if its text is too short to hold one. */
export function readLoadStamp(frame: Buffer): LoadStamp | undefined {
  if (frame.length < CHAT_TEXT_AT + LOAD_STAMP_BYTES) return undefined;
  return { run: readHex8(frame, CHAT_TEXT_AT), seq: readHex8(frame, CHAT_TEXT_AT + 8), intendedUs: readHex8(frame, CHAT_TEXT_AT + 16) };
}
