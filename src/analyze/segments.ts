// A VRID means nothing without its L2 segment: a virtual router is (segment, family, VRID).
//
// A frame's segment comes from what the capture tells of where it was seen: the capture
// interface (pcapng interface, live interface), the Linux cooked interface index (SLL2, `-i any`)
// and the VLAN tag stack. Interfaces are only a first guess: on a bridge host `-i any` sees one
// advert on every port and on the bridge, so interfaces proven to carry the same adverts (copies,
// see adverts.ts) are joined into one segment, and the summary says which and why.
//
// A capture of one segment names none: names appear only once a second segment is seen, so such
// a capture reads exactly as without the segment model.

import type { Decoded } from '../decode/types.js';

/** Where a frame was seen, as far as the capture tells. */
interface Place {
  /** Capture interface, SLL2 interface index: '' when the capture tells neither. */
  iface: string;
  /** 802.1Q / 802.1ad tags, outermost first, joined with '.' ('' untagged). */
  vlans: string;
}

/** A joining of two places into one segment, for the summary. */
export interface SegmentMerge {
  ts: number;
  into: string;
  joined: string;
  why: string;
}

/** More distinct places than this are folded into the last one (a flood of forged tags must not grow state). */
const MAX_PLACES = 4096;
/** VLAN ids are 12 bits: 0 stands for untagged, 1-4096 for VLAN 0-4095. */
const VLAN_NUMBERS = 4097;

export class Segments {
  private readonly ids = new Map<string, number>();
  private readonly places: Place[] = [{ iface: '', vlans: '' }];
  /** Union-find parent of each place; a root is a segment. */
  private readonly parent: number[] = [0];
  /** Segments seen so far: places seen (place 0, untagged and unnamed, once a frame has it) less joinings. */
  private roots = 0;
  private seenPlace0 = false;
  readonly merges: SegmentMerge[] = [];
  private lastKey = '';
  private lastId = 0;
  /** The place (before joining) of the frame last given to of(). */
  lastPlace = 0;
  /**
   * Captures of several vantage points read together (see clocks.ts): each vantage has a clock of
   * its own, numbered from 0 in the order they are first seen; -1 while there is one clock. The
   * clock of the frame last given to of(): looked up when asked, so of() stores nothing more.
   */
  get lastClock(): number {
    return this.clocks[this.lastPlace];
  }

  private clockIds: Map<string, number> | null = null;
  /** The clock of each place. */
  private readonly clocks: number[] = [-1];

  /** Frames are named by their vantage point (Frame.iface), each with its own clock. */
  clockPerVantage(): void {
    this.clockIds = new Map();
  }

  /** The segment of a decoded frame (a root id). */
  of(decoded: Decoded): number {
    const link = decoded.packet.link;
    // The usual capture: one interface, untagged, no interface index: segment 0, nothing built.
    if (decoded.iface === '' && link.vlans.length === 0 && link.ifIndex === undefined) {
      if (!this.seenPlace0) {
        this.seenPlace0 = true;
        this.roots++;
        this.placesSeen++;
      }
      this.lastPlace = 0;
      return this.find(0);
    }
    // A place seen before, found without building its key (a string per frame was most of the
    // garbage of reading a `-i any` capture): by interface name, then a number of the interface
    // index and the one VLAN tag. QinQ stacks take the keyed path below.
    const vlanNumber = link.vlans.length === 0 ? 0 : link.vlans.length === 1 ? link.vlans[0] + 1 : -1;
    const number = vlanNumber < 0 ? -1 : ((link.ifIndex ?? -1) + 1) * VLAN_NUMBERS + vlanNumber;
    const byNumber = this.known.get(decoded.iface);
    const known = number < 0 || byNumber === undefined ? undefined : byNumber.get(number);
    if (known !== undefined) {
      this.lastPlace = known;
      return this.find(known);
    }
    const iface = link.ifIndex === undefined ? decoded.iface : decoded.iface === '' ? `if${link.ifIndex}` : `${decoded.iface}/if${link.ifIndex}`;
    const vlans = link.vlans.length === 0 ? '' : link.vlans.length === 1 ? String(link.vlans[0]) : link.vlans.join('.');
    const key = iface + '|' + vlans;
    if (key === this.lastKey) {
      this.lastPlace = this.lastId;
      return this.find(this.lastId);
    }
    let id = this.ids.get(key);
    if (id === undefined) {
      if (this.places.length >= MAX_PLACES) {
        this.lastPlace = this.places.length - 1;
        return this.find(this.lastPlace);
      }
      id = this.places.length;
      this.places.push({ iface, vlans });
      this.clocks.push(this.clockOf(decoded.iface));
      this.parent.push(id);
      this.ids.set(key, id);
      this.roots++;
      this.placesSeen++;
    }
    if (number >= 0) {
      if (byNumber === undefined) this.known.set(decoded.iface, new Map([[number, id]]));
      else byNumber.set(number, id);
    }
    this.lastKey = key;
    this.lastId = id;
    this.lastPlace = id;
    return this.find(id);
  }

  private clockOf(vantage: string): number {
    const ids = this.clockIds;
    if (ids === null) return -1;
    let clock = ids.get(vantage);
    if (clock === undefined) {
      clock = ids.size;
      ids.set(vantage, clock);
    }
    return clock;
  }

  /** Places by interface name, then by ((interface index + 1) * VLAN_NUMBERS + VLAN id + 1); see of(). */
  private readonly known = new Map<string, Map<number, number>>();

  find(id: number): number {
    let x = id;
    while (this.parent[x] !== x) x = this.parent[x];
    return x;
  }

  /** Joins segment `joined` into `into` (both roots) at `ts`, because `why`. */
  merge(into: number, joined: number, ts: number, why: string): void {
    if (into === joined) return;
    this.merges.push({ ts, into: this.label(into), joined: this.label(joined), why });
    this.parent[joined] = into;
    this.roots--;
  }

  /** Places (interfaces, vantage points, VLAN stacks) seen so far, joined or not. */
  placesSeen = 0;

  /** How many segments the capture has shown so far. */
  get count(): number {
    return this.roots;
  }

  /** The segment's name in output (`vlan 20`, `eth1`, `eth1 vlan 20`), or null while the capture has shown only one. */
  name(id: number): string | null {
    return this.roots > 1 ? this.label(id) : null;
  }

  /** The name of a segment, or of a place (before any joining: its interface or vantage point and VLANs), regardless of how many there are. */
  label(id: number): string {
    // Made once per place: the HTML report asks for the segment of every advert.
    return (this.labels[id] ??= this.makeLabel(id));
  }

  private readonly labels: string[] = [];

  private makeLabel(id: number): string {
    const p = this.places[id];
    const vlan = p.vlans === '' ? '' : `vlan ${p.vlans}`;
    if (p.iface === '') return vlan === '' ? 'untagged' : vlan;
    return vlan === '' ? p.iface : `${p.iface} ${vlan}`;
  }
}
