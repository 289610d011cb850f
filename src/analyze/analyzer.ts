// Per-virtual-router state over packet time, producing alerts.
//
// Deterministic: it consumes decoded packets and explicit tick(ts) calls and never reads the
// wall clock, so a capture file and a live wire give the same answers. Timed conditions
// (missed adverts, conditions that expire) fire at their exact deadline, not when we notice.

import type { Family, GroupPacket, IcmpErrorPacket, NaPacket, Packet, VrrpPacket } from '../decode/types.js';
import { ALERT_SEVERITY, type Alert, type AlertKind, type MasterChangeReason } from './alerts.js';
import { IntervalStats, type IntervalSummary } from './intervals.js';
import { contentionWindowMs, GARP_GRACE_MS, masterDownIntervalMs, missedAdvertAfterMs, presenceWindowMs } from './timers.js';

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

export type DestinationKind = 'group' | 'custom-group' | 'unicast';
export type Role = 'master' | 'contender' | 'backup-or-silent' | 'resigned';
export type VridState = 'ok' | 'warning' | 'split-brain' | 'down' | 'clash' | 'auth' | 'no-master';

interface Router {
  src: string;
  mac: string | null;
  vmac: boolean;
  version: number;
  firstSeenTs: number;
  lastSeenTs: number;
  adverts: number;
  priority: number;
  priorityHistory: { ts: number; priority: number }[];
  intervalMs: number;
  authType: number | null;
  authPass: string | null;
  addrs: string[];
  addrsKey: string;
  ttl: number;
  dst: string;
  dstKind: DestinationKind;
  checksumVariant: string | null;
  intervals: IntervalStats;
  counts: Record<'badChecksum' | 'badTtl' | 'malformed' | 'vmacMismatch' | 'truncated', number>;
  /** Per-router once-only alerts already raised (kind -> the alert, whose count we keep updating). */
  raised: Map<AlertKind, Alert>;
  /**
   * The last advert from this router (null after a resignation or a truncated one, which take the
   * full path every time). The pipeline's decoder hands over the same packet object for a repeated
   * frame, so an identical advert is recognised by identity and nothing is copied from it again
   * (see repeatAdvert).
   */
  lastPkt: VrrpPacket | null;
}

interface MasterSpell {
  src: string;
  mac: string | null;
  priority: number;
  fromTs: number;
  untilTs: number | null;
}

export interface MasterChange {
  ts: number;
  from: string | null;
  to: string;
  gapMs: number | null;
  reason: MasterChangeReason;
}

interface OpenCondition {
  alert: Alert;
  /** Packet time at which the condition clears unless renewed; null = cleared by explicit logic. */
  untilTs: number | null;
}

interface VirtualRouter {
  key: string;
  family: Family;
  vrid: number;
  /** Bit v set: VRRPv<v> adverts seen. */
  versions: number;
  routers: Map<string, Router>;
  /** The router that advertised last: nearly always the one advertising now (one lookup saved per advert). */
  lastRouter: Router | null;
  master: Router | null;
  /** The master before the VRID lost it (resigned or timed out), for the gap of the next change. */
  lostMaster: Router | null;
  lostReason: 'resigned' | 'timeout' | null;
  spells: MasterSpell[];
  changes: MasterChange[];
  changeCount: number;
  lastChangeTs: number | null;
  conditions: Map<string, OpenCondition>;
  /** Since when two or more routers advertise with non-zero priority, and how often each did since. */
  overlapStartTs: number | null;
  overlapAdverts: Map<string, number>;
  /** The last router that advertised with non-zero priority, and how many in a row it sent. */
  lastAdvertSrc: string | null;
  soloRun: number;
  pendingGarp: { to: Router; sinceTs: number; dueTs: number } | null;
  /** Claims by a router that advertised lately while another is master: split brain or hidden master. */
  pendingHidden: Map<string, { claimer: Router; addr: string; mac: string; dueTs: number }>;
  alertCounts: Partial<Record<AlertKind, number>>;
  lastAdvertTs: number;
}

interface Claim {
  mac: string;
  ts: number;
}

interface Membership {
  joinedTs: number;
  leftTs: number | null;
  protocol: 'igmp' | 'mld';
}

const MAX_GROUPS = 1024;
/** Open conditions per virtual router (or for unattributed evidence) keyed by wire addresses. */
const MAX_CONDITIONS = 1024;
const MAX_GROUP_MEMBERS = 256;

const DEFAULTS = { maxRoutersPerVrid: 64, maxMasterChanges: 200, maxClaimedAddresses: 65_536 };
const PRIORITY_HISTORY = 32;
/** Consecutive adverts of the highest-priority master, with no other router between, that end a split brain. */
const SPLIT_BRAIN_RESOLVED_RUN = 3;
const SPELL_HISTORY = 200;

export class Analyzer {
  private readonly vrs = new Map<string, VirtualRouter>();
  /** The same virtual routers by family and VRID (IPv4 0-255, IPv6 256-511). */
  private readonly vrBySlot: (VirtualRouter | undefined)[] = new Array<VirtualRouter | undefined>(512).fill(undefined);
  /** Virtual address -> virtual routers listing it, so ARP/NA claims can be attributed. */
  private readonly vipIndex = new Map<string, VirtualRouter[]>();
  private readonly claims = new Map<string, Claim>();
  private readonly opts: Required<Omit<AnalyzerOptions, 'authPass' | 'onAlert' | 'defaultLiveFilter'>> & AnalyzerOptions;
  private nextAlertId = 1;
  private nextDeadlineTs = Infinity;
  private nowTs = -Infinity;
  private stateLimitRaised = false;
  /** Open conditions that belong to no known virtual router (an ICMP error quoting an unseen VRID). */
  private readonly unattributed = { conditions: new Map<string, OpenCondition>() };
  /** A takeover's GARPs could not be judged because the capture holds no ARP/NA at all. */
  garpUnjudged = false;
  /** Alerts fired, most recent last (bounded), for snapshots. */
  private readonly recentAlerts: Alert[] = [];
  /** Adverts handled by their timing alone (see repeatAdvert), for the benchmark and tests. */
  repeatedAdverts = 0;
  readonly totals = { packets: 0, vrrp: 0, carp: 0, arp: 0, na: 0, icmpErrors: 0, group: 0, malformed: 0, other: 0, truncated: 0 };
  /** Multicast group -> member address -> membership (from IGMP / MLD reports and leaves). Bounded. */
  private readonly groups = new Map<string, Map<string, Membership>>();

  constructor(options: AnalyzerOptions = {}) {
    this.opts = { ...DEFAULTS, ...options };
  }

  /** Packet time of the latest packet or tick. */
  get now(): number {
    return this.nowTs;
  }

  ingest(pkt: Packet): void {
    this.totals.packets++;
    this.advanceTo(pkt.ts);
    switch (pkt.kind) {
      case 'vrrp':
        this.totals.vrrp++;
        this.onVrrp(pkt);
        break;
      case 'arp':
        this.totals.arp++;
        if (pkt.gratuitous || pkt.op === 2) this.onClaim(pkt.senderIp, pkt.senderMac, pkt.ts);
        break;
      case 'na':
        this.totals.na++;
        this.onNa(pkt);
        break;
      case 'carp':
        this.totals.carp++;
        break;
      case 'icmp-error':
        this.totals.icmpErrors++;
        this.onIcmpError(pkt);
        break;
      case 'group':
        this.totals.group++;
        this.onGroup(pkt);
        break;
      case 'malformed':
        this.totals.malformed++;
        if (pkt.claimed === 'vrrp' && pkt.ip) this.onMalformedVrrp(pkt.ip.family, pkt.ip.src, pkt.ts, pkt.reason);
        break;
      default:
        this.totals.other++;
    }
  }

  /** Advance packet time without a packet (live capture ticks every 100 ms). */
  tick(ts: number): void {
    this.advanceTo(ts);
  }

  /** VRIDs whose routers list this virtual address (to filter ARP/NA by VRID). */
  claimedBy(addr: string): number[] {
    return this.vipIndex.get(addr)?.map((vr) => vr.vrid) ?? [];
  }

  /** End of input: evaluate timers once more at the last packet's time; nothing is invented after it. */
  finish(): void {
    if (this.nowTs === -Infinity) return;
    this.runTimers(this.nowTs);
    this.checkGroupMembers(this.nowTs);
  }

  // ---- packets --------------------------------------------------------------------------------

  private onVrrp(pkt: VrrpPacket): void {
    const family = pkt.ip.family;
    const seen = this.vrBySlot[vrSlot(family, pkt.vrid)];
    const last = seen === undefined ? null : seen.lastRouter;
    if (last !== null && last.lastPkt === pkt) {
      this.repeatAdvert(seen!, last, pkt);
      return;
    }
    if (pkt.truncated) this.totals.truncated++;
    if (pkt.problems.length !== 0 && pkt.problems.some((p) => p.id === 'malformed' || p.id === 'bad-version' || p.id === 'bad-type')) {
      const why = pkt.problems.find((p) => p.id === 'malformed' || p.id === 'bad-version' || p.id === 'bad-type')!;
      this.onMalformedVrrp(family, pkt.ip.src, pkt.ts, why.message, pkt.vrid);
      return;
    }
    // Cut inside the fixed header: not even VRID and priority are known.
    if (pkt.truncated && (pkt.capturedLength ?? 0) < 8) return;
    const vr = this.virtualRouter(family, pkt.vrid);
    vr.versions |= 1 << pkt.version;
    vr.lastAdvertTs = pkt.ts;
    const known = this.knownRouter(vr, pkt.ip.src);
    const before = known?.priority;
    const r = this.router(vr, pkt, known);
    if (!r) return;
    if (r === vr.master && before !== undefined && before !== pkt.priority && before > 0 && pkt.priority > 0) {
      // keepalived track_script / track_interface weights move a master's priority without a takeover;
      // it explains the next preemption.
      this.emit(vr, 'priority-change', 'event', pkt.ts, [r.src],
        `master ${r.src} of VRID ${vr.vrid} changed its priority from ${before} to ${pkt.priority} without a takeover ` +
          `(keepalived track_script / track_interface weight, or a configuration reload)`,
        { oldPriority: before, newPriority: pkt.priority });
    }
    this.checkPacketProblems(vr, r, pkt);
    this.checkRouterOnce(vr, r, pkt);

    if (pkt.priority === 0) {
      this.onResign(vr, r, pkt.ts);
    } else {
      this.onMasterAdvert(vr, r, pkt);
    }
    this.checkPeerConfig(vr, pkt);
    r.lastPkt = !pkt.truncated && pkt.priority !== 0 ? pkt : null;
  }

  /**
   * `pkt` again from the router that sent it last (see Router.lastPkt): every field router() would
   * copy from it is already the router's, so only its time is taken; the checks run as for any
   * advert (they count per packet). test/analyze/repeat-advert.test.ts holds the two paths equal.
   */
  private repeatAdvert(vr: VirtualRouter, r: Router, pkt: VrrpPacket): void {
    const ts = pkt.ts;
    this.repeatedAdverts++;
    vr.lastAdvertTs = ts;
    this.advertTime(r, ts);
    r.adverts++;
    this.checkPacketProblems(vr, r, pkt);
    this.checkRouterOnce(vr, r, pkt);
    this.onMasterAdvert(vr, r, pkt);
    this.checkPeerConfig(vr, pkt);
  }

  /** A known router advertised at `ts`: the gap joins its interval statistics if it was within a run. */
  private advertTime(r: Router, ts: number): void {
    // Only gaps within a run of adverts: a router silent for three of its intervals was a backup
    // (or down) meanwhile, and that silence is no advertisement interval (missed-advert tells it).
    const gapMs = (ts - r.lastSeenTs) * 1000;
    if (gapMs <= missedAdvertAfterMs(r.intervalMs)) r.intervals.add(gapMs);
    r.lastSeenTs = ts;
  }

  private knownRouter(vr: VirtualRouter, src: string): Router | undefined {
    const last = vr.lastRouter;
    return last !== null && last.src === src ? last : vr.routers.get(src);
  }

  /** The router `pkt` comes from (`known` if it was seen before), brought up to date; null past the per-VRID limit. */
  private router(vr: VirtualRouter, pkt: VrrpPacket, known: Router | undefined): Router | null {
    let r = known;
    const ts = pkt.ts;
    if (!r) {
      if (vr.routers.size >= this.opts.maxRoutersPerVrid && !this.evictOldest(vr, ts)) return null;
      r = {
        src: pkt.ip.src,
        mac: pkt.link.srcMac,
        vmac: pkt.vmac,
        version: pkt.version,
        firstSeenTs: ts,
        lastSeenTs: ts,
        adverts: 0,
        priority: pkt.priority,
        priorityHistory: [{ ts, priority: pkt.priority }],
        intervalMs: pkt.intervalMs,
        authType: pkt.authType,
        authPass: pkt.authPass,
        addrs: pkt.addrs,
        addrsKey: addrsKey(pkt.addrs),
        ttl: pkt.ip.ttl,
        dst: pkt.ip.dst,
        dstKind: destinationKind(pkt.ip.family, pkt.ip.dst),
        checksumVariant: pkt.checksumVariant,
        intervals: new IntervalStats(),
        counts: { badChecksum: 0, badTtl: 0, malformed: 0, vmacMismatch: 0, truncated: 0 },
        raised: new Map(),
        lastPkt: null,
      };
      vr.routers.set(r.src, r);
      this.indexAddrs(vr, r.addrs);
    } else {
      this.advertTime(r, ts);
      if (pkt.priority !== r.priority) {
        r.priorityHistory.push({ ts, priority: pkt.priority });
        if (r.priorityHistory.length > PRIORITY_HISTORY) r.priorityHistory.shift();
        r.priority = pkt.priority;
      }
      r.mac = pkt.link.srcMac;
      r.vmac = pkt.vmac;
      r.version = pkt.version;
      r.intervalMs = pkt.intervalMs;
      r.ttl = pkt.ip.ttl;
      if (pkt.ip.dst !== r.dst) {
        r.dst = pkt.ip.dst;
        r.dstKind = destinationKind(pkt.ip.family, pkt.ip.dst);
      }
      if (pkt.checksumVariant) r.checksumVariant = pkt.checksumVariant;
      // A capture cut short shows fewer addresses and maybe no auth data: keep what we knew.
      if (!pkt.truncated) {
        r.authType = pkt.authType;
        r.authPass = pkt.authPass;
        // The same addresses as last time (the usual case): no sorted key to build.
        const key = sameAddrs(pkt.addrs, r.addrs) ? r.addrsKey : addrsKey(pkt.addrs);
        if (key !== r.addrsKey) {
          const old = r.addrs;
          r.addrs = pkt.addrs;
          r.addrsKey = key;
          this.unindexAddrs(vr, old);
          this.indexAddrs(vr, r.addrs);
        }
      }
    }
    r.adverts++;
    if (pkt.truncated) r.counts.truncated++;
    vr.lastRouter = r;
    return r;
  }

  private evictOldest(vr: VirtualRouter, ts: number): boolean {
    let oldest: Router | null = null;
    for (const r of vr.routers.values()) {
      if (r === vr.master) continue;
      if (!oldest || r.lastSeenTs < oldest.lastSeenTs) oldest = r;
    }
    if (!oldest) return false;
    vr.routers.delete(oldest.src);
    if (vr.lastRouter === oldest) vr.lastRouter = null;
    vr.overlapAdverts.delete(oldest.src);
    vr.pendingHidden.delete(oldest.src);
    if (vr.lostMaster === oldest) vr.lostMaster = null;
    this.unindexAddrs(vr, oldest.addrs);
    // Conditions about a forgotten router close with it: nothing would ever renew or clear them.
    for (const key of [`auth-expected:${oldest.src}`, `hidden-master:${oldest.src}`]) {
      this.closeCondition(vr, key, ts, `${oldest.src} forgotten (more routers than the per-VRID limit)`);
    }
    if (!this.stateLimitRaised) {
      this.stateLimitRaised = true;
      this.emit(vr, 'state-limit', 'event', ts, [oldest.src],
        `more than ${this.opts.maxRoutersPerVrid} routers advertise VRID ${vr.vrid}: forgetting the longest-silent ones ` +
          `(a flood of forged sources, or a misconfigured segment); later evictions are not reported`);
    }
    return true;
  }

  private onResign(vr: VirtualRouter, r: Router, ts: number): void {
    this.emit(vr, 'master-resigned', 'event', ts, [r.src],
      `${r.src} sent priority 0: it is giving up mastership (keepalived stopping or shutting the instance down); ` +
        `a backup should take over within Skew_Time`);
    vr.overlapAdverts.delete(r.src);
    if (vr.master === r) {
      this.endSpell(vr, ts);
      vr.master = null;
      vr.lostMaster = r;
      vr.lostReason = 'resigned';
      this.closeCondition(vr, 'missed-advert', ts);
      this.schedule(ts + missedAdvertAfterMs(r.intervalMs) / 1000);
    }
  }

  // The per-advert methods take the packet and read its time where they need it: a fractional
  // number passed to a call V8 does not inline is boxed on the way.
  private onMasterAdvert(vr: VirtualRouter, r: Router, pkt: VrrpPacket): void {
    const ts = pkt.ts;
    const m = vr.master;
    if (m === r) {
      if (vr.conditions.size !== 0) this.closeCondition(vr, 'missed-advert', ts);
    } else if (m === null) {
      const prev = vr.lostMaster;
      if (prev && prev !== r) {
        this.masterChange(vr, prev, r, ts, vr.lostReason ?? 'timeout');
      } else {
        this.startSpell(vr, r, ts);
      }
      this.closeCondition(vr, 'missed-advert', ts);
      vr.master = r;
      vr.lostMaster = null;
      vr.lostReason = null;
    } else if (isOpen(vr, 'duplicate-master') && isContending(m, ts)) {
      // Split brain: several masters at once; the recorded one stays until it really goes away.
    } else if (ts - m.lastSeenTs > missedAdvertAfterMs(m.intervalMs) / 1000) {
      // The master was already overdue: this router took over after the master went silent.
      this.masterChange(vr, m, r, ts, 'timeout');
      this.closeCondition(vr, 'missed-advert', ts);
      vr.master = r;
    } else if (outranks(r, m)) {
      // RFC 3768 §6.4.2 / RFC 5798 §6.4.2: a backup with preemption and a higher priority takes over at once.
      this.masterChange(vr, m, r, ts, 'preempted');
      vr.master = r;
    }
    this.trackOverlap(vr, r, pkt);
    this.schedule(ts + missedAdvertAfterMs(r.intervalMs) / 1000);
  }

  /**
   * Split brain: two or more routers keep advertising with non-zero priority. A preemption handover
   * overlaps for at most one advert of the old master, so it never counts. Raised when every
   * contender advertised twice since the overlap began, or when a router that does not outrank the
   * master advertised twice while the master is alive: a backup only advertises once it stopped
   * hearing the master. Masters that hear each other's adverts re-arm their own timers, so their
   * intervals look irregular (see contentionWindowMs): that is not loss.
   */
  private trackOverlap(vr: VirtualRouter, r: Router, pkt: VrrpPacket): void {
    vr.soloRun = vr.lastAdvertSrc === r.src ? vr.soloRun + 1 : 1;
    vr.lastAdvertSrc = r.src;
    if (!isOpen(vr, 'duplicate-master')) {
      // The usual case, one router advertising: nothing to allocate, and no clear() of an empty
      // Map, which gives it a new backing table every time (that table was most of what got
      // promoted to the old generation, and so most of the peak RSS).
      let n = 0;
      if (vr.routers.size > 1) for (const x of vr.routers.values()) if (isContending(x, pkt.ts) && ++n === 2) break;
      if (n < 2) {
        vr.overlapStartTs = null;
        if (vr.overlapAdverts.size !== 0) vr.overlapAdverts.clear();
        return;
      }
    }
    this.trackContention(vr, r, pkt.ts);
  }

  /**
   * trackOverlap once two or more routers contend. Apart because it makes closures: a function
   * that does allocates their context on every call, even on the paths that never reach them.
   */
  private trackContention(vr: VirtualRouter, r: Router, ts: number): void {
    const active = this.activeAdvertisers(vr, ts);
    if (isOpen(vr, 'duplicate-master') && vr.soloRun >= SPLIT_BRAIN_RESOLVED_RUN && active.every((x) => x === r || outranks(r, x))) {
      // The highest-priority master advertises alone again: the others went back to backup. (A lower
      // one advertising alone proves nothing: the higher may only be re-arming its timer.)
      this.closeCondition(vr, 'duplicate-master', ts, `${r.src} advertises alone again`);
      vr.overlapStartTs = null;
      vr.overlapAdverts.clear();
      return;
    }
    if (active.length < 2) {
      vr.overlapStartTs = null;
      vr.overlapAdverts.clear();
      return;
    }
    // Count only what each router sent since the newest contender joined: adverts from before it
    // prove nothing about advertising at the same time.
    if (vr.overlapStartTs === null || !vr.overlapAdverts.has(r.src)) {
      vr.overlapStartTs = ts;
      vr.overlapAdverts.clear();
      for (const x of active) vr.overlapAdverts.set(x.src, 0);
    }
    vr.overlapAdverts.set(r.src, (vr.overlapAdverts.get(r.src) ?? 0) + 1);
    const twice = (x: Router) => (vr.overlapAdverts.get(x.src) ?? 0) >= 2;
    const m = vr.master;
    let persistent = active.filter(twice);
    if (persistent.length < 2 && m && active.includes(m) && r !== m && !outranks(r, m) && twice(r)) persistent = [m, r];
    this.schedule(ts + contentionWindowMs(r.version, r.priority, r.intervalMs) / 1000);
    if (persistent.length < 2) return;
    const open = vr.conditions.get('duplicate-master');
    if (!open) {
      const who = persistent.map((x) => `${x.src} (prio ${x.priority}${x.mac ? `, ${x.mac}` : ''})`).join(' and ');
      this.openCondition(vr, 'duplicate-master', ts, persistent.map((x) => x.src), null,
        `split brain: ${who} all advertise as master of VRID ${vr.vrid}. They do not hear each other, or reject ` +
          `what they hear: usually IP protocol 112 is dropped in one direction (host firewall, security group, ` +
          `hypervisor or switch filtering multicast), or the peers differ in password, interval or VRID config; ` +
          `check that each node's firewall accepts protocol 112 from its peer`);
    } else {
      for (const x of persistent) {
        if (open.alert.sources.length >= this.opts.maxRoutersPerVrid) break;
        if (!open.alert.sources.includes(x.src)) open.alert.sources.push(x.src);
      }
    }
    // Raised on the contender's advert only, so the pair gives one alert.
    if (r.vmac && r.mac && r !== vr.master) {
      // Two masters at once with use_vmac send from the same VMAC: switches flap it between ports.
      // (A preemption hands the VMAC over, which is fine: only a lasting overlap counts.)
      for (const other of persistent) {
        if (other === r || other.mac !== r.mac) continue;
        r.counts.vmacMismatch++;
        this.once(vr, r, 'vmac-mismatch', ts,
          `${r.src} and ${other.src} both send from the virtual MAC ${r.mac} at the same time: two masters with ` +
            `use_vmac (switches will flap the MAC between their ports)`);
      }
    }
  }

  private activeAdvertisers(vr: VirtualRouter, ts: number): Router[] {
    const out: Router[] = [];
    for (const x of vr.routers.values()) if (isContending(x, ts)) out.push(x);
    return out;
  }

  private masterChange(vr: VirtualRouter, from: Router, to: Router, ts: number, reason: MasterChangeReason): void {
    const gapMs = Math.round((ts - from.lastSeenTs) * 1e6) / 1e3;
    const change: MasterChange = { ts, from: from.src, to: to.src, gapMs, reason };
    vr.changes.push(change);
    vr.changeCount++;
    vr.lastChangeTs = ts;
    if (vr.changes.length > this.opts.maxMasterChanges) vr.changes.shift();
    // A new master: whether others keep advertising is counted afresh from here.
    vr.overlapStartTs = null;
    vr.overlapAdverts.clear();
    this.endSpell(vr, from.lastSeenTs);
    this.startSpell(vr, to, ts);
    const why = {
      resigned: `${from.src} resigned (priority 0)`,
      timeout: `${from.src} went silent (last advert ${fmtMs(gapMs)} before)`,
      preempted: `${to.src} has the higher priority (${to.priority} > ${from.priority}) and preempted`,
    }[reason];
    this.emit(vr, 'master-change', 'event', ts, [from.src, to.src],
      `master of VRID ${vr.vrid} changed from ${from.src} to ${to.src}: ${why}; handover gap ${fmtMs(gapMs)}`,
      { from: from.src, to: to.src, gapMs, reason });
    if (to.addrs.length > 0) {
      vr.pendingGarp = { to, sinceTs: ts - 1, dueTs: ts + GARP_GRACE_MS / 1000 };
      this.schedule(vr.pendingGarp.dueTs);
    }
  }

  private startSpell(vr: VirtualRouter, r: Router, ts: number): void {
    vr.spells.push({ src: r.src, mac: r.mac, priority: r.priority, fromTs: ts, untilTs: null });
    if (vr.spells.length > SPELL_HISTORY) vr.spells.shift();
  }

  private endSpell(vr: VirtualRouter, ts: number): void {
    const last = vr.spells[vr.spells.length - 1];
    if (last && last.untilTs === null) last.untilTs = ts;
  }

  /** Per-packet findings: raised once per router and kind, then only counted. */
  private checkPacketProblems(vr: VirtualRouter, r: Router, pkt: VrrpPacket): void {
    for (const p of pkt.problems) {
      switch (p.id) {
        case 'bad-checksum':
        case 'bad-ip-checksum':
          r.counts.badChecksum++;
          this.once(vr, r, 'bad-checksum', pkt.ts,
            `${r.src}: ${p.message}. Peers drop adverts with a bad checksum: check for a VRRPv3 checksum variant ` +
              `mismatch (Cisco / keepalived vrrp_v3_checksum_as_v2 leave out the pseudo-header) or corruption`);
          break;
        case 'bad-ttl':
          r.counts.badTtl++;
          this.once(vr, r, 'bad-ttl', pkt.ts,
            `${r.src}: TTL ${pkt.ip.ttl}, not 255: receivers must discard it (RFC 3768 §7.1, RFC 5798 §7.1); ` +
              `the advert was routed or rewritten on its way`);
          break;
        case 'vmac-mismatch':
          r.counts.vmacMismatch++;
          this.once(vr, r, 'vmac-mismatch', pkt.ts, `${r.src}: ${p.message}`);
          break;
        case 'not-link-local':
          this.once(vr, r, 'not-link-local', pkt.ts,
            `${r.src}: ${p.message} (RFC 5798 §5.2.9); receivers may discard it`);
          break;
        case 'count-mismatch':
        case 'bad-interval':
          r.counts.malformed++;
          this.once(vr, r, 'malformed', pkt.ts, `${r.src}: ${p.message}`);
          break;
      }
    }
  }

  private checkRouterOnce(vr: VirtualRouter, r: Router, pkt: VrrpPacket): void {
    if (r.dstKind === 'custom-group') {
      this.once(vr, r, 'nonstandard-group', pkt.ts,
        `${r.src} advertises to ${r.dst}, not ${vr.family === 'ipv4' ? '224.0.0.18' : 'ff02::12'} ` +
          `(keepalived vrrp_mcast_group4/6): fine, but firewalls and IGMP-snooping switches must allow that group`);
    } else if (r.dstKind === 'unicast') {
      this.once(vr, r, 'unicast', pkt.ts,
        `${r.src} advertises by unicast to ${r.dst} (keepalived unicast_peer): fine, but every firewall on the ` +
          `way must allow IP protocol 112 between the peers`);
    }
    if (pkt.priority === 255 && vr.family === 'ipv4' && pkt.addrs.length > 0 && !pkt.addrs.includes(r.src)) {
      this.once(vr, r, 'owner-conflict', pkt.ts,
        `${r.src} claims priority 255 (address owner) but is not one of the virtual addresses ` +
          `${pkt.addrs.join(', ')}: use a priority below 255 unless it really owns them`);
    }
    const expected = this.opts.authPass;
    if (expected !== undefined && pkt.version === 2 && !pkt.truncated && pkt.authPass !== expected) {
      const key = `auth-expected:${r.src}`;
      const untilTs = pkt.ts + presenceWindowMs(r.intervalMs) / 1000;
      const open = vr.conditions.get(key);
      if (open) open.untilTs = untilTs;
      else {
        this.openCondition(vr, 'auth-mismatch', pkt.ts, [r.src], key,
          `${r.src} uses ${describeAuth(pkt.authType, pkt.authPass)}, not the expected password: ` +
            `its peers discard its adverts; fix authentication { auth_pass } on one side`).untilTs = untilTs;
        this.schedule(untilTs);
      }
    }
  }

  /**
   * Configuration that peers must share (RFC 3768 §7.1 / keepalived): VIP list, auth, interval.
   * Backups are silent, so routers are compared across a presence window, not only at one instant.
   */
  private checkPeerConfig(vr: VirtualRouter, pkt: VrrpPacket): void {
    if (vr.routers.size < 2) return;
    // Usually the backup has been silent for longer than the window: counted, nothing allocated.
    let n = 0;
    for (const x of vr.routers.values()) if (isPresent(x, pkt.ts) && ++n === 2) break;
    if (n === 2) this.comparePeers(vr, pkt.ts);
  }

  /** checkPeerConfig once two or more routers are present (apart for its closures: see trackContention). */
  private comparePeers(vr: VirtualRouter, ts: number): void {
    const present: Router[] = [];
    for (const x of vr.routers.values()) if (isPresent(x, ts)) present.push(x);
    const until = ts + presenceWindowMs(Math.max(...present.map((x) => x.intervalMs))) / 1000;

    this.peerCondition(vr, 'vrid-clash', present, (x) => x.addrsKey, until, ts, (groups) =>
      `routers advertising VRID ${vr.vrid} disagree on the virtual addresses: ${groups}. ` +
        `Either two different clusters share VRID ${vr.vrid} on this segment (give one another virtual_router_id) ` +
        `or one node's virtual_ipaddress list is wrong`,
      (x) => (x.addrs.length ? x.addrs.join(' ') : 'none'));
    this.peerCondition(vr, 'auth-mismatch', present.filter((x) => x.version === 2), (x) => `${x.authType}/${x.authPass}`, until, ts,
      (groups) =>
        `routers in VRID ${vr.vrid} use different authentication: ${groups}. Each discards the other's adverts, ` +
          `so both become master; make authentication { auth_type auth_pass } identical`,
      (x) => describeAuth(x.authType, x.authPass));
    this.peerCondition(vr, 'interval-mismatch', present, (x) => String(x.intervalMs), until, ts, (groups) =>
      `routers in VRID ${vr.vrid} advertise different intervals: ${groups}. keepalived discards adverts with ` +
        `another advert_int (VRRPv2), and timers disagree: set the same advert_int everywhere`,
      (x) => fmtMs(x.intervalMs));
  }

  private peerCondition(
    vr: VirtualRouter, kind: AlertKind, present: Router[], keyOf: (r: Router) => string,
    untilTs: number, ts: number, message: (groups: string) => string, show: (r: Router) => string,
  ): void {
    const byKey = new Map<string, Router[]>();
    for (const x of present) {
      const k = keyOf(x);
      const list = byKey.get(k);
      if (list) list.push(x);
      else byKey.set(k, [x]);
    }
    const open = vr.conditions.get(kind);
    if (byKey.size < 2) return;
    if (open) {
      open.untilTs = untilTs;
      return;
    }
    const groups = [...byKey.values()].map((rs) => `${rs.map((x) => x.src).join(', ')} has ${show(rs[0])}`).join('; ');
    this.openCondition(vr, kind, ts, present.map((x) => x.src), null, message(groups)).untilTs = untilTs;
    this.schedule(untilTs);
  }

  private onMalformedVrrp(family: Family, src: string, ts: number, reason: string, vrid?: number): void {
    const vr = vrid === undefined ? null : this.virtualRouter(family, vrid);
    const r = vr?.routers.get(src);
    if (r) r.counts.malformed++;
    const key = `malformed:${family}:${src}`;
    // Once per source; past the cap, new sources are only counted (a flood must not flood alerts).
    if (this.malformedSeen.has(key) || this.malformedSeen.size >= 4096) return;
    this.malformedSeen.add(key);
    this.emit(vr, 'malformed', 'event', ts, [src], `${src}: malformed VRRP packet: ${reason}`);
  }
  private readonly malformedSeen = new Set<string>();

  // ---- address claims (gratuitous ARP, ARP replies, neighbor advertisements) --------------------

  private onNa(pkt: NaPacket): void {
    const mac = pkt.targetMac ?? pkt.link.srcMac;
    if (mac) this.onClaim(pkt.target, mac, pkt.ts);
  }

  private onClaim(addr: string, mac: string, ts: number): void {
    const vrs = this.vipIndex.get(addr);
    if (!vrs) return;
    const prev = this.claims.get(addr);
    const prevMac = prev === undefined ? null : prev.mac;
    const prevTs = prev === undefined ? 0 : prev.ts;
    // Updated in place: a new object per claim lived until the address's next claim, long enough
    // to be promoted, and then was old-generation garbage.
    if (prev === undefined) this.claims.set(addr, { mac, ts });
    else {
      prev.mac = mac;
      prev.ts = ts;
    }
    for (const vr of vrs) {
      const mdiS = this.masterDownS(vr);
      // During a takeover the old master may still answer ARP while the new one announces itself.
      if (vr.lastChangeTs !== null && ts - vr.lastChangeTs <= mdiS + GARP_GRACE_MS / 1000) continue;
      // With use_vmac a node answers with the VMAC: that is the virtual router itself.
      const vmac = vmacOf(vr.family, vr.vrid);
      if (mac === vmac) continue;
      const m = vr.master;
      const masterAlive = m !== null && ts - m.lastSeenTs <= missedAdvertAfterMs(m.intervalMs) / 1000;
      const claimer = this.routerByMac(vr, mac);
      if (masterAlive && m!.mac !== mac) {
        if (claimer && isContending(claimer, ts)) {
          // It advertised lately: a split brain (duplicate-master) if it keeps advertising, a hidden
          // master if it falls silent (keepalived with a longer advert_int does). Judge once we know.
          if (!isOpen(vr, 'duplicate-master') && !vr.pendingHidden.has(claimer.src)) {
            const dueTs = ts + (1.5 * claimer.intervalMs) / 1000;
            vr.pendingHidden.set(claimer.src, { claimer, addr, mac, dueTs });
            this.schedule(dueTs);
          }
          continue;
        }
        if (claimer) {
          this.hiddenMaster(vr, m!, claimer, addr, mac, ts);
          continue;
        }
        this.vipConflict(vr, addr, m!.mac ?? '?', mac, ts, mdiS,
          `while ${m!.src} is master: another host answers for it, either a second master whose adverts never ` +
            `reach this capture point (capture on the other node to tell), or the address is configured statically elsewhere`);
        continue;
      }
      // No live master to compare with: two different MACs within one Master_Down_Interval.
      if (prevMac === null || prevMac === mac || prevMac === vmac || ts - prevTs > mdiS) continue;
      if (this.routerByMac(vr, prevMac) && claimer) continue;
      this.vipConflict(vr, addr, prevMac, mac, ts, mdiS,
        `within ${fmtMs(mdiS * 1000)}: two hosts answer for it (split brain, or the address is also configured statically on another host)`);
    }
  }

  private vipConflict(vr: VirtualRouter, addr: string, macA: string, macB: string, ts: number, mdiS: number, why: string): void {
    const key = `vip-conflict:${addr}`;
    const open = vr.conditions.get(key);
    if (open) {
      open.untilTs = ts + mdiS;
      return;
    }
    this.openCondition(vr, 'vip-conflict', ts, [macA, macB], key,
      `virtual address ${addr} of VRID ${vr.vrid} is claimed by two MACs, ${macA} and ${macB}, ${why}`).untilTs = ts + mdiS;
    this.schedule(ts + mdiS);
  }

  /**
   * A router of this VRID that does not advertise claims a virtual address while the master lives:
   * it is master too, and its adverts do not reach this capture point, or it sends them rarely
   * (keepalived masters that receive each other's rejected adverts re-arm their timers and may
   * never send). Typical for an advert_int mismatch or a one-way firewall.
   */
  private hiddenMaster(vr: VirtualRouter, m: Router, hidden: Router, addr: string, mac: string, ts: number): void {
    const key = `hidden-master:${hidden.src}`;
    const untilTs = ts + presenceWindowMs(m.intervalMs) / 1000;
    const open = vr.conditions.get(key);
    if (open) {
      open.untilTs = untilTs;
      return;
    }
    const lastAdvert = hidden.lastSeenTs;
    this.openCondition(vr, 'hidden-master', ts, [m.src, hidden.src], key,
      `${hidden.src} (${mac}) claims virtual address ${addr} of VRID ${vr.vrid} while ${m.src} is master, but its own ` +
        `adverts are not seen here (last one ${fmtMs((ts - lastAdvert) * 1000)} before): it is a second master whose ` +
        `adverts do not reach this capture point or that suppresses them (keepalived does when it rejects the ` +
        `other's adverts: compare advert_int, password and VRID on both; check the path for a filter on protocol 112)`,
    ).untilTs = untilTs;
    this.schedule(untilTs);
  }

  private routerByMac(vr: VirtualRouter, mac: string): Router | null {
    for (const r of vr.routers.values()) if (r.mac === mac) return r;
    return null;
  }

  // ---- evidence about the path: ICMP errors and group membership -------------------------------

  private onIcmpError(pkt: IcmpErrorPacket): void {
    const q = pkt.quoted;
    const vr = q.vrid === null ? null : this.vrs.get(`${q.family}/${q.vrid}`) ?? null;
    const rejecter = pkt.ip.src;
    const key = `vrrp-rejected:${rejecter}:${q.src}`;
    const untilTs = pkt.ts + 60;
    const holder = vr ?? this.unattributed;
    const open = holder.conditions.get(key);
    if (open) {
      open.untilTs = untilTs;
      open.alert.count = (open.alert.count ?? 1) + 1;
      return;
    }
    // Keyed by two wire addresses: forged errors must not grow it without bound.
    if (holder.conditions.size >= MAX_CONDITIONS) return;
    const why = pkt.reason === 'admin-prohibited'
      ? 'a firewall rule there rejects IP protocol 112 (administratively prohibited)'
      : pkt.reason === 'protocol-unreachable' || pkt.reason === 'unrecognized-next-header'
        ? 'it has no VRRP listener (keepalived not running there, or the unicast peer address is wrong), or a REJECT rule answers with protocol-unreachable'
        : `ICMP ${pkt.reason}`;
    const vrid = q.vrid === null ? '' : ` of VRID ${q.vrid}`;
    const cond = this.openConditionOn(holder, vr, 'vrrp-rejected', pkt.ts, [rejecter, q.src], key,
      `${rejecter} rejects VRRP adverts${vrid} from ${q.src} to ${q.dst}: ${why}. Allow IP protocol 112 from ${q.src} ` +
        `on ${rejecter} (e.g. nft add rule inet filter input ip saddr ${q.src} ip protocol vrrp accept)`);
    cond.untilTs = untilTs;
    cond.alert.count = 1;
    this.schedule(untilTs);
  }

  private onGroup(pkt: GroupPacket): void {
    const member = pkt.ip.src;
    for (const g of pkt.joins) {
      let members = this.groups.get(g);
      if (!members) {
        if (this.groups.size >= MAX_GROUPS) continue;
        members = new Map();
        this.groups.set(g, members);
      }
      const known = members.get(member);
      if (known) known.leftTs = null;
      else if (members.size < MAX_GROUP_MEMBERS) members.set(member, { joinedTs: pkt.ts, leftTs: null, protocol: pkt.protocol });
    }
    for (const g of pkt.leaves) {
      const m = this.groups.get(g)?.get(member);
      if (m) m.leftTs = pkt.ts;
    }
  }

  /**
   * Custom VRRP groups outside the link-local block are forwarded by IGMP/MLD-snooping switches only
   * to ports that joined (224.0.0.0/24 is always flooded, RFC 4541 §2.1.2). Judged at the end of the
   * capture, and only when the capture could have shown membership reports.
   */
  private checkGroupMembers(ts: number): void {
    for (const vr of this.vrs.values()) {
      for (const r of vr.routers.values()) {
        if (r.dstKind !== 'custom-group' || isLinkLocalGroup(r.dst)) continue;
        if (!this.opts.defaultLiveFilter && this.totals.group === 0) continue;
        const members = this.groups.get(r.dst);
        const others = members ? [...members.keys()].filter((a) => a !== r.src) : [];
        if (others.length > 0) continue;
        this.once(vr, r, 'no-group-member', ts,
          `${r.src} advertises VRID ${vr.vrid} to ${r.dst}, but no other host joined ${r.dst} in this capture ` +
            `(no ${vr.family === 'ipv4' ? 'IGMP' : 'MLD'} report): an IGMP/MLD-snooping switch forwards the group only to ` +
            `ports that joined. keepalived joins on start and answers queries; check that the VLAN has a querier, or ` +
            `use a group in 224.0.0.0/24, or capture longer than the query interval (125 s)`);
      }
    }
  }

  // ---- timers ----------------------------------------------------------------------------------

  private advanceTo(ts: number): void {
    if (ts >= this.nextDeadlineTs) this.runTimers(ts);
    if (ts > this.nowTs) this.nowTs = ts;
  }

  private schedule(ts: number): void {
    if (ts < this.nextDeadlineTs) this.nextDeadlineTs = ts;
  }

  /** Fire everything due at or before `now`, each at its own deadline, then find the next deadline. */
  private runTimers(now: number): void {
    let next = Infinity;
    for (const vr of this.vrs.values()) {
      const m = vr.master;
      if (m) {
        const due = m.lastSeenTs + missedAdvertAfterMs(m.intervalMs) / 1000;
        // In a split brain a silent master may only have re-armed its timer: others still serve the VIP.
        const contended = isOpen(vr, 'duplicate-master') && isContending(m, now);
        if (due <= now) {
          if (!isOpen(vr, 'missed-advert') && !contended) {
            this.openCondition(vr, 'missed-advert', due, [m.src], null,
              `master ${m.src} of VRID ${vr.vrid} missed three adverts (silent for ${fmtMs(3 * m.intervalMs)}, ` +
                `interval ${fmtMs(m.intervalMs)}): it stopped, crashed or lost its link, or its adverts are dropped ` +
                `on the way; a backup should take over after Master_Down_Interval ` +
                `(${fmtMs(masterDownIntervalMs(m.version, m.priority, m.intervalMs))})`);
          }
        } else next = Math.min(next, due);
        if (contended) next = Math.min(next, m.lastSeenTs + contentionWindowMs(m.version, m.priority, m.intervalMs) / 1000);
      } else if (vr.lostMaster && vr.lostReason === 'resigned') {
        const r = vr.lostMaster;
        const due = r.lastSeenTs + missedAdvertAfterMs(r.intervalMs) / 1000;
        if (due <= now) {
          if (!isOpen(vr, 'missed-advert')) {
            this.openCondition(vr, 'missed-advert', due, [r.src], null,
              `${r.src} resigned as master of VRID ${vr.vrid} and no router took over within ` +
                `${fmtMs(3 * r.intervalMs)}: its virtual addresses are down (no backup running, or the backup ` +
                `does not hear the adverts)`);
          }
        } else next = Math.min(next, due);
      }
      if (vr.overlapStartTs !== null) {
        const active = this.activeAdvertisers(vr, now);
        if (active.length < 2) {
          const dup = vr.conditions.get('duplicate-master');
          if (dup) {
            const ended = lastOverlapEnd(vr, now);
            this.closeCondition(vr, 'duplicate-master', ended, `only one router of VRID ${vr.vrid} advertises again`);
          }
          vr.overlapStartTs = null;
          vr.overlapAdverts.clear();
        } else {
          for (const x of active) next = Math.min(next, x.lastSeenTs + contentionWindowMs(x.version, x.priority, x.intervalMs) / 1000);
        }
      }
      const g = vr.pendingGarp;
      if (g) {
        if (g.dueTs <= now) {
          vr.pendingGarp = null;
          this.checkGarp(vr, g.to, g.sinceTs, g.dueTs);
        } else next = Math.min(next, g.dueTs);
      }
      // Iterating a Map allocates even when it is empty: the size is checked first.
      if (vr.pendingHidden.size !== 0) for (const [src, h] of vr.pendingHidden) {
        if (h.dueTs > now) {
          next = Math.min(next, h.dueTs);
          continue;
        }
        vr.pendingHidden.delete(src);
        const master = vr.master;
        const alive = master !== null && h.dueTs - master.lastSeenTs <= missedAdvertAfterMs(master.intervalMs) / 1000;
        if (alive && master !== h.claimer && !isOpen(vr, 'duplicate-master')) {
          this.hiddenMaster(vr, master!, h.claimer, h.addr, h.mac, h.dueTs);
        }
      }
      if (vr.conditions.size !== 0) for (const [key, c] of vr.conditions) {
        if (c.untilTs === null) continue;
        if (c.untilTs <= now) this.closeCondition(vr, key, c.untilTs);
        else next = Math.min(next, c.untilTs);
      }
    }
    for (const [key, c] of this.unattributed.conditions) {
      if (c.untilTs === null) continue;
      if (c.untilTs <= now) this.closeCondition(null, key, c.untilTs);
      else next = Math.min(next, c.untilTs);
    }
    this.nextDeadlineTs = next;
  }

  private checkGarp(vr: VirtualRouter, to: Router, sinceTs: number, dueTs: number): void {
    // A capture filtered to VRRP alone cannot show a missing GARP: judge only with evidence.
    if (!this.opts.defaultLiveFilter && (vr.family === 'ipv4' ? this.totals.arp : this.totals.na) === 0) {
      this.garpUnjudged = true;
      return;
    }
    const vmac = vmacOf(vr.family, vr.vrid);
    const missing = to.addrs.filter((a) => {
      const c = this.claims.get(a);
      return !(c && c.ts >= sinceTs && c.ts <= dueTs && (c.mac === to.mac || c.mac === vmac));
    });
    if (missing.length === 0) return;
    const what = vr.family === 'ipv4' ? 'gratuitous ARP' : 'unsolicited neighbor advertisement';
    this.emit(vr, 'garp-missing', 'event', dueTs, [to.src],
      `new master ${to.src} of VRID ${vr.vrid} sent no ${what} for ${missing.join(', ')} within ` +
        `${fmtMs(GARP_GRACE_MS)} of taking over: hosts and the gateway keep the old MAC in their caches until ` +
        `they expire (check vrrp_garp_master_delay / garp settings, or a filter dropping ${vr.family === 'ipv4' ? 'ARP' : 'ICMPv6'} here)`);
  }

  // ---- alerts ----------------------------------------------------------------------------------

  /** Build the complete alert first: onAlert renders it at once, so nothing may be added afterwards. */
  private emit(
    vr: VirtualRouter | null, kind: AlertKind, status: Alert['status'], ts: number, sources: string[], message: string,
    extra?: Partial<Alert>,
  ): Alert {
    const alert: Alert = {
      id: extra?.id ?? this.nextAlertId++,
      kind,
      severity: ALERT_SEVERITY[kind],
      status,
      ts,
      vrid: vr?.vrid ?? null,
      family: vr?.family ?? null,
      sources,
      message,
      ...extra,
    };
    if (vr && status !== 'cleared') vr.alertCounts[kind] = (vr.alertCounts[kind] ?? 0) + 1;
    this.recentAlerts.push(alert);
    if (this.recentAlerts.length > 500) this.recentAlerts.shift();
    this.opts.onAlert?.(alert);
    return alert;
  }

  private once(vr: VirtualRouter, r: Router, kind: AlertKind, ts: number, message: string): void {
    const prev = r.raised.get(kind);
    if (prev) {
      prev.count = (prev.count ?? 1) + 1;
      return;
    }
    r.raised.set(kind, this.emit(vr, kind, 'event', ts, [r.src], message, { count: 1 }));
  }

  private openCondition(vr: VirtualRouter, kind: AlertKind, ts: number, sources: string[], key: string | null, message: string): OpenCondition {
    return this.openConditionOn(vr, vr, kind, ts, sources, key, message);
  }

  /** `holder` keeps the open condition: the virtual router, or `unattributed` for evidence with no VRID. */
  private openConditionOn(
    holder: { conditions: Map<string, OpenCondition> }, vr: VirtualRouter | null, kind: AlertKind, ts: number,
    sources: string[], key: string | null, message: string,
  ): OpenCondition {
    const cond: OpenCondition = { alert: this.emit(vr, kind, 'raised', ts, sources, message), untilTs: null };
    holder.conditions.set(key ?? kind, cond);
    return cond;
  }

  private closeCondition(vr: VirtualRouter | null, key: string, ts: number, why?: string): void {
    const holder = vr ?? this.unattributed;
    if (holder.conditions.size === 0) return;
    const cond = holder.conditions.get(key);
    if (!cond) return;
    holder.conditions.delete(key);
    const a = cond.alert;
    this.emit(vr, a.kind, 'cleared', Math.max(ts, a.ts), a.sources, `cleared: ${why ?? a.message}`, { id: a.id });
  }

  // ---- bookkeeping -----------------------------------------------------------------------------

  private virtualRouter(family: Family, vrid: number): VirtualRouter {
    // Looked up per advert: an array slot, not a key string built and hashed every time.
    const slot = vrSlot(family, vrid);
    const cached = this.vrBySlot[slot];
    if (cached !== undefined) return cached;
    const key = `${family}/${vrid}`;
    let vr = this.vrs.get(key);
    if (!vr) {
      vr = {
        key, family, vrid,
        versions: 0,
        routers: new Map(),
        lastRouter: null,
        master: null,
        lostMaster: null,
        lostReason: null,
        spells: [],
        changes: [],
        changeCount: 0,
        lastChangeTs: null,
        conditions: new Map(),
        overlapStartTs: null,
        overlapAdverts: new Map(),
        lastAdvertSrc: null,
        soloRun: 0,
        pendingGarp: null,
        pendingHidden: new Map(),
        alertCounts: {},
        lastAdvertTs: -Infinity,
      };
      this.vrs.set(key, vr);
    }
    this.vrBySlot[slot] = vr;
    return vr;
  }

  /** Drop `vr` from the index entries of `addrs` that none of its routers lists any more. */
  private unindexAddrs(vr: VirtualRouter, addrs: string[]): void {
    for (const a of addrs) {
      const list = this.vipIndex.get(a);
      if (!list) continue;
      let listed = false;
      for (const r of vr.routers.values()) {
        if (r.addrs.includes(a)) {
          listed = true;
          break;
        }
      }
      if (listed) continue;
      const i = list.indexOf(vr);
      if (i >= 0) list.splice(i, 1);
      if (list.length === 0) {
        this.vipIndex.delete(a);
        this.claims.delete(a);
      }
    }
  }

  private indexAddrs(vr: VirtualRouter, addrs: string[]): void {
    for (const a of addrs) {
      const list = this.vipIndex.get(a);
      if (!list) {
        if (this.vipIndex.size < this.opts.maxClaimedAddresses) this.vipIndex.set(a, [vr]);
      } else if (!list.includes(vr)) list.push(vr);
    }
  }

  private masterDownS(vr: VirtualRouter): number {
    const r = vr.master ?? vr.lostMaster ?? vr.routers.values().next().value;
    return r ? masterDownIntervalMs(r.version, r.priority || 1, r.intervalMs) / 1000 : 4;
  }

  // ---- snapshots for renderers -----------------------------------------------------------------

  snapshot(): AnalyzerSnapshot {
    const vrids = [...this.vrs.values()]
      .sort((a, b) => a.vrid - b.vrid || a.family.localeCompare(b.family))
      .map((vr) => this.vrSnapshot(vr));
    const groups = [...this.groups].map(([group, members]) => ({
      group,
      members: [...members].map(([src, m]) => ({ src, ...m })),
    }));
    return {
      ts: this.nowTs,
      totals: { ...this.totals },
      vrids,
      groups,
      unattributedAlerts: [...this.unattributed.conditions.values()].map((c) => c.alert),
      recentAlerts: this.recentAlerts.slice(),
      garpUnjudged: this.garpUnjudged,
    };
  }

  private vrSnapshot(vr: VirtualRouter): VridSnapshot {
    const routers = [...vr.routers.values()].sort((a, b) => b.priority - a.priority || a.src.localeCompare(b.src));
    const open = [...vr.conditions.values()].map((c) => c.alert);
    return {
      family: vr.family,
      vrid: vr.vrid,
      versions: versionList(vr.versions),
      state: vridState(vr, open),
      master: vr.master ? this.routerSnapshot(vr, vr.master) : null,
      masterSince: vr.spells.length ? vr.spells[vr.spells.length - 1].fromTs : null,
      lastAdvertTs: vr.lastAdvertTs,
      routers: routers.map((r) => this.routerSnapshot(vr, r)),
      masterChanges: vr.changes.slice(),
      masterChangeCount: vr.changeCount,
      history: vr.spells.map((s) => ({ ...s })),
      alerts: { ...vr.alertCounts },
      openAlerts: open,
    };
  }

  private routerSnapshot(vr: VirtualRouter, r: Router): RouterSnapshot {
    const role: Role = vr.master === r ? 'master' : r.priority === 0 ? 'resigned' : isContending(r, this.nowTs) && isOpen(vr, 'duplicate-master') ? 'contender' : 'backup-or-silent';
    return {
      src: r.src,
      mac: r.mac,
      vmac: r.vmac,
      role,
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
      counts: { ...r.counts },
    };
  }
}

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
  addrs: string[];
  ttl: number;
  dst: string;
  dstKind: DestinationKind;
  checksumVariant: string | null;
  firstSeenTs: number;
  lastSeenTs: number;
  adverts: number;
  counts: Router['counts'];
}

export interface VridSnapshot {
  family: Family;
  vrid: number;
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
  totals: Analyzer['totals'];
  vrids: VridSnapshot[];
  /** Multicast groups with the members that joined them (IGMP / MLD). */
  groups: { group: string; members: ({ src: string } & Membership)[] }[];
  /** Open alerts about no known VRID (ICMP errors quoting a VRID never advertised here). */
  unattributedAlerts: Alert[];
  recentAlerts: Alert[];
  garpUnjudged: boolean;
}

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

/** Index of a virtual router in Analyzer.vrBySlot: IPv4 VRIDs 0-255, IPv6 256-511. */
function vrSlot(family: Family, vrid: number): number {
  return family === 'ipv4' ? vrid : 256 + vrid;
}

/** The condition is open; no hash lookup in the usual case of a virtual router with none open. */
function isOpen(vr: VirtualRouter, key: string): boolean {
  return vr.conditions.size !== 0 && vr.conditions.has(key);
}

/** Heard recently enough to compare its configuration with its peers' (see presenceWindowMs). */
function isPresent(x: Router, ts: number): boolean {
  return (ts - x.lastSeenTs) * 1000 <= presenceWindowMs(x.intervalMs);
}

/** Advertising with non-zero priority recently enough to count as one of several masters. */
function isContending(x: Router, ts: number): boolean {
  return x.priority > 0 && (ts - x.lastSeenTs) * 1000 <= contentionWindowMs(x.version, x.priority, x.intervalMs);
}

function lastOverlapEnd(vr: VirtualRouter, now: number): number {
  // The overlap ended when the second-to-last advertiser's contention window ran out.
  let end = -Infinity;
  for (const x of vr.routers.values()) {
    if (x.priority === 0) continue;
    const expiry = x.lastSeenTs + contentionWindowMs(x.version, x.priority, x.intervalMs) / 1000;
    if (expiry <= now && expiry > end) end = expiry;
  }
  return end === -Infinity ? now : end;
}

/** 224.0.0.0/24 (RFC 5771) and IPv6 ff02::1 are flooded by snooping switches; other groups are not. */
function isLinkLocalGroup(group: string): boolean {
  return group.startsWith('224.0.0.') || group === 'ff02::1';
}

function outranks(a: Router, b: Router): boolean {
  // RFC 3768 §6.4.3: equal priorities are broken by the higher primary IP address.
  if (a.priority !== b.priority) return a.priority > b.priority;
  return compareAddr(a.src, b.src) > 0;
}

function compareAddr(a: string, b: string): number {
  const pa = a.split('.');
  const pb = b.split('.');
  if (pa.length === 4 && pb.length === 4) {
    for (let i = 0; i < 4; i++) {
      const d = Number(pa[i]) - Number(pb[i]);
      if (d !== 0) return d;
    }
    return 0;
  }
  return a < b ? -1 : a > b ? 1 : 0;
}

function destinationKind(family: Family, dst: string): DestinationKind {
  if (family === 'ipv4') {
    if (dst === '224.0.0.18') return 'group';
    const first = Number(dst.slice(0, dst.indexOf('.')));
    return first >= 224 && first <= 239 ? 'custom-group' : 'unicast';
  }
  if (dst === 'ff02::12') return 'group';
  return dst.startsWith('ff') ? 'custom-group' : 'unicast';
}

export function vmacOf(family: Family, vrid: number): string {
  return `00:00:5e:00:0${family === 'ipv4' ? 1 : 2}:${vrid.toString(16).padStart(2, '0')}`;
}

function versionList(bits: number): number[] {
  const out: number[] = [];
  for (let v = 0; v < 16; v++) if (bits & (1 << v)) out.push(v);
  return out;
}

function sameAddrs(a: string[], b: string[]): boolean {
  // The same array when the decoder answered a repeated frame from memory.
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function addrsKey(addrs: string[]): string {
  return addrs.length <= 1 ? (addrs[0] ?? '') : addrs.slice().sort().join(',');
}

function describeAuth(type: number | null, pass: string | null): string {
  // Raw here; every renderer escapes wire text the same way (\x1b, not JSON's \u001b).
  if (type === 1) return `password "${pass ?? ''}"`;
  if (type === 0 || type === null) return 'no authentication';
  if (type === 2) return 'IP AH authentication';
  return `auth type ${type}`;
}

/** 1000 -> "1s", 1500 -> "1.5s", 12.34 -> "12.3ms". */
export function fmtMs(ms: number): string {
  if (Math.abs(ms) >= 1000) return `${Number((ms / 1000).toFixed(3))}s`;
  return `${Math.round(ms * 10) / 10}ms`;
}
