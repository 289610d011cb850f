// A master sends the same advertisement every interval, and a router the same gratuitous ARP:
// most frames of a VRRP capture repeat an earlier one byte for byte, but for the IPv4
// identification and header checksum. Decoder remembers recent VRRP, ARP and neighbor
// advertisement frames and answers a repeat with a copy of the earlier Packet carrying the new
// time and record number, without decoding (or formatting an address) again.
//
// The copy shares the earlier packet's sub-objects (link, ip, addrs, problems, ...), which no
// consumer modifies. It always equals what decodeFrame() returns for the frame: the IPv4 fields
// skipped in the comparison are the only bytes decoding ignores, and the header checksum's
// verdict is carried over only when the two skipped fields sum to the same ones' complement
// value (keepalived increments the identification and the checksum drops by as much).
// test/decode/repeat.test.ts compares the two on every frame of every capture we have.

import type { Frame } from '../capture/types.js';
import { LinkType } from '../capture/types.js';
import { decodeFrame } from './index.js';
import type { ArpPacket, NaPacket, Packet, VrrpPacket } from './types.js';

const SLOT_BITS = 12;
const SLOTS = 1 << SLOT_BITS;
/**
 * Bytes kept per remembered frame; longer frames are decoded every time. An advert with one
 * address is 60 bytes (IPv4) or 86 (IPv6), an ARP 60, a neighbor advertisement 86-90.
 */
const SLOT_BYTES = 128;

const ETHERTYPE_IPV4 = 0x0800;
const ETHERTYPE_IPV6 = 0x86dd;
const ETHERTYPE_ARP = 0x0806;
const ETHERTYPE_VLAN = 0x8100;
const VRRP = 112;
const ICMPV6 = 58;
const NEIGHBOR_ADVERTISEMENT = 136;

/** decodeFrame with a memory of recent frames; see the top of this file. One per capture source. */
export class Decoder {
  private readonly kept: (Packet | undefined)[] = new Array<Packet | undefined>(SLOTS).fill(undefined);
  /** The remembered frames' bytes, SLOT_BYTES apart, read 4 at a time through a DataView. */
  private readonly store = new Uint8Array(SLOTS * SLOT_BYTES);
  private readonly storeView = new DataView(this.store.buffer);
  /** A view of the buffer the current frame lies in (a capture chunk), replaced when the chunk is. */
  private frameBuffer: ArrayBufferLike | null = null;
  private frameView: DataView = new DataView(new ArrayBuffer(0));
  private readonly lengths = new Int32Array(SLOTS);
  private readonly linkTypes = new Int32Array(SLOTS);
  /** IPv4: ones' complement sum of identification and header checksum; -1 for other frames. */
  private readonly idSums = new Int32Array(SLOTS);
  /** Frames answered from memory (for the benchmark). */
  repeats = 0;

  decode(frame: Frame): Packet {
    const b = frame.data;
    const len = b.length;
    if (len > SLOT_BYTES) return decodeFrame(frame);
    // Where the network header starts, for the link types live capture and files mostly have.
    let n: number;
    let type: number;
    switch (frame.linkType) {
      case LinkType.ETHERNET:
        if (len < 18) return decodeFrame(frame);
        type = (b[12] << 8) | b[13];
        n = 14;
        if (type === ETHERTYPE_VLAN) {
          type = (b[16] << 8) | b[17];
          n = 18;
        }
        break;
      case LinkType.LINUX_SLL:
        if (len < 16) return decodeFrame(frame);
        type = (b[14] << 8) | b[15];
        n = 16;
        break;
      case LinkType.LINUX_SLL2:
        if (len < 20) return decodeFrame(frame);
        type = (b[0] << 8) | b[1];
        n = 20;
        break;
      default:
        return decodeFrame(frame);
    }
    // A key from the fields that tell repeating senders apart: source and VRID, or the ARP addresses.
    let key: number;
    let idSum = -1;
    if (type === ETHERTYPE_IPV4) {
      // VRRP in a 20-byte header (VRRP sends no options).
      if (len < n + 22 || b[n] !== 0x45 || b[n + 9] !== VRRP) return decodeFrame(frame);
      key = word(b, n + 12) ^ Math.imul(b[n + 21], 0x01000193);
      idSum = ((b[n + 4] << 8) | b[n + 5]) + ((b[n + 10] << 8) | b[n + 11]);
      idSum = (idSum & 0xffff) + (idSum >>> 16);
    } else if (type === ETHERTYPE_IPV6) {
      if (len < n + 42) return decodeFrame(frame);
      const next = b[n + 6];
      if (next === VRRP) key = word(b, n + 20) ^ Math.imul(b[n + 41], 0x01000193) ^ 0x5bd1e995;
      else if (next === ICMPV6 && b[n + 40] === NEIGHBOR_ADVERTISEMENT && len >= n + 64) key = word(b, n + 60) ^ 0x27d4eb2f;
      else return decodeFrame(frame);
    } else if (type === ETHERTYPE_ARP) {
      if (len < n + 28) return decodeFrame(frame);
      key = word(b, n + 14) ^ Math.imul(word(b, n + 24), 0x85ebca6b) ^ b[n + 7];
    } else {
      return decodeFrame(frame);
    }
    const slot = Math.imul(key, 0x9e3779b1) >>> (32 - SLOT_BITS);
    const kept = this.kept[slot];
    if (kept !== undefined && this.lengths[slot] === len && this.linkTypes[slot] === frame.linkType && this.idSums[slot] === idSum) {
      if (b.buffer !== this.frameBuffer) {
        this.frameBuffer = b.buffer;
        this.frameView = new DataView(b.buffer);
      }
      const fv = this.frameView;
      const sv = this.storeView;
      const f0 = b.byteOffset;
      const s0 = slot * SLOT_BYTES;
      // IPv4: all but the identification (n+4, 2 bytes) and the header checksum (n+10, 2 bytes).
      const same = idSum < 0
        ? sameRange(sv, s0, fv, f0, len)
        : sameRange(sv, s0, fv, f0, n + 4) && sameRange(sv, s0 + n + 6, fv, f0 + n + 6, 4) && sameRange(sv, s0 + n + 12, fv, f0 + n + 12, len - n - 12);
      if (same) {
        this.repeats++;
        return repeated(kept, frame.ts, frame.record);
      }
    }
    const pkt = decodeFrame(frame);
    if (pkt.kind === 'vrrp' || pkt.kind === 'arp' || pkt.kind === 'na') {
      this.store.set(b, slot * SLOT_BYTES);
      this.kept[slot] = pkt;
      this.lengths[slot] = len;
      this.linkTypes[slot] = frame.linkType;
      this.idSums[slot] = idSum;
    }
    return pkt;
  }
}

function word(b: Uint8Array, o: number): number {
  return (b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3];
}

/** `n` bytes at `a`+`ao` equal those at `b`+`bo`: 4 at a time (a byte loop took three times as long). */
function sameRange(a: DataView, ao: number, b: DataView, bo: number, n: number): boolean {
  let i = 0;
  for (; i + 4 <= n; i += 4) if (a.getInt32(ao + i, true) !== b.getInt32(bo + i, true)) return false;
  for (; i < n; i++) if (a.getUint8(ao + i) !== b.getUint8(bo + i)) return false;
  return true;
}

/** `p` at another time and record number: every other field, and every sub-object, shared. */
function repeated(p: Packet, ts: number, record: number): Packet {
  switch (p.kind) {
    case 'vrrp':
      return repeatedVrrp(p, ts, record);
    case 'arp':
      return repeatedArp(p, ts, record);
    case 'na':
      return repeatedNa(p, ts, record);
    default:
      return { ...p, ts, record };
  }
}

// Field by field in decodeVrrp's order (one object shape for both; a spread copy costs twice as much).
function repeatedVrrp(p: VrrpPacket, ts: number, record: number): VrrpPacket {
  return {
    kind: 'vrrp', ts, record, link: p.link, problems: p.problems, ip: p.ip, version: p.version, type: p.type, vrid: p.vrid,
    priority: p.priority, addrCount: p.addrCount, authType: p.authType, authPass: p.authPass, authDataHex: p.authDataHex,
    intervalMs: p.intervalMs, reserved: p.reserved, checksum: p.checksum, checksumStatus: p.checksumStatus,
    checksumVariant: p.checksumVariant, checksumExpected: p.checksumExpected, addrs: p.addrs, vmac: p.vmac,
    vmacMatches: p.vmacMatches, truncated: p.truncated, capturedLength: p.capturedLength,
  };
}

function repeatedArp(p: ArpPacket, ts: number, record: number): ArpPacket {
  return {
    kind: 'arp', ts, record, link: p.link, problems: p.problems, op: p.op, senderMac: p.senderMac, senderIp: p.senderIp,
    targetMac: p.targetMac, targetIp: p.targetIp, gratuitous: p.gratuitous,
  };
}

function repeatedNa(p: NaPacket, ts: number, record: number): NaPacket {
  return {
    kind: 'na', ts, record, link: p.link, problems: p.problems, ip: p.ip, target: p.target, router: p.router,
    solicited: p.solicited, override: p.override, targetMac: p.targetMac, unsolicited: p.unsolicited,
    checksum: p.checksum, checksumStatus: p.checksumStatus,
  };
}
