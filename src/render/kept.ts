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

export class KeptPerSource {
  private readonly map = new Map<string, KeptText[]>();
  /**
   * The text last handed out for a packet of each VRID (two ways: a VRID is often used over IPv4
   * and IPv6 alike). A repeated advert is the very packet kept: found here by identity, with no
   * hash of its source address (that Map lookup was most of the cost of writing a repeated line).
   */
  private readonly byVrid: (KeptText | undefined)[] = new Array<KeptText | undefined>(2 * VRIDS).fill(undefined);

  /** `same(a, b)`: every field the kept text shows is equal in a and b (sources are equal by the key). */
  constructor(private readonly same: (a: VrrpPacket, b: VrrpPacket) => boolean) {}

  /** The text kept for p's source if it still fits p; undefined when it must be built (then keep()). */
  lookup(p: VrrpPacket): KeptText | undefined {
    const way = p.vrid & (VRIDS - 1);
    const hot = this.byVrid[way];
    if (hot !== undefined && hot.pkt === p) return hot;
    const other = this.byVrid[way + VRIDS];
    if (other !== undefined && other.pkt === p) return other;
    const kept = this.map.get(p.ip.src);
    if (kept === undefined) return undefined;
    // The very packet kept: the decoder answers a repeated frame with the packet it remembered.
    for (let i = 0; i < kept.length; i++) if (kept[i].pkt === p) return this.remember(way, kept[i]);
    for (let i = 0; i < kept.length; i++) if (this.same(p, kept[i].pkt)) return kept[i];
    return undefined;
  }

  /** `k` becomes the first way of VRID slot `way`; the text there moves to the second. */
  private remember(way: number, k: KeptText): KeptText {
    const hot = this.byVrid[way];
    if (hot !== k) {
      this.byVrid[way + VRIDS] = hot;
      this.byVrid[way] = k;
    }
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
