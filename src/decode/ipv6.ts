// IPv6 header (RFC 8200 §3) and the extension headers between it and the upper layer:
//
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |Version| Traffic Class |           Flow Label                  |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |         Payload Length        |  Next Header  |   Hop Limit   |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |                     Source Address (16)                       |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |                  Destination Address (16)                     |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//
// Extension headers we step over (RFC 8200 §4): Hop-by-Hop (0), Routing (43) and
// Destination Options (60), each (Hdr Ext Len + 1) × 8 bytes; Fragment (44), 8 bytes;
// and AH (51, RFC 4302 §2.2), (Payload Len + 2) × 4 bytes.

import type { Ip } from './types.js';
import { ipv6At, u16, u8 } from './bytes.js';
import { wantedIpv6 } from './demux.js';
import { IpError, ipVersionError } from './ipv4.js';

const HEADER_LENGTH = 40;
const HOP_BY_HOP = 0;
const ROUTING = 43;
const FRAGMENT = 44;
const AH = 51;
const DEST_OPTIONS = 60;

/**
 * Parse the IPv6 header at `off` and walk its extension headers. With `filter`, a sound
 * packet whose upper layer decodeFrame does not decode (demux.ts: VRRP, neighbor
 * advertisements, MLD, ICMPv6 errors about VRRP) returns null before any address is formatted.
 */
export function parseIpv6(b: Uint8Array, off: number, end: number, filter: boolean): Ip | IpError | null {
  const versionError = ipVersionError(b, off, end, 6, HEADER_LENGTH);
  if (versionError) return versionError;
  if (off + HEADER_LENGTH > end) {
    return new IpError(`IPv6 header cut by the capture: ${end - off} of 40 bytes`, off, true);
  }
  const payloadLength = u16(b, off + 4, end);
  let next = b[off + 6];
  let p = off + HEADER_LENGTH;
  const payloadEnd = p + payloadLength;
  let fragment = false;
  let fragmentOffset = 0;
  // Each step moves p forward by at least 8 bytes and stops at payloadEnd: the walk ends.
  while (
    fragmentOffset === 0 &&
    (next === HOP_BY_HOP || next === ROUTING || next === DEST_OPTIONS || next === FRAGMENT || next === AH)
  ) {
    if (p + 8 > payloadEnd) {
      return new IpError(`IPv6 extension header ${next} runs past the payload length ${payloadLength}`, p, false);
    }
    const lengthByte = u8(b, p + 1, end);
    if (lengthByte < 0) return new IpError(`IPv6 extension header ${next} cut by the capture`, p, true);
    const length = next === FRAGMENT ? 8 : next === AH ? (lengthByte + 2) * 4 : (lengthByte + 1) * 8;
    if (p + length > payloadEnd) {
      return new IpError(`IPv6 extension header ${next} (${length} bytes) runs past the payload length ${payloadLength}`, p, false);
    }
    // Like the fixed header, an extension header must be captured whole: the upper
    // layer's offset depends on it.
    if (p + length > end) return new IpError(`IPv6 extension header ${next} cut by the capture`, p, true);
    if (next === FRAGMENT) {
      fragment = true;
      // RFC 8200 §4.5: the offset field counts 8-byte units in its top 13 bits.
      fragmentOffset = u16(b, p + 2, end) & 0xfff8;
    }
    next = b[p];
    p += length;
  }
  if (filter && !wantedIpv6(b, next, fragmentOffset, p, Math.min(end, payloadEnd))) return null;
  return {
    family: 'ipv6',
    src: ipv6At(b, off + 8),
    dst: ipv6At(b, off + 24),
    ttl: b[off + 7],
    protocol: next,
    headerChecksumOk: true,
    fragment,
    fragmentOffset,
    payloadOffset: p,
    payloadLength: payloadEnd - p,
  };
}

/** Decode the IPv6 header at `off` and its extension headers; `end` is where the captured bytes stop. Never throws. */
export function decodeIpv6(b: Uint8Array, off: number, end: number): Ip | IpError {
  return parseIpv6(b, off, Math.min(end, b.length), false) as Ip | IpError;
}
