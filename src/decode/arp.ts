// ARP for Ethernet and IPv4 (RFC 826; gratuitous forms per RFC 5227 §3):
//
//    0                   1                   2                   3
//    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |     Hardware Type (1)         |     Protocol Type (0x0800)    |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |  HLen (6)     |  PLen (4)     |          Operation            |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |  Sender MAC (6) | Sender IP (4) | Target MAC (6) | Target IP (4)
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//
// A VRRP master announces its virtual addresses with gratuitous ARP (RFC 3768 §6.4.2,
// RFC 9568 §6.4.2), which is why ARP is decoded at all. Other hardware or protocol
// types, and operations other than request and reply (RARP, InARP), are 'other'.

import type { Frame } from '../frame.js';
import type { ArpPacket, Link, MalformedPacket, OtherPacket } from './types.js';
import { ipv4At, macAt, u16, u8 } from './bytes.js';
import { malformedPacket, otherPacket } from './packet.js';


const FIXED_LENGTH = 8;
const ETHER_IPV4_LENGTH = 28;

/**
 * Decode the ARP packet at `o`. `broadcast`: the link says the frame went to the
 * broadcast address (Ethernet ff:ff:ff:ff:ff:ff, or a Linux cooked broadcast packet type).
 */
export function decodeArp(frame: Frame, link: Link, o: number, broadcast: boolean): ArpPacket | MalformedPacket | OtherPacket {
  const b = frame.data;
  const end = b.length;
  if (o + FIXED_LENGTH > end) {
    return malformedPacket(frame, link, null, 'arp', `ARP header cut by the capture: ${Math.max(0, end - o)} of ${FIXED_LENGTH} bytes`, o, 'truncated');
  }
  const op = u16(b, o + 6, end);
  if (u16(b, o, end) !== 1 || u16(b, o + 2, end) !== 0x0800 || u8(b, o + 4, end) !== 6 || u8(b, o + 5, end) !== 4 || (op !== 1 && op !== 2)) {
    return otherPacket(frame, link);
  }
  if (o + ETHER_IPV4_LENGTH > end) {
    return malformedPacket(frame, link, null, 'arp', `ARP packet cut by the capture: ${end - o} of ${ETHER_IPV4_LENGTH} bytes`, o, 'truncated');
  }
  const senderIp = ipv4At(b, o + 14);
  const targetIp = ipv4At(b, o + 24);
  // RFC 5227 §3 announcement: sender = target. An ARP probe (sender 0.0.0.0, §2.1.1)
  // is not an announcement, even for the odd probe of 0.0.0.0 itself.
  const announces = senderIp === targetIp && senderIp !== '0.0.0.0';
  return {
    kind: 'arp',
    link,
    problems: [],
    op,
    senderMac: macAt(b, o + 8),
    senderIp,
    targetMac: macAt(b, o + 18),
    targetIp,
    gratuitous: announces || (op === 2 && broadcast),
  };
}
