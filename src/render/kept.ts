// A router sends the same advert every second: the text a renderer builds for it (the line after
// the timestamp, the NDJSON record after "record") is kept per source address and reused while
// every field it shows is unchanged. A line is then a few pieces instead of tens, and the byte
// writers copy the kept UTF-8 instead of encoding a string per packet.

import type { VrrpPacket } from '../decode/types.js';
import { flattened } from './output.js';

export interface KeptText {
  pkt: VrrpPacket;
  text: string;
  /** `text` in UTF-8, made the first time it is written as bytes (see keptBytes). */
  bytes: Uint8Array | null;
}

const MAX_SOURCES = 4096;
/**
 * Texts kept per source: a capture on several interfaces (`-i any`, a trunk) sees each advert in
 * several places, with a packet (and a text: interface, direction, VLAN) of its own for each.
 */
const WAYS = 4;
/** VRRP and CARP identifiers are 8 bits. */
const VRIDS = 256;
/** Texts found by packet identity per VRID (see KeptPerSource.byVridPkt). */
const VRID_WAYS = 4;

export class KeptPerSource {
  private readonly map = new Map<string, KeptText[]>();
  /**
   * The texts last handed out per VRID, VRID_WAYS of them (a VRID is often used over IPv4 and IPv6
   * alike, and `-i any` sees each advert as three packets): way w of VRID v at w * VRIDS + v, the
   * packet in `byVridPkt`, its text in `byVridText`. A repeated advert is the very packet kept:
   * found by identity in a small array, with no hash of its source address (that Map lookup was
   * most of the cost of writing a repeated line) and no kept text read until one matches.
   */
  private readonly byVridPkt: (VrrpPacket | null)[] = new Array<VrrpPacket | null>(VRID_WAYS * VRIDS).fill(null);
  private readonly byVridText: (KeptText | null)[] = new Array<KeptText | null>(VRID_WAYS * VRIDS).fill(null);

  /** `same(a, b)`: every field the kept text shows is equal in a and b (sources are equal by the key). */
  constructor(private readonly same: (a: VrrpPacket, b: VrrpPacket) => boolean) {}

  /** The text kept for p's source if it still fits p; undefined when it must be built (then keep()). */
  lookup(p: VrrpPacket): KeptText | undefined {
    const vrid = p.vrid & (VRIDS - 1);
    const pkts = this.byVridPkt;
    for (let at = vrid; at < VRID_WAYS * VRIDS; at += VRIDS) if (pkts[at] === p) return this.byVridText[at]!;
    const kept = this.map.get(p.ip.src);
    if (kept === undefined) return undefined;
    // The very packet kept: the decoder answers a repeated frame with the packet it remembered.
    for (let i = 0; i < kept.length; i++) if (kept[i].pkt === p) return this.remember(vrid, kept[i]);
    for (let i = 0; i < kept.length; i++) if (this.same(p, kept[i].pkt)) return kept[i];
    return undefined;
  }

  /** `k` becomes the first way of VRID `vrid`; the others move down one, the last is dropped. */
  private remember(vrid: number, k: KeptText): KeptText {
    const pkts = this.byVridPkt;
    const texts = this.byVridText;
    for (let at = vrid + (VRID_WAYS - 1) * VRIDS; at > vrid; at -= VRIDS) {
      pkts[at] = pkts[at - VRIDS];
      texts[at] = texts[at - VRIDS];
    }
    pkts[vrid] = k.pkt;
    texts[vrid] = k;
    return k;
  }

  keep(p: VrrpPacket, text: string): KeptText {
    let list = this.map.get(p.ip.src);
    if (list === undefined) {
      if (this.map.size >= MAX_SOURCES) this.map.clear();
      this.map.set(p.ip.src, (list = []));
    }
    const kept: KeptText = { pkt: p, text: flattened(text), bytes: null };
    if (list.length >= WAYS) list.pop();
    list.unshift(kept);
    return this.remember(p.vrid & (VRIDS - 1), kept);
  }
}

export function keptBytes(k: KeptText): Uint8Array {
  return (k.bytes ??= Buffer.from(k.text, 'utf8'));
}
