// ICMP errors about VRRP (src/decode/icmp.ts): every field round-tripped through the
// test encoder, cut quotes, errors about other protocols, every truncation, fuzzing, a
// real recording, and tcpdump's reading of the same frames.

import fc from 'fast-check';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readCapture } from '../../src/capture/file.js';
import type { Frame } from '../../src/frame.js';
import { decodeFrame, icmpErrorReason } from '../../src/decode/index.js';
import type { IcmpErrorPacket, Packet } from '../../src/decode/types.js';
import { expectEveryCut } from '../support/cuts.js';
import { encodeLink, ETHERTYPE_IPV4, type LinkSpec, type VrrpSpec } from '../support/encode.js';
import { encodeQuote, icmpErrorFrame, mutatedFrame, type QuoteSpec } from '../support/encode-more.js';
import { NO_TCPDUMP, pcapBytes, tcpdumpVerbose } from '../support/tcpdump.js';
import { skipping } from '../support/skip.js';

const ids = (p: Packet) => p.problems.map((x) => x.id);

const V2: VrrpSpec = { version: 2, vrid: 51, priority: 100, addrs: ['10.77.0.100'], password: 's3cret' };
const V3_6: VrrpSpec = { version: 3, vrid: 9, priority: 254, addrs: ['fe80::100', '2001:db8::100'] };

/** A keepalived unicast peer's advert as the rejecting host quotes it (RFC 792: header + 8 bytes). */
const quote4 = (extra: Partial<QuoteSpec> = {}) => encodeQuote({ family: 'ipv4', src: '10.77.0.12', dst: '10.77.0.11', vrrp: V2, upperBytes: 8, ...extra });
const quote6 = (extra: Partial<QuoteSpec> = {}) => encodeQuote({ family: 'ipv6', src: 'fe80::12', dst: 'fe80::11', vrrp: V3_6, ...extra });

function frame4(code: number, quote = quote4(), extra: { link?: LinkSpec; type?: number; checksum?: number } = {}): Frame {
  return icmpErrorFrame({ family: 'ipv4', src: '10.77.0.11', dst: '10.77.0.12', icmp: { type: extra.type, code, quote, checksum: extra.checksum }, link: extra.link });
}

function frame6(type: number, code: number, quote = quote6(), extra: { link?: LinkSpec; word?: number; checksum?: number; outer?: boolean } = {}): Frame {
  return icmpErrorFrame({
    family: 'ipv6', src: 'fe80::11', dst: 'fe80::12', icmp: { type, code, quote, word: extra.word, checksum: extra.checksum }, link: extra.link,
    extensions: extra.outer ? [{ type: 60 }] : undefined,
  });
}

describe('ICMPv4 destination unreachable quoting VRRP (RFC 792)', () => {
  it('protocol unreachable, quoting the IP header and 8 bytes: every field', () => {
    const p = decodeFrame(frame4(2)) as IcmpErrorPacket;
    expect(p).toMatchObject({
      kind: 'icmp-error', icmpType: 3, icmpCode: 2, reason: 'protocol-unreachable', problems: [],
      ip: { family: 'ipv4', src: '10.77.0.11', dst: '10.77.0.12', protocol: 1, ttl: 64, payloadLength: 8 + 20 + 8 },
      quoted: { family: 'ipv4', src: '10.77.0.12', dst: '10.77.0.11', protocol: 112, version: 2, vrid: 51, priority: 100 },
    });
  });

  it('administratively prohibited (9, 10, 13: the iptables REJECT flavours), quoting the whole advert', () => {
    for (const code of [9, 10, 13]) {
      const p = decodeFrame(frame4(code, quote4({ upperBytes: undefined }))) as IcmpErrorPacket;
      expect([p.kind, p.reason, p.icmpCode, p.quoted.vrid, p.quoted.priority, ids(p)]).toEqual(['icmp-error', 'admin-prohibited', code, 51, 100, []]);
    }
  });

  it('every code has a stable word; unknown codes read "type T code C"', () => {
    const words = Array.from({ length: 16 }, (_, code) => (decodeFrame(frame4(code)) as IcmpErrorPacket).reason);
    expect(words).toEqual([
      'net-unreachable', 'host-unreachable', 'protocol-unreachable', 'port-unreachable', 'fragmentation-needed', 'source-route-failed',
      'net-unknown', 'host-unknown', 'source-host-isolated', 'admin-prohibited', 'admin-prohibited', 'net-tos-unreachable',
      'host-tos-unreachable', 'admin-prohibited', 'host-precedence-violation', 'precedence-cutoff',
    ]);
    expect((decodeFrame(frame4(99)) as IcmpErrorPacket).reason).toBe('type 3 code 99');
    expect(icmpErrorReason('ipv4', 11, 0)).toBe('type 11 code 0');
  });

  it('VRRP fields are filled as far as the quote reaches', () => {
    const seen = [0, 1, 2, 3].map((upperBytes) => (decodeFrame(frame4(2, quote4({ upperBytes }))) as IcmpErrorPacket).quoted);
    expect(seen.map((q) => [q.version, q.vrid, q.priority])).toEqual([[null, null, null], [2, null, null], [2, 51, null], [2, 51, 100]]);
    expect(seen.every((q) => q.src === '10.77.0.12' && q.dst === '10.77.0.11')).toBe(true);
  });

  it('a quoted header with options, and a quoted VRRPv3 advert', () => {
    const withOptions = decodeFrame(frame4(2, quote4({ v4: { options: Uint8Array.of(0x94, 4, 0, 0) } }))) as IcmpErrorPacket;
    expect([withOptions.quoted.vrid, withOptions.quoted.priority]).toEqual([51, 100]);
    const v3 = decodeFrame(frame4(13, quote4({ vrrp: { version: 3, vrid: 200, priority: 255, addrs: ['10.0.0.1'] } }))) as IcmpErrorPacket;
    expect([v3.quoted.version, v3.quoted.vrid, v3.quoted.priority]).toEqual([3, 200, 255]);
  });

  it('a quoted later fragment carries no VRRP header', () => {
    const p = decodeFrame(frame4(2, quote4({ v4: { fragmentOffset: 8 } }))) as IcmpErrorPacket;
    expect([p.kind, p.quoted.vrid, p.quoted.version, p.quoted.priority]).toEqual(['icmp-error', null, null, null]);
  });

  it('a quote shorter than its IP header cannot name the protocol: other', () => {
    for (const totalBytes of [0, 9, 10, 19]) expect(decodeFrame(frame4(2, quote4({ totalBytes }))).kind).toBe('other');
  });

  it('errors about other protocols, and other ICMP, are other', () => {
    const udp = encodeQuote({ family: 'ipv4', src: '10.0.0.1', dst: '10.0.0.2', protocol: 17, payload: new Uint8Array(8) });
    const tcp = encodeQuote({ family: 'ipv4', src: '10.0.0.1', dst: '10.0.0.2', protocol: 6, payload: new Uint8Array(20), upperBytes: 8 });
    expect(decodeFrame(frame4(3, udp)).kind).toBe('other');
    expect(decodeFrame(frame4(13, tcp)).kind).toBe('other');
    // Time exceeded (11) and an echo reply (0) quoting what looks like VRRP are not destination unreachables.
    expect(decodeFrame(frame4(0, quote4(), { type: 11 })).kind).toBe('other');
    expect(decodeFrame(frame4(0, quote4(), { type: 0 })).kind).toBe('other');
    // An IPv6 header quoted inside ICMPv4 is not a quote of ours.
    expect(decodeFrame(frame4(2, quote6())).kind).toBe('other');
  });

  it('a wrong checksum is bad-checksum, with the right one', () => {
    const good = frame4(2);
    const want = (good.data[14 + 20 + 2] << 8) | good.data[14 + 20 + 3];
    const p = decodeFrame(frame4(2, quote4(), { checksum: want ^ 0x0101 })) as IcmpErrorPacket;
    expect(ids(p)).toEqual(['bad-checksum']);
    expect(p.problems[0].message).toContain(`should be 0x${want.toString(16).padStart(4, '0')}`);
  });

  it('over every link layer we decode', () => {
    for (const link of [{ kind: 'ethernet', vlans: [7] }, { kind: 'sll' }, { kind: 'sll2' }, { kind: 'raw' }, { kind: 'null' }, { kind: 'loop' }] as LinkSpec[]) {
      const p = decodeFrame(frame4(2, quote4(), { link })) as IcmpErrorPacket;
      expect([p.kind, p.quoted.vrid, ids(p)], link.kind).toEqual(['icmp-error', 51, []]);
    }
  });
});

describe('ICMPv6 destination unreachable and parameter problem quoting VRRP (RFC 4443)', () => {
  it('administratively prohibited: every field', () => {
    const p = decodeFrame(frame6(1, 1)) as IcmpErrorPacket;
    expect(p).toMatchObject({
      kind: 'icmp-error', icmpType: 1, icmpCode: 1, reason: 'admin-prohibited', problems: [],
      ip: { family: 'ipv6', src: 'fe80::11', dst: 'fe80::12', protocol: 58 },
      quoted: { family: 'ipv6', src: 'fe80::12', dst: 'fe80::11', protocol: 112, version: 3, vrid: 9, priority: 254 },
    });
  });

  it('unrecognized next header, with and without extension headers in the quote and outside', () => {
    const quotes = [quote6(), quote6({ extensions: [{ type: 0 }] }), quote6({ extensions: [{ type: 0 }, { type: 60, length: 2 }, { type: 44 }] })];
    for (const [i, quote] of quotes.entries()) {
      for (const outer of [false, true]) {
        // RFC 4443 §3.4: the pointer names the offending Next Header byte of the quote.
        const p = decodeFrame(frame6(4, 1, quote, { word: quote.length - 48 + 6, outer })) as IcmpErrorPacket;
        expect([p.kind, p.reason, p.quoted.protocol, p.quoted.vrid, p.quoted.priority, ids(p)], `quote ${i} outer ${outer}`).toEqual(['icmp-error', 'unrecognized-next-header', 112, 9, 254, []]);
      }
    }
  });

  it('every code has a stable word', () => {
    const unreach = Array.from({ length: 8 }, (_, code) => (decodeFrame(frame6(1, code)) as IcmpErrorPacket).reason);
    expect(unreach).toEqual(['no-route', 'admin-prohibited', 'beyond-scope', 'address-unreachable', 'port-unreachable', 'source-policy-failed', 'reject-route', 'type 1 code 7']);
    const problem = Array.from({ length: 5 }, (_, code) => (decodeFrame(frame6(4, code)) as IcmpErrorPacket).reason);
    expect(problem).toEqual(['erroneous-header-field', 'unrecognized-next-header', 'unrecognized-option', 'incomplete-header-chain', 'type 4 code 4']);
  });

  it('a quote cut inside its extension headers cannot name the protocol: other', () => {
    const full = quote6({ extensions: [{ type: 60, length: 2 }] });
    expect(decodeFrame(frame6(4, 1, full.subarray(0, 40 + 15))).kind).toBe('other');
    expect(decodeFrame(frame6(4, 1, full.subarray(0, 39))).kind).toBe('other');
    const justHeaders = decodeFrame(frame6(4, 1, full.subarray(0, 40 + 16))) as IcmpErrorPacket;
    expect([justHeaders.kind, justHeaders.quoted.version, justHeaders.quoted.vrid]).toEqual(['icmp-error', null, null]);
  });

  it('a quoted later fragment carries no VRRP header', () => {
    const p = decodeFrame(frame6(1, 1, quote6({ extensions: [{ type: 44, offset: 64 }] }))) as IcmpErrorPacket;
    expect([p.kind, p.quoted.protocol, p.quoted.vrid]).toEqual(['icmp-error', 112, null]);
  });

  it('errors about other protocols, and other ICMPv6, are other', () => {
    const udp = encodeQuote({ family: 'ipv6', src: 'fe80::1', dst: 'fe80::2', protocol: 17, payload: new Uint8Array(8) });
    const udpBehindOptions = encodeQuote({ family: 'ipv6', src: 'fe80::1', dst: 'fe80::2', protocol: 17, payload: new Uint8Array(8), extensions: [{ type: 0 }] });
    expect(decodeFrame(frame6(1, 4, udp)).kind).toBe('other');
    expect(decodeFrame(frame6(4, 1, udpBehindOptions)).kind).toBe('other');
    expect(decodeFrame(frame6(3, 0)).kind).toBe('other'); // time exceeded
    expect(decodeFrame(frame6(2, 0)).kind).toBe('other'); // packet too big
    expect(decodeFrame(frame6(1, 1, quote4())).kind).toBe('other');
  });

  it('a wrong checksum is bad-checksum (RFC 4443 §2.3 pseudo-header)', () => {
    const p = decodeFrame(frame6(1, 1, quote6(), { checksum: 0x1234 })) as IcmpErrorPacket;
    expect(ids(p)).toEqual(['bad-checksum']);
  });
});

describe('ICMP errors cut at every length', () => {
  const cases: { name: string; frame: Frame; quoteAt: number; headerEnd: number; end: number }[] = [];
  const eth = 14;
  const add = (name: string, frame: Frame, ipHeader: number, quotedHeader: number, messageLength: number) =>
    cases.push({ name, frame, quoteAt: eth + ipHeader + 8, headerEnd: eth + ipHeader + 8 + quotedHeader, end: eth + ipHeader + messageLength });
  add('v4 header + 8', frame4(2), 20, 20, 8 + 28);
  add('v4 whole advert', frame4(13, quote4({ upperBytes: undefined })), 20, 20, 8 + 40);
  add('v6 admin-prohibited', frame6(1, 1), 40, 40, 8 + 40 + 40);
  add('v6 param problem, options in the quote', frame6(4, 1, quote6({ extensions: [{ type: 0 }, { type: 60 }] })), 40, 56, 8 + 56 + 40);
  add('v6 outer options', frame6(1, 1, quote6(), { outer: true }), 48, 40, 8 + 40 + 40);

  for (const { name, frame, quoteAt, headerEnd, end } of cases) {
    it(name, () => {
      expectEveryCut<IcmpErrorPacket>(name, frame, 'icmp-error', { ipAt: eth, payloadAt: quoteAt - 8, end }, (p, n, where, full) => {
        // Without the quoted IP header nothing says the error is about VRRP.
        if (n < headerEnd) return expect(p.kind, where).toBe('other');
        const e = p as IcmpErrorPacket;
        expect([e.kind, ids(e), e.quoted.src, e.quoted.dst, e.reason], where).toEqual(['icmp-error', ['truncated'], full.quoted.src, full.quoted.dst, full.reason]);
        for (const k of ['version', 'vrid', 'priority'] as const) expect([null, full.quoted[k]], `${where} ${k}`).toContain(e.quoted[k]);
      });
    });
  }
});

describe('ICMP errors under random mutation', () => {
  it('never throw, and what decodes is well-formed', () => {
    const ipAt = encodeLink({ kind: 'ethernet' }, ETHERTYPE_IPV4, new Uint8Array(0)).bytes.length;
    const corpus = [
      { frame: frame4(2), hot: [ipAt, ipAt + 9, ipAt + 20, ipAt + 28, ipAt + 28 + 9, ipAt + 48, ipAt + 49] },
      { frame: frame4(13, quote4({ upperBytes: undefined, v4: { options: Uint8Array.of(1, 1, 1, 1) } })), hot: [ipAt + 28, ipAt + 31] },
      { frame: frame6(4, 1, quote6({ extensions: [{ type: 0 }, { type: 44 }] })), hot: [ipAt + 4, ipAt + 5, ipAt + 40, ipAt + 48, ipAt + 52, ipAt + 54, ipAt + 89, ipAt + 97] },
      { frame: frame6(1, 1, quote6(), { outer: true }), hot: [ipAt + 6, ipAt + 40, ipAt + 41, ipAt + 48, ipAt + 62] },
    ];
    fc.assert(
      fc.property(mutatedFrame(corpus), (frame) => {
        const p = decodeFrame(frame);
        if (p.kind !== 'icmp-error') return;
        expect(p.quoted.protocol).toBe(112);
        expect(p.reason.length).toBeGreaterThan(0);
        for (const n of [p.quoted.version, p.quoted.vrid, p.quoted.priority]) expect(n === null || (Number.isInteger(n) && n >= 0 && n <= 255)).toBe(true);
        expect(p.quoted.family).toBe(p.ip.family);
      }),
      { numRuns: 5000 },
    );
  });
});

const LAB = new URL('../../pcaps/lab/', import.meta.url).pathname;

describe('a real recording: keepalived unicast peer without a listener', () => {
  it('pcaps/lab/unicast-peer.pcap: protocol unreachable for VRID 51', async () => {
    const errors: IcmpErrorPacket[] = [];
    await readCapture(LAB + 'unicast-peer.pcap', (f) => {
      const p = decodeFrame(f);
      if (p.kind === 'icmp-error') errors.push(p);
    });
    expect(errors.length).toBeGreaterThan(0);
    for (const p of errors) {
      expect([p.ip.src, p.ip.dst, p.reason, ids(p)]).toEqual(['10.77.0.11', '10.77.0.12', 'protocol-unreachable', []]);
      expect(p.quoted).toEqual({ family: 'ipv4', src: '10.77.0.12', dst: '10.77.0.11', protocol: 112, version: 2, vrid: 51, priority: 100 });
    }
  });
});

describe.skipIf(skipping(NO_TCPDUMP, 'tcpdump comparisons'))('tcpdump reads the same quoted addresses', () => {
  it('ICMPv4: the quoted header; ICMPv6 destination unreachable: the quoted destination', () => {
    const v4 = [frame4(2), frame4(13, quote4({ src: '198.51.100.7', dst: '203.0.113.9' })), frame4(3)];
    const v6 = [frame6(1, 1), frame6(1, 3, quote6({ dst: '2001:db8::abcd' }))];
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'vrrpscope-')), 'icmp.pcap');
    fs.writeFileSync(file, pcapBytes(1, [...v4, ...v6]));
    const out = tcpdumpVerbose(file)!;
    // One record per packet: a line starting with the time, then indented continuation lines.
    const records = out.split(/\n(?=\d\d:\d\d:\d\d|\d{4}-)/).filter((r) => r.trim() !== '');
    expect(records.length).toBe(v4.length + v6.length);
    v4.forEach((f, i) => {
      const p = decodeFrame(f) as IcmpErrorPacket;
      // The second "A > B:" in the record is the quoted header's.
      const pairs = [...records[i].matchAll(/(\S+) > (\S+):/g)].map((m) => [m[1], m[2]]);
      expect(pairs[0]).toEqual([p.ip.src, p.ip.dst]);
      expect(pairs[1]).toEqual([p.quoted.src, p.quoted.dst]);
      expect(records[i]).toContain(`vrid ${p.quoted.vrid}, prio ${p.quoted.priority}`);
    });
    v6.forEach((f, i) => {
      const p = decodeFrame(f) as IcmpErrorPacket;
      expect(records[v4.length + i]).toContain('[icmp6 sum ok]');
      expect(records[v4.length + i].trim().endsWith(` ${p.quoted.dst}`)).toBe(true);
    });
  });
});
