// Per-packet judgements. The decoders keep every field as sent; these functions compare
// the fields with what the RFCs require and add Problems with stable ids. Each one
// looks at a single decoded packet: no state, no bytes.

import type { Draft, CarpPacket, Ip, NaPacket, Problem, VrrpPacket } from './types.js';
import { hex16 } from './bytes.js';
import { VRRP_AUTH_DATA_LENGTH, VRRP_HEADER_LENGTH } from './vrrp.js';

/** TTL / hop limit every protocol here requires: the sender is on this link (RFC 3768 §7.1, RFC 9568 §7.1, RFC 4861 §7.1.2). */
const LINK_LOCAL_TTL = 255;

/** IP-level judgements shared by VRRP, CARP and neighbor advertisements. `what` names the upper layer in messages. */
export function checkIp(ip: Ip, problems: Problem[], what: string, ttlRule: string): void {
  if (!ip.headerChecksumOk) problems.push({ id: 'bad-ip-checksum', message: `bad IPv4 header checksum (${what})` });
  if (ip.fragment) {
    const where = ip.fragmentOffset ? `at offset ${ip.fragmentOffset}` : 'first fragment';
    problems.push({ id: 'fragment', message: `${what} in an IP fragment (${where})`, offset: ip.payloadOffset });
  }
  if (ip.ttl !== LINK_LOCAL_TTL) {
    const field = ip.family === 'ipv4' ? 'TTL' : 'hop limit';
    problems.push({ id: 'bad-ttl', message: `${field} ${ip.ttl}, must be 255 (${ttlRule})` });
  }
}

/** fe80::/10 as ipv6At formats it: the first group is always four hex digits fe80..febf. */
function isLinkLocalText(address: string): boolean {
  return address.length > 4 && address.charCodeAt(0) === 0x66 && address.charCodeAt(1) === 0x65 && '89ab'.includes(address[2]) && address[4] === ':';
}

function checkVrrpLength(p: VrrpPacket, problems: Problem[]): void {
  const length = p.ip.payloadLength;
  const n = p.addrCount;
  const size = p.ip.family === 'ipv4' ? 4 : 16;
  const need = VRRP_HEADER_LENGTH + n * size;
  const offset = p.ip.payloadOffset;
  if (length < need) {
    problems.push({ id: 'count-mismatch', message: `address count ${n} needs ${need} bytes, the VRRP message has ${length}`, offset: offset + 3 });
    return;
  }
  let full = need;
  if (p.version === 2) {
    full = need + VRRP_AUTH_DATA_LENGTH;
    if (length === need) {
      problems.push({
        id: 'missing-auth-data',
        message: 'VRRPv2 without the 8 bytes of authentication data (RFC 3768 §5.3.10); accepted, as some implementations send it',
        offset: offset + length,
      });
      return;
    }
    if (length < full) {
      problems.push({ id: 'count-mismatch', message: `VRRPv2 authentication data cut short: ${length - need} of 8 bytes`, offset: offset + need });
      return;
    }
  }
  if (length > full) {
    problems.push({ id: 'trailing-bytes', message: `${length - full} bytes after the VRRP message (address count ${n})`, offset: offset + full });
  }
}

function checkVmac(p: VrrpPacket, problems: Problem[]): void {
  if (!p.vmac || p.vmacMatches !== false || p.link.srcMac === null) return;
  const mac = p.link.srcMac;
  const macFamily = mac.slice(12, 14) === '01' ? 'IPv4' : 'IPv6';
  const macVrid = parseInt(mac.slice(15, 17), 16);
  const family = p.ip.family === 'ipv4' ? 'IPv4' : 'IPv6';
  problems.push({
    id: 'vmac-mismatch',
    message: `source MAC ${mac} is the ${macFamily} VMAC of VRID ${macVrid}, not of this ${family} VRID ${p.vrid} (RFC 5798 §7.3)`,
  });
}

/** Judge one VRRP advertisement; adds to p.problems. */
export function checkVrrp(p: Draft<VrrpPacket>): void {
  const problems = p.problems;
  const length = p.ip.payloadLength;
  const captured = p.capturedLength ?? length;
  const o = p.ip.payloadOffset;
  if (p.truncated) {
    // tcpdump skips the checksum silently on a short capture; say that it was not checked.
    problems.push({ id: 'truncated', message: `capture cut the VRRP message: ${captured} of ${length} bytes; checksum not verified`, offset: o + captured });
  }
  checkIp(p.ip, problems, 'VRRP', p.version === 2 ? 'RFC 3768 §7.1' : 'RFC 9568 §7.1');
  if (captured >= 1) {
    if (p.version !== 2 && p.version !== 3) {
      problems.push({ id: 'bad-version', message: `VRRP version ${p.version}, expected 2 (RFC 3768) or 3 (RFC 9568)`, offset: o });
    } else if (p.version === 2 && p.ip.family === 'ipv6') {
      problems.push({ id: 'bad-version', message: 'VRRPv2 over IPv6: RFC 3768 defines version 2 for IPv4 only', offset: o });
    }
    if (p.type !== 1) problems.push({ id: 'bad-type', message: `VRRP type ${p.type}, only 1 (advertisement) is defined`, offset: o });
  }
  if (captured >= 6 && p.intervalMs === 0) {
    problems.push({ id: 'bad-interval', message: 'advertisement interval 0', offset: o + 4 });
  }
  if (p.version === 3 && captured >= 5 && p.reserved !== 0) {
    problems.push({ id: 'reserved-set', message: `reserved bits 0x${p.reserved.toString(16)} set, must be 0 (RFC 9568 §5.2.6)`, offset: o + 4 });
  }
  if (captured >= 4 && (p.version === 2 || p.version === 3)) checkVrrpLength(p, problems);
  if (p.checksumStatus === 'bad' && p.checksumExpected !== null) {
    problems.push({ id: 'bad-checksum', message: `bad checksum ${hex16(p.checksum)}, should be ${hex16(p.checksumExpected)}`, offset: o + 6 });
  }
  checkVmac(p, problems);
  if (p.version === 3 && p.ip.family === 'ipv6') {
    if (!isLinkLocalText(p.ip.src)) {
      problems.push({ id: 'not-link-local', message: `source address ${p.ip.src} is not link-local (RFC 5798 §5.1.2.1)` });
    }
    if (p.addrs.length > 0 && !isLinkLocalText(p.addrs[0])) {
      problems.push({ id: 'not-link-local', message: `first virtual address ${p.addrs[0]} is not link-local (RFC 5798 §5.2.9)`, offset: o + VRRP_HEADER_LENGTH });
    }
  }
}

/** Judge one CARP advertisement (OpenBSD carp_input's checks that apply to one packet). */
export function checkCarp(p: Draft<CarpPacket>): void {
  const captured = p.capturedLength ?? p.ip.payloadLength;
  if (p.truncated) {
    p.problems.push({ id: 'truncated', message: `capture cut the CARP message: ${captured} of ${p.ip.payloadLength} bytes`, offset: p.ip.payloadOffset + captured });
  }
  checkIp(p.ip, p.problems, 'CARP', 'OpenBSD carp_input');
  if (p.type !== 1) p.problems.push({ id: 'bad-type', message: `CARP type ${p.type}, only 1 (advertisement) is defined`, offset: p.ip.payloadOffset });
}

/** Judge one neighbor advertisement (RFC 4861 §7.1.2 validity checks). */
export function checkNa(p: Draft<NaPacket>): void {
  checkIp(p.ip, p.problems, 'neighbor advertisement', 'RFC 4861 §7.1.2');
  if (p.target.startsWith('ff')) {
    p.problems.push({ id: 'malformed', message: `target ${p.target} is a multicast address (RFC 4861 §7.1.2)`, offset: p.ip.payloadOffset + 8 });
  }
  if (p.solicited && p.ip.dst.startsWith('ff')) {
    p.problems.push({ id: 'malformed', message: `solicited flag set on an advertisement to multicast ${p.ip.dst} (RFC 4861 §7.1.2)`, offset: p.ip.payloadOffset + 4 });
  }
}
