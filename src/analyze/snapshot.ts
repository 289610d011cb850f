// The analyzer's state as renderers read it: plain copies, sorted, with each virtual router's
// state word and each router's role. Renderers never see the live state.

import type { Family } from '../decode/types.js';
import type { Alert, AlertKind } from './alerts.js';
import type { IntervalSummary } from './intervals.js';
import { isContending, isOpen, type DestinationKind, type MasterChange, type MasterSpell, type Role, type Router, type VirtualRouter, type VridState } from './model.js';
import type { ClockEstimate } from './clocks.js';
import type { SegmentMerge } from './segments.js';
import type { AnalyzerState, Membership, Totals } from './state.js';

export interface RouterSnapshot {
  src: string;
  mac: string | null;
  vmac: boolean;
  role: Role;
  version: number;
  priority: number;
  priorityHistory: { ts: number; priority: number }[];
  intervalMs: number;
  observed: IntervalSummary;
  recentIntervalsMs: number[];
  authType: number | null;
  authPass: string | null;
  addrs: readonly string[];
  ttl: number;
  dst: string;
  dstKind: DestinationKind;
  checksumVariant: string | null;
  firstSeenTs: number;
  lastSeenTs: number;
  adverts: number;
  /** Copies of its adverts (other interfaces, other directions), counted once in `adverts`. */
  copies: number;
  /**
   * Where its adverts and their copies were seen (vantage point, interface, VLANs -> how many),
   * when the capture shows more than one place; null otherwise. A place missing here never saw it.
   */
  seenAt: Record<string, number> | null;
  counts: Router['counts'];
}

export interface VridSnapshot {
  family: Family;
  vrid: number;
  /** Its segment's name (`vlan 20`, `eth1`), null when the capture holds one segment. */
  segment: string | null;
  /** Its segment's name even when the capture holds one (`untagged`, `vlan 20`): what `--vrid N@SEGMENT` picks by. */
  segmentLabel: string;
  versions: number[];
  state: VridState;
  master: RouterSnapshot | null;
  masterSince: number | null;
  lastAdvertTs: number;
  routers: RouterSnapshot[];
  masterChanges: MasterChange[];
  masterChangeCount: number;
  history: MasterSpell[];
  alerts: Partial<Record<AlertKind, number>>;
  openAlerts: Alert[];
}

export interface AnalyzerSnapshot {
  ts: number;
  totals: Totals;
  vrids: VridSnapshot[];
  /** Multicast groups with the members that joined them (IGMP / MLD). */
  groups: { group: string; members: ({ src: string } & Membership)[] }[];
  /** Open alerts about no known VRID (ICMP errors quoting a VRID never advertised here). */
  unattributedAlerts: Alert[];
  recentAlerts: Alert[];
  garpUnjudged: boolean;
  /** Interfaces (or VLAN stacks) joined into one segment because they carried the same adverts. */
  segmentMerges: SegmentMerge[];
  /** Captures of several vantage points: each one's clock against the first; empty for one capture. */
  clocks: ClockEstimate[];
}

/** What a Prometheus scrape reads of a router: a few numbers, none of snapshot()'s copies. */
export interface RouterBrief {
  src: string;
  role: Role;
  priority: number;
  intervalMs: number;
  lastSeenTs: number;
  adverts: number;
}

/** What a Prometheus scrape reads of a virtual router, in snapshot()'s order and with its routers in theirs. */
export interface VridBrief {
  family: Family;
  vrid: number;
  segment: string | null;
  hasMaster: boolean;
  /** Routers advertising as master now (the master and contenders): more than 1 is a split brain. */
  masters: number;
  masterSince: number | null;
  lastAdvertTs: number;
  routers: RouterBrief[];
  openAlerts: Alert[];
}

export interface AnalyzerBrief {
  vrids: VridBrief[];
  unattributedAlerts: Alert[];
}

/**
 * The analysis as a scrape of 510 virtual routers every 15 s needs it: snapshot() copies each
 * router's interval samples, priority history and mastership history (~4 MB of garbage a scrape
 * there), none of which a metric shows.
 */
export function brief(st: AnalyzerState): AnalyzerBrief {
  const vrids: VridBrief[] = [];
  for (const vr of st.vrs.values()) {
    const routers: RouterBrief[] = [];
    let masters = 0;
    for (const r of sortedRouters(vr)) {
      const role = roleOf(st, vr, r);
      if (role === 'master' || role === 'contender') masters++;
      routers.push({ src: r.src, role, priority: r.priority, intervalMs: r.intervalMs, lastSeenTs: r.lastSeenTs, adverts: r.adverts });
    }
    vrids.push({
      family: vr.family,
      vrid: vr.vrid,
      segment: st.segmentName(vr),
      hasMaster: vr.master !== null,
      masters,
      masterSince: masterSince(vr),
      lastAdvertTs: vr.lastAdvertTs,
      routers,
      openAlerts: openAlerts(vr),
    });
  }
  return { vrids: vrids.sort(byVrid), unattributedAlerts: [...st.alerts.unattributed.conditions.values()].map((c) => c.alert) };
}

type VridOrder = Pick<VridBrief, 'vrid' | 'family' | 'segment'>;

function byVrid(a: VridOrder, b: VridOrder): number {
  return a.vrid - b.vrid || a.family.localeCompare(b.family) || (a.segment ?? '').localeCompare(b.segment ?? '');
}

function sortedRouters(vr: VirtualRouter): Router[] {
  return [...vr.routers.values()].sort((a, b) => b.priority - a.priority || a.src.localeCompare(b.src));
}

function openAlerts(vr: VirtualRouter): Alert[] {
  return [...vr.conditions.values()].map((c) => c.alert);
}

function masterSince(vr: VirtualRouter): number | null {
  return vr.spells.length ? vr.spells[vr.spells.length - 1].fromTs : null;
}

function roleOf(st: AnalyzerState, vr: VirtualRouter, r: Router): Role {
  return vr.master === r ? 'master'
    : r.priority === 0 ? 'resigned'
    : isContending(r, st.nowTs) && isOpen(vr, 'duplicate-master') ? 'contender'
    : 'backup-or-silent';
}

export function snapshot(st: AnalyzerState): AnalyzerSnapshot {
  const vrids = [...st.vrs.values()].map((vr) => vrSnapshot(st, vr)).sort(byVrid);
  const groups = [...st.groups].map(([group, members]) => ({
    group,
    members: [...members].map(([src, m]) => ({ src, ...m })),
  }));
  return {
    ts: st.nowTs,
    totals: { ...st.totals },
    vrids,
    groups,
    unattributedAlerts: [...st.alerts.unattributed.conditions.values()].map((c) => c.alert),
    recentAlerts: st.alerts.recent.slice(),
    garpUnjudged: st.garpUnjudged,
    segmentMerges: st.segments.merges.slice(),
    clocks: st.clocks.map((c) => ({ ...c })),
  };
}

function vrSnapshot(st: AnalyzerState, vr: VirtualRouter): VridSnapshot {
  const routers = sortedRouters(vr);
  const open = openAlerts(vr);
  return {
    family: vr.family,
    vrid: vr.vrid,
    segment: st.segmentName(vr),
    segmentLabel: st.segments.label(vr.segment),
    versions: versionList(vr.versions),
    state: vridState(vr, open),
    master: vr.master ? routerSnapshot(st, vr, vr.master) : null,
    masterSince: masterSince(vr),
    lastAdvertTs: vr.lastAdvertTs,
    routers: routers.map((r) => routerSnapshot(st, vr, r)),
    masterChanges: vr.changes.slice(),
    masterChangeCount: vr.changeCount,
    history: vr.spells.map((s) => ({ ...s })),
    alerts: { ...vr.alertCounts },
    openAlerts: open,
  };
}

function routerSnapshot(st: AnalyzerState, vr: VirtualRouter, r: Router): RouterSnapshot {
  return {
    src: r.src,
    mac: r.mac,
    vmac: r.vmac,
    role: roleOf(st, vr, r),
    version: r.version,
    priority: r.priority,
    priorityHistory: r.priorityHistory.slice(),
    intervalMs: r.intervalMs,
    observed: r.intervals.summary(),
    recentIntervalsMs: r.intervals.recent(),
    authType: r.authType,
    authPass: r.authPass,
    addrs: r.addrs,
    ttl: r.ttl,
    dst: r.dst,
    dstKind: r.dstKind,
    checksumVariant: r.checksumVariant,
    firstSeenTs: r.firstSeenTs,
    lastSeenTs: r.lastSeenTs,
    adverts: r.adverts,
    copies: r.copies,
    seenAt: st.segments.placesSeen > 1 ? seenAtLabels(st, r) : null,
    counts: { ...r.counts },
  };
}

/** The one word a virtual router's state is shown with: the worst open condition first. */
function vridState(vr: VirtualRouter, open: Alert[]): VridState {
  const kinds = new Set(open.map((a) => a.kind));
  if (kinds.has('duplicate-master')) return 'split-brain';
  if (kinds.has('missed-advert')) return 'down';
  if (kinds.has('vrid-clash')) return 'clash';
  if (kinds.has('auth-mismatch')) return 'auth';
  if (!vr.master) return 'no-master';
  if (open.some((a) => a.severity !== 'info')) return 'warning';
  return 'ok';
}

function seenAtLabels(st: AnalyzerState, r: Router): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [place, n] of [...r.seenAt].sort((a, b) => a[0] - b[0])) out[st.segments.label(place)] = n;
  return out;
}

function versionList(bits: number): number[] {
  const out: number[] = [];
  for (let v = 0; v < 16; v++) if (bits & (1 << v)) out.push(v);
  return out;
}
