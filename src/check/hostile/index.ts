// Every hostile case, in the order the check runs them (one file per case beside this one).
import type { HostileAttack } from './attack.ts';
import { connectionStorm } from './connection-storm.ts';
import { duplicateId } from './duplicate-id.ts';
import { invalidUtf8 } from './invalid-utf8.ts';
import { malformedFrame } from './malformed-frame.ts';
import { neverReads } from './never-reads.ts';
import { oversizeFrame } from './oversize-frame.ts';
import { registrationFlood } from './registration-flood.ts';
import { slowDrip } from './slow-drip.ts';
import { spoofedSource } from './spoofed-source.ts';
import { statusFlood } from './status-flood.ts';
import { truncatedFrame } from './truncated-frame.ts';

export const HOSTILE: readonly HostileAttack[] = [
  malformedFrame, oversizeFrame, truncatedFrame, invalidUtf8, spoofedSource, duplicateId,
  registrationFlood, neverReads, slowDrip, statusFlood, connectionStorm,
];

/** Quick enough for --quick. */
export const QUICK_HOSTILE = new Set(['malformed-frame', 'oversize-frame', 'spoofed-source', 'duplicate-id']);
