// Split brain: two or more routers keep advertising with non-zero priority (duplicate-master),
// and two masters sending from one VMAC at once (vmac-mismatch).
//
// A preemption handover overlaps for at most one advert of the old master, so it never counts.
// Raised when every contender advertised twice since the overlap began, or when a router that
// does not outrank the master advertised twice while the master is alive: a backup only
// advertises once it stopped hearing the master. Masters that hear each other's adverts re-arm
// their own timers, so their intervals look irregular (see contentionWindowMs): that is not loss.

import { isContending, isOpen, outranks, type Router, type VirtualRouter } from './model.js';
import type { AnalyzerState } from './state.js';
import { contentionWindowMs } from './timers.js';

/** Consecutive adverts of the highest-priority master, with no other router between, that end a split brain. */
const SPLIT_BRAIN_RESOLVED_RUN = 3;

/** `r` advertised with a non-zero priority at `ts`. */
export function onContention(st: AnalyzerState, vr: VirtualRouter, r: Router, ts: number): void {
  vr.soloRun = vr.lastAdvertSrc === r.src ? vr.soloRun + 1 : 1;
  vr.lastAdvertSrc = r.src;
  if (!isOpen(vr, 'duplicate-master')) {
    // The usual case, one router advertising: nothing to allocate, and no clear() of an empty
    // Map, which gives it a new backing table every time.
    let n = 0;
    if (vr.routers.size > 1) for (const x of vr.routers.values()) if (isContending(x, ts) && ++n === 2) break;
    if (n < 2) {
      vr.overlapStartTs = null;
      if (vr.overlapAdverts.size !== 0) vr.overlapAdverts.clear();
      return;
    }
  }
  trackContention(st, vr, r, ts);
}

/**
 * onContention once two or more routers contend. Apart because it makes closures: a function
 * that does allocates their context on every call, even on the paths that never reach them.
 */
function trackContention(st: AnalyzerState, vr: VirtualRouter, r: Router, ts: number): void {
  const active = activeAdvertisers(vr, ts);
  if (isOpen(vr, 'duplicate-master') && vr.soloRun >= SPLIT_BRAIN_RESOLVED_RUN && active.every((x) => x === r || outranks(r, x))) {
    // The highest-priority master advertises alone again: the others went back to backup. (A lower
    // one advertising alone proves nothing: the higher may only be re-arming its timer.)
    st.alerts.close(vr, 'duplicate-master', ts, `${r.src} advertises alone again`);
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
  st.schedule(ts + contentionWindowMs(r.version, r.priority, r.intervalMs) / 1000);
  if (persistent.length < 2) return;
  const open = vr.conditions.get('duplicate-master');
  if (!open) {
    const who = persistent.map((x) => `${x.src} (prio ${x.priority}${x.mac ? `, ${x.mac}` : ''})`).join(' and ');
    st.alerts.open(vr, 'duplicate-master', ts, persistent.map((x) => x.src), null,
      `split brain: ${who} all advertise as master of ${st.vridName(vr)}. They do not hear each other, or reject ` +
        `what they hear: usually IP protocol 112 is dropped in one direction (host firewall, security group, ` +
        `hypervisor or switch filtering multicast), or the peers differ in password, interval or VRID config; ` +
        `check that each node's firewall accepts protocol 112 from its peer`);
  } else {
    for (const x of persistent) {
      if (open.alert.sources.length >= st.opts.maxRoutersPerVrid) break;
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
      st.alerts.once(vr, r, 'vmac-mismatch', ts,
        `${r.src} and ${other.src} both send from the virtual MAC ${r.mac} at the same time: two masters with ` +
          `use_vmac (switches will flap the MAC between their ports)`);
    }
  }
}

function activeAdvertisers(vr: VirtualRouter, ts: number): Router[] {
  const out: Router[] = [];
  for (const x of vr.routers.values()) if (isContending(x, ts)) out.push(x);
  return out;
}

/** Timer: the overlap ends when fewer than two routers still contend; a split brain then clears. */
export function overlapTimer(st: AnalyzerState, vr: VirtualRouter, now: number): number {
  if (vr.overlapStartTs === null) return Infinity;
  const active = activeAdvertisers(vr, now);
  if (active.length < 2) {
    if (vr.conditions.get('duplicate-master')) {
      st.alerts.close(vr, 'duplicate-master', lastOverlapEnd(vr, now), `only one router of ${st.vridName(vr)} advertises again`);
    }
    vr.overlapStartTs = null;
    vr.overlapAdverts.clear();
    return Infinity;
  }
  let next = Infinity;
  for (const x of active) next = Math.min(next, x.lastSeenTs + contentionWindowMs(x.version, x.priority, x.intervalMs) / 1000);
  return next;
}

/** The overlap ended when the second-to-last advertiser's contention window ran out. */
function lastOverlapEnd(vr: VirtualRouter, now: number): number {
  let end = -Infinity;
  for (const x of vr.routers.values()) {
    if (x.priority === 0) continue;
    const expiry = x.lastSeenTs + contentionWindowMs(x.version, x.priority, x.intervalMs) / 1000;
    if (expiry <= now && expiry > end) end = expiry;
  }
  return end === -Infinity ? now : end;
}
