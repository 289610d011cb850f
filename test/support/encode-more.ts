// Test-only encoder, continued: ICMP errors quoting an advertisement, IGMP and MLD. Built
// on encode.ts and, like it, written from the RFCs rather than from src/decode, so that a
// misreading on one side does not hide the same misreading on the other.

import fc from 'fast-check';
import type { Frame } from '../../src/frame.js';
import {
  concat,
  encodeIpv4,
  encodeIpv6,
  encodeLink,
  encodeVrrp,
  ETHERTYPE_IPV4,
  ETHERTYPE_IPV6,
  internetChecksum,
  ipv4Bytes,
  ipv6Bytes,
  makeFrame,
  type IpEnds,
  type Ipv6Extension,
  type LinkSpec,
  type VrrpSpec,
} from './encode.js';

function be16(v: number): Uint8Array {
  return Uint8Array.of((v >> 8) & 0xff, v & 0xff);
}

function be32(v: number): Uint8Array {
  return Uint8Array.of((v >>> 24) & 0xff, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff);
}

/** RFC 8200 §8.1 pseudo-header for ICMPv6 (next header 58). */
function icmpv6Pseudo(src: string, dst: string, length: number): Uint8Array {
  return concat(ipv6Bytes(src), ipv6Bytes(dst), be32(length), Uint8Array.of(0, 0, 0, 58));
}

/** Type, code, checksum (filled in), a 32-bit word, then the body: the shape of every ICMP error. */
function icmpMessage(type: number, code: number, word: number, body: Uint8Array, sum: (m: Uint8Array) => number, checksum?: number): Uint8Array {
  const m = concat(Uint8Array.of(type, code, 0, 0), be32(word), body);
  m.set(be16(checksum ?? sum(m)), 2);
  return m;
}

/** Frame bytes for an IP packet: Ethernet (to `dstMac`) by default, padded to 60 bytes as on the wire. */
function frameOf(link: LinkSpec | undefined, family: 'ipv4' | 'ipv6', packet: Uint8Array, dstMac: string, extra: Partial<Frame> = {}): Frame {
  const spec: LinkSpec = link ?? { kind: 'ethernet', dst: dstMac, src: '02:00:00:00:00:0a' };
  const { linkType, bytes } = encodeLink(spec, family === 'ipv4' ? ETHERTYPE_IPV4 : ETHERTYPE_IPV6, packet);
  const data = spec.kind === 'ethernet' && bytes.length < 60 ? concat(bytes, new Uint8Array(60 - bytes.length)) : bytes;
  return makeFrame(linkType, data, extra);
}

/** RFC 1112 §6.4 / RFC 2464 §7: the Ethernet address of an IPv4 / IPv6 multicast group. */
export function multicastMac(group: string): string {
  const hex = (n: number) => n.toString(16).padStart(2, '0');
  if (group.includes(':')) {
    const b = ipv6Bytes(group);
    return `33:33:${hex(b[12])}:${hex(b[13])}:${hex(b[14])}:${hex(b[15])}`;
  }
  const b = ipv4Bytes(group);
  return `01:00:5e:${hex(b[1] & 0x7f)}:${hex(b[2])}:${hex(b[3])}`;
}

// ---------------------------------------------------------------- ICMP errors

export interface QuoteSpec {
  family: 'ipv4' | 'ipv6';
  /** The advertisement's sender and destination. */
  src: string;
  dst: string;
  /** Default: a VRRP advertisement. */
  vrrp?: VrrpSpec;
  /** Instead of VRRP: any upper layer. */
  protocol?: number;
  payload?: Uint8Array;
  /** IPv6 extension headers of the quoted packet. */
  extensions?: Ipv6Extension[];
  /** IPv4 header fields of the quoted packet (options, fragment offset). */
  v4?: { options?: Uint8Array; fragmentOffset?: number; moreFragments?: boolean };
  /** Bytes of the upper layer to quote (RFC 792: 8); default all of it. */
  upperBytes?: number;
  /** Bytes of the whole quote, cut after everything else (a sender quoting less than a header). */
  totalBytes?: number;
}

/** The invoking packet as an ICMP error quotes it. */
export function encodeQuote(q: QuoteSpec): Uint8Array {
  const ends: IpEnds = { family: q.family, src: q.src, dst: q.dst };
  const protocol = q.protocol ?? 112;
  const upper = q.payload ?? encodeVrrp(q.vrrp ?? { version: q.family === 'ipv4' ? 2 : 3, vrid: 1, priority: 100, addrs: [] }, ends);
  const packet = q.family === 'ipv4'
    ? encodeIpv4({ src: q.src, dst: q.dst, protocol, ...q.v4 }, upper)
    : encodeIpv6({ src: q.src, dst: q.dst, nextHeader: protocol, extensions: q.extensions }, upper);
  const keep = q.upperBytes === undefined ? packet.length : packet.length - upper.length + q.upperBytes;
  return packet.subarray(0, Math.min(keep, q.totalBytes ?? Infinity));
}

export interface IcmpErrorSpec {
  /** Default 3 (ICMPv4 destination unreachable) or 1 (ICMPv6 destination unreachable). */
  type?: number;
  code: number;
  /** The second word: unused, next-hop MTU or the parameter problem pointer. */
  word?: number;
  quote: Uint8Array;
  checksum?: number;
}

export function encodeIcmpv4Error(spec: IcmpErrorSpec): Uint8Array {
  return icmpMessage(spec.type ?? 3, spec.code, spec.word ?? 0, spec.quote, (m) => internetChecksum(m), spec.checksum);
}

export function encodeIcmpv6Error(spec: IcmpErrorSpec, ip: { src: string; dst: string }): Uint8Array {
  return icmpMessage(spec.type ?? 1, spec.code, spec.word ?? 0, spec.quote, (m) => internetChecksum(icmpv6Pseudo(ip.src, ip.dst, m.length), m), spec.checksum);
}

export interface IcmpErrorFrameSpec {
  family: 'ipv4' | 'ipv6';
  icmp: IcmpErrorSpec;
  /** Who rejects (default 192.0.2.2 / fe80::2) and whose advert it was (default 192.0.2.1 / fe80::1). */
  src?: string;
  dst?: string;
  /** Outer IPv6 extension headers. */
  extensions?: Ipv6Extension[];
  link?: LinkSpec;
  frame?: Partial<Frame>;
}

export function icmpErrorFrame(spec: IcmpErrorFrameSpec): Frame {
  const v4 = spec.family === 'ipv4';
  const src = spec.src ?? (v4 ? '192.0.2.2' : 'fe80::2');
  const dst = spec.dst ?? (v4 ? '192.0.2.1' : 'fe80::1');
  const packet = v4
    ? encodeIpv4({ src, dst, protocol: 1, ttl: 64, tos: 0xc0 }, encodeIcmpv4Error(spec.icmp))
    : encodeIpv6({ src, dst, nextHeader: 58, hopLimit: 64, extensions: spec.extensions }, encodeIcmpv6Error(spec.icmp, { src, dst }));
  return frameOf(spec.link, spec.family, packet, '02:00:00:00:00:01', spec.frame);
}

// ---------------------------------------------------------------- IGMP and MLD

export interface GroupRecordSpec {
  /** RFC 3376 §4.2.12: 1 IS_IN, 2 IS_EX, 3 TO_IN, 4 TO_EX, 5 ALLOW, 6 BLOCK. */
  type: number;
  group: string;
  sources?: string[];
  /** Auxiliary data, a multiple of 4 bytes. */
  aux?: Uint8Array;
  /** Number of Sources as sent, instead of sources.length. */
  sourceCount?: number;
}

export interface GroupSpec {
  /** IGMP 1, 2, 3 or MLD 1, 2. */
  version: number;
  op: 'query' | 'report' | 'leave';
  /** Query (default: general) and v1/v2 report / leave. */
  group?: string;
  /** Max Resp Time / Code (IGMP, 8 bits) or Maximum Response Delay / Code (MLD, 16 bits). */
  maxResp?: number;
  /** Newest-version query: sources, and the S / QRV / QQIC byte pair. */
  sources?: string[];
  qrv?: number;
  qqic?: number;
  /** Newest-version report. */
  records?: GroupRecordSpec[];
  /** Number of Group Records as sent, instead of records.length. */
  recordCount?: number;
  /** Literal checksum instead of the correct one. */
  checksum?: number;
  /** Bytes after the message (inside the IP payload). */
  trailing?: Uint8Array;
}

function encodeRecords(records: GroupRecordSpec[], addr: (a: string) => Uint8Array): Uint8Array {
  return concat(
    ...records.map((r) => {
      const aux = r.aux ?? new Uint8Array(0);
      const sources = r.sources ?? [];
      return concat(Uint8Array.of(r.type, aux.length / 4), be16(r.sourceCount ?? sources.length), addr(r.group), ...sources.map(addr), aux);
    }),
  );
}

/** The body after type, code/max-resp and checksum, shared by IGMP and MLD (only widths differ). */
function groupBody(spec: GroupSpec, newest: number, addr: (a: string) => Uint8Array, any: string): Uint8Array {
  if (spec.op === 'report' && spec.version === newest) {
    const records = spec.records ?? [];
    return concat(be16(0), be16(spec.recordCount ?? records.length), encodeRecords(records, addr));
  }
  const group = addr(spec.group ?? any);
  if (spec.op !== 'query' || spec.version !== newest) return group;
  const sources = spec.sources ?? [];
  return concat(group, Uint8Array.of(spec.qrv ?? 2, spec.qqic ?? 125), be16(sources.length), ...sources.map(addr));
}

const IGMP_TYPES = { query: 0x11, leave: 0x17 } as const;

/** RFC 1112 App. I, RFC 2236 §2, RFC 3376 §4. */
export function encodeIgmp(spec: GroupSpec): Uint8Array {
  const type = spec.op === 'report' ? [0, 0x12, 0x16, 0x22][spec.version] : IGMP_TYPES[spec.op];
  // v1 has no Max Resp Time (a v1 query is told by its zero); RFC 2236 §2.2 default 10 s.
  const maxResp = spec.maxResp ?? (spec.op === 'query' && spec.version > 1 ? 100 : 0);
  const m = concat(Uint8Array.of(type, maxResp, 0, 0), groupBody(spec, 3, ipv4Bytes, '0.0.0.0'), spec.trailing ?? new Uint8Array(0));
  m.set(be16(spec.checksum ?? internetChecksum(m)), 2);
  return m;
}

const MLD_TYPES = { query: 130, leave: 132 } as const;

/** RFC 2710 §3, RFC 3810 §5. */
export function encodeMld(spec: GroupSpec, ip: { src: string; dst: string }): Uint8Array {
  const type = spec.op === 'report' ? (spec.version === 2 ? 143 : 131) : MLD_TYPES[spec.op];
  const newestReport = spec.op === 'report' && spec.version === 2;
  // MLDv2 reports have no Maximum Response field: their second word starts the header (RFC 3810 §5.2).
  const second = newestReport ? new Uint8Array(0) : concat(be16(spec.maxResp ?? (spec.op === 'query' ? 10000 : 0)), be16(0));
  const m = concat(Uint8Array.of(type, 0, 0, 0), second, groupBody(spec, 2, ipv6Bytes, '::'), spec.trailing ?? new Uint8Array(0));
  m.set(be16(spec.checksum ?? internetChecksum(icmpv6Pseudo(ip.src, ip.dst, m.length), m)), 2);
  return m;
}

/** Where hosts send each message (RFC 2236 §9, RFC 3376 §4.2.14, RFC 2710 §8, RFC 3810 §5.2.14). */
function groupDestination(spec: GroupSpec, v4: boolean): string {
  const newest = v4 ? 3 : 2;
  if (spec.op === 'leave') return v4 ? '224.0.0.2' : 'ff02::2';
  if (spec.op === 'report') return spec.version === newest ? (v4 ? '224.0.0.22' : 'ff02::16') : spec.group ?? (v4 ? '224.0.0.18' : 'ff02::12');
  return spec.group ?? (v4 ? '224.0.0.1' : 'ff02::1');
}

/** RFC 2113 Router Alert IPv4 option: type 148, length 4, value 0. */
export const ROUTER_ALERT_V4 = Uint8Array.of(0x94, 0x04, 0x00, 0x00);

export interface GroupFrameSpec {
  group: GroupSpec;
  src?: string;
  dst?: string;
  /** IPv4 Router Alert option / IPv6 hop-by-hop Router Alert (default true). */
  routerAlert?: boolean;
  ttl?: number;
  link?: LinkSpec;
  frame?: Partial<Frame>;
}

export function igmpFrame(spec: GroupFrameSpec): Frame {
  const dst = spec.dst ?? groupDestination(spec.group, true);
  const options = spec.routerAlert === false ? undefined : ROUTER_ALERT_V4;
  const packet = encodeIpv4({ src: spec.src ?? '192.0.2.1', dst, protocol: 2, ttl: spec.ttl ?? 1, tos: 0xc0, options }, encodeIgmp(spec.group));
  return frameOf(spec.link, 'ipv4', packet, multicastMac(dst), spec.frame);
}

/**
 * RFC 2711 Router Alert in a hop-by-hop header (value 0: MLD), padded to 8 bytes with
 * PadN, as Linux sends it before every MLD message (RFC 2710 §3, RFC 3810 §5).
 */
export function hopByHopRouterAlert(next: number): Uint8Array {
  return Uint8Array.of(next, 0, 5, 2, 0, 0, 1, 0);
}

export function mldFrame(spec: GroupFrameSpec): Frame {
  const src = spec.src ?? 'fe80::1';
  const dst = spec.dst ?? groupDestination(spec.group, false);
  const mld = encodeMld(spec.group, { src, dst });
  const alert = spec.routerAlert !== false;
  const packet = encodeIpv6({ src, dst, nextHeader: alert ? 0 : 58, hopLimit: spec.ttl ?? 1 }, alert ? concat(hopByHopRouterAlert(58), mld) : mld);
  return frameOf(spec.link, 'ipv6', packet, multicastMac(dst), spec.frame);
}

// ---------------------------------------------------------------- fuzzing

/** A frame from `corpus` with random bit flips, byte edits (some at `hot` offsets) and a random cut. */
export function mutatedFrame(corpus: { frame: Frame; hot: number[] }[]): fc.Arbitrary<Frame> {
  return fc
    .record({
      seed: fc.nat({ max: corpus.length - 1 }),
      flips: fc.array(fc.record({ at: fc.nat(), bit: fc.nat({ max: 7 }) }), { maxLength: 4 }),
      edits: fc.array(fc.record({ hot: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }), { maxLength: 3 }),
      cut: fc.option(fc.nat(), { nil: undefined }),
    })
    .map(({ seed, flips, edits, cut }) => {
      const { frame, hot } = corpus[seed];
      const data = frame.data.slice();
      for (const f of flips) data[f.at % data.length] ^= 1 << f.bit;
      for (const e of edits) {
        const at = hot.length ? hot[e.hot % hot.length] : e.hot % data.length;
        if (at < data.length) data[at] = e.value;
      }
      const bytes = cut === undefined ? data : data.subarray(0, cut % (data.length + 1));
      return { ...frame, data: bytes, origLen: frame.data.length };
    });
}
