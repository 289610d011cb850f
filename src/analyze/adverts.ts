// An advertisement arrives: find or make its virtual router and router, bring the router up to
// date, run the per-packet checks (checksum, TTL, VMAC, ...) and the once-per-router findings
// (custom group, unicast, owner conflict, expected password), then hand over to mastership,
// contention and the peer comparison.

import type { Family, VrrpPacket } from '../decode/types.js';
import { describeAuth } from '../decode/names.js';
import type { AlertKind } from './alerts.js';
import { onContention } from './contention.js';
import { IntervalStats } from './intervals.js';
import { onMasterAdvert, onResign } from './mastership.js';
import { destinationKind, type Router, type VirtualRouter, vrSlot } from './model.js';
import { checkPeerConfig } from './peers.js';
import { indexAddrs, unindexAddrs } from './claims.js';
import type { AnalyzerState } from './state.js';
import { missedAdvertAfterMs, presenceWindowMs } from './timers.js';
import { fmtMs } from '../duration.js';

/** Where an advert was seen: its segment, its place (interface, VLANs, direction), its IPv4 identification. */
export interface Sighting {
  segment: number;
  place: number;
  ipId: number;
  /**
   * The capture tells the direction of a frame but not its interface (Linux cooked v1: what
   * libpcap gives for `-i any`): on a bridge host an advert's copies on the sender's port and on
   * the bridge are then in one place.
   */
  blind: boolean;
}

const PRIORITY_HISTORY = 32;
/** Longest time between an advert and a copy of it (see isCopy). */
const COPY_WINDOW_MS = 5;
/**
 * Longest time between an advert and a copy of it in the same place of a capture that cannot
 * tell interfaces apart (Sighting.blind): a bridge forwards within tens of microseconds (37-42 µs
 * in pcaps/lab/any-bridge-host.pcap), far sooner than a router answers a rival's advert.
 */
const BLIND_COPY_WINDOW_S = 0.001;
/** Sources reported for malformed VRRP before new ones are only counted. */
const MAX_MALFORMED_SOURCES = 4096;

/** Problems that make an advert no advert: it is reported as malformed and judged no further. */
const FATAL: readonly string[] = ['malformed', 'bad-version', 'bad-type'];

/**
 * One VRRP advert at `ts` on `segment`. `repeat`: the decoder recognised the frame as one it
 * remembers and handed over the packet decoded then; if that is this router's last advert, the
 * router already holds every field of it and only its time is new (see repeatAdvert).
 */
export function onVrrp(st: AnalyzerState, pkt: VrrpPacket, ts: number, repeat: boolean, at: Sighting): void {
  const family = pkt.ip.family;
  const seen = st.slotsOf(at.segment)[vrSlot(family, pkt.vrid)];
  const last = seen === undefined ? null : seen.lastRouter;
  if (repeat && last !== null && last.lastPkt === pkt) {
    if (isCopy(last, pkt, ts, at)) last.copies++;
    else repeatAdvert(st, seen!, last, pkt, ts, at);
    if (at.place >= PLACES) seenAt(st, last, at, ts);
    return;
  }
  if (pkt.truncated) st.totals.truncated++;
  if (pkt.problems.length !== 0) {
    const why = pkt.problems.find((p) => FATAL.includes(p.id));
    if (why) {
      onMalformedVrrp(st, at.segment, family, pkt.ip.src, ts, why.message, pkt.vrid);
      return;
    }
  }
  // Cut inside the fixed header: not even VRID and priority are known.
  if (pkt.truncated && (pkt.capturedLength ?? 0) < 8) return;
  const known = seen === undefined ? undefined : knownRouter(seen, pkt.ip.src);
  if (known !== undefined ? isCopy(known, pkt, ts, at) : copyElsewhere(st, pkt, ts, at)) {
    if (known !== undefined) {
      known.copies++;
      if (at.place >= PLACES) seenAt(st, known, at, ts);
    }
    return;
  }
  const vr = seen ?? st.virtualRouter(at.segment, family, pkt.vrid);
  vr.versions |= 1 << pkt.version;
  vr.lastAdvertTs = ts;
  const before = known?.priority;
  const r = router(st, vr, pkt, ts, known);
  if (!r) return;
  r.lastPlace = at.place;
  r.lastIpId = at.ipId;
  if (at.place >= PLACES) seenAt(st, r, at, ts);
  if (r === vr.master && before !== undefined && before !== pkt.priority && before > 0 && pkt.priority > 0) {
    // keepalived track_script / track_interface weights move a master's priority without a takeover;
    // it explains the next preemption.
    st.alerts.emit(vr, 'priority-change', 'event', ts, [r.src],
      `master ${r.src} of ${st.vridName(vr)} changed its priority from ${before} to ${pkt.priority} without a takeover ` +
        `(keepalived track_script / track_interface weight, or a configuration reload)`,
      { oldPriority: before, newPriority: pkt.priority });
  }
  checkPacketProblems(st, vr, r, pkt, ts);
  checkRouterOnce(st, vr, r, pkt, ts);

  if (pkt.priority === 0) {
    onResign(st, vr, r, ts);
  } else {
    onMasterAdvert(st, vr, r, ts);
    onContention(st, vr, r, ts);
  }
  checkPeerConfig(st, vr, ts);
  r.lastPkt = !pkt.truncated && pkt.priority !== 0 ? pkt : null;
}

/**
 * `pkt` is the very advert the router sent last: every field router() would copy from it is
 * already the router's, so only its time is taken; the checks run as for any advert (they count
 * per packet). test/analyze/repeat-advert.test.ts holds the two paths equal.
 */
function repeatAdvert(st: AnalyzerState, vr: VirtualRouter, r: Router, pkt: VrrpPacket, ts: number, at: Sighting): void {
  st.repeatedAdverts++;
  r.lastPlace = at.place;
  r.lastIpId = at.ipId;
  vr.lastAdvertTs = ts;
  advertTime(r, ts);
  r.adverts++;
  checkPacketProblems(st, vr, r, pkt, ts);
  checkRouterOnce(st, vr, r, pkt, ts);
  onMasterAdvert(st, vr, r, ts);
  onContention(st, vr, r, ts);
  checkPeerConfig(st, vr, ts);
}

/** Sighting.place is a place id times PLACES plus the direction: place 0, the usual capture's only one, is never counted. */
const PLACES = 8;

/** `r`'s advert (or a copy of it) was seen at `at`'s place, at `ts`. */
function seenAt(st: AnalyzerState, r: Router, at: Sighting, ts: number): void {
  const place = (at.place / PLACES) | 0;
  r.seenAt.set(place, (r.seenAt.get(place) ?? 0) + 1);
  if (r.homePending && st.segments.lastClock === r.homeClock) homeAdvertTime(r, ts);
}

/**
 * Captures of several vantage points (clocks.ts): a router's intervals are measured on one clock
 * only, its home vantage's (where it was first heard), at the first sighting there of each advert
 * counted; an interval between an advert counted at one vantage and the next counted at another
 * would hold the difference of their clocks (or of the estimate of it).
 */
function homeAdvertTime(r: Router, ts: number): void {
  const gapMs = (ts - r.homeLastTs) * 1000;
  // NaN after an advert the home vantage never saw: that gap is no advertisement interval.
  if (gapMs <= missedAdvertAfterMs(r.intervalMs)) r.intervals.add(gapMs);
  r.homeLastTs = ts;
  r.homePending = false;
}

/**
 * The same advert as the router's last one, seen again within a few milliseconds: a copy of it
 * (`-i any` sees an advert on every bridge port and on the bridge; a Linux cooked capture sees a
 * host's own adverts go out), counted once. A real event is never a copy: another source MAC, or
 * other contents (priority, checksum over the whole message), or a gap a router could send in.
 */
function isCopy(r: Router, pkt: VrrpPacket, ts: number, at: Sighting): boolean {
  if (!(Math.abs(ts - r.lastSeenTs) <= copyWindowS(r.intervalMs) && pkt.checksum === r.lastChecksum &&
    pkt.priority === r.priority && pkt.link.srcMac === r.mac && pkt.version === r.version)) return false;
  // A router answering another's advert at once sends the same message again within a millisecond
  // (keepalived in a split brain does): over IPv4 its identification tells it from a copy. Without
  // one (IPv6, or a sender that leaves it 0), only a copy is seen in another place, or, where the
  // capture cannot tell interfaces apart, within a millisecond in the same one.
  if (at.ipId > 0) return at.ipId === r.lastIpId;
  return at.place !== r.lastPlace || (at.blind && Math.abs(ts - r.lastSeenTs) <= BLIND_COPY_WINDOW_S);
}

/** Copies arrive within microseconds on one host: a few milliseconds, and never a quarter of the interval. */
function copyWindowS(intervalMs: number): number {
  return Math.min(COPY_WINDOW_MS, intervalMs / 4) / 1000;
}

/**
 * `pkt` on `segment`, whose virtual router does not know its source there: a copy of an advert just
 * counted on another segment? Then both segments carry the same adverts: they are one segment
 * (joined while the new one holds no virtual router of its own).
 */
function copyElsewhere(st: AnalyzerState, pkt: VrrpPacket, ts: number, at: Sighting): boolean {
  const segment = at.segment;
  if (st.segments.count < 2) return false;
  for (const vr of st.vrs.values()) {
    if (vr.segment === segment || vr.vrid !== pkt.vrid || vr.family !== pkt.ip.family) continue;
    const r = knownRouter(vr, pkt.ip.src);
    if (r === undefined || !isCopy(r, pkt, ts, at)) continue;
    r.copies++;
    if (at.place >= PLACES) seenAt(st, r, at, ts);
    const into = st.segments.find(vr.segment);
    if (into !== segment && !st.hasVirtualRouters(segment)) {
      st.segments.merge(into, segment, ts, `both carry the adverts of ${pkt.ip.src} for VRID ${pkt.vrid}, copies within ${fmtMs(COPY_WINDOW_MS)}`);
    }
    return true;
  }
  return false;
}

/** A known router advertised at `ts`: the gap joins its interval statistics if it was within a run. */
function advertTime(r: Router, ts: number): void {
  // Only gaps within a run of adverts: a router silent for three of its intervals was a backup
  // (or down) meanwhile, and that silence is no advertisement interval (missed-advert tells it).
  const gapMs = (ts - r.lastSeenTs) * 1000;
  if (r.homeClock >= 0) {
    // Several clocks: measured when its home vantage sees it (homeAdvertTime).
    if (r.homePending) r.homeLastTs = NaN;
    r.homePending = true;
  } else if (gapMs <= missedAdvertAfterMs(r.intervalMs)) r.intervals.add(gapMs);
  r.lastSeenTs = ts;
}

function knownRouter(vr: VirtualRouter, src: string): Router | undefined {
  const last = vr.lastRouter;
  return last !== null && last.src === src ? last : vr.routers.get(src);
}

/** The router `pkt` comes from (`known` if it was seen before), brought up to date; null past the per-VRID limit. */
function router(st: AnalyzerState, vr: VirtualRouter, pkt: VrrpPacket, ts: number, known: Router | undefined): Router | null {
  let r = known;
  if (!r) {
    if (vr.routers.size >= st.opts.maxRoutersPerVrid && !evictOldest(st, vr, ts)) return null;
    // What a repeated advert reads and writes comes first, in a cache line or two: with hundreds
    // of virtual routers a router's state is out of cache again by its next advert, and every line
    // it spans is another miss.
    r = {
      lastPkt: null,
      lastSeenTs: ts,
      intervalMs: pkt.intervalMs,
      intervals: new IntervalStats(),
      adverts: 0,
      lastPlace: -1,
      lastIpId: -1,
      homeClock: st.segments.lastClock,
      homePending: false,
      dstKind: destinationKind(pkt.ip.family, pkt.ip.dst),
      src: pkt.ip.src,
      priority: pkt.priority,
      version: pkt.version,
      mac: pkt.link.srcMac,
      lastChecksum: pkt.checksum,
      vmac: pkt.vmac,
      firstSeenTs: ts,
      priorityHistory: [{ ts, priority: pkt.priority }],
      authType: pkt.authType,
      authPass: pkt.authPass,
      addrs: pkt.addrs,
      addrsKey: addrsKey(pkt.addrs),
      ttl: pkt.ip.ttl,
      dst: pkt.ip.dst,
      checksumVariant: pkt.checksumVariant,
      counts: { badChecksum: 0, badTtl: 0, malformed: 0, vmacMismatch: 0, truncated: 0 },
      raised: new Map(),
      copies: 0,
      seenAt: new Map(),
      homeLastTs: ts,
    };
    vr.routers.set(r.src, r);
    indexAddrs(st, vr, r.addrs);
  } else {
    advertTime(r, ts);
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
    r.lastChecksum = pkt.checksum;
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
        unindexAddrs(st, vr, old);
        indexAddrs(st, vr, r.addrs);
      }
    }
  }
  r.adverts++;
  if (pkt.truncated) r.counts.truncated++;
  vr.lastRouter = r;
  return r;
}

/** Makes room for a new router past the per-VRID limit: forgets the longest-silent one that is not master. */
function evictOldest(st: AnalyzerState, vr: VirtualRouter, ts: number): boolean {
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
  unindexAddrs(st, vr, oldest.addrs);
  // Conditions about a forgotten router close with it: nothing would ever renew or clear them.
  for (const key of [`auth-expected:${oldest.src}`, `hidden-master:${oldest.src}`]) {
    st.alerts.close(vr, key, ts, `${oldest.src} forgotten (more routers than the per-VRID limit)`);
  }
  if (!st.stateLimitRaised) {
    st.stateLimitRaised = true;
    st.alerts.emit(vr, 'state-limit', 'event', ts, [oldest.src],
      `more than ${st.opts.maxRoutersPerVrid} routers advertise ${st.vridName(vr)}: forgetting the longest-silent ones ` +
        `(a flood of forged sources, or a misconfigured segment); later evictions are not reported`);
  }
  return true;
}

/** Per-packet findings: the decoder's problem id, the alert it raises once per router, the counter it adds to. */
const PACKET_PROBLEMS: Readonly<Record<string, { kind: AlertKind; count: keyof Router['counts'] | null; message: (r: Router, pkt: VrrpPacket, problem: string) => string }>> = {
  'bad-checksum': {
    kind: 'bad-checksum', count: 'badChecksum',
    message: (r, _pkt, problem) => `${r.src}: ${problem}. Peers drop adverts with a bad checksum: check for a VRRPv3 checksum variant ` +
      `mismatch (Cisco / keepalived vrrp_v3_checksum_as_v2 leave out the pseudo-header) or corruption`,
  },
  'bad-ip-checksum': {
    kind: 'bad-checksum', count: 'badChecksum',
    message: (r, _pkt, problem) => `${r.src}: ${problem}. Peers drop adverts with a bad checksum: check for a VRRPv3 checksum variant ` +
      `mismatch (Cisco / keepalived vrrp_v3_checksum_as_v2 leave out the pseudo-header) or corruption`,
  },
  'bad-ttl': {
    kind: 'bad-ttl', count: 'badTtl',
    message: (r, pkt) => `${r.src}: TTL ${pkt.ip.ttl}, not 255: receivers must discard it (RFC 3768 §7.1, RFC 5798 §7.1); ` +
      `the advert was routed or rewritten on its way`,
  },
  'vmac-mismatch': { kind: 'vmac-mismatch', count: 'vmacMismatch', message: (r, _pkt, problem) => `${r.src}: ${problem}` },
  'not-link-local': {
    kind: 'not-link-local', count: null,
    message: (r, _pkt, problem) => `${r.src}: ${problem} (RFC 5798 §5.2.9); receivers may discard it`,
  },
  'count-mismatch': { kind: 'malformed', count: 'malformed', message: (r, _pkt, problem) => `${r.src}: ${problem}` },
  'bad-interval': { kind: 'malformed', count: 'malformed', message: (r, _pkt, problem) => `${r.src}: ${problem}` },
};

/** Per-packet findings: raised once per router and kind, then only counted. */
function checkPacketProblems(st: AnalyzerState, vr: VirtualRouter, r: Router, pkt: VrrpPacket, ts: number): void {
  for (const p of pkt.problems) {
    const rule = PACKET_PROBLEMS[p.id];
    if (rule === undefined) continue;
    if (rule.count !== null) r.counts[rule.count]++;
    st.alerts.once(vr, r, rule.kind, ts, rule.message(r, pkt, p.message));
  }
}

function checkRouterOnce(st: AnalyzerState, vr: VirtualRouter, r: Router, pkt: VrrpPacket, ts: number): void {
  if (r.dstKind === 'custom-group') {
    st.alerts.once(vr, r, 'nonstandard-group', ts,
      `${r.src} advertises to ${r.dst}, not ${vr.family === 'ipv4' ? '224.0.0.18' : 'ff02::12'} ` +
        `(keepalived vrrp_mcast_group4/6): fine, but firewalls and IGMP-snooping switches must allow that group`);
  } else if (r.dstKind === 'unicast') {
    st.alerts.once(vr, r, 'unicast', ts,
      `${r.src} advertises by unicast to ${r.dst} (keepalived unicast_peer): fine, but every firewall on the ` +
        `way must allow IP protocol 112 between the peers`);
  }
  if (pkt.priority === 255 && vr.family === 'ipv4' && pkt.addrs.length > 0 && !pkt.addrs.includes(r.src)) {
    st.alerts.once(vr, r, 'owner-conflict', ts,
      `${r.src} claims priority 255 (address owner) but is not one of the virtual addresses ` +
        `${pkt.addrs.join(', ')}: use a priority below 255 unless it really owns them`);
  }
  const expected = st.opts.authPass;
  if (expected !== undefined && pkt.version === 2 && !pkt.truncated && pkt.authPass !== expected) {
    const key = `auth-expected:${r.src}`;
    const untilTs = ts + presenceWindowMs(r.intervalMs) / 1000;
    const open = vr.conditions.get(key);
    if (open) open.untilTs = untilTs;
    else {
      st.alerts.open(vr, 'auth-mismatch', ts, [r.src], key,
        `${r.src} uses ${describeAuth(pkt.authType, pkt.authPass)}, not the expected password: ` +
          `its peers discard its adverts; fix authentication { auth_pass } on one side`).untilTs = untilTs;
      st.schedule(untilTs);
    }
  }
}

/** A VRRP packet that is no advert (bad version, type or lengths): reported once per source. */
export function onMalformedVrrp(st: AnalyzerState, segment: number, family: Family, src: string, ts: number, reason: string, vrid?: number): void {
  const vr = vrid === undefined ? null : st.virtualRouter(segment, family, vrid);
  const r = vr?.routers.get(src);
  if (r) r.counts.malformed++;
  const key = `malformed:${family}:${src}`;
  // Past the cap, new sources are only counted: a flood must not flood alerts.
  if (st.malformedSeen.has(key) || st.malformedSeen.size >= MAX_MALFORMED_SOURCES) return;
  st.malformedSeen.add(key);
  st.alerts.emit(vr, 'malformed', 'event', ts, [src], `${src}: malformed VRRP packet: ${reason}`);
}

function sameAddrs(a: readonly string[], b: readonly string[]): boolean {
  // The same array when the decoder answered a repeated frame from memory.
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function addrsKey(addrs: readonly string[]): string {
  return addrs.length <= 1 ? (addrs[0] ?? '') : addrs.slice().sort().join(',');
}
