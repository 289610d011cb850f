// IPv4 header (RFC 791 §3.1):
//
//    0                   1                   2                   3
//    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |Version|  IHL  |Type of Service|          Total Length         |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |         Identification        |Flags|      Fragment Offset    |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |  Time to Live |    Protocol   |         Header Checksum       |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |                       Source Address                          |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |                    Destination Address                        |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |                    Options                    |    Padding    |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//
// The payload length comes from Total Length, never from the frame: Ethernet pads
// frames to 60 bytes, so a 40-byte VRRP packet arrives with 6 bytes of padding.

import type { Ip } from './types.js';
import { ipv4At, u16, u8 } from './bytes.js';
import { onesSum, sumVerifies } from './checksum.js';
import { wantedIpv4 } from './demux.js';

/** The network-layer header could not be decoded: why, where, and whether the capture cut it. */
export class IpError {
  constructor(
    readonly reason: string,
    readonly offset: number,
    /** True when the capture ended inside the header (snap length), false when the header is wrong. */
    readonly truncated: boolean,
  ) {}
}

/**
 * The checks both IP versions start with: a first byte captured, carrying the expected
 * version nibble. Null when they pass.
 */
export function ipVersionError(b: Uint8Array, off: number, end: number, version: 4 | 6, minHeader: number): IpError | null {
  const first = u8(b, off, end);
  if (first < 0) return new IpError(`IPv${version} header cut by the capture: 0 of ${minHeader} bytes`, off, true);
  if (first >> 4 !== version) return new IpError(`IP version ${first >> 4} where IPv${version} was expected`, off, false);
  return null;
}

const MF = 0x2000;
const OFFSET_MASK = 0x1fff;

/**
 * Parse the IPv4 header at `off` (frame bytes end at `end`). With `filter`, a sound
 * header whose payload decodeFrame does not decode (demux.ts) returns null before any
 * address is formatted: the fast exit for traffic we only count.
 */
export function parseIpv4(b: Uint8Array, off: number, end: number, filter: boolean): Ip | IpError | null {
  const versionError = ipVersionError(b, off, end, 4, 20);
  if (versionError) return versionError;
  const headerLength = (b[off] & 0x0f) * 4;
  if (headerLength < 20) return new IpError(`IPv4 header length ${headerLength} bytes, less than 20 (RFC 791 §3.1)`, off, false);
  if (off + headerLength > end) {
    return new IpError(`IPv4 header cut by the capture: ${end - off} of ${headerLength} bytes`, off, true);
  }
  const totalLength = u16(b, off + 2, end);
  if (totalLength < headerLength) {
    return new IpError(`IPv4 total length ${totalLength} is less than the header length ${headerLength}`, off + 2, false);
  }
  if (filter && !wantedIpv4(b, off, headerLength, Math.min(end, off + totalLength))) return null;
  const protocol = b[off + 9];
  const flags = u16(b, off + 6, end);
  const fragmentOffset = (flags & OFFSET_MASK) * 8;
  return {
    family: 'ipv4',
    src: ipv4At(b, off + 12),
    dst: ipv4At(b, off + 16),
    ttl: b[off + 8],
    protocol,
    headerChecksumOk: sumVerifies(onesSum(b, off, off + headerLength)),
    fragment: (flags & MF) !== 0 || fragmentOffset !== 0,
    fragmentOffset,
    payloadOffset: off + headerLength,
    payloadLength: totalLength - headerLength,
  };
}

/** Decode the IPv4 header at `off`; `end` is where the captured bytes stop. Never throws. */
export function decodeIpv4(b: Uint8Array, off: number, end: number): Ip | IpError {
  return parseIpv4(b, off, Math.min(end, b.length), false) as Ip | IpError;
}
