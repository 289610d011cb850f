// decodeFrame: one captured frame in, one Packet out. Link layer, then IPv4 / IPv6 /
// ARP, then dispatch by protocol (tcpdump's ip_demux): 112 is VRRP or CARP, 2 IGMP,
// 1 an ICMP error about VRRP, 58 a neighbor advertisement, MLD or an ICMPv6 error
// about VRRP; anything else leaves early as 'other' (demux.ts decides before any
// address is formatted).
// Pure: no I/O, no clock, and no exception on any packet data.

import type { Frame } from '../frame.js';
import type { Decoded, Ip, Link, Packet } from './types.js';
import { VRRP_PROTOCOL } from './types.js';
import { decodeArp } from './arp.js';
import { checkCarp, checkNa, checkVrrp } from './checks.js';
import { decodeCarp, looksLikeCarp } from './carp.js';
import { IpProtocol } from './demux.js';
import { decodeIgmp, decodeMld } from './group.js';
import { decodeIcmpError } from './icmp.js';
import { decodeNa, NEIGHBOR_ADVERTISEMENT } from './icmpv6.js';
import { IpError, parseIpv4 } from './ipv4.js';
import { parseIpv6 } from './ipv6.js';
import { decodeLink, EtherType, LinkLayer } from './link.js';
import { malformedPacket, otherPacket } from './packet.js';
import { decodeVrrp, VRRP_HEADER_LENGTH } from './vrrp.js';

export { decodeArp } from './arp.js';
export { decodeCarp, looksLikeCarp, CARP_LENGTH } from './carp.js';
export { checkCarp, checkIp, checkNa, checkVrrp } from './checks.js';
export { checksumFor, fold, onesSum, pseudoHeaderSum, sumVerifies } from './checksum.js';
export { decodeNa } from './icmpv6.js';
export { decodeIcmpError, icmpErrorReason, ICMPV4_UNREACHABLE_REASONS, ICMPV6_PARAMETER_PROBLEM_REASONS, ICMPV6_UNREACHABLE_REASONS } from './icmp.js';
export { decodeIgmp, decodeMld, GROUP_RECORD_TYPE_NAMES, IGMP_TYPE_NAMES, MLD_TYPE_NAMES } from './group.js';
export { decodeIpv4, IpError } from './ipv4.js';
export { decodeIpv6 } from './ipv6.js';
export { decodeLink, EtherType, LinkLayer } from './link.js';
export type { LinkStatus } from './link.js';
export { decodeVrrp } from './vrrp.js';
export * from './names.js';
export { hex16, ipv4At, ipv6At, macAt, nameOf } from './bytes.js';
export type * from './types.js';
export { VRRP_GROUP_V4, VRRP_GROUP_V6, VRRP_PROTOCOL } from './types.js';

// Reused for every frame (filled in place); decodeFrame is synchronous, so no two
// frames ever share it.
const layer = new LinkLayer();

/** Protocol 112: CARP, VRRP, or a VRRP message that cannot be one. */
function decodeProtocol112(frame: Frame, link: Link, ip: Ip, ipOffset: number, srcMacOffset: number): Packet {
  const o = ip.payloadOffset;
  if (ip.fragmentOffset) {
    return malformedPacket(frame, link, ip, 'vrrp', `IP fragment at offset ${ip.fragmentOffset}: the VRRP header is in an earlier fragment`, o, 'fragment');
  }
  if (looksLikeCarp(frame.data, o, ip.payloadLength)) {
    const carp = decodeCarp(frame, link, ip);
    checkCarp(carp);
    return carp;
  }
  if (ip.payloadLength < VRRP_HEADER_LENGTH) {
    return malformedPacket(frame, link, ip, 'vrrp', `VRRP message of ${ip.payloadLength} bytes, shorter than its ${VRRP_HEADER_LENGTH}-byte header`, o, 'malformed');
  }
  const vrrp = decodeVrrp(frame, link, ip, ipOffset, srcMacOffset);
  checkVrrp(vrrp);
  return vrrp;
}

/** Decode one captured frame. Never throws on packet data. */
export function decodeFrame(frame: Frame): Packet {
  const b = frame.data;
  decodeLink(b, frame.linkType, layer);
  const link = layer.link;
  if (layer.status === 'unsupported') return otherPacket(frame, link);
  if (layer.status !== 'ok') {
    return malformedPacket(frame, link, null, layer.claimed, layer.reason, layer.errorOffset, layer.status === 'truncated' ? 'truncated' : 'malformed');
  }
  const off = layer.offset;
  const etherType = layer.etherType;
  let ip: Ip | IpError | null;
  if (etherType === EtherType.IPV4) {
    ip = parseIpv4(b, off, b.length, true);
  } else if (etherType === EtherType.IPV6) {
    ip = parseIpv6(b, off, b.length, true);
  } else if (etherType === EtherType.ARP) {
    return decodeArp(frame, link, off, layer.broadcast);
  } else {
    return otherPacket(frame, link);
  }
  if (ip === null) return otherPacket(frame, link);
  if (ip instanceof IpError) {
    return malformedPacket(frame, link, null, 'ip', ip.reason, ip.offset, ip.truncated ? 'truncated' : 'malformed');
  }
  if (ip.protocol === VRRP_PROTOCOL) return decodeProtocol112(frame, link, ip, off, layer.srcMacOffset);
  if (ip.protocol === IpProtocol.ICMPV6) {
    // parseIpv6's filter has seen the type byte.
    const type = b[ip.payloadOffset];
    if (type === NEIGHBOR_ADVERTISEMENT) {
      const na = decodeNa(frame, link, ip, off);
      if (na.kind === 'na') checkNa(na);
      return na;
    }
    // RFC 4443 §2.1: types below 128 are errors, the rest informational (MLD among them).
    return type < 128 ? decodeIcmpError(frame, link, ip, off) : decodeMld(frame, link, ip, off);
  }
  if (ip.protocol === IpProtocol.IGMP) return decodeIgmp(frame, link, ip);
  if (ip.protocol === IpProtocol.ICMP) return decodeIcmpError(frame, link, ip, off);
  return otherPacket(frame, link);
}

/** A frame decoded on its own (no memory of earlier frames): `repeat` is false. */
export function decodedFrame(frame: Frame): Decoded {
  const packet = decodeFrame(frame);
  return { ts: frame.ts, record: frame.record, iface: frame.iface ?? '', ipId: ipv4Id(frame, packet), repeat: false, packet };
}

/** The IPv4 identification of a frame whose packet is carried by IPv4, else -1. */
export function ipv4Id(frame: Frame, packet: Packet): number {
  if (packet.kind === 'arp' || packet.kind === 'other' || (packet.kind === 'malformed' && packet.ip === null) || packet.ip?.family !== 'ipv4') return -1;
  const b = frame.data;
  decodeLink(b, frame.linkType, layer);
  const at = layer.offset + 4;
  return layer.status === 'ok' && layer.etherType === EtherType.IPV4 && at + 2 <= b.length ? (b[at] << 8) | b[at + 1] : -1;
}
