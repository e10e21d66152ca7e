// A relayed registration goes out as received with only its last hop changed. A driver whose
// frames are its own (ownsFrames: socket reads) has it patched in the bytes it read, so the
// join flood makes no Buffer per relayed frame; any other driver gets a copy, its bytes untouched.
import { describe, expect, it } from 'vitest';
import { ServerCore } from '../../src/core/server-core.ts';
import type { Effect } from '../../src/core/effects.ts';
import { FrameDecoder, type RegistrationMessage } from '../../src/protocol/index.ts';
import { serverReg } from './msgs.ts';

function decodeOne(frame: Buffer): RegistrationMessage {
  return new FrameDecoder().feed(frame).messages[0] as RegistrationMessage;
}

/** Server 2 with servers 1 (conn 1) and 3 (conn 2) adjacent; then server 9's registration relayed by 1. */
function relayOf9(ownsFrames: boolean): { msg: RegistrationMessage; sent: Buffer | undefined } {
  const core = new ServerCore({ id: 2, name: 'rivendale', info: 'Elronds House' }, { ownsFrames });
  core.opened(1, false);
  core.received(1, decodeOne(serverReg(1, 0, 'theshire', 'Home of the Hobbits')));
  core.opened(2, false);
  core.received(2, decodeOne(serverReg(3, 0, 'grey_havens', 'Gates')));
  const msg = decodeOne(serverReg(9, 1, 'mordor', 'Mount Doom'));
  const effects: Effect[] = core.received(1, msg);
  const send = effects.find((e) => e.kind === 'send' && e.conn === 2);
  return { msg, sent: send?.kind === 'send' ? send.data : undefined };
}

describe('relaying a registration', () => {
  it('with ownsFrames, in the bytes read: no copy, last hop patched to this server', () => {
    const { msg, sent } = relayOf9(true);
    expect(sent).toBe(msg.raw);
    expect(sent!.toString('hex')).toBe(serverReg(9, 2, 'mordor', 'Mount Doom').toString('hex'));
  });

  it('without it (a simulated link may hand the sender\'s buffer on), a copy: the bytes read stay as they were', () => {
    const { msg, sent } = relayOf9(false);
    expect(sent).not.toBe(msg.raw);
    expect(sent!.toString('hex')).toBe(serverReg(9, 2, 'mordor', 'Mount Doom').toString('hex'));
    expect(msg.raw!.toString('hex')).toBe(serverReg(9, 1, 'mordor', 'Mount Doom').toString('hex'));
  });
});
