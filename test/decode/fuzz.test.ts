// Property-based fuzzing: random and mutated frames through decodeFrame for every link
// type. No exception may escape and every result must be a well-formed Packet.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Frame } from '../../src/frame.js';
import { LinkType } from '../../src/frame.js';
import { decodeFrame } from '../../src/decode/index.js';
import type { Packet, ProblemId } from '../../src/decode/types.js';
import { arpFrame, carpFrame, encodeLink, ETHERTYPE_IPV4, makeFrame, naFrame, vrrpFrame, type LinkSpec } from '../support/encode.js';

const PROBLEM_IDS = new Set<ProblemId>([
  'truncated', 'malformed', 'bad-version', 'bad-type', 'bad-checksum', 'bad-ttl', 'bad-ip-checksum', 'fragment',
  'count-mismatch', 'trailing-bytes', 'vmac-mismatch', 'not-link-local', 'bad-interval', 'reserved-set', 'missing-auth-data',
]);
const MAC = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/;
const V4 = /^\d{1,3}(\.\d{1,3}){3}$/;
const V6 = /^[0-9a-f:.]{2,45}$/;
const byte = (n: number) => Number.isInteger(n) && n >= 0 && n <= 255;

/** Throws (through expect) when `p` is not a well-formed Packet for `frame`. */
function expectWellFormed(p: Packet, frame: Frame): void {
  expect(['vrrp', 'carp', 'arp', 'na', 'icmp-error', 'group', 'malformed', 'other']).toContain(p.kind);
  expect(p.link.srcMac === null || MAC.test(p.link.srcMac)).toBe(true);
  expect(p.link.dstMac === null || MAC.test(p.link.dstMac)).toBe(true);
  expect(p.link.vlans.every((v) => Number.isInteger(v) && v >= 0 && v < 4096)).toBe(true);
  for (const x of p.problems) {
    expect(PROBLEM_IDS.has(x.id)).toBe(true);
    expect(typeof x.message).toBe('string');
    expect(x.message.length).toBeGreaterThan(0);
    if (x.offset !== undefined) expect(Number.isInteger(x.offset) && x.offset >= 0).toBe(true);
  }
  if ('ip' in p && p.ip) {
    const ip = p.ip;
    expect((ip.family === 'ipv4' ? V4 : V6).test(ip.src) && (ip.family === 'ipv4' ? V4 : V6).test(ip.dst)).toBe(true);
    expect(byte(ip.ttl) && byte(ip.protocol)).toBe(true);
    expect(ip.payloadOffset).toBeGreaterThanOrEqual(0);
    expect(ip.payloadLength).toBeGreaterThanOrEqual(0);
  }
  switch (p.kind) {
    case 'vrrp':
      for (const n of [p.version, p.type]) expect(n >= 0 && n < 16).toBe(true);
      for (const n of [p.vrid, p.priority, p.addrCount]) expect(byte(n)).toBe(true);
      expect(p.authType === null || byte(p.authType)).toBe(true);
      expect(p.authPass === null || p.authPass.length <= 8).toBe(true);
      expect(p.authDataHex === null || /^[0-9a-f]{16}$/.test(p.authDataHex)).toBe(true);
      expect(Number.isInteger(p.intervalMs) && p.intervalMs >= 0 && p.intervalMs <= 255_000).toBe(true);
      expect(p.reserved >= 0 && p.reserved < 16).toBe(true);
      expect(p.checksum >= 0 && p.checksum <= 0xffff).toBe(true);
      expect(p.addrs.length).toBeLessThanOrEqual(p.addrCount);
      expect(p.addrs.every((a) => (p.ip.family === 'ipv4' ? V4 : V6).test(a))).toBe(true);
      expect(p.capturedLength).toBeLessThanOrEqual(p.ip.payloadLength);
      expect(p.truncated).toBe(p.capturedLength! < p.ip.payloadLength);
      expect(p.checksumStatus === 'unverified' || !p.truncated).toBe(true);
      expect((p.checksumStatus === 'bad') === (p.checksumExpected !== null)).toBe(true);
      expect((p.checksumStatus === 'ok') === (p.checksumVariant !== null)).toBe(true);
      expect(p.vmacMatches === null || p.vmac).toBe(true);
      break;
    case 'carp':
      for (const n of [p.vhid, p.advskew, p.advbase]) expect(byte(n)).toBe(true);
      expect(p.version).toBe(2);
      break;
    case 'arp':
      expect(p.op === 1 || p.op === 2).toBe(true);
      expect(MAC.test(p.senderMac) && MAC.test(p.targetMac) && V4.test(p.senderIp) && V4.test(p.targetIp)).toBe(true);
      break;
    case 'na':
      expect(V6.test(p.target)).toBe(true);
      expect(p.targetMac === null || MAC.test(p.targetMac)).toBe(true);
      expect(p.unsolicited).toBe(!p.solicited);
      break;
    case 'icmp-error':
      expect([p.icmpType, p.icmpCode].every(byte) && p.reason.length > 0 && p.quoted.protocol === 112).toBe(true);
      expect((p.quoted.family === 'ipv4' ? V4 : V6).test(p.quoted.src) && (p.quoted.family === 'ipv4' ? V4 : V6).test(p.quoted.dst)).toBe(true);
      expect([p.quoted.vrid, p.quoted.priority].every((n) => n === null || byte(n))).toBe(true);
      break;
    case 'group':
      expect(p.joins.concat(p.leaves, p.group ?? []).every((a) => (p.ip.family === 'ipv4' ? V4 : V6).test(a))).toBe(true);
      break;
    case 'malformed':
      expect(['vrrp', 'arp', 'na', 'ip', 'link']).toContain(p.claimed);
      expect(p.reason.length).toBeGreaterThan(0);
      expect(p.problems.length).toBeGreaterThan(0);
      break;
    case 'other':
      break;
  }
  // JSON output must be possible for every packet: no cycles, no BigInt, no NaN, no undefined values.
  const bad: string[] = [];
  JSON.stringify(p, (key, value: unknown) => {
    if (value === undefined || (typeof value === 'number' && !Number.isFinite(value))) bad.push(key);
    return value;
  });
  expect(bad).toEqual([]);
}

const LINK_TYPES = Object.values(LinkType);

function seeds(): { frame: Frame; hot: number[] }[] {
  const links: LinkSpec[] = [{ kind: 'ethernet', vlans: [5] }, { kind: 'sll' }, { kind: 'sll2' }, { kind: 'raw' }, { kind: 'null' }, { kind: 'loop' }];
  const out: { frame: Frame; hot: number[] }[] = [];
  for (const link of links) {
    const ipAt = encodeLink(link, ETHERTYPE_IPV4, new Uint8Array(0)).bytes.length;
    const v4 = (f: Frame) => out.push({ frame: f, hot: [ipAt, ipAt + 2, ipAt + 3, ipAt + 6, ipAt + 9, ipAt + 20, ipAt + 23, ipAt + 24, ipAt + 25] });
    const v6 = (f: Frame, ext = 0) => out.push({ frame: f, hot: [ipAt, ipAt + 4, ipAt + 5, ipAt + 6, ipAt + 40, ipAt + 41, ipAt + 40 + ext + 3, ipAt + 40 + ext + 1] });
    v4(vrrpFrame({ link, vrrp: { version: 2, vrid: 1, priority: 100, addrs: ['10.0.0.1', '10.0.0.2'], password: 'secret' } }));
    v4(vrrpFrame({ link, vrrp: { version: 3, vrid: 2, priority: 255, addrs: ['10.0.0.1'] } }));
    v4(carpFrame({ link, carp: { vhid: 3 } }));
    v6(vrrpFrame({ link, ip: { family: 'ipv6' }, vrrp: { version: 3, vrid: 4, priority: 0, addrs: ['fe80::1', '2001:db8::1'] } }));
    v6(vrrpFrame({ link, ip: { family: 'ipv6', v6: { extensions: [{ type: 0 }, { type: 44, more: true }] } }, vrrp: { version: 3, vrid: 4, priority: 9, addrs: ['fe80::1'] } }), 16);
    v6(naFrame({ link, na: { target: '2001:db8::1', targetMac: '02:00:00:00:00:01' } }));
    if (link.kind === 'ethernet' || link.kind === 'sll') {
      out.push({ frame: arpFrame({ link, arp: { op: 1, senderMac: '02:00:00:00:00:01', senderIp: '10.0.0.1', targetMac: '00:00:00:00:00:00', targetIp: '10.0.0.1' } }), hot: [ipAt + 4, ipAt + 5, ipAt + 7] });
    }
  }
  return out;
}

describe('fuzz', () => {
  it('random bytes under every link type', () => {
    fc.assert(
      fc.property(fc.constantFrom(...LINK_TYPES, 107, 9999), fc.uint8Array({ maxLength: 200 }), (linkType, data) => {
        const frame = makeFrame(linkType, data);
        expectWellFormed(decodeFrame(frame), frame);
      }),
      { numRuns: 4000 },
    );
  });

  it('random bytes behind a valid Ethernet or IPv4/IPv6 header', () => {
    const heads = [Uint8Array.of(0x45, 0, 0, 40, 0, 0, 0, 0, 255, 112), Uint8Array.of(0x60, 0, 0, 0, 0, 40, 112, 255), Uint8Array.of(0x60, 0, 0, 0, 0, 40, 0, 255)];
    fc.assert(
      fc.property(fc.constantFrom(...heads), fc.uint8Array({ maxLength: 120 }), fc.boolean(), (head, tail, ether) => {
        const ip = new Uint8Array(head.length + tail.length);
        ip.set(tail, head.length);
        ip.set(head);
        const frame = ether ? makeFrame(1, encodeLink({ kind: 'ethernet' }, head[0] === 0x45 ? 0x0800 : 0x86dd, ip).bytes) : makeFrame(101, ip);
        expectWellFormed(decodeFrame(frame), frame);
      }),
      { numRuns: 4000 },
    );
  });

  it('valid frames with bit flips, edited length and count fields, and cuts', () => {
    const corpus = seeds();
    const mutation = fc.record({
      seed: fc.nat({ max: corpus.length - 1 }),
      flips: fc.array(fc.record({ at: fc.nat(), bit: fc.nat({ max: 7 }) }), { maxLength: 4 }),
      edits: fc.array(fc.record({ hot: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }), { maxLength: 3 }),
      cut: fc.option(fc.nat(), { nil: undefined }),
    });
    fc.assert(
      fc.property(mutation, ({ seed, flips, edits, cut }) => {
        const { frame, hot } = corpus[seed];
        const data = frame.data.slice();
        for (const f of flips) data[f.at % data.length] ^= 1 << f.bit;
        for (const e of edits) {
          const at = hot[e.hot % hot.length];
          if (at < data.length) data[at] = e.value;
        }
        const bytes = cut === undefined ? data : data.subarray(0, cut % (data.length + 1));
        const mutated: Frame = { ...frame, data: bytes, origLen: frame.data.length };
        expectWellFormed(decodeFrame(mutated), mutated);
      }),
      { numRuns: 6000 },
    );
  });
});
