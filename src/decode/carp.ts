// CARP advertisements (OpenBSD ip_carp.h), which share IP protocol 112 with VRRP:
//
//    0                   1                   2                   3
//    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |Version| Type  | VirtualHostID |    AdvSkew    |    Auth Len   |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |    Demote     |     AdvBase   |          Checksum             |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |                         Counter (1)                           |
//   |                         Counter (2)                           |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |                 SHA-1 HMAC (20 bytes, 5 words)                |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//
// Version 2, type 1, always 36 bytes with Auth Len 7 (counter + HMAC in 32-bit words).
// Byte 4 is carp_demote in OpenBSD and a reserved pad byte in FreeBSD and NetBSD.

import type { Frame } from '../frame.js';
import type { Draft, CarpPacket, Ip, Link } from './types.js';
import { u8 } from './bytes.js';

export const CARP_LENGTH = 36;
const CARP_VERSION = 2;
const CARP_AUTH_LEN = 7;

/**
 * True when protocol-112 payload at `o` is CARP rather than VRRP: 36 bytes, version 2
 * and Auth Len 7 where VRRP keeps its address count. A VRRPv2 message without auth data
 * and with exactly 7 addresses has the same shape; it is taken for CARP.
 */
export function looksLikeCarp(b: Uint8Array, o: number, length: number): boolean {
  const end = Math.min(b.length, o + length);
  return length === CARP_LENGTH && u8(b, o + 3, end) === CARP_AUTH_LEN && u8(b, o, end) >> 4 === CARP_VERSION;
}

export function decodeCarp(frame: Frame, link: Link, ip: Ip): Draft<CarpPacket> {
  const b = frame.data;
  const o = ip.payloadOffset;
  const claimedEnd = o + ip.payloadLength;
  const end = Math.min(b.length, claimedEnd);
  const versionType = Math.max(0, u8(b, o, end));
  return {
    kind: 'carp',
    link,
    problems: [],
    ip,
    version: versionType >> 4,
    type: versionType & 0x0f,
    vhid: Math.max(0, u8(b, o + 1, end)),
    advskew: Math.max(0, u8(b, o + 2, end)),
    advbase: Math.max(0, u8(b, o + 5, end)),
    truncated: claimedEnd > b.length,
    demote: Math.max(0, u8(b, o + 4, end)),
    capturedLength: Math.max(0, end - o),
  };
}
