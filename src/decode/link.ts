// Link layers: where the network-layer packet starts and what the link says about the sender.
//
// Ethernet II (IEEE 802.3 §3.2.6 type field), optionally tagged:
//
//   +---------------+---------------+ . . . . . . . . . . . . +-----------+---------
//   |  Destination  |    Source     | 802.1Q / 802.1ad tags   | EtherType | payload
//   |   MAC (6)     |   MAC (6)     | TPID (2) + TCI (2) each |    (2)    |
//   +---------------+---------------+ . . . . . . . . . . . . +-----------+---------
//
// Linux cooked capture v1 (LINKTYPE_LINUX_SLL, 16 bytes) and v2 (LINKTYPE_LINUX_SLL2,
// 20 bytes), from https://www.tcpdump.org/linktypes/LINKTYPE_LINUX_SLL.html and _SLL2:
//
//   SLL:  packet type (2) | ARPHRD type (2) | addr len (2) | addr (8) | protocol (2)
//   SLL2: protocol (2) | reserved (2) | ifindex (4) | ARPHRD type (2) | packet type (1)
//         | addr len (1) | addr (8)
//
// BSD loopback: a 4-byte address family, host byte order for NULL (0), network byte
// order for LOOP (108). Raw IP (101, 12, 14): no header, the version nibble decides.

import { LinkType } from '../frame.js';
import type { Direction, Draft, Link } from './types.js';
import { macAt, u16, u32, u32le, u8 } from './bytes.js';

export const EtherType = {
  IPV4: 0x0800,
  ARP: 0x0806,
  IPV6: 0x86dd,
  VLAN: 0x8100, // IEEE 802.1Q
  QINQ: 0x88a8, // IEEE 802.1ad service tag
  QINQ_OLD: 0x9100, // pre-standard QinQ, still sent by some switches
} as const;

/** Address family values that mean IPv4 / IPv6 in a BSD loopback header (AF_INET; AF_INET6 on NetBSD/OpenBSD, FreeBSD, macOS). */
const AF_INET = 2;
const AF_INET6_VALUES: readonly number[] = [24, 28, 30];

/** Linux packet type (if_packet.h PACKET_BROADCAST): the frame went to the broadcast address. */
const SLL_BROADCAST = 1;

export type LinkStatus = 'ok' | 'unsupported' | 'truncated' | 'malformed';

/**
 * What the link layer says about one frame. Filled in place (gopacket's DecodeFromBytes
 * style) so the hot path allocates only the Link it hands on.
 */
export class LinkLayer {
  status: LinkStatus = 'ok';
  link: Draft<Link> = { srcMac: null, dstMac: null, vlans: [] };
  /** EtherType of the network-layer packet (raw and loopback links map to IPv4 / IPv6). */
  etherType = -1;
  /** Offset of the network-layer packet. */
  offset = 0;
  /** Offset of the source MAC in the frame, -1 when the link carries none. */
  srcMacOffset = -1;
  /** The frame was sent to the link's broadcast address. */
  broadcast = false;
  /** When status is 'truncated' or 'malformed': what the frame claimed, why, and where. */
  claimed: 'link' | 'ip' = 'link';
  reason = '';
  errorOffset = 0;
}

function fail(out: LinkLayer, status: LinkStatus, claimed: 'link' | 'ip', reason: string, offset: number): void {
  out.status = status;
  out.claimed = claimed;
  out.reason = reason;
  out.errorOffset = offset;
}

/** Follow 802.1Q / 802.1ad tags from `off`, where `type` was read; sets etherType and offset. */
function untag(b: Uint8Array, type: number, off: number, end: number, out: LinkLayer): void {
  let t = type;
  let o = off;
  const vlans = out.link.vlans;
  while (t === EtherType.VLAN || t === EtherType.QINQ || t === EtherType.QINQ_OLD) {
    const tci = u16(b, o, end);
    const inner = u16(b, o + 2, end);
    if (inner < 0) {
      fail(out, 'truncated', 'link', `802.1Q tag cut by the capture at byte ${end}`, o);
      return;
    }
    vlans.push(tci & 0x0fff);
    t = inner;
    o += 4;
  }
  out.etherType = t;
  out.offset = o;
}

function ethernet(b: Uint8Array, end: number, out: LinkLayer): void {
  const type = u16(b, 12, end);
  if (type < 0) {
    fail(out, 'truncated', 'link', `Ethernet header cut by the capture: ${end} of 14 bytes`, 0);
    return;
  }
  out.link.srcMac = macAt(b, 6);
  out.link.dstMac = macAt(b, 0);
  out.srcMacOffset = 6;
  out.broadcast = (b[0] & b[1] & b[2] & b[3] & b[4] & b[5]) === 0xff;
  untag(b, type, 14, end, out);
}

/** Shared by SLL and SLL2 once the fields are located. */
function cooked(b: Uint8Array, end: number, out: LinkLayer, protocol: number, packetType: number, addrLen: number, addrOff: number, hdrLen: number): void {
  if (addrLen === 6) {
    out.link.srcMac = macAt(b, addrOff);
    out.srcMacOffset = addrOff;
  }
  out.broadcast = packetType === SLL_BROADCAST;
  untag(b, protocol, hdrLen, end, out);
}

function sll(b: Uint8Array, end: number, out: LinkLayer): void {
  const protocol = u16(b, 14, end);
  if (protocol < 0) {
    fail(out, 'truncated', 'link', `Linux cooked (SLL) header cut by the capture: ${end} of 16 bytes`, 0);
    return;
  }
  const packetType = u16(b, 0, end);
  setDirection(out, packetType);
  cooked(b, end, out, protocol, packetType, u16(b, 4, end), 6, 16);
}

/** packet(7) packet types, as SLL and SLL2 record them. */
const DIRECTIONS: readonly Direction[] = ['in', 'broadcast', 'multicast', 'other-host', 'out'];

function setDirection(out: LinkLayer, packetType: number): void {
  const direction = DIRECTIONS[packetType];
  if (direction !== undefined) out.link.direction = direction;
}

function sll2(b: Uint8Array, end: number, out: LinkLayer): void {
  if (end < 20) {
    fail(out, 'truncated', 'link', `Linux cooked (SLL2) header cut by the capture: ${end} of 20 bytes`, 0);
    return;
  }
  out.link.ifIndex = u32(b, 4, end);
  setDirection(out, u8(b, 10, end));
  cooked(b, end, out, u16(b, 0, end), u8(b, 10, end), u8(b, 11, end), 12, 20);
}

function raw(b: Uint8Array, end: number, out: LinkLayer, only: number): void {
  const first = u8(b, 0, end);
  if (first < 0) {
    fail(out, 'truncated', 'ip', 'empty raw IP frame', 0);
    return;
  }
  const version = first >> 4;
  if ((version === 4 && only !== 6) || (version === 6 && only !== 4)) {
    out.etherType = version === 4 ? EtherType.IPV4 : EtherType.IPV6;
    out.offset = 0;
    return;
  }
  const what = only === 4 ? 'IPv4' : only === 6 ? 'IPv6' : 'IP';
  fail(out, 'malformed', 'ip', `raw ${what} frame with IP version ${version}`, 0);
}

function loopback(b: Uint8Array, end: number, out: LinkLayer, hostOrder: boolean): void {
  const be = u32(b, 0, end);
  if (be < 0) {
    fail(out, 'truncated', 'link', `loopback header cut by the capture: ${end} of 4 bytes`, 0);
    return;
  }
  // DLT_NULL carries the family in the capturing host's order, which the file does
  // not record: accept either order (tcpdump's print-null.c does the same).
  const le = hostOrder ? u32le(b, 0, end) : -1;
  const family = be === AF_INET || le === AF_INET ? 4 : AF_INET6_VALUES.includes(be) || AF_INET6_VALUES.includes(le) ? 6 : 0;
  if (family === 0) {
    out.status = 'unsupported';
    return;
  }
  out.etherType = family === 4 ? EtherType.IPV4 : EtherType.IPV6;
  out.offset = 4;
}

/**
 * Decode the link header of `b` (a frame of link type `linkType`) into `out`, with a
 * fresh Link. Never throws; an unknown link type gives status 'unsupported'.
 */
export function decodeLink(b: Uint8Array, linkType: number, out: LinkLayer): void {
  const end = b.length;
  out.status = 'ok';
  out.link = { srcMac: null, dstMac: null, vlans: [] };
  out.etherType = -1;
  out.offset = 0;
  out.srcMacOffset = -1;
  out.broadcast = false;
  out.reason = '';
  switch (linkType) {
    case LinkType.ETHERNET:
      return ethernet(b, end, out);
    case LinkType.LINUX_SLL:
      return sll(b, end, out);
    case LinkType.LINUX_SLL2:
      return sll2(b, end, out);
    case LinkType.RAW:
    case LinkType.RAW_12:
    case LinkType.RAW_14:
      return raw(b, end, out, 0);
    case LinkType.IPV4:
      return raw(b, end, out, 4);
    case LinkType.IPV6:
      return raw(b, end, out, 6);
    case LinkType.NULL:
      return loopback(b, end, out, true);
    case LinkType.LOOP:
      return loopback(b, end, out, false);
    default:
      out.status = 'unsupported';
  }
}
