// Test-only: a frame cut at every length (a snap length), judged layer by layer.

import { expect } from 'vitest';
import type { Frame } from '../../src/frame.js';
import { decodeFrame } from '../../src/decode/index.js';
import type { MalformedPacket, Packet } from '../../src/decode/types.js';
import { cut } from './encode.js';

export interface CutPlaces {
  /** Where the IP header starts (the link layer ends). */
  ipAt: number;
  /** Where the IP payload starts. */
  payloadAt: number;
  /** Where the message ends: padding after it changes nothing. */
  end: number;
}

/**
 * Decode `frame` whole (it must be a clean `kind`), then cut at every length: from `end`
 * on it decodes as whole, before `payloadAt` the link or IP layer reports the cut, and
 * `inMessage` judges the cuts inside the message.
 */
export function expectEveryCut<P extends Packet>(
  name: string, frame: Frame, kind: P['kind'], at: CutPlaces, inMessage: (p: Packet, n: number, where: string, full: P) => void,
): void {
  const full = decodeFrame(frame) as P;
  expect([full.kind, full.problems], name).toEqual([kind, []]);
  for (let n = 0; n <= frame.data.length; n++) {
    const p = decodeFrame(cut(frame, n));
    const where = `${name} cut at ${n}`;
    if (n >= at.end) expect(p, where).toEqual(full);
    else if (n < at.payloadAt) {
      const layer = n < at.ipAt && frame.linkType !== 101 ? 'link' : 'ip';
      expect([p.kind, (p as MalformedPacket).claimed, p.problems.map((x) => x.id)], where).toEqual(['malformed', layer, ['truncated']]);
    } else inMessage(p, n, where, full);
  }
}
