// Multicast group membership: who joins and leaves 224.0.0.18 / ff02::12. A VRRP router
// joins the group to receive advertisements; a switch that snoops IGMP/MLD forwards them
// only to ports that reported, so a missing or late report explains a silent backup.
//
// IGMPv1 (RFC 1112 App. I, type 0x11 query / 0x12 report) and IGMPv2 (RFC 2236 §2,
// 0x16 report, 0x17 leave), 8 bytes:
//
//    0                   1                   2                   3
//    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |      Type     | Max Resp Time |           Checksum            |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |                         Group Address                         |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//
// IGMPv3 query (RFC 3376 §4.1) adds Resv|S|QRV, QQIC, Number of Sources and the sources
// after the group. IGMPv3 report (RFC 3376 §4.2), type 0x22:
//
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |  Type = 0x22  |    Reserved   |           Checksum            |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |           Reserved            |  Number of Group Records (M)  |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |                        Group Record [1..M]                    |
//
// each Group Record (RFC 3376 §4.2.4):
//
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |  Record Type  |  Aux Data Len |     Number of Sources (N)     |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |                       Multicast Address                       |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |                   Source Address [1..N]                       |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |                   Auxiliary Data (Aux Data Len × 4 bytes)     |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//
// MLD (RFC 2710 §3; ICMPv6 130 query, 131 report, 132 done) has the same shape with a
// 16-bit Maximum Response Delay, 16 reserved bits and a 16-byte address (24 bytes);
// MLDv2 (RFC 3810 §5) queries and reports (143) mirror IGMPv3 with 16-byte addresses.
// Both ride behind a Router Alert (RFC 2113 IPv4 option, RFC 2711 hop-by-hop option):
// parseIpv4 skips options by IHL, parseIpv6 walks the hop-by-hop header.
//
// Counts are never trusted: every record walk stops at the count, at the message's own
// length, and where the capture ends, whichever comes first.

import type { Frame } from '../frame.js';
import type { GroupPacket, Ip, Link, OtherPacket, Problem } from './types.js';
import { ipv4At, ipv6At, u16, u8 } from './bytes.js';
import { pseudoHeaderSum } from './checksum.js';
import { Icmpv6Type, IpProtocol } from './demux.js';
import { checkMessage } from './icmp.js';
import { otherPacket } from './packet.js';

/** IGMP message types (RFC 1112 App. I, RFC 2236 §2.1, RFC 3376 §4). */
export const IGMP_TYPE_NAMES = {
  0x11: 'membership-query',
  0x12: 'v1-membership-report',
  0x16: 'v2-membership-report',
  0x17: 'leave-group',
  0x22: 'v3-membership-report',
} as const;

/** MLD message types (RFC 2710 §3, RFC 3810 §5). */
export const MLD_TYPE_NAMES = {
  [Icmpv6Type.MLD_QUERY]: 'listener-query',
  [Icmpv6Type.MLD_REPORT]: 'listener-report',
  [Icmpv6Type.MLD_DONE]: 'listener-done',
  [Icmpv6Type.MLD_V2_REPORT]: 'v2-listener-report',
} as const;

/** Group / multicast address record types, shared by IGMPv3 (RFC 3376 §4.2.12) and MLDv2 (RFC 3810 §5.2.12). */
export const GROUP_RECORD_TYPE_NAMES = {
  1: 'MODE_IS_INCLUDE',
  2: 'MODE_IS_EXCLUDE',
  3: 'CHANGE_TO_INCLUDE_MODE',
  4: 'CHANGE_TO_EXCLUDE_MODE',
  5: 'ALLOW_NEW_SOURCES',
  6: 'BLOCK_OLD_SOURCES',
} as const;

const IGMP_QUERY = 0x11;
const IGMP_V1_REPORT = 0x12;
const IGMP_V2_REPORT = 0x16;
const IGMP_LEAVE = 0x17;
const IGMP_V3_REPORT = 0x22;

/** Shape of one protocol family's messages: the only differences between IGMP and MLD here. */
interface Layout {
  protocol: GroupPacket['protocol'];
  what: string;
  addrSize: 4 | 16;
  /** Offset of the group address in a query, report or leave / done. */
  groupAt: number;
  /** Length of a v1/v2 message (RFC 2236 §2, RFC 2710 §3). */
  fixedLength: number;
  /** Shortest query of the newest version (RFC 3376 §7.1, RFC 3810 §8.1). */
  newestQueryLength: number;
  newestVersion: number;
  format: (b: Uint8Array, o: number) => string;
}

const IGMP: Layout = { protocol: 'igmp', what: 'IGMP message', addrSize: 4, groupAt: 4, fixedLength: 8, newestQueryLength: 12, newestVersion: 3, format: ipv4At };
const MLD: Layout = { protocol: 'mld', what: 'MLD message', addrSize: 16, groupAt: 8, fixedLength: 24, newestQueryLength: 28, newestVersion: 2, format: ipv6At };

function isUnspecified(b: Uint8Array, o: number, size: number): boolean {
  for (let i = 0; i < size; i++) if (b[o + i] !== 0) return false;
  return true;
}

/**
 * Walk `count` records starting at `p` (RFC 3376 §4.2.4, RFC 3810 §5.2.4) and sort their
 * groups into joins and leaves. A record that changes nothing by itself (BLOCK_OLD_SOURCES,
 * an INCLUDE of no source, unknown types, which RFC 3376 §4.2.12 says to ignore) is in neither.
 */
function walkRecords(
  b: Uint8Array, p: number, count: number, claimedEnd: number, end: number, l: Layout,
  joins: string[], leaves: string[], problems: Problem[],
): void {
  const head = 4 + l.addrSize;
  let at = p;
  for (let i = 0; i < count; i++) {
    if (at + head > claimedEnd) {
      problems.push({ id: 'malformed', message: `${l.what} claims ${count} records, only ${i} fit in its length`, offset: at });
      return;
    }
    // The capture cut the rest; checkMessage has said so.
    if (at + head > end) return;
    const type = b[at];
    const sources = u16(b, at + 2, end);
    // Aux Data Len counts 32-bit words (RFC 3376 §4.2.6, RFC 3810 §5.2.6).
    const size = head + sources * l.addrSize + b[at + 1] * 4;
    if (at + size > claimedEnd) {
      problems.push({ id: 'malformed', message: `${l.what} record ${i + 1} (${sources} sources, ${size} bytes) runs past the message`, offset: at });
      return;
    }
    // EXCLUDE mode, whatever the sources, receives the group; INCLUDE mode does when it
    // names a source. CHANGE_TO_INCLUDE_MODE with none is how a v3 host leaves (RFC 3376 §5.1).
    if (type === 2 || type === 4 || ((type === 1 || type === 3 || type === 5) && sources > 0)) joins.push(l.format(b, at + 4));
    else if (type === 3) leaves.push(l.format(b, at + 4));
    at += size;
  }
}

function decodeGroup(frame: Frame, link: Link, ip: Ip, l: Layout, type: number, pseudo: number): GroupPacket {
  const b = frame.data;
  const o = ip.payloadOffset;
  const length = ip.payloadLength;
  const claimedEnd = o + length;
  const end = Math.min(b.length, claimedEnd);
  const problems: Problem[] = [];
  checkMessage(b, o, claimedEnd, pseudo, l.what, problems);
  const joins: string[] = [];
  const leaves: string[] = [];
  const groupAt = o + l.groupAt;
  let op: GroupPacket['op'] = 'report';
  let version = l.newestVersion;
  let group: string | null = null;
  if (type === IGMP_V3_REPORT || type === Icmpv6Type.MLD_V2_REPORT) {
    // Number of records at byte 6 in both (RFC 3376 §4.2, RFC 3810 §5.2); records from byte 8.
    const count = u16(b, o + 6, end);
    if (length < 8) problems.push({ id: 'malformed', message: `${l.what} of ${length} bytes, shorter than its 8-byte header`, offset: o });
    else if (count > 0) walkRecords(b, o + 8, count, claimedEnd, end, l, joins, leaves, problems);
  } else {
    if (length < l.fixedLength) {
      problems.push({ id: 'malformed', message: `${l.what} of ${length} bytes, shorter than ${l.fixedLength}`, offset: o });
    }
    const address = groupAt + l.addrSize <= end ? l.format(b, groupAt) : null;
    if (type === IGMP_QUERY || type === Icmpv6Type.MLD_QUERY) {
      op = 'query';
      // RFC 3376 §7.1 / RFC 3810 §8.1: the version of a query is told by its length (and
      // for IGMP by Max Resp Code: zero in v1); other lengths are to be ignored by hosts.
      if (l.protocol === 'igmp') version = length >= l.newestQueryLength ? 3 : u8(b, o + 1, end) === 0 ? 1 : 2;
      else version = length >= l.newestQueryLength ? 2 : 1;
      if (length > l.fixedLength && length < l.newestQueryLength) {
        problems.push({ id: 'malformed', message: `${l.what} query of ${length} bytes: neither ${l.fixedLength} nor at least ${l.newestQueryLength}`, offset: o });
      }
      // The unspecified address asks about every group (a general query).
      group = address !== null && !isUnspecified(b, groupAt, l.addrSize) ? address : null;
    } else {
      version = type === IGMP_V1_REPORT ? 1 : l.protocol === 'igmp' ? 2 : 1;
      const leave = type === IGMP_LEAVE || type === Icmpv6Type.MLD_DONE;
      op = leave ? 'leave' : 'report';
      if (address !== null) (leave ? leaves : joins).push(address);
    }
  }
  return { kind: 'group', link, problems, ip, protocol: l.protocol, version, op, joins, leaves, group };
}

/** Decode the IGMP message that is `ip`'s payload; message types we do not know are 'other'. */
export function decodeIgmp(frame: Frame, link: Link, ip: Ip): GroupPacket | OtherPacket {
  const type = u8(frame.data, ip.payloadOffset, Math.min(frame.data.length, ip.payloadOffset + ip.payloadLength));
  if (!(type in IGMP_TYPE_NAMES)) return otherPacket(frame, link);
  // RFC 2236 §2.3, RFC 3376 §4.1.2: the checksum covers the IGMP message alone.
  return decodeGroup(frame, link, ip, IGMP, type, 0);
}

/**
 * Decode the MLD message that is `ip`'s ICMPv6 payload; other ICMPv6 types are 'other'.
 * `ipOffset`: the IPv6 header, for the checksum's pseudo-header (RFC 4443 §2.3).
 */
export function decodeMld(frame: Frame, link: Link, ip: Ip, ipOffset: number): GroupPacket | OtherPacket {
  const type = u8(frame.data, ip.payloadOffset, Math.min(frame.data.length, ip.payloadOffset + ip.payloadLength));
  if (!(type in MLD_TYPE_NAMES)) return otherPacket(frame, link);
  const pseudo = pseudoHeaderSum(frame.data, ipOffset + 8, ipOffset + 24, 16, IpProtocol.ICMPV6, ip.payloadLength);
  return decodeGroup(frame, link, ip, MLD, type, pseudo);
}
