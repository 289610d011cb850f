// Which IP payloads decodeFrame decodes, decided before any address is formatted so that
// the traffic we only count leaves early. tcpdump's ip_demux dispatches on the protocol
// number alone; here ICMP is also peeked at, because only an error about a VRRP packet
// is of interest and pings, port unreachables for DNS and the like are the common case.
//
//   IPv4  112 VRRP / CARP
//           2 IGMP (RFC 1112, RFC 2236, RFC 3376)
//           1 ICMP destination unreachable quoting an IPv4 header with protocol 112 (RFC 792)
//   IPv6  112 VRRP
//          58 ICMPv6: neighbor advertisement (RFC 4861), MLD (RFC 2710, RFC 3810), and
//             destination unreachable / parameter problem quoting VRRP (RFC 4443)
//
// Every peek is bounds-checked: a byte the capture lacks reads as -1 and matches nothing.

import { u8 } from './bytes.js';
import { VRRP_PROTOCOL } from './types.js';

/** IP protocol / IPv6 next header numbers (IANA "Assigned Internet Protocol Numbers"). */
export const IpProtocol = { ICMP: 1, IGMP: 2, ICMPV6: 58, VRRP: VRRP_PROTOCOL } as const;

/** ICMPv4 type of the one error decoded (RFC 792). */
export const ICMPV4_DEST_UNREACHABLE = 3;

/** ICMPv6 types decoded (RFC 4443 §2.1: 0-127 are errors, 128-255 informational). */
export const Icmpv6Type = {
  DEST_UNREACHABLE: 1, // RFC 4443 §3.1
  PARAMETER_PROBLEM: 4, // RFC 4443 §3.4
  MLD_QUERY: 130, // RFC 2710 §3, RFC 3810 §5.1
  MLD_REPORT: 131, // RFC 2710 §3
  MLD_DONE: 132, // RFC 2710 §3
  NEIGHBOR_ADVERTISEMENT: 136, // RFC 4861 §4.4
  MLD_V2_REPORT: 143, // RFC 3810 §5.2
} as const;

/** ICMP error header before the quoted packet: type, code, checksum and 4 bytes of unused / pointer / MTU. */
export const ICMP_ERROR_HEADER_LENGTH = 8;

/** Hop-by-Hop, Routing, Fragment, AH and Destination Options: the headers parseIpv6 walks over (RFC 8200 §4). */
export function isIpv6Extension(next: number): boolean {
  return next === 0 || next === 43 || next === 44 || next === 51 || next === 60;
}

/**
 * The IPv4 packet at `off` (header of `headerLength` bytes, payload captured up to `end`)
 * is one decodeFrame decodes.
 */
export function wantedIpv4(b: Uint8Array, off: number, headerLength: number, end: number): boolean {
  const protocol = b[off + 9];
  // VRRP in a later fragment is still reported (as a fragment), so it passes whole.
  if (protocol === IpProtocol.VRRP) return true;
  // RFC 791 §3.1: a later fragment (offset > 0) holds no ICMP or IGMP header.
  if ((b[off + 6] & 0x1f) !== 0 || b[off + 7] !== 0) return false;
  if (protocol === IpProtocol.IGMP) return true;
  if (protocol !== IpProtocol.ICMP) return false;
  const p = off + headerLength;
  // RFC 792: the quoted internet header starts 8 bytes in; its protocol is byte 9 of it.
  const q = p + ICMP_ERROR_HEADER_LENGTH;
  return u8(b, p, end) === ICMPV4_DEST_UNREACHABLE && u8(b, q, end) >> 4 === 4 && u8(b, q + 9, end) === IpProtocol.VRRP;
}

/**
 * The IPv6 upper layer `next` at `p` (after the extension headers, captured up to `end`)
 * is one decodeFrame decodes. `fragmentOffset`: non-zero in a later fragment.
 */
export function wantedIpv6(b: Uint8Array, next: number, fragmentOffset: number, p: number, end: number): boolean {
  if (next === IpProtocol.VRRP) return true;
  if (next !== IpProtocol.ICMPV6 || fragmentOffset !== 0) return false;
  const type = u8(b, p, end);
  switch (type) {
    case Icmpv6Type.NEIGHBOR_ADVERTISEMENT:
    case Icmpv6Type.MLD_QUERY:
    case Icmpv6Type.MLD_REPORT:
    case Icmpv6Type.MLD_DONE:
    case Icmpv6Type.MLD_V2_REPORT:
      return true;
    case Icmpv6Type.DEST_UNREACHABLE:
    case Icmpv6Type.PARAMETER_PROBLEM: {
      // RFC 4443 §3.1, §3.4: the invoking packet follows the 8-byte header. Its next
      // header (byte 6) is VRRP, or an extension header the decoder walks to find out.
      const q = p + ICMP_ERROR_HEADER_LENGTH;
      const quotedNext = u8(b, q + 6, end);
      return u8(b, q, end) >> 4 === 6 && (quotedNext === IpProtocol.VRRP || isIpv6Extension(quotedNext));
    }
    default:
      return false;
  }
}
