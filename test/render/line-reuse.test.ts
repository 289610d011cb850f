// Without -v, an advert's text after the timestamp is reused per source address while the fields
// it shows stay the same (see line.ts). With -v nothing is reused, and the -v line is the plain
// line plus a bracket: so the plain line must always equal the -v line without its bracket.

import { describe, expect, it } from 'vitest';
import { decodedFrame } from '../../src/decode/index.js';
import { MONO } from '../../src/render/color.js';
import { packetLine } from '../../src/render/line.js';
import { vrrpFrame, type VrrpFrameSpec } from '../support/encode.js';

const PLAIN = { verbose: false, palette: MONO };
const VERBOSE = { verbose: true, palette: MONO };

describe('advert text reused per source', () => {
  it('shows every change of a router that keeps advertising', () => {
    const ip = { family: 'ipv4' as const, src: '192.0.2.88' };
    const link = { kind: 'ethernet' as const, src: '02:00:00:00:00:88' };
    const base = { version: 2, vrid: 88, priority: 100, addrs: ['192.0.2.1'] };
    const variants: VrrpFrameSpec[] = [
      { vrrp: base, ip, link },
      { vrrp: { ...base, priority: 0 }, ip, link },
      { vrrp: { ...base, priority: 255 }, ip, link },
      { vrrp: { ...base, vrid: 89 }, ip, link },
      { vrrp: { ...base, intervalS: 3 }, ip, link },
      { vrrp: { ...base, password: 'abcd' }, ip, link },
      { vrrp: { ...base, password: 'cdab' }, ip, link },
      { vrrp: { ...base, authType: 2 }, ip, link },
      { vrrp: { ...base, addrs: ['192.0.2.1', '192.0.2.2'] }, ip, link },
      { vrrp: { ...base, addrs: ['192.0.2.2', '192.0.2.1'] }, ip, link },
      { vrrp: { ...base, addrs: ['192.0.2.1'], addrCount: 2 }, ip, link },
      { vrrp: { ...base, version: 3 }, ip, link },
      { vrrp: { ...base, type: 2 }, ip, link },
      { vrrp: base, ip: { ...ip, dst: '192.0.2.9' }, link },
      { vrrp: { ...base, vrid: 87, intervalS: 2 }, ip, link },
    ];
    let n = 0;
    for (const v of [...variants.flatMap((v) => [variants[0], v]), ...variants, variants[0]]) {
      const p = decodedFrame({ ...vrrpFrame(v), ts: 1_700_000_000 + n, record: ++n });
      expect(p.packet.kind).toBe('vrrp');
      const plain = packetLine(p, PLAIN)!;
      const verbose = packetLine(p, VERBOSE)!;
      const bracket = verbose.indexOf(' [02:00:00:00:00:88 > ');
      expect(bracket).toBeGreaterThan(0);
      const close = verbose.indexOf(']', bracket);
      expect(plain).toBe(verbose.slice(0, bracket) + verbose.slice(close + 1));
    }
  });
});
