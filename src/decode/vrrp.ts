// VRRP advertisements, version 2 (RFC 3768 §5.1) and version 3 (RFC 5798 §5.1, RFC 9568 §5.1).
//
// Version 2, IPv4 only:
//
//    0                   1                   2                   3
//    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |Version| Type  | Virtual Rtr ID|   Priority    | Count IP Addrs|
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |   Auth Type   |   Adver Int   |          Checksum             |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |                         IP Address (1)                        |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |                            .                                  |
//   |                            .                                  |
//   |                            .                                  |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |                         IP Address (n)                        |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |                     Authentication Data (1)                   |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |                     Authentication Data (2)                   |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//
// Version 3, IPv4 or IPv6 (the IP version tells which; addresses are 4 or 16 bytes):
//
//    0                   1                   2                   3
//    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |Version| Type  | Virtual Rtr ID|   Priority    |Count IPvX Addr|
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |(rsvd) |     Max Adver Int     |          Checksum             |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |                                                               |
//   +                                                               +
//   |                       IPvX Address(es)                        |
//   +                                                               +
//   +                                                               +
//   +                                                               +
//   +                                                               +
//   |                                                               |
//   +                                                               +
//   |                                                               |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//
// Every field is decoded as far as the captured bytes allow; judging the values is
// checks.ts's job. The message length is the IP payload length, not the frame's.

import type { Frame } from '../frame.js';
import type { Draft, ChecksumStatus, ChecksumVariant, Ip, Link, VrrpPacket } from './types.js';
import { VRRP_PROTOCOL } from './types.js';
import { hexRange, ipv4At, ipv6At, latin1UntilNul, u16, u8 } from './bytes.js';
import { checksumFor, onesSum, pseudoHeaderSum, pseudoHeaderSumV4WithDst, sumVerifies, VRRP_GROUP_V4_SUM } from './checksum.js';

export const VRRP_HEADER_LENGTH = 8;
/** RFC 3768 §5.3.10: 8 bytes of authentication data after the addresses. */
export const VRRP_AUTH_DATA_LENGTH = 8;

// The 8 auth bytes repeat in every advertisement of a virtual router: their hex and
// text forms are built once per distinct value (direct-mapped, like the address caches).
// 256 slots: with 64, a segment of a hundred password-protected VRIDs kept evicting its own entries.
const AUTH_BITS = 8;
const AUTH_SLOTS = 1 << AUTH_BITS;
const authHi = new Int32Array(AUTH_SLOTS);
const authLo = new Int32Array(AUTH_SLOTS);
const authHex: string[] = new Array<string>(AUTH_SLOTS).fill('');
const authText: string[] = new Array<string>(AUTH_SLOTS).fill('');

/** Cache slot holding the strings for the 8 bytes at `o` (the caller has checked they are captured). */
function authSlot(b: Uint8Array, o: number): number {
  const hi = (b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3];
  const lo = (b[o + 4] << 24) | (b[o + 5] << 16) | (b[o + 6] << 8) | b[o + 7];
  const slot = Math.imul(hi ^ Math.imul(lo, 0x85ebca6b), 0x9e3779b1) >>> (32 - AUTH_BITS);
  if (authHex[slot] === '' || authHi[slot] !== hi || authLo[slot] !== lo) {
    authHi[slot] = hi;
    authLo[slot] = lo;
    authHex[slot] = hexRange(b, o, o + VRRP_AUTH_DATA_LENGTH);
    authText[slot] = latin1UntilNul(b, o, o + VRRP_AUTH_DATA_LENGTH);
  }
  return slot;
}

interface ChecksumResult {
  status: ChecksumStatus;
  variant: ChecksumVariant | null;
  expected: number | null;
}

const UNVERIFIED: ChecksumResult = { status: 'unverified', variant: null, expected: null };
const OK_V2: ChecksumResult = { status: 'ok', variant: 'v2', expected: null };
const OK_V3: ChecksumResult = { status: 'ok', variant: 'v3', expected: null };
const OK_V3_NO_PSEUDO: ChecksumResult = { status: 'ok', variant: 'v3-no-pseudo', expected: null };
const OK_V3_LEGACY: ChecksumResult = { status: 'ok', variant: 'v3-legacy-unicast', expected: null };

/**
 * Try the checksum computations seen in the field, standard one first.
 * `o`/`length`: the whole VRRP message; `ipOffset`: the IP header (for pseudo-headers).
 */
function verifyChecksum(b: Uint8Array, ip: Ip, ipOffset: number, o: number, length: number, version: number, checksum: number): ChecksumResult {
  // Sum without the checksum field (bytes 6-7), so the expected value falls out too.
  const message = onesSum(b, o, o + 6) + onesSum(b, o + 8, o + length);
  if (version === 2) {
    // RFC 3768 §5.3.8: over the VRRP message only.
    if (sumVerifies(message + checksum)) return OK_V2;
    return { status: 'bad', variant: null, expected: checksumFor(message) };
  }
  if (version !== 3) return UNVERIFIED;
  // RFC 5798 §5.2.8: with the pseudo-header of RFC 2460 §8.1, next header 112.
  const v4 = ip.family === 'ipv4';
  const pseudo = v4
    ? pseudoHeaderSum(b, ipOffset + 12, ipOffset + 16, 4, VRRP_PROTOCOL, length)
    : pseudoHeaderSum(b, ipOffset + 8, ipOffset + 24, 16, VRRP_PROTOCOL, length);
  if (sumVerifies(message + checksum + pseudo)) return OK_V3;
  if (v4) {
    // Cisco IOS and keepalived's vrrp_v3_checksum_as_v2 leave the pseudo-header out.
    if (sumVerifies(message + checksum)) return OK_V3_NO_PSEUDO;
    // keepalived < 1.3.6 built the pseudo-header with 224.0.0.18 even when unicasting.
    const toGroup = b[ipOffset + 16] === 224 && b[ipOffset + 17] === 0 && b[ipOffset + 18] === 0 && b[ipOffset + 19] === 18;
    if (!toGroup) {
      const legacy = pseudoHeaderSumV4WithDst(b, ipOffset + 12, VRRP_GROUP_V4_SUM, VRRP_PROTOCOL, length);
      if (sumVerifies(message + checksum + legacy)) return OK_V3_LEGACY;
    }
  }
  return { status: 'bad', variant: null, expected: checksumFor(message + pseudo) };
}

/**
 * Decode the VRRP message that is `ip`'s payload. The caller has checked that the IP
 * payload length holds at least the 8-byte fixed header; the capture may still have cut it.
 * `srcMacOffset` is where the link's source MAC sits in the frame, -1 when there is none.
 */
export function decodeVrrp(frame: Frame, link: Link, ip: Ip, ipOffset: number, srcMacOffset: number): Draft<VrrpPacket> {
  const b = frame.data;
  const o = ip.payloadOffset;
  const length = ip.payloadLength;
  const claimedEnd = o + length;
  const end = Math.min(b.length, claimedEnd);
  const captured = Math.max(0, end - o);
  const truncated = claimedEnd > b.length;

  const versionType = u8(b, o, end);
  const version = versionType < 0 ? 0 : versionType >> 4;
  const vrid = Math.max(0, u8(b, o + 1, end));
  const addrCount = Math.max(0, u8(b, o + 3, end));
  const v2 = version === 2;
  let authType: number | null = null;
  let intervalMs: number;
  let reserved = 0;
  if (v2) {
    const a = u8(b, o + 4, end);
    authType = a < 0 ? null : a;
    intervalMs = Math.max(0, u8(b, o + 5, end)) * 1000;
  } else {
    const word = Math.max(0, u16(b, o + 4, end));
    reserved = word >> 12;
    intervalMs = (word & 0x0fff) * 10;
  }
  const checksum = Math.max(0, u16(b, o + 6, end));

  // Only the addresses that lie inside both the message and the capture (RFC 3768
  // §5.3.5 count vs length is judged in checks.ts).
  const v4 = ip.family === 'ipv4';
  const size = v4 ? 4 : 16;
  const limit = Math.min(addrCount, Math.floor(Math.max(0, end - o - VRRP_HEADER_LENGTH) / size));
  const first = o + VRRP_HEADER_LENGTH;
  // Most virtual routers have one address: an array of exactly one, without growing one by push.
  const addrs: string[] = limit === 1 ? [v4 ? ipv4At(b, first) : ipv6At(b, first)] : [];
  for (let i = addrs.length, a = first + i * size; i < limit; i++, a += size) addrs.push(v4 ? ipv4At(b, a) : ipv6At(b, a));

  let authDataHex: string | null = null;
  let authPass: string | null = null;
  if (v2) {
    const authOffset = o + VRRP_HEADER_LENGTH + addrCount * size;
    if (authOffset + VRRP_AUTH_DATA_LENGTH <= end) {
      const slot = authSlot(b, authOffset);
      authDataHex = authHex[slot];
      if (authType === 1) authPass = authText[slot];
    }
  }

  const sum = truncated ? UNVERIFIED : verifyChecksum(b, ip, ipOffset, o, length, version, checksum);

  // RFC 5798 §7.3: VMAC 00-00-5E-00-01-{VRID} for IPv4, 00-00-5E-00-02-{VRID} for IPv6.
  let vmac = false;
  let vmacMatches: boolean | null = null;
  if (srcMacOffset >= 0 && srcMacOffset + 6 <= b.length) {
    const m = srcMacOffset;
    const family = b[m + 4];
    if (b[m] === 0 && b[m + 1] === 0 && b[m + 2] === 0x5e && b[m + 3] === 0 && (family === 1 || family === 2)) {
      vmac = true;
      vmacMatches = family === (v4 ? 1 : 2) && b[m + 5] === vrid;
    }
  }

  return {
    kind: 'vrrp',
    link,
    problems: [],
    ip,
    version,
    type: versionType < 0 ? 0 : versionType & 0x0f,
    vrid,
    priority: Math.max(0, u8(b, o + 2, end)),
    addrCount,
    authType,
    authPass,
    authDataHex,
    intervalMs,
    reserved,
    checksum,
    checksumStatus: sum.status,
    checksumVariant: sum.variant,
    checksumExpected: sum.expected,
    addrs,
    vmac,
    vmacMatches,
    truncated,
    capturedLength: captured,
  };
}
