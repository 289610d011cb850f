// The pipeline's decoder: decodeFrame with a memory of recent frames.
//
// A master sends the same advertisement every interval, and a router the same gratuitous ARP:
// most frames of a VRRP capture repeat an earlier one byte for byte, but for the IPv4
// identification and header checksum. Decoder remembers recent VRRP, gratuitous ARP and neighbor
// advertisement frames and answers a repeat with the Packet decoded the first time, marked
// `repeat: true` in its Decoded record, without decoding (or formatting an address) again.
//
// Packets are read-only, so sharing one is safe; the frame's own facts (time, record number) are
// in the Decoded record, never in the packet. The packet always equals what decodeFrame() returns
// for the frame: the IPv4 fields skipped in the comparison are the only bytes decoding ignores,
// and the header checksum's verdict is carried over only when the two skipped fields sum to the
// same ones' complement value (keepalived increments the identification and the checksum drops by
// as much). test/decode/decoder.test.ts compares the two on every frame of every capture we have.

import type { Frame } from '../frame.js';
import { BufferFrame, LinkType } from '../frame.js';
import { Icmpv6Type, IpProtocol } from './demux.js';
import { decodeFrame, ipv4Id } from './index.js';
import { EtherType } from './link.js';
import type { Decoded, Packet } from './types.js';

const SLOT_BITS = 13;
const SLOTS = 1 << SLOT_BITS;
/**
 * A slot is 64 words (256 bytes): its key, length and link type, IPv4 sum, last use, then the
 * frame. Everything a lookup reads lies together (the header's cache line, then as many as the
 * frame is long): with separate arrays per field a repeat touched seven cache lines, which the
 * capture streaming through the cache kept evicting. Slots never used cost no memory (their pages
 * are never touched).
 */
const SLOT_WORDS = 64;
const KEY = 0;
/** Frame length | link type << 8 (the decoder takes only link types below 2^23: Ethernet, SLL, SLL2). */
const META = 1;
/** IPv4: ones' complement sum of identification and header checksum; -1 for other frames. */
const ID_SUM = 2;
/** When the slot was last filled or answered from (a count of those events; it may wrap, which only blurs one eviction choice), to pick the way to replace. */
const USED = 3;
const HEADER_WORDS = 4;
/**
 * Bytes kept per remembered frame (240); longer frames are decoded every time. An advert with one
 * address is 60 bytes (IPv4) or 86 (IPv6); VRRPv2 with 20 virtual addresses 130, VRRPv3 over
 * IPv6 with 9 addresses 206; an ARP 60, a neighbor advertisement 86-90.
 */
const SLOT_BYTES = (SLOT_WORDS - HEADER_WORDS) * 4;

/** decodeFrame with a memory of recent frames; see the top of this file. One per capture source. */
export class Decoder {
  private readonly kept: (Packet | undefined)[] = new Array<Packet | undefined>(SLOTS).fill(undefined);
  /**
   * The slots (see SLOT_WORDS). The remembered frame is kept as words of 4 bytes (see masked())
   * with the IPv4 identification and header checksum masked out: compared a word at a time, read
   * with the source's DataView (one load each; assembling words from bytes took 1.5 times as long).
   */
  private readonly slots = new Int32Array(SLOTS * SLOT_WORDS);
  private clock = 0;
  /** Frames answered from memory (for the benchmark). */
  repeats = 0;

  decode(frame: Frame): Decoded {
    this.hit = false;
    this.ipId = -2;
    // A frame from a capture source is read in its source's buffer, with no view made for it.
    let packet: Packet;
    if (frame instanceof BufferFrame) packet = this.decodeIn(frame, frame.buffer, frame.view, frame.start, frame.end - frame.start);
    else {
      const data = frame.data;
      packet = this.decodeIn(frame, data, new DataView(data.buffer, data.byteOffset, data.length), 0, data.length);
    }
    // decodeIn read the identification where it found IPv4 in a header it knows; elsewhere it is looked for.
    const ipId = this.ipId !== -2 ? this.ipId : ipv4Id(frame, packet);
    const d = this.record;
    d.ts = frame.ts;
    d.record = frame.record;
    d.iface = frame.iface ?? '';
    d.ipId = ipId;
    d.repeat = this.hit;
    d.packet = packet;
    return d;
  }

  /**
   * The record decode() returns, refilled for every frame (a record per frame was most of the
   * young-generation garbage of a read): valid until the next decode(). Nobody downstream keeps a
   * Decoded; what must outlive the frame is copied out of it.
   */
  private readonly record = new DecodedRecord();

  /** The IPv4 identification decodeIn read (-1: not IPv4), or -2 when it did not look. */
  private ipId = -2;

  /** The last decodeIn() answered from memory. */
  private hit = false;

  /** The frame is bytes[s, s + len); `view` reads the same buffer at the same offsets. */
  private decodeIn(frame: Frame, b: Uint8Array, view: DataView, s: number, len: number): Packet {
    if (len > SLOT_BYTES) return decodeFrame(frame);
    // Where the network header starts, for the link types live capture and files mostly have.
    let n: number;
    let type: number;
    // Linux cooked captures (`-i any`) see one advert in several places (interfaces, directions):
    // each place is a sender of its own here, or its copies would keep evicting each other.
    let place = 0;
    switch (frame.linkType) {
      case LinkType.ETHERNET:
        if (len < 18) return decodeFrame(frame);
        type = (b[s + 12] << 8) | b[s + 13];
        n = 14;
        if (type === EtherType.VLAN) {
          type = (b[s + 16] << 8) | b[s + 17];
          n = 18;
        }
        break;
      case LinkType.LINUX_SLL:
        if (len < 16) return decodeFrame(frame);
        type = (b[s + 14] << 8) | b[s + 15];
        n = 16;
        place = b[s + 1];
        break;
      case LinkType.LINUX_SLL2:
        if (len < 20) return decodeFrame(frame);
        type = (b[s + 0] << 8) | b[s + 1];
        n = 20;
        place = view.getInt32(s + 4) ^ (b[s + 10] << 28);
        break;
      default:
        return decodeFrame(frame);
    }
    // A key from the fields that tell repeating senders apart: source and VRID, or the ARP addresses.
    const h = s + n;
    let key: number;
    let idSum = -1;
    if (type === EtherType.IPV4) {
      // VRRP in a 20-byte header (VRRP sends no options).
      if (len < n + 22 || b[h] !== 0x45 || b[h + 9] !== IpProtocol.VRRP) return decodeFrame(frame);
      this.ipId = (b[h + 4] << 8) | b[h + 5];
      key = view.getInt32(h + 12) ^ Math.imul(b[h + 21], 0x01000193);
      idSum = ((b[h + 4] << 8) | b[h + 5]) + ((b[h + 10] << 8) | b[h + 11]);
      idSum = (idSum & 0xffff) + (idSum >>> 16);
    } else if (type === EtherType.IPV6) {
      if (len < n + 42) return decodeFrame(frame);
      const next = b[h + 6];
      if (next === IpProtocol.VRRP) key = view.getInt32(h + 20) ^ Math.imul(b[h + 41], 0x01000193) ^ 0x5bd1e995;
      else if (next === IpProtocol.ICMPV6 && b[h + 40] === Icmpv6Type.NEIGHBOR_ADVERTISEMENT && len >= n + 64) key = view.getInt32(h + 60) ^ 0x27d4eb2f;
      else return decodeFrame(frame);
    } else if (type === EtherType.ARP) {
      if (len < n + 28) return decodeFrame(frame);
      key = view.getInt32(h + 14) ^ Math.imul(view.getInt32(h + 24), 0x85ebca6b) ^ b[h + 7];
    } else {
      return decodeFrame(frame);
    }
    if (place !== 0) key ^= Math.imul(place, 0x2c1b3c6d);
    // Two ways per set: senders whose keys land in one slot no longer evict each other every time.
    const first = (Math.imul(key, 0x9e3779b1) >>> (32 - SLOT_BITS)) & ~1;
    const meta = len | (frame.linkType << 8);
    // A key lives in one way at most (remember() reuses the sender's way): the way whose header
    // fits is the only candidate, and an empty slot has meta 0, which no frame has.
    const slots = this.slots;
    const a = first * SLOT_WORDS;
    const slot = slots[a + KEY] === key && slots[a + META] === meta && slots[a + ID_SUM] === idSum ? first
      : slots[a + SLOT_WORDS + KEY] === key && slots[a + SLOT_WORDS + META] === meta && slots[a + SLOT_WORDS + ID_SUM] === idSum ? first + 1
      : -1;
    if (slot >= 0 && this.sameFrame(slot, b, view, s, len, n, idSum)) return this.repeat(slot);
    return this.remember(frame, b, view, s, len, key, meta, first, n, idSum);
  }

  /** Decodes the frame and keeps it in one of the two ways from `first` if it is a kind that repeats. */
  private remember(frame: Frame, b: Uint8Array, view: DataView, s: number, len: number, key: number, meta: number, first: number, n: number, idSum: number): Packet {
    const pkt = decodeFrame(frame);
    // Ordinary ARP between hosts seldom repeats before its slot is taken: remembering it would
    // evict adverts and turn kept packets into old-generation garbage.
    if (pkt.kind === 'vrrp' || pkt.kind === 'na' || (pkt.kind === 'arp' && pkt.gratuitous)) {
      // The sender's old entry if it has one (its advert changed), else the way used longer ago.
      const slots = this.slots;
      const a = first * SLOT_WORDS;
      const z = a + SLOT_WORDS;
      const slot = slots[a + KEY] === key ? first
        : slots[z + KEY] === key ? first + 1
        : ((slots[a + USED] - slots[z + USED]) | 0) <= 0 ? first : first + 1;
      const at = slot * SLOT_WORDS;
      const w = at + HEADER_WORDS;
      const full = len >> 2;
      const id = idSum >= 0 ? n + 4 : -8;
      for (let k = 0; k < full; k++) slots[w + k] = masked(view.getInt32(s + 4 * k, true), k, id);
      if ((len & 3) !== 0) slots[w + full] = masked(tailWord(b, s, len), full, id);
      this.kept[slot] = pkt;
      slots[at + KEY] = key;
      slots[at + META] = meta;
      slots[at + ID_SUM] = idSum;
      slots[at + USED] = this.clock = (this.clock + 1) | 0;
    }
    return pkt;
  }

  /** The frame is the one kept in `slot` (whose header fits it), but for the IPv4 identification and header checksum. */
  private sameFrame(slot: number, b: Uint8Array, view: DataView, s: number, len: number, n: number, idSum: number): boolean {
    const slots = this.slots;
    const w = slot * SLOT_WORDS + HEADER_WORDS;
    const full = len >> 2;
    // The two words holding the masked fields, and their masks (see masked()); -1 words for other frames.
    const id = idSum >= 0 ? n + 4 : -8;
    const idWord = id >> 2;
    const idMask = ~(0xffff << ((id & 3) * 8));
    const sumWord = (id + 6) >> 2;
    const sumMask = ~(0xffff << (((id + 6) & 3) * 8));
    // Differences collected without a branch per word: a repeat (the usual answer) reads every word anyway.
    let diff = 0;
    for (let k = 0; k < full; k++) {
      const d = view.getInt32(s + 4 * k, true) ^ slots[w + k];
      diff |= k === idWord ? d & idMask : k === sumWord ? d & sumMask : d;
    }
    if ((len & 3) !== 0) diff |= masked(tailWord(b, s, len), full, id) ^ slots[w + full];
    return diff === 0;
  }

  private repeat(slot: number): Packet {
    this.repeats++;
    this.hit = true;
    this.slots[slot * SLOT_WORDS + USED] = this.clock = (this.clock + 1) | 0;
    return this.kept[slot]!;
  }
}

/** A Decoded whose fields a Decoder refills; fields start as the types they keep (see BufferFrame). */
class DecodedRecord implements Decoded {
  ts = 0;
  record = 0;
  iface = '';
  ipId = -1;
  repeat = false;
  /** Set by the first decode(), before anyone sees the record. */
  packet!: Packet;
}

/** The last, partial word of a frame whose length is not a multiple of 4: the missing bytes read as 0. */
function tailWord(b: Uint8Array, s: number, len: number): number {
  const i = s + (len & ~3);
  const rest = len & 3;
  return b[i] | (rest > 1 ? b[i + 1] << 8 : 0) | (rest > 2 ? b[i + 2] << 16 : 0);
}

/**
 * Word k of the frame (bytes 4k to 4k+3, read little endian) with the IPv4 identification (at
 * `id`, the network header + 4) and header checksum (at `id` + 6) zeroed; `id` is negative when
 * the frame is not IPv4. Both fields are 2 bytes at an even offset, so each lies inside one word.
 */
function masked(x: number, k: number, id: number): number {
  if (k === id >> 2) return x & ~(0xffff << ((id & 3) * 8));
  if (k === (id + 6) >> 2) return x & ~(0xffff << (((id + 6) & 3) * 8));
  return x;
}
