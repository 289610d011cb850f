// packetJsonLine writes a packet's NDJSON text from its kind's field table (see json.ts). It must
// be byte for byte what the general path writes: toJsonLine(packetRecord(d)).

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Frame } from '../../src/frame.js';
import { decodedFrame } from '../../src/decode/index.js';
import type { Decoded, Packet } from '../../src/decode/types.js';
import { packetJsonLine, packetRecord, toJsonLine } from '../../src/render/json.js';
import { arpFrame, carpFrame, cut, makeFrame, naFrame, vrrpFrame } from '../support/encode.js';

function general(d: Decoded): string | null {
  const rec = packetRecord(d);
  return rec === null ? null : toJsonLine(rec);
}

function same(frame: Frame): Packet {
  const d = decodedFrame(frame);
  expect(packetJsonLine(d)).toBe(general(d));
  return d.packet;
}

/** Every byte value 0x01-0xff in an 8-byte password, NUL-terminated at the end. */
function passwordBytes(from: number): Uint8Array {
  return Uint8Array.from({ length: 8 }, (_, i) => Math.min(255, from + i));
}

describe('packetJsonLine', () => {
  it('VRRP v2 and v3, IPv4 and IPv6, VLANs, VMAC or not', () => {
    same(vrrpFrame({ vrrp: { version: 2, vrid: 7, priority: 100, addrs: ['192.0.2.1', '192.0.2.2'] } }));
    same(vrrpFrame({ vrrp: { version: 2, vrid: 7, priority: 255, addrs: ['192.0.2.1'], password: 'secret' } }));
    same(vrrpFrame({ vrrp: { version: 3, vrid: 9, priority: 0, addrs: ['192.0.2.9'] }, link: { kind: 'ethernet', src: '02:00:00:00:00:09', vlans: [10, 20] } }));
    same(vrrpFrame({ vrrp: { version: 3, vrid: 9, priority: 100, addrs: ['fe80::1', '2001:db8::1'] }, ip: { family: 'ipv6', src: 'fe80::2' } }));
    same(vrrpFrame({ vrrp: { version: 3, vrid: 9, priority: 100, addrs: [] }, ip: { family: 'ipv6', src: '2001:db8::2' } }));
    same(vrrpFrame({ vrrp: { version: 2, vrid: 3, priority: 100, addrs: ['192.0.2.1'] }, link: { kind: 'raw' } }));
    same(vrrpFrame({ vrrp: { version: 2, vrid: 3, priority: 100, addrs: ['192.0.2.1'] }, link: { kind: 'sll', src: null } }));
  });

  it('problems, bad checksums, truncation, odd versions and types', () => {
    same(vrrpFrame({ vrrp: { version: 2, vrid: 1, priority: 100, addrs: ['192.0.2.1'], checksum: 0x1234 }, ip: { family: 'ipv4', ttl: 64 } }));
    same(vrrpFrame({ vrrp: { version: 3, vrid: 1, priority: 100, addrs: ['192.0.2.1'], checksum: 'v3-no-pseudo' } }));
    same(vrrpFrame({ vrrp: { version: 5, type: 4, vrid: 1, priority: 100, addrs: ['192.0.2.1'], addrCount: 3 } }));
    same(vrrpFrame({ vrrp: { version: 2, vrid: 1, priority: 100, addrs: ['192.0.2.1'], omitAuthData: true, intervalS: 0 } }));
    const full = vrrpFrame({ vrrp: { version: 2, vrid: 1, priority: 100, addrs: ['192.0.2.1', '192.0.2.2'], password: 'pw' }, pad: false });
    for (let n = 0; n <= full.data.length; n++) same(cut(full, n));
  });

  it('passwords with quotes, backslashes, controls, DEL and C1 bytes', () => {
    for (const password of ['a"b', 'a\\b', 'tab\there', 'nl\nx', '\x7fdel', 'é€', '"\\"\\']) {
      same(vrrpFrame({ vrrp: { version: 2, vrid: 1, priority: 100, addrs: ['192.0.2.1'], password } }));
    }
    for (let from = 1; from < 256; from += 8) {
      same(vrrpFrame({ vrrp: { version: 2, vrid: 1, priority: 100, addrs: ['192.0.2.1'], authType: 1, authData: passwordBytes(from) } }));
    }
  });

  it('ARP, NA, and the kinds that take the general path', () => {
    const arp = { senderMac: '02:00:00:00:00:01', senderIp: '192.0.2.1', targetMac: '00:00:00:00:00:00', targetIp: '192.0.2.1' };
    same(arpFrame({ arp: { ...arp, op: 1 } }));
    same(arpFrame({ arp: { ...arp, op: 2, targetIp: '192.0.2.7' }, link: { kind: 'ethernet', src: arp.senderMac, dst: '02:00:00:00:00:07', vlans: [5] } }));
    same(arpFrame({ arp: { ...arp, op: 2 } }));
    same(naFrame({ na: { target: '2001:db8::1', override: true, targetMac: '02:00:00:00:00:01' } }));
    same(naFrame({ na: { target: 'fe80::1', solicited: true, router: true }, ip: { src: 'fe80::2', dst: 'fe80::3', ttl: 64 } }));
    same(naFrame({ na: { target: 'ff02::1' } }));
    same(carpFrame({ carp: { vhid: 3, advskew: 10 } }));
    expect(same(makeFrame(1, new Uint8Array(10))).kind).toBe('malformed');
    expect(same(makeFrame(147, new Uint8Array(60))).kind).toBe('other');
  });

  it('timestamps: whole microseconds as capture files give them, and any other double', () => {
    const frame = vrrpFrame({ vrrp: { version: 3, vrid: 1, priority: 100, addrs: ['192.0.2.1'] } });
    for (const ts of [0, -0, 1, 0.000001, 1e-7, 0.5, 1_700_000_000, 1_700_000_000.1, 1_700_000_000.000001, 1_700_000_000.999999, 2 ** 33 - 0.000001, 2 ** 33, 1e21, -1.5, NaN, Infinity]) {
      same({ ...frame, ts });
    }
    fc.assert(
      fc.property(fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }), fc.integer({ min: 0, max: 999_999 }), (seconds, micros) => {
        same({ ...frame, ts: ((seconds % 2 ** 34) * 1e6 + micros) / 1e6 });
      }),
      { numRuns: 5000 },
    );
    fc.assert(fc.property(fc.double(), (ts) => void same({ ...frame, ts })), { numRuns: 2000 });
  });

  it('a router whose adverts change: every field shows its new value (per-source reuse)', () => {
    const ip = { family: 'ipv4' as const, src: '192.0.2.77' };
    const link = { kind: 'ethernet' as const, src: '02:00:00:00:00:77' };
    const base = { version: 2, vrid: 77, priority: 100, addrs: ['192.0.2.1'] };
    const variants = [
      { vrrp: base, ip, link },
      { vrrp: base, ip, link },
      { vrrp: { ...base, priority: 101 }, ip, link },
      { vrrp: { ...base, addrs: ['192.0.2.1', '192.0.2.2'] }, ip, link },
      { vrrp: { ...base, addrs: ['192.0.2.2'] }, ip, link },
      { vrrp: { ...base, password: 'a' }, ip, link },
      { vrrp: { ...base, password: 'b' }, ip, link },
      { vrrp: { ...base, intervalS: 2 }, ip, link },
      { vrrp: { ...base, vrid: 78 }, ip, link },
      { vrrp: { ...base, checksum: 0x1234 }, ip, link },
      { vrrp: base, ip: { ...ip, ttl: 64 }, link },
      { vrrp: base, ip: { ...ip, dst: '192.0.2.9' }, link },
      { vrrp: base, ip, link: { ...link, vlans: [7] } },
      { vrrp: base, ip, link: { ...link, vlans: [8] } },
      { vrrp: base, ip, link: { ...link, dst: '01:00:5e:00:00:13' } },
      { vrrp: base, ip, link: { ...link, src: '00:00:5e:00:01:4d' } },
      { vrrp: { ...base, version: 3 }, ip, link },
      // Changes that keep the checksum: the reused text must not hang on it.
      { vrrp: { ...base, addrs: ['192.0.2.1', '192.0.2.2'], password: 'abcd' }, ip, link },
      { vrrp: { ...base, addrs: ['192.0.2.1', '192.0.2.2'], password: 'cdab' }, ip, link },
      { vrrp: { ...base, addrs: ['192.0.2.2', '192.0.2.1'], password: 'cdab' }, ip, link },
      { vrrp: { ...base, vrid: 76, intervalS: 2 }, ip, link },
    ];
    // Each variant between two plain adverts: every change is one field away from what was reused.
    let n = 0;
    for (const v of [...variants.flatMap((v) => [variants[0], v]), ...variants.slice(-4), variants[0]]) {
      same({ ...vrrpFrame(v), ts: 1_700_000_000 + n, record: ++n });
    }
  });

  it('any bytes: random frames and mutated adverts', () => {
    const base = vrrpFrame({ vrrp: { version: 2, vrid: 1, priority: 100, addrs: ['192.0.2.1'], password: 'pw' } }).data;
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(base.length - 1), fc.integer({ min: 0, max: 255 })), { maxLength: 6 }), (edits) => {
        const data = base.slice();
        for (const [at, v] of edits) data[at] = v;
        same(makeFrame(1, data));
      }),
      { numRuns: 2000 },
    );
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 120 }), fc.constantFrom(1, 101, 113, 276), (bytes, linkType) => {
        same(makeFrame(linkType, bytes));
      }),
      { numRuns: 2000 },
    );
  });
});
