// Everything the analyzer knows, in one place every room reads and writes: the virtual routers,
// the address index and claims, group memberships, totals, the alert book and the next deadline.

import type { Family } from '../decode/types.js';
import type { Alert } from './alerts.js';
import { AlertBook } from './conditions.js';
import { newVirtualRouter, vrSlot, type VirtualRouter } from './model.js';
import { masterDownIntervalMs } from './timers.js';

export interface AnalyzerOptions {
  /** Expected VRRPv2 password (`--auth-pass`): a router using another one raises auth-mismatch. */
  authPass?: string;
  onAlert?: (alert: Alert) => void;
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
  /** The same virtual routers by family and VRID (see vrSlot). */
  readonly vrBySlot: (VirtualRouter | undefined)[] = new Array<VirtualRouter | undefined>(512).fill(undefined);
  /** Virtual address -> virtual routers listing it, so ARP/NA claims can be attributed. */
  readonly vipIndex = new Map<string, VirtualRouter[]>();
  /** Virtual address -> the last MAC that claimed it. */
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
  /** Adverts handled by their timing alone (a repeat of the router's last advert), for the benchmark and tests. */
  repeatedAdverts = 0;

  constructor(options: AnalyzerOptions) {
    this.opts = { ...DEFAULTS, ...options };
    this.alerts = new AlertBook(options.onAlert);
  }

  /** Something is due at `ts`: timers run when packet time reaches it. */
  schedule(ts: number): void {
    if (ts < this.nextDeadlineTs) this.nextDeadlineTs = ts;
  }

  /** The virtual router of (family, VRID), made on first use. */
  virtualRouter(family: Family, vrid: number): VirtualRouter {
    // Looked up per advert: an array slot, not a key string built and hashed every time.
    const slot = vrSlot(family, vrid);
    const cached = this.vrBySlot[slot];
    if (cached !== undefined) return cached;
    const vr = newVirtualRouter(family, vrid);
    this.vrs.set(vr.key, vr);
    this.vrBySlot[slot] = vr;
    return vr;
  }

  /** An existing virtual router, or null. */
  findVirtualRouter(family: Family, vrid: number): VirtualRouter | null {
    return this.vrBySlot[vrSlot(family, vrid)] ?? null;
  }

  /** Master_Down_Interval of `vr` in seconds, from its master (or the last one, or any router). */
  masterDownS(vr: VirtualRouter): number {
    const r = vr.master ?? vr.lostMaster ?? vr.routers.values().next().value;
    return r ? masterDownIntervalMs(r.version, r.priority || 1, r.intervalMs) / 1000 : 4;
  }
}
