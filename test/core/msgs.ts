// Expected frames, built with the real encoder, for byte-for-byte comparisons.
import { MessageType, StatusCode, encode } from '../../src/protocol/index.ts';

export const serverReg = (src: number, lastHop: number, name: string, info: string): Buffer =>
  encode({ type: MessageType.ServerRegistration, sourceId: src, lastHopId: lastHop, name, info });
export const clientReg = (src: number, lastHop: number, name: string, info: string): Buffer =>
  encode({ type: MessageType.ClientRegistration, sourceId: src, lastHopId: lastHop, name, info });
export const status = (src: number, dest: number, code: number, content: string): Buffer =>
  encode({ type: MessageType.Status, sourceId: src, destinationId: dest, statusCode: code, content });
export const chatMsg = (src: number, dest: number, content: string): Buffer =>
  encode({ type: MessageType.ClientChat, sourceId: src, destinationId: dest, content });
export const clientQuit = (src: number, content: string): Buffer =>
  encode({ type: MessageType.ClientQuit, sourceId: src, content });
export const serverQuit = (src: number, replacement: number, content: string): Buffer =>
  encode({ type: MessageType.ServerQuit, sourceId: src, replacementId: replacement, content });

export { MessageType, StatusCode };

/** hex of each frame, for readable diffs */
export const hexes = (bufs: Iterable<Buffer>): string[] => [...bufs].map((b) => b.toString('hex'));
