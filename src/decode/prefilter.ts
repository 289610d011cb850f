// The frames a capture reader may skip without building anything: what libpcap's BPF does with
// `vrrp or arp or ...`, in front of decodeFrame. A busy segment's capture is mostly TCP and UDP,
// which decodeFrame only counts as 'other'; reading the EtherType (through VLAN tags) and the IP
// protocol straight from the reader's chunk settles them without a Frame, a Link or a Packet.
//
// It answers true only where decodeFrame would return kind 'other' for the frame, by the same
// rules (link.ts, ipv4.ts, ipv6.ts and demux.ts, whose constants and predicates it uses): a header
// that is cut or wrong is never skipped (the decoder reports it as malformed), nor an IPv6 packet
// with extension headers (the decoder walks them), nor any link type but Ethernet.
// test/decode/prefilter.test.ts holds it to decodeFrame on every capture we have and fuzzed frames.
// Pure: no I/O, no state, no exception on any bytes.

import { LinkType } from '../frame.js';
import { isIpv6Extension, wantedIpv4, wantedIpv6 } from './demux.js';
import { EtherType } from './link.js';

const ETHERNET_HEADER_BYTES = 14;
const VLAN_TAG_BYTES = 4;
const IPV4_MIN_HEADER_BYTES = 20;
const IPV6_HEADER_BYTES = 40;

/**
 * True when the frame in b[start, end) of link type `linkType` is one decodeFrame classifies as
 * 'other' (traffic vrrpscope only counts), judged from its link and IP headers alone.
 */
export function skippable(b: Uint8Array, start: number, end: number, linkType: number): boolean {
  if (linkType !== LinkType.ETHERNET) return false;
  let off = start + ETHERNET_HEADER_BYTES;
  if (off > end) return false;
  let type = (b[off - 2] << 8) | b[off - 1];
  while (type === EtherType.VLAN || type === EtherType.QINQ || type === EtherType.QINQ_OLD) {
    if (off + VLAN_TAG_BYTES > end) return false;
    type = (b[off + 2] << 8) | b[off + 3];
    off += VLAN_TAG_BYTES;
  }
  if (type === EtherType.IPV4) return otherIpv4(b, off, end);
  if (type === EtherType.IPV6) return otherIpv6(b, off, end);
  // ARP is decoded; any other EtherType is 'other' (decodeFrame's last branch).
  return type !== EtherType.ARP;
}

/** parseIpv4's checks, then its filter: a sound header whose payload is not one we decode. */
function otherIpv4(b: Uint8Array, off: number, end: number): boolean {
  if (off + IPV4_MIN_HEADER_BYTES > end) return false;
  const first = b[off];
  if (first >> 4 !== 4) return false;
  const headerLength = (first & 0x0f) * 4;
  if (headerLength < IPV4_MIN_HEADER_BYTES || off + headerLength > end) return false;
  const totalLength = (b[off + 2] << 8) | b[off + 3];
  if (totalLength < headerLength) return false;
  return !wantedIpv4(b, off, headerLength, Math.min(end, off + totalLength));
}

/** parseIpv6's checks for a packet without extension headers, then its filter. */
function otherIpv6(b: Uint8Array, off: number, end: number): boolean {
  if (off + IPV6_HEADER_BYTES > end) return false;
  if (b[off] >> 4 !== 6) return false;
  const next = b[off + 6];
  if (isIpv6Extension(next)) return false;
  const payloadLength = (b[off + 4] << 8) | b[off + 5];
  const p = off + IPV6_HEADER_BYTES;
  return !wantedIpv6(b, next, 0, p, Math.min(end, p + payloadLength));
}
