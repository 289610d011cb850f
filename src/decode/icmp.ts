// ICMP errors about VRRP: somebody on the link refuses our advertisements. A REJECT
// rule answers with "administratively prohibited" (iptables icmp-admin-prohibited,
// icmp6-adm-prohibited) and a host with no VRRP listener for a unicast peer with
// "protocol unreachable" (IPv4) or "unrecognized next header" (IPv6).
//
// ICMPv4 destination unreachable (RFC 792):
//
//    0                   1                   2                   3
//    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |     Type      |     Code      |          Checksum             |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |                             unused                            |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |      Internet Header + 64 bits of Original Data Datagram      |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//
// ICMPv6 destination unreachable (RFC 4443 §3.1) and parameter problem (§3.4):
//
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |     Type      |     Code      |          Checksum             |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |                    Unused (1) / Pointer (4)                   |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |                    As much of invoking packet                 |
//   +                as possible without the ICMPv6 packet          +
//   |                exceeding the minimum IPv6 MTU                 |
//
// 64 bits after an IPv4 header are exactly the VRRP fixed header (version/type, VRID,
// priority, count, ...); routers may quote more (RFC 1812 §4.3.2.3), the capture may
// quote less. The quoted IP header must be whole to be read (its protocol and
// addresses); the VRRP fields are filled as far as the quote and the capture reach.

import type { Frame } from '../frame.js';
import type { IcmpErrorPacket, Ip, Link, OtherPacket, Problem } from './types.js';
import { hex16, u16, u8 } from './bytes.js';
import { checksumFor, onesSum, pseudoHeaderSum, sumVerifies } from './checksum.js';
import { ICMP_ERROR_HEADER_LENGTH, ICMPV4_DEST_UNREACHABLE, Icmpv6Type, IpProtocol } from './demux.js';
import { IpError, parseIpv4 } from './ipv4.js';
import { parseIpv6 } from './ipv6.js';
import { otherPacket } from './packet.js';

/**
 * ICMPv4 destination unreachable codes: RFC 792 (0-5), RFC 1122 §3.2.2.1 (6-12),
 * RFC 1812 §5.2.7.1 (13-15). 9, 10 and 13 all say "administratively prohibited" (to a
 * network, to a host, communication): what iptables REJECT sends as icmp-net-prohibited,
 * icmp-host-prohibited (RHEL's stock iptables rules) and icmp-admin-prohibited.
 * One word for the three, since they mean the same to a VRRP pair; icmpCode keeps which.
 */
export const ICMPV4_UNREACHABLE_REASONS = {
  0: 'net-unreachable',
  1: 'host-unreachable',
  2: 'protocol-unreachable',
  3: 'port-unreachable',
  4: 'fragmentation-needed',
  5: 'source-route-failed',
  6: 'net-unknown',
  7: 'host-unknown',
  8: 'source-host-isolated',
  9: 'admin-prohibited',
  10: 'admin-prohibited',
  11: 'net-tos-unreachable',
  12: 'host-tos-unreachable',
  13: 'admin-prohibited',
  14: 'host-precedence-violation',
  15: 'precedence-cutoff',
} as const;

/** ICMPv6 destination unreachable codes (RFC 4443 §3.1). */
export const ICMPV6_UNREACHABLE_REASONS = {
  0: 'no-route',
  1: 'admin-prohibited',
  2: 'beyond-scope',
  3: 'address-unreachable',
  4: 'port-unreachable',
  5: 'source-policy-failed',
  6: 'reject-route',
} as const;

/** ICMPv6 parameter problem codes (RFC 4443 §3.4; 3 from RFC 7112 §5). */
export const ICMPV6_PARAMETER_PROBLEM_REASONS = {
  0: 'erroneous-header-field',
  1: 'unrecognized-next-header',
  2: 'unrecognized-option',
  3: 'incomplete-header-chain',
} as const;

/** The stable word for an ICMP error, or 'type T code C' for one without a name. */
export function icmpErrorReason(family: 'ipv4' | 'ipv6', type: number, code: number): string {
  const table: Readonly<Record<number, string>> | null =
    family === 'ipv4'
      ? type === ICMPV4_DEST_UNREACHABLE ? ICMPV4_UNREACHABLE_REASONS : null
      : type === Icmpv6Type.DEST_UNREACHABLE ? ICMPV6_UNREACHABLE_REASONS
        : type === Icmpv6Type.PARAMETER_PROBLEM ? ICMPV6_PARAMETER_PROBLEM_REASONS : null;
  return table?.[code] ?? `type ${type} code ${code}`;
}

/**
 * Judge the whole message [o, claimedEnd) of an ICMP, ICMPv6, IGMP or MLD packet: the
 * capture cut it (checksum not verified, tcpdump would skip it silently), or its
 * checksum (at o + 2) is wrong. `pseudo`: pseudo-header sum, 0 where there is none.
 */
export function checkMessage(b: Uint8Array, o: number, claimedEnd: number, pseudo: number, what: string, problems: Problem[]): void {
  if (claimedEnd > b.length) {
    const captured = Math.max(0, b.length - o);
    problems.push({ id: 'truncated', message: `capture cut the ${what}: ${captured} of ${claimedEnd - o} bytes; checksum not verified`, offset: Math.max(o, b.length) });
    return;
  }
  const checksum = u16(b, o + 2, claimedEnd);
  if (checksum < 0) return;
  const rest = onesSum(b, o, o + 2) + onesSum(b, o + 4, claimedEnd) + pseudo;
  if (!sumVerifies(rest + checksum)) {
    problems.push({ id: 'bad-checksum', message: `bad ${what} checksum ${hex16(checksum)}, should be ${hex16(checksumFor(rest))}`, offset: o + 2 });
  }
}

/**
 * Decode the ICMP (IPv4) or ICMPv6 error that is `ip`'s payload, when it is a
 * destination unreachable (or ICMPv6 parameter problem) quoting a VRRP packet whose IP
 * header is quoted whole; anything else is 'other'. `ipOffset`: the outer IP header.
 */
export function decodeIcmpError(frame: Frame, link: Link, ip: Ip, ipOffset: number): IcmpErrorPacket | OtherPacket {
  const b = frame.data;
  const o = ip.payloadOffset;
  const claimedEnd = o + ip.payloadLength;
  const end = Math.min(b.length, claimedEnd);
  const v4 = ip.family === 'ipv4';
  const type = u8(b, o, end);
  const code = u8(b, o + 1, end);
  const isError = v4 ? type === ICMPV4_DEST_UNREACHABLE : type === Icmpv6Type.DEST_UNREACHABLE || type === Icmpv6Type.PARAMETER_PROBLEM;
  if (!isError || code < 0) return otherPacket(frame, link);
  const q = o + ICMP_ERROR_HEADER_LENGTH;
  // The quote is an IP packet of the outer family, cut wherever the sender or the capture
  // stopped: parsed like any other, its header must be present to name the protocol.
  const quoted = v4 ? parseIpv4(b, q, end, false) : parseIpv6(b, q, end, false);
  if (quoted === null || quoted instanceof IpError || quoted.protocol !== IpProtocol.VRRP) return otherPacket(frame, link);
  const problems: Problem[] = [];
  const what = v4 ? 'ICMP message' : 'ICMPv6 message';
  // RFC 792 sums the ICMP message alone; RFC 4443 §2.3 adds the IPv6 pseudo-header.
  const pseudo = v4 ? 0 : pseudoHeaderSum(b, ipOffset + 8, ipOffset + 24, 16, IpProtocol.ICMPV6, ip.payloadLength);
  checkMessage(b, o, claimedEnd, pseudo, what, problems);
  // A later fragment of the advertisement quotes no VRRP header.
  const v = quoted.payloadOffset;
  const vrrpEnd = quoted.fragmentOffset ? v : Math.min(end, v + quoted.payloadLength);
  const first = u8(b, v, vrrpEnd);
  const vrid = u8(b, v + 1, vrrpEnd);
  const priority = u8(b, v + 2, vrrpEnd);
  return {
    kind: 'icmp-error',
    link,
    problems,
    ip,
    icmpType: type,
    icmpCode: code,
    reason: icmpErrorReason(ip.family, type, code),
    quoted: {
      family: quoted.family,
      src: quoted.src,
      dst: quoted.dst,
      protocol: quoted.protocol,
      version: first < 0 ? null : first >> 4,
      vrid: vrid < 0 ? null : vrid,
      priority: priority < 0 ? null : priority,
    },
  };
}
