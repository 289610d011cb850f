// Who claims a virtual address: gratuitous ARP, ARP replies and unsolicited neighbor
// advertisements, judged against the master of every virtual router listing the address.
// vip-conflict (two MACs), hidden-master (a silent router of the VRID claims it while another is
// master) and garp-missing (a new master that does not announce itself).

import { fmtMs } from '../duration.js';
import type { NaPacket } from '../decode/types.js';
import { isContending, isOpen, routerByMac, type Router, type VirtualRouter, vmacOf } from './model.js';
import type { AnalyzerState } from './state.js';
import { GARP_GRACE_MS, missedAdvertAfterMs, presenceWindowMs } from './timers.js';

export function onNa(st: AnalyzerState, pkt: NaPacket, ts: number, segment: number): void {
  const mac = pkt.targetMac ?? pkt.link.srcMac;
  if (mac) onClaim(st, pkt.target, mac, ts, segment);
}

/**
 * Claims are kept per segment: the same private address on two VLANs belongs to two unrelated
 * virtual routers, and a claim on one says nothing of the other. Segment 0 (the only one of a usual
 * capture) keys by the address alone.
 */
function claimKey(segment: number, addr: string): string {
  return segment === 0 ? addr : `${segment} ${addr}`;
}

/** `mac` claims `addr` at `ts` on `segment`: judged by the virtual routers of that segment listing it. */
export function onClaim(st: AnalyzerState, addr: string, mac: string, ts: number, segment: number): void {
  const vrs = st.vipIndex.get(addr);
  if (!vrs) return;
  const key = claimKey(segment, addr);
  const prev = st.claims.get(key);
  const prevMac = prev === undefined ? null : prev.mac;
  const prevTs = prev === undefined ? 0 : prev.ts;
  // Updated in place: a new object per claim lived long enough to be promoted to the old generation.
  if (prev === undefined) st.claims.set(key, { mac, ts });
  else {
    prev.mac = mac;
    prev.ts = ts;
  }
  for (const vr of vrs) {
    if (st.segments.find(vr.segment) !== segment) continue;
    const mdiS = st.masterDownS(vr);
    // During a takeover the old master may still answer ARP while the new one announces itself.
    if (vr.lastChangeTs !== null && ts - vr.lastChangeTs <= mdiS + GARP_GRACE_MS / 1000) continue;
    // With use_vmac a node answers with the VMAC: that is the virtual router itself.
    const vmac = vmacOf(vr.family, vr.vrid);
    if (mac === vmac) continue;
    const m = vr.master;
    const masterAlive = m !== null && ts - m.lastSeenTs <= missedAdvertAfterMs(m.intervalMs) / 1000;
    const claimer = routerByMac(vr, mac);
    if (masterAlive && m!.mac !== mac) {
      if (claimer && isContending(claimer, ts)) {
        // It advertised lately: a split brain (duplicate-master) if it keeps advertising, a hidden
        // master if it falls silent (keepalived with a longer advert_int does). Judge once we know.
        if (!isOpen(vr, 'duplicate-master') && !vr.pendingHidden.has(claimer.src)) {
          const dueTs = ts + (1.5 * claimer.intervalMs) / 1000;
          vr.pendingHidden.set(claimer.src, { claimer, addr, mac, dueTs });
          st.schedule(dueTs);
        }
        continue;
      }
      if (claimer) {
        hiddenMaster(st, vr, m!, claimer, addr, mac, ts);
        continue;
      }
      vipConflict(st, vr, addr, m!.mac ?? '?', mac, ts, mdiS,
        `while ${m!.src} is master: another host answers for it, either a second master whose adverts never ` +
          `reach this capture point (capture on the other node to tell), or the address is configured statically elsewhere`);
      continue;
    }
    // No live master to compare with: two different MACs within one Master_Down_Interval.
    if (prevMac === null || prevMac === mac || prevMac === vmac || ts - prevTs > mdiS) continue;
    if (routerByMac(vr, prevMac) && claimer) continue;
    vipConflict(st, vr, addr, prevMac, mac, ts, mdiS,
      `within ${fmtMs(mdiS * 1000)}: two hosts answer for it (split brain, or the address is also configured statically on another host)`);
  }
}

function vipConflict(st: AnalyzerState, vr: VirtualRouter, addr: string, macA: string, macB: string, ts: number, mdiS: number, why: string): void {
  const key = `vip-conflict:${addr}`;
  const open = vr.conditions.get(key);
  if (open) {
    open.untilTs = ts + mdiS;
    return;
  }
  st.alerts.open(vr, 'vip-conflict', ts, [macA, macB], key,
    `virtual address ${addr} of ${st.vridName(vr)} is claimed by two MACs, ${macA} and ${macB}, ${why}`).untilTs = ts + mdiS;
  st.schedule(ts + mdiS);
}

/**
 * A router of this VRID that does not advertise claims a virtual address while the master lives:
 * it is master too, and its adverts do not reach this capture point, or it sends them rarely
 * (keepalived masters that receive each other's rejected adverts re-arm their timers and may
 * never send). Typical for an advert_int mismatch or a one-way firewall.
 */
function hiddenMaster(st: AnalyzerState, vr: VirtualRouter, m: Router, hidden: Router, addr: string, mac: string, ts: number): void {
  const key = `hidden-master:${hidden.src}`;
  const untilTs = ts + presenceWindowMs(m.intervalMs) / 1000;
  const open = vr.conditions.get(key);
  if (open) {
    open.untilTs = untilTs;
    return;
  }
  const lastAdvert = hidden.lastSeenTs;
  st.alerts.open(vr, 'hidden-master', ts, [m.src, hidden.src], key,
    `${hidden.src} (${mac}) claims virtual address ${addr} of ${st.vridName(vr)} while ${m.src} is master, but its own ` +
      `adverts are not seen here (last one ${fmtMs((ts - lastAdvert) * 1000)} before): it is a second master whose ` +
      `adverts do not reach this capture point or that suppresses them (keepalived does when it rejects the ` +
      `other's adverts: compare advert_int, password and VRID on both; check the path for a filter on protocol 112)`,
  ).untilTs = untilTs;
  st.schedule(untilTs);
}

/** Timer: claims by a recent advertiser, judged once it either kept advertising (split brain) or fell silent (hidden master). */
export function hiddenClaimTimer(st: AnalyzerState, vr: VirtualRouter, now: number): number {
  let next = Infinity;
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
      hiddenMaster(st, vr, master!, h.claimer, h.addr, h.mac, h.dueTs);
    }
  }
  return next;
}

/** Timer: a new master's gratuitous ARPs / NAs, judged GARP_GRACE_MS after the takeover. */
export function garpTimer(st: AnalyzerState, vr: VirtualRouter, now: number): number {
  const g = vr.pendingGarp;
  if (!g) return Infinity;
  if (g.dueTs > now) return g.dueTs;
  vr.pendingGarp = null;
  checkGarp(st, vr, g.to, g.sinceTs, g.dueTs);
  return Infinity;
}

function checkGarp(st: AnalyzerState, vr: VirtualRouter, to: Router, sinceTs: number, dueTs: number): void {
  // A capture filtered to VRRP alone cannot show a missing GARP: judge only with evidence.
  if (!st.opts.defaultLiveFilter && (vr.family === 'ipv4' ? st.totals.arp : st.totals.na) === 0) {
    st.garpUnjudged = true;
    return;
  }
  const vmac = vmacOf(vr.family, vr.vrid);
  const segment = st.segments.find(vr.segment);
  const missing = to.addrs.filter((a) => {
    const c = st.claims.get(claimKey(segment, a));
    return !(c && c.ts >= sinceTs && c.ts <= dueTs && (c.mac === to.mac || c.mac === vmac));
  });
  if (missing.length === 0) return;
  const what = vr.family === 'ipv4' ? 'gratuitous ARP' : 'unsolicited neighbor advertisement';
  st.alerts.emit(vr, 'garp-missing', 'event', dueTs, [to.src],
    `new master ${to.src} of ${st.vridName(vr)} sent no ${what} for ${missing.join(', ')} within ` +
      `${fmtMs(GARP_GRACE_MS)} of taking over: hosts and the gateway keep the old MAC in their caches until ` +
      `they expire (check vrrp_garp_master_delay / garp settings, or a filter dropping ${vr.family === 'ipv4' ? 'ARP' : 'ICMPv6'} here)`);
}

/** `vr` lists `addrs` now: claims of them are attributed to it. */
export function indexAddrs(st: AnalyzerState, vr: VirtualRouter, addrs: readonly string[]): void {
  for (const a of addrs) {
    const list = st.vipIndex.get(a);
    if (!list) {
      if (st.vipIndex.size < st.opts.maxClaimedAddresses) st.vipIndex.set(a, [vr]);
    } else if (!list.includes(vr)) list.push(vr);
  }
}

/** Drops `vr` from the index entries of `addrs` that none of its routers lists any more. */
export function unindexAddrs(st: AnalyzerState, vr: VirtualRouter, addrs: readonly string[]): void {
  for (const a of addrs) {
    const list = st.vipIndex.get(a);
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
    const segment = st.segments.find(vr.segment);
    if (!list.some((other) => st.segments.find(other.segment) === segment)) st.claims.delete(claimKey(segment, a));
    if (list.length === 0) st.vipIndex.delete(a);
  }
}
