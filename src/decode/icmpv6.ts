// ICMPv6 neighbor advertisement (RFC 4861 §4.4), the IPv6 counterpart of gratuitous
// ARP: a VRRP master sends unsolicited ones for its virtual addresses (RFC 9568 §6.4.2).
//
//    0                   1                   2                   3
//    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |     Type      |     Code      |          Checksum             |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |R|S|O|                     Reserved                            |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |                                                               |
//   +                       Target Address (16)                     +
//   |                                                               |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |   Options ...
//   +-+-+-+-+-+-+-+-+-+-+-+-
//
// Options (RFC 4861 §4.6): Type (1), Length (1, in units of 8 bytes), value. The
// Target Link-Layer Address option is type 2.

import type { Frame } from '../frame.js';
import type { Draft, ChecksumStatus, Ip, Link, MalformedPacket, NaPacket, Problem } from './types.js';
import { hex16, ipv6At, macAt, u16, u8 } from './bytes.js';
import { checksumFor, onesSum, pseudoHeaderSum, sumVerifies } from './checksum.js';
import { malformedPacket } from './packet.js';

export const ICMPV6_PROTOCOL = 58;
export const NEIGHBOR_ADVERTISEMENT = 136;
const NA_FIXED_LENGTH = 24;
const TARGET_LINK_LAYER_ADDRESS = 2;
const FLAG_ROUTER = 0x80;
const FLAG_SOLICITED = 0x40;
const FLAG_OVERRIDE = 0x20;

/**
 * Walk the options in [o, claimedEnd) (captured up to `end`). Returns the target
 * link-layer address if present; structural faults go to `problems`.
 */
function targetLinkLayerAddress(b: Uint8Array, o: number, claimedEnd: number, end: number, problems: Problem[]): string | null {
  let mac: string | null = null;
  let p = o;
  while (p + 2 <= claimedEnd) {
    const type = u8(b, p, end);
    const units = u8(b, p + 1, end);
    if (units < 0) {
      problems.push({ id: 'truncated', message: 'neighbor advertisement options cut by the capture', offset: p });
      break;
    }
    // RFC 4861 §4.6: a zero length is invalid and must not be walked (it would never advance).
    if (units === 0) {
      problems.push({ id: 'malformed', message: `ICMPv6 option type ${type} with length 0 (RFC 4861 §4.6)`, offset: p });
      break;
    }
    const next = p + units * 8;
    if (next > claimedEnd) {
      problems.push({ id: 'malformed', message: `ICMPv6 option type ${type} (${units * 8} bytes) runs past the message`, offset: p });
      break;
    }
    if (next > end) {
      problems.push({ id: 'truncated', message: `ICMPv6 option type ${type} cut by the capture`, offset: p });
      break;
    }
    if (type === TARGET_LINK_LAYER_ADDRESS && mac === null) mac = macAt(b, p + 2);
    p = next;
  }
  return mac;
}

/**
 * Decode the neighbor advertisement that is `ip`'s payload (the caller has seen type 136).
 * `ipOffset`: the IPv6 header, for the checksum's pseudo-header.
 */
export function decodeNa(frame: Frame, link: Link, ip: Ip, ipOffset: number): Draft<NaPacket> | MalformedPacket {
  const b = frame.data;
  const o = ip.payloadOffset;
  const length = ip.payloadLength;
  const claimedEnd = o + length;
  const end = Math.min(b.length, claimedEnd);
  if (length < NA_FIXED_LENGTH) {
    return malformedPacket(frame, link, ip, 'na', `neighbor advertisement of ${length} bytes, shorter than ${NA_FIXED_LENGTH} (RFC 4861 §7.1.2)`, o, 'malformed');
  }
  if (end - o < NA_FIXED_LENGTH) {
    return malformedPacket(frame, link, ip, 'na', `neighbor advertisement cut by the capture: ${Math.max(0, end - o)} of ${length} bytes`, o, 'truncated');
  }
  const problems: Problem[] = [];
  const truncated = claimedEnd > b.length;
  if (truncated) {
    problems.push({ id: 'truncated', message: `capture cut the neighbor advertisement: ${end - o} of ${length} bytes; checksum not verified`, offset: end });
  }
  const checksum = u16(b, o + 2, end);
  let checksumStatus: ChecksumStatus = 'unverified';
  if (!truncated) {
    // RFC 4443 §2.3: over the message and the IPv6 pseudo-header, next header 58.
    const rest = onesSum(b, o, o + 2) + onesSum(b, o + 4, claimedEnd) + pseudoHeaderSum(b, ipOffset + 8, ipOffset + 24, 16, ICMPV6_PROTOCOL, length);
    checksumStatus = sumVerifies(rest + checksum) ? 'ok' : 'bad';
    if (checksumStatus === 'bad') {
      problems.push({ id: 'bad-checksum', message: `bad ICMPv6 checksum ${hex16(checksum)}, should be ${hex16(checksumFor(rest))}`, offset: o + 2 });
    }
  }
  const flags = b[o + 4];
  const solicited = (flags & FLAG_SOLICITED) !== 0;
  const code = b[o + 1];
  if (code !== 0) problems.push({ id: 'malformed', message: `ICMPv6 code ${code} in a neighbor advertisement, must be 0 (RFC 4861 §7.1.2)`, offset: o + 1 });
  return {
    kind: 'na',
    link,
    problems,
    ip,
    target: ipv6At(b, o + 8),
    router: (flags & FLAG_ROUTER) !== 0,
    solicited,
    override: (flags & FLAG_OVERRIDE) !== 0,
    targetMac: targetLinkLayerAddress(b, o + NA_FIXED_LENGTH, claimedEnd, end, problems),
    unsolicited: !solicited,
    checksum,
    checksumStatus,
  };
}
