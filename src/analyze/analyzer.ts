// Per-virtual-router state over packet time, producing alerts.
//
// Deterministic: it consumes decoded frames and explicit tick(ts) calls and never reads the wall
// clock, so a capture file and a live wire give the same answers. Timed conditions (missed
// adverts, conditions that expire) fire at their exact deadline, not when we notice.
//
// This file only dispatches: each concern is a room of its own (ARCHITECTURE.md lists which alert
// lives where): adverts.ts, mastership.ts, contention.ts, peers.ts, claims.ts, rejects.ts,
// groups.ts, with the shared state in state.ts, the alert bookkeeping in conditions.ts and the
// renderers' view in snapshot.ts.

import type { Decoded, Direction } from '../decode/types.js';
import { onMalformedVrrp, onVrrp, type Sighting } from './adverts.js';
import type { ClockEstimate } from './clocks.js';
import { garpTimer, hiddenClaimTimer, onClaim, onNa } from './claims.js';
import { overlapTimer } from './contention.js';
import { checkGroupMembers, onGroup } from './groups.js';
import { missedAdvertTimer } from './mastership.js';
import type { VirtualRouter } from './model.js';
import { onIcmpError } from './rejects.js';
import { brief, snapshot, type AnalyzerBrief, type AnalyzerSnapshot } from './snapshot.js';
import { AnalyzerState, type AnalyzerOptions, type Totals } from './state.js';

export type { AnalyzerOptions } from './state.js';
export type { AnalyzerBrief, AnalyzerSnapshot, RouterBrief, RouterSnapshot, VridBrief, VridSnapshot } from './snapshot.js';
export type { DestinationKind, MasterChange, Role, VridState } from './model.js';
export { vmacOf } from './model.js';

/** A frame's direction as part of where it was seen (Sighting.place). */
const DIRECTION_PLACE: Readonly<Record<Direction, number>> = { in: 1, broadcast: 2, multicast: 3, 'other-host': 4, out: 5 };

/**
 * The timers, in the order they run for each virtual router when packet time reaches a deadline.
 * Each fires what is due at or before `now` (at its own deadline) and returns when it is next due.
 */
const TIMERS: readonly { name: string; run: (st: AnalyzerState, vr: VirtualRouter, now: number) => number }[] = [
  { name: 'missed advert', run: missedAdvertTimer },
  { name: 'split brain over', run: overlapTimer },
  { name: 'gratuitous ARP due', run: garpTimer },
  { name: 'hidden master due', run: hiddenClaimTimer },
  { name: 'condition expiry', run: (st, vr, now) => st.alerts.expire(vr, vr, now) },
];

export class Analyzer {
  private readonly st: AnalyzerState;

  constructor(options: AnalyzerOptions = {}) {
    this.st = new AnalyzerState(options);
  }

  /** Packet time of the latest packet or tick. */
  get now(): number {
    return this.st.nowTs;
  }

  get totals(): Totals {
    return this.st.totals;
  }

  /** Adverts handled by their timing alone (a repeat of the router's last advert), for the benchmark and tests. */
  get repeatedAdverts(): number {
    return this.st.repeatedAdverts;
  }

  ingest(decoded: Decoded): void {
    const st = this.st;
    const ts = decoded.ts;
    st.totals.packets++;
    this.advanceTo(ts);
    const pkt = decoded.packet;
    switch (pkt.kind) {
      case 'vrrp':
        st.totals.vrrp++;
        onVrrp(st, pkt, ts, decoded.repeat, this.sighting(decoded));
        break;
      case 'arp':
        st.totals.arp++;
        if (pkt.gratuitous || pkt.op === 2) onClaim(st, pkt.senderIp, pkt.senderMac, ts, st.segments.of(decoded));
        break;
      case 'na':
        st.totals.na++;
        onNa(st, pkt, ts, st.segments.of(decoded));
        break;
      case 'carp':
        st.totals.carp++;
        break;
      case 'icmp-error':
        st.totals.icmpErrors++;
        onIcmpError(st, pkt, ts, st.segments.of(decoded));
        break;
      case 'group':
        st.totals.group++;
        onGroup(st, pkt, ts);
        break;
      case 'malformed':
        st.totals.malformed++;
        if (pkt.claimed === 'vrrp' && pkt.ip) onMalformedVrrp(st, st.segments.of(decoded), pkt.ip.family, pkt.ip.src, ts, pkt.reason);
        break;
      default:
        st.totals.other++;
    }
  }

  /** Where `decoded` was seen; one object, refilled for every advert. */
  private sighting(decoded: Decoded): Sighting {
    const at = this.at;
    at.segment = this.st.segments.of(decoded);
    const direction = decoded.packet.link.direction;
    at.place = this.st.segments.lastPlace * 8 + (direction === undefined ? 0 : DIRECTION_PLACE[direction]);
    at.ipId = decoded.ipId;
    at.blind = direction !== undefined && decoded.iface === '' && decoded.packet.link.ifIndex === undefined;
    return at;
  }

  private readonly at: Sighting = { segment: 0, place: 0, ipId: -1, blind: false };

  /**
   * A frame of something not analysed (what ingest() does for an 'other' packet), for a reader
   * that skipped the frame without building it: counted, and its time taken.
   */
  other(ts: number): void {
    const st = this.st;
    st.totals.packets++;
    this.advanceTo(ts);
    st.totals.other++;
  }

  /**
   * Packet time at which the next timer is due (Infinity: none): a live source that ticks only
   * then instead of every 100 ms misses nothing, since nothing changes between deadlines.
   */
  get nextDeadline(): number {
    return this.st.nextDeadlineTs;
  }

  /** Advance packet time without a packet (live capture ticks every 100 ms). */
  tick(ts: number): void {
    this.advanceTo(ts);
  }

  /**
   * Several captures are read together, frames named by their vantage point: each has a clock of
   * its own (intervals are measured on one), estimated against the first as `clocks` says.
   */
  vantageClocks(clocks: ClockEstimate[]): void {
    this.st.segments.clockPerVantage();
    this.st.clocks = clocks;
  }

  /** The segment of the frame last ingested, named even when it is the only one (see VridSnapshot.segmentLabel). */
  lastSegmentLabel(): string {
    const segments = this.st.segments;
    return segments.label(segments.find(segments.lastPlace));
  }

  /**
   * The name of the segment `decoded` was seen on, as alerts and snapshot() name it (`vlan 20`,
   * `eth1`): null while the capture has shown one segment. For a renderer, after ingest(decoded).
   */
  segmentName(decoded: Decoded): string | null {
    const segments = this.st.segments;
    return segments.count > 1 ? segments.name(segments.of(decoded)) : null;
  }

  /** VRIDs whose routers list this virtual address (to filter ARP/NA by VRID). */
  claimedBy(addr: string): number[] {
    return this.st.vipIndex.get(addr)?.map((vr) => vr.vrid) ?? [];
  }

  /** End of input: evaluate timers once more at the last packet's time; nothing is invented after it. */
  finish(): void {
    const st = this.st;
    if (st.nowTs === -Infinity) return;
    this.runTimers(st.nowTs);
    checkGroupMembers(st, st.nowTs);
  }

  snapshot(): AnalyzerSnapshot {
    return snapshot(this.st);
  }

  /** The few numbers per virtual router a metrics scrape reads (snapshot() without its copies). */
  brief(): AnalyzerBrief {
    return brief(this.st);
  }

  private advanceTo(ts: number): void {
    const st = this.st;
    if (ts >= st.nextDeadlineTs) this.runTimers(ts);
    if (ts > st.nowTs) st.nowTs = ts;
  }

  /** Fires everything due at or before `now`, each at its own deadline, then finds the next deadline. */
  private runTimers(now: number): void {
    const st = this.st;
    let next = Infinity;
    for (const vr of st.vrs.values()) {
      for (const timer of TIMERS) next = Math.min(next, timer.run(st, vr, now));
    }
    next = Math.min(next, st.alerts.expire(null, st.alerts.unattributed, now));
    st.nextDeadlineTs = next;
  }
}
