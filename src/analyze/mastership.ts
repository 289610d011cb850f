// Who is master of a virtual router, and when that changes: resignations (priority 0),
// takeovers after the master fell silent, preemptions by a higher priority, the spells of each
// master, and the missed-advert condition when the master (or a resigned one's successor) is
// overdue. RFC 3768 §6.4, RFC 5798 §6.4.

import { fmtMs } from '../duration.js';
import type { MasterChangeReason } from './alerts.js';
import { isContending, isOpen, outranks, type Router, type VirtualRouter } from './model.js';
import type { AnalyzerState } from './state.js';
import { contentionWindowMs, GARP_GRACE_MS, masterDownIntervalMs, missedAdvertAfterMs } from './timers.js';

const SPELL_HISTORY = 200;

/** `r` sent priority 0: it gives up mastership. */
export function onResign(st: AnalyzerState, vr: VirtualRouter, r: Router, ts: number): void {
  st.alerts.emit(vr, 'master-resigned', 'event', ts, [r.src],
    `${r.src} sent priority 0: the router gave up mastership (shutdown, interface down, or keepalived stopping); ` +
      `a backup should take over within Skew_Time`);
  vr.overlapAdverts.delete(r.src);
  if (vr.master === r) {
    endSpell(vr, ts);
    vr.master = null;
    vr.lostMaster = r;
    vr.lostReason = 'resigned';
    st.alerts.close(vr, 'missed-advert', ts);
    st.schedule(ts + missedAdvertAfterMs(r.intervalMs) / 1000);
  }
}

/** `r` advertised with a non-zero priority at `ts`. */
export function onMasterAdvert(st: AnalyzerState, vr: VirtualRouter, r: Router, ts: number): void {
  const m = vr.master;
  if (m === r) {
    if (vr.conditions.size !== 0) st.alerts.close(vr, 'missed-advert', ts);
  } else if (m === null) {
    const prev = vr.lostMaster;
    if (prev && prev !== r) {
      masterChange(st, vr, prev, r, ts, vr.lostReason ?? 'timeout');
    } else {
      startSpell(vr, r, ts);
    }
    st.alerts.close(vr, 'missed-advert', ts);
    vr.master = r;
    vr.lostMaster = null;
    vr.lostReason = null;
  } else if (isOpen(vr, 'duplicate-master') && isContending(m, ts)) {
    // Split brain: several masters at once; the recorded one stays until it really goes away.
  } else if (ts - m.lastSeenTs > missedAdvertAfterMs(m.intervalMs) / 1000) {
    // The master was already overdue: this router took over after the master went silent.
    masterChange(st, vr, m, r, ts, 'timeout');
    st.alerts.close(vr, 'missed-advert', ts);
    vr.master = r;
  } else if (outranks(r, m)) {
    // RFC 3768 §6.4.2 / RFC 5798 §6.4.2: a backup with preemption and a higher priority takes over at once.
    masterChange(st, vr, m, r, ts, 'preempted');
    vr.master = r;
  }
  st.schedule(ts + missedAdvertAfterMs(r.intervalMs) / 1000);
}

function masterChange(st: AnalyzerState, vr: VirtualRouter, from: Router, to: Router, ts: number, reason: MasterChangeReason): void {
  const gapMs = Math.round((ts - from.lastSeenTs) * 1e6) / 1e3;
  vr.changes.push({ ts, from: from.src, to: to.src, gapMs, reason });
  vr.changeCount++;
  vr.lastChangeTs = ts;
  if (vr.changes.length > st.opts.maxMasterChanges) vr.changes.shift();
  // A new master: whether others keep advertising is counted afresh from here.
  vr.overlapStartTs = null;
  vr.overlapAdverts.clear();
  endSpell(vr, from.lastSeenTs);
  startSpell(vr, to, ts);
  const why = {
    resigned: `${from.src} resigned (priority 0)`,
    timeout: `${from.src} went silent (last advert ${fmtMs(gapMs)} before)`,
    preempted: `${to.src} has the higher priority (${to.priority} > ${from.priority}) and preempted`,
  }[reason];
  st.alerts.emit(vr, 'master-change', 'event', ts, [from.src, to.src],
    `master of ${st.vridName(vr)} changed from ${from.src} to ${to.src}: ${why}; handover gap ${fmtMs(gapMs)}`,
    { from: from.src, to: to.src, gapMs, reason });
  if (to.addrs.length > 0) {
    // The new master's gratuitous ARPs / NAs are judged once the grace time is over (claims.ts).
    vr.pendingGarp = { to, sinceTs: ts - 1, dueTs: ts + GARP_GRACE_MS / 1000 };
    st.schedule(vr.pendingGarp.dueTs);
  }
}

function startSpell(vr: VirtualRouter, r: Router, ts: number): void {
  vr.spells.push({ src: r.src, mac: r.mac, priority: r.priority, fromTs: ts, untilTs: null });
  if (vr.spells.length > SPELL_HISTORY) vr.spells.shift();
}

function endSpell(vr: VirtualRouter, ts: number): void {
  const last = vr.spells[vr.spells.length - 1];
  if (last && last.untilTs === null) last.untilTs = ts;
}

/**
 * Timer: the master missed three adverts (or a resigned master's successor never came). Returns
 * the next time this timer is due for `vr`.
 */
export function missedAdvertTimer(st: AnalyzerState, vr: VirtualRouter, now: number): number {
  let next = Infinity;
  const m = vr.master;
  if (m) {
    const due = m.lastSeenTs + missedAdvertAfterMs(m.intervalMs) / 1000;
    // In a split brain a silent master may only have re-armed its timer: others still serve the VIP.
    const contended = isOpen(vr, 'duplicate-master') && isContending(m, now);
    if (due <= now) {
      if (!isOpen(vr, 'missed-advert') && !contended) {
        st.alerts.open(vr, 'missed-advert', due, [m.src], null,
          `master ${m.src} of ${st.vridName(vr)} missed three adverts (silent for ${fmtMs(3 * m.intervalMs)}, ` +
            `interval ${fmtMs(m.intervalMs)}): it stopped, crashed or lost its link, or its adverts are dropped ` +
            `on the way; a backup should take over after Master_Down_Interval ` +
            `(${fmtMs(masterDownIntervalMs(m.version, m.priority, m.intervalMs))})`);
      }
    } else next = due;
    if (contended) next = Math.min(next, m.lastSeenTs + contentionWindowMs(m.version, m.priority, m.intervalMs) / 1000);
  } else if (vr.lostMaster && vr.lostReason === 'resigned') {
    const r = vr.lostMaster;
    const due = r.lastSeenTs + missedAdvertAfterMs(r.intervalMs) / 1000;
    if (due <= now) {
      if (!isOpen(vr, 'missed-advert')) {
        st.alerts.open(vr, 'missed-advert', due, [r.src], null,
          `${r.src} resigned as master of ${st.vridName(vr)} and no router took over within ` +
            `${fmtMs(3 * r.intervalMs)}: its virtual addresses are down (no backup running, or the backup ` +
            `does not hear the adverts)`);
      }
    } else next = due;
  }
  return next;
}
