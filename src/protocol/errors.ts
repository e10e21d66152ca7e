// Typed errors of the codec. A DecodeError always names the problem and the offending value,
// so a server can log why it dropped a peer.

export type DecodeErrorCode =
  | 'unknown-type'
  | 'name-too-long'
  | 'info-too-long'
  | 'content-too-long'
  | 'invalid-utf8';

export class DecodeError extends Error {
  override readonly name = 'DecodeError';
  constructor(
    readonly code: DecodeErrorCode,
    /** the offending value: the type byte, the declared length, or the field name */
    readonly value: number | string,
    message: string,
    /** byte offset of the bad frame in the stream fed so far */
    readonly streamOffset: number,
  ) {
    super(message);
  }
}

export class EncodeError extends Error {
  override readonly name = 'EncodeError';
  constructor(
    readonly field: string,
    readonly value: unknown,
    message: string,
  ) {
    super(message);
  }
}
