// Every frame cut at every length: no exception, a sensible kind, and a cut reported as
// 'truncated' (the capture's doing), never as 'malformed' (the sender's).

import { describe, expect, it } from 'vitest';
import type { Frame } from '../../src/frame.js';
import { decodeFrame } from '../../src/decode/index.js';
import type { MalformedPacket, Packet, VrrpPacket } from '../../src/decode/types.js';
import { arpFrame, carpFrame, cut, encodeIpv4, encodeLink, ETHERTYPE_IPV4, makeFrame, naFrame, vmac, vrrpFrame, type LinkSpec } from '../support/encode.js';

const links: LinkSpec[] = [
  { kind: 'ethernet', src: vmac('ipv4', 1), vlans: [10, 20] },
  { kind: 'sll' },
  { kind: 'sll2' },
  { kind: 'raw' },
  { kind: 'null' },
  { kind: 'loop' },
];

const six = Array.from({ length: 3 }, (_, i) => `2001:db8::${i + 1}`);

/** Frames and where their meaningful bytes end (Ethernet padding after that changes nothing). */
function corpus(): { name: string; frame: Frame; end: number; ipAt: number; payloadAt: number }[] {
  const out: { name: string; frame: Frame; end: number; ipAt: number; payloadAt: number }[] = [];
  for (const link of links) {
    const linkLen = encodeLink(link, ETHERTYPE_IPV4, new Uint8Array(0)).bytes.length;
    const add = (name: string, frame: Frame, ipLen: number, ipHeader: number) =>
      out.push({ name: `${name} over ${link.kind}`, frame, end: linkLen + ipLen, ipAt: linkLen, payloadAt: linkLen + ipHeader });
    add('v2', vrrpFrame({ link, vrrp: { version: 2, vrid: 1, priority: 100, addrs: ['10.0.0.1', '10.0.0.2'], password: 'pw' } }), 20 + 24, 20);
    add('v3/4', vrrpFrame({ link, vrrp: { version: 3, vrid: 1, priority: 100, addrs: ['10.0.0.1'] } }), 20 + 12, 20);
    if (link.kind !== 'ethernet' || link.vlans) {
      add('v3/6', vrrpFrame({ link, ip: { family: 'ipv6', v6: { extensions: [{ type: 0 }] } }, vrrp: { version: 3, vrid: 1, priority: 100, addrs: ['fe80::1', ...six] } }), 40 + 8 + 8 + 64, 48);
      add('na', naFrame({ link, na: { target: six[0], override: true, targetMac: '02:00:00:00:00:01' } }), 40 + 32, 40);
      add('carp', carpFrame({ link, carp: { vhid: 2, advskew: 1 } }), 20 + 36, 20);
    }
    if (link.kind === 'ethernet' || link.kind === 'sll' || link.kind === 'sll2') {
      out.push({ name: `arp over ${link.kind}`, frame: arpFrame({ link, arp: { op: 2, senderMac: '02:00:00:00:00:01', senderIp: '10.0.0.1', targetMac: 'ff:ff:ff:ff:ff:ff', targetIp: '10.0.0.1' } }), end: linkLen + 28, ipAt: linkLen, payloadAt: linkLen });
    }
  }
  return out;
}

function ids(p: Packet): string[] {
  return p.problems.map((x) => x.id);
}

describe('cut at every length', () => {
  for (const { name, frame, end, ipAt, payloadAt } of corpus()) {
    it(name, () => {
      const full = decodeFrame(frame);
      expect(['vrrp', 'carp', 'arp', 'na']).toContain(full.kind);
      expect(ids(full)).not.toContain('truncated');
      for (let n = 0; n <= frame.data.length; n++) {
        const p = decodeFrame(cut(frame, n));
        const where = `${name} cut at ${n}`;
        if (n >= end) {
          expect(p, where).toEqual(full);
          continue;
        }
        expect(ids(p), where).not.toContain('malformed');
        // Without the ICMPv6 type byte nothing says it is an advertisement: counted as other.
        if (full.kind === 'na' && n === payloadAt) {
          expect(p.kind, where).toBe('other');
          continue;
        }
        expect(ids(p), where).toContain('truncated');
        if (n < ipAt) {
          expect([p.kind, (p as MalformedPacket).claimed], where).toEqual(['malformed', frame.linkType === 101 ? 'ip' : 'link']);
        } else if (n < payloadAt && full.kind !== 'arp') {
          expect([p.kind, (p as MalformedPacket).claimed], where).toEqual(['malformed', 'ip']);
        } else if (full.kind === 'vrrp') {
          const v = p as VrrpPacket;
          expect([v.kind, v.truncated, v.capturedLength, v.checksumStatus], where).toEqual(['vrrp', true, n - payloadAt, 'unverified']);
          expect(v.addrs, where).toEqual((full as VrrpPacket).addrs.slice(0, v.addrs.length));
          if (n - payloadAt >= 2) expect(v.vrid, where).toBe((full as VrrpPacket).vrid);
        } else if (full.kind === 'carp') {
          // Auth Len (byte 3) tells CARP from VRRP: before it, the message reads as cut VRRP.
          expect(p.kind, where).toBe(n - payloadAt >= 4 ? 'carp' : 'vrrp');
        } else if (full.kind === 'na') {
          const want = n - payloadAt < 24 ? 'malformed' : 'na';
          expect(p.kind, where).toBe(want);
          if (want === 'na') expect((p as { checksumStatus?: string }).checksumStatus, where).toBe('unverified');
        } else {
          expect([p.kind, (p as MalformedPacket).claimed], where).toEqual(['malformed', 'arp']);
        }
      }
    });
  }
});

describe('malformed, not truncated', () => {
  it('an IP payload too short for the VRRP header', () => {
    for (const len of [0, 1, 7]) {
      const packet = encodeIpv4({ src: '10.0.0.1', dst: '224.0.0.18', protocol: 112 }, new Uint8Array(len).fill(0x21));
      const p = decodeFrame(makeFrame(1, encodeLink({ kind: 'ethernet' }, ETHERTYPE_IPV4, packet).bytes)) as MalformedPacket;
      expect([p.kind, p.claimed, ids(p), p.offset]).toEqual(['malformed', 'vrrp', ['malformed'], 34]);
      expect(p.ip?.payloadLength).toBe(len);
    }
  });
});
