// Builders for the two packet kinds every layer can end in.

import type { Frame } from '../frame.js';
import type { Ip, Link, MalformedPacket, OtherPacket, ProblemId } from './types.js';

export function otherPacket(frame: Frame, link: Link): OtherPacket {
  return { kind: 'other', link, problems: [] };
}

/**
 * A frame that claimed to be one of ours but could not be decoded. `problem` says why:
 * 'truncated' when the capture cut it, 'malformed' when its own fields are wrong,
 * or a more specific id (e.g. 'fragment').
 */
export function malformedPacket(
  frame: Frame,
  link: Link,
  ip: Ip | null,
  claimed: MalformedPacket['claimed'],
  reason: string,
  offset: number,
  problem: ProblemId,
): MalformedPacket {
  return {
    kind: 'malformed',
    link,
    problems: [{ id: problem, message: reason, offset }],
    ip,
    claimed,
    reason,
    offset,
  };
}
