// A master sends the same advertisement every interval, and a router the same gratuitous ARP:
// most frames of a VRRP capture repeat an earlier one byte for byte, but for the IPv4
// identification and header checksum. Decoder remembers recent VRRP, gratuitous ARP and neighbor
// advertisement frames and answers a repeat with the earlier Packet itself, its time and record
// number set to the new frame's, without decoding (or formatting an address, or allocating) again.
//
// So a packet from Decoder is valid until the next decode() call, like a Frame's bytes until its
// callback returns: consumers take what they need at once (the analyzer keeps fields and the
// sub-objects no consumer modifies, never the packet). Code that keeps packets uses decodeFrame().
// The answer always equals what decodeFrame() returns for the frame: the IPv4 fields skipped in
// the comparison are the only bytes decoding ignores, and the header checksum's verdict is
// carried over only when the two skipped fields sum to the same ones' complement value
// (keepalived increments the identification and the checksum drops by as much).
// test/decode/repeat.test.ts compares the two on every frame of every capture we have.

import type { Frame } from '../capture/types.js';
import { LinkType } from '../capture/types.js';
import { Icmpv6Type, IpProtocol } from './demux.js';
import { decodeFrame } from './index.js';
import { EtherType } from './link.js';
import type { Packet } from './types.js';

const SLOT_BITS = 12;
const SLOTS = 1 << SLOT_BITS;
/**
 * Bytes kept per remembered frame; longer frames are decoded every time. An advert with one
 * address is 60 bytes (IPv4) or 86 (IPv6), an ARP 60, a neighbor advertisement 86-90.
 */
const SLOT_BYTES = 128;


/** decodeFrame with a memory of recent frames; see the top of this file. One per capture source. */
export class Decoder {
  private readonly kept: (Packet | undefined)[] = new Array<Packet | undefined>(SLOTS).fill(undefined);
  /**
   * The remembered frames, SLOT_BYTES apart, as words of 4 bytes (see frameWord) with the IPv4
   * identification and header checksum masked out: compared a word at a time (a byte loop, or a
   * DataView over the capture's chunk, took half as long again).
   */
  private readonly words = new Int32Array((SLOTS * SLOT_BYTES) / 4);
  private readonly lengths = new Int32Array(SLOTS);
  private readonly linkTypes = new Int32Array(SLOTS);
  private readonly keys = new Int32Array(SLOTS);
  /** When each slot was last filled or answered from (a count of those events), to pick the way to replace. */
  private readonly used = new Float64Array(SLOTS);
  private clock = 0;
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
        if (type === EtherType.VLAN) {
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
    if (type === EtherType.IPV4) {
      // VRRP in a 20-byte header (VRRP sends no options).
      if (len < n + 22 || b[n] !== 0x45 || b[n + 9] !== IpProtocol.VRRP) return decodeFrame(frame);
      key = word(b, n + 12) ^ Math.imul(b[n + 21], 0x01000193);
      idSum = ((b[n + 4] << 8) | b[n + 5]) + ((b[n + 10] << 8) | b[n + 11]);
      idSum = (idSum & 0xffff) + (idSum >>> 16);
    } else if (type === EtherType.IPV6) {
      if (len < n + 42) return decodeFrame(frame);
      const next = b[n + 6];
      if (next === IpProtocol.VRRP) key = word(b, n + 20) ^ Math.imul(b[n + 41], 0x01000193) ^ 0x5bd1e995;
      else if (next === IpProtocol.ICMPV6 && b[n + 40] === Icmpv6Type.NEIGHBOR_ADVERTISEMENT && len >= n + 64) key = word(b, n + 60) ^ 0x27d4eb2f;
      else return decodeFrame(frame);
    } else if (type === EtherType.ARP) {
      if (len < n + 28) return decodeFrame(frame);
      key = word(b, n + 14) ^ Math.imul(word(b, n + 24), 0x85ebca6b) ^ b[n + 7];
    } else {
      return decodeFrame(frame);
    }
    // Two ways per set: senders whose keys land in one slot no longer evict each other every time.
    const first = (Math.imul(key, 0x9e3779b1) >>> (32 - SLOT_BITS)) & ~1;
    if (this.keys[first] === key && this.matches(first, frame, n, idSum)) return this.repeat(first, frame);
    if (this.keys[first + 1] === key && this.matches(first + 1, frame, n, idSum)) return this.repeat(first + 1, frame);
    return this.remember(frame, key, first, n, idSum);
  }

  /** Decodes the frame and keeps it in one of the two ways from `first` if it is a kind that repeats. */
  private remember(frame: Frame, key: number, first: number, n: number, idSum: number): Packet {
    const b = frame.data;
    const pkt = decodeFrame(frame);
    // Ordinary ARP between hosts seldom repeats before its slot is taken: remembering it evicted
    // adverts and turned every kept packet into old-generation garbage (peak RSS +25 MB).
    if (pkt.kind === 'vrrp' || pkt.kind === 'na' || (pkt.kind === 'arp' && pkt.gratuitous)) {
      // The sender's old entry if it has one (its advert changed), else the way used longer ago.
      const slot = this.keys[first] === key ? first
        : this.keys[first + 1] === key ? first + 1
        : this.used[first] <= this.used[first + 1] ? first : first + 1;
      const words = this.words;
      const w = (slot * SLOT_BYTES) / 4;
      const count = (b.length + 3) >> 2;
      for (let k = 0; k < count; k++) words[w + k] = frameWord(b, k, n, idSum);
      this.kept[slot] = pkt;
      this.keys[slot] = key;
      this.lengths[slot] = b.length;
      this.linkTypes[slot] = frame.linkType;
      this.idSums[slot] = idSum;
      this.used[slot] = ++this.clock;
    }
    return pkt;
  }

  /** The frame is the one kept in `slot`, but for the IPv4 identification and header checksum. */
  private matches(slot: number, frame: Frame, n: number, idSum: number): boolean {
    const b = frame.data;
    const len = b.length;
    if (this.kept[slot] === undefined || this.lengths[slot] !== len || this.linkTypes[slot] !== frame.linkType || this.idSums[slot] !== idSum) {
      return false;
    }
    const words = this.words;
    const w = (slot * SLOT_BYTES) / 4;
    const count = (len + 3) >> 2;
    for (let k = 0; k < count; k++) if (words[w + k] !== frameWord(b, k, n, idSum)) return false;
    return true;
  }

  private repeat(slot: number, frame: Frame): Packet {
    this.repeats++;
    this.used[slot] = ++this.clock;
    const pkt = this.kept[slot]!;
    pkt.ts = frame.ts;
    pkt.record = frame.record;
    return pkt;
  }
}

function word(b: Uint8Array, o: number): number {
  return (b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3];
}

/**
 * Bytes 4k to 4k+3 of the frame as one little-endian word (bytes past the end read as 0), with the
 * IPv4 identification (network header + 4) and header checksum (+ 10) zeroed when `idSum` >= 0.
 * Both fields are 2 bytes at an even offset, so each lies inside one word.
 */
function frameWord(b: Uint8Array, k: number, n: number, idSum: number): number {
  const i = 4 * k;
  const rest = b.length - i;
  let x = rest >= 4
    ? b[i] | (b[i + 1] << 8) | (b[i + 2] << 16) | (b[i + 3] << 24)
    : b[i] | (rest > 1 ? b[i + 1] << 8 : 0) | (rest > 2 ? b[i + 2] << 16 : 0);
  if (idSum >= 0) {
    if (k === (n + 4) >> 2) x &= ~(0xffff << (((n + 4) & 3) * 8));
    else if (k === (n + 10) >> 2) x &= ~(0xffff << (((n + 10) & 3) * 8));
  }
  return x;
}
