// Everything the analyzer knows, in one place every room reads and writes: the virtual routers,
// the address index and claims, group memberships, totals, the alert book and the next deadline.

import type { Family } from '../decode/types.js';
import type { Alert } from './alerts.js';
import type { ClockEstimate } from './clocks.js';
import { AlertBook } from './conditions.js';
import { newVirtualRouter, vrSlot, type VirtualRouter } from './model.js';
import { Segments } from './segments.js';
import { masterDownIntervalMs } from './timers.js';

export interface AnalyzerOptions {
  /** Expected VRRPv2 password (`--auth-pass`): a router using another one raises auth-mismatch. */
  authPass?: string;
  /** Every alert as it is raised, with its virtual router's segment named even when the capture holds one (null: no virtual router). */
  onAlert?: (alert: Alert, segment: string | null) => void;
  /**
   * The capture used vrrpscope's live default filter, so ARP, neighbor advertisements, IGMP/MLD and
   * ICMP errors would all have been captured. For files we cannot know the filter: garp-missing and
   * no-group-member are then judged only once the capture has shown some ARP / NA / IGMP / MLD at all.
   */
  defaultLiveFilter?: boolean;
  /** Bounded state against floods of forged sources (oldest silent routers are evicted). */
  maxRoutersPerVrid?: number;
  maxMasterChanges?: number;
  maxClaimedAddresses?: number;
}

const DEFAULTS = { maxRoutersPerVrid: 64, maxMasterChanges: 200, maxClaimedAddresses: 65_536 };

function newSlots(): (VirtualRouter | undefined)[] {
  return new Array<VirtualRouter | undefined>(512).fill(undefined);
}

export interface Claim {
  mac: string;
  ts: number;
}

export interface Membership {
  joinedTs: number;
  leftTs: number | null;
  protocol: 'igmp' | 'mld';
}

export type Totals = AnalyzerState['totals'];

export class AnalyzerState {
  readonly opts: Required<Omit<AnalyzerOptions, 'authPass' | 'onAlert' | 'defaultLiveFilter'>> & AnalyzerOptions;
  readonly alerts: AlertBook;
  readonly vrs = new Map<string, VirtualRouter>();
  readonly segments = new Segments();
  /** The same virtual routers per segment, by family and VRID (see vrSlot). */
  private readonly slots: (VirtualRouter | undefined)[][] = [newSlots()];
  /** Virtual address -> virtual routers listing it, so ARP/NA claims can be attributed. */
  readonly vipIndex = new Map<string, VirtualRouter[]>();
  /** Virtual address (on its segment, see claims.ts claimKey) -> the last MAC that claimed it. */
  readonly claims = new Map<string, Claim>();
  /** Multicast group -> member address -> membership (from IGMP / MLD reports and leaves). Bounded. */
  readonly groups = new Map<string, Map<string, Membership>>();
  readonly totals = { packets: 0, vrrp: 0, carp: 0, arp: 0, na: 0, icmpErrors: 0, group: 0, malformed: 0, other: 0, truncated: 0 };
  /** Packet time of the latest packet or tick. */
  nowTs = -Infinity;
  /** The earliest time a timer is due (see analyzer.ts runTimers). */
  nextDeadlineTs = Infinity;
  /** A takeover's GARPs could not be judged because the capture holds no ARP/NA at all. */
  garpUnjudged = false;
  /** state-limit is reported once per run. */
  stateLimitRaised = false;
  /** Sources already reported for malformed VRRP (bounded). */
  readonly malformedSeen = new Set<string>();
  /** Captures of several vantage points: each one's clock against the first (clocks.ts); empty otherwise. */
  clocks: ClockEstimate[] = [];
  /** Adverts handled by their timing alone (a repeat of the router's last advert), for the benchmark and tests. */
  repeatedAdverts = 0;

  constructor(options: AnalyzerOptions) {
    this.opts = { ...DEFAULTS, ...options };
    this.alerts = new AlertBook(options.onAlert, (vr) => this.segments.name(vr.segment), (vr) => this.segments.label(vr.segment));
  }

  /** Something is due at `ts`: timers run when packet time reaches it. */
  schedule(ts: number): void {
    if (ts < this.nextDeadlineTs) this.nextDeadlineTs = ts;
  }

  /** The virtual routers of a segment, by vrSlot: looked up per advert, an array slot, not a key string built and hashed. */
  slotsOf(segment: number): (VirtualRouter | undefined)[] {
    let slots = this.slots[segment];
    if (slots === undefined) {
      slots = newSlots();
      this.slots[segment] = slots;
    }
    return slots;
  }

  /** The virtual router of (segment, family, VRID), made on first use. */
  virtualRouter(segment: number, family: Family, vrid: number): VirtualRouter {
    const slots = this.slotsOf(segment);
    const slot = vrSlot(family, vrid);
    const cached = slots[slot];
    if (cached !== undefined) return cached;
    const vr = newVirtualRouter(segment, family, vrid);
    this.vrs.set(vr.key, vr);
    slots[slot] = vr;
    return vr;
  }

  /** An existing virtual router, or null. */
  findVirtualRouter(segment: number, family: Family, vrid: number): VirtualRouter | null {
    return this.slots[segment]?.[vrSlot(family, vrid)] ?? null;
  }

  /** Whether any virtual router lives in `segment`. */
  hasVirtualRouters(segment: number): boolean {
    const slots = this.slots[segment];
    return slots !== undefined && slots.some((vr) => vr !== undefined);
  }

  /** The name of `vr`'s segment in output, null while the capture has shown one segment. */
  segmentName(vr: VirtualRouter): string | null {
    return this.segments.name(vr.segment);
  }

  /** `VRID 51`, or `VRID 51 vlan 20` once the capture has shown more than one segment: how messages name `vr`. */
  vridName(vr: VirtualRouter): string {
    const segment = this.segments.name(vr.segment);
    return segment === null ? `VRID ${vr.vrid}` : `VRID ${vr.vrid} ${segment}`;
  }

  /** Master_Down_Interval of `vr` in seconds, from its master (or the last one, or any router). */
  masterDownS(vr: VirtualRouter): number {
    const r = vr.master ?? vr.lostMaster ?? vr.routers.values().next().value;
    return r ? masterDownIntervalMs(r.version, r.priority || 1, r.intervalMs) / 1000 : 4;
  }
}
