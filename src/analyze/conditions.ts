// Alert bookkeeping shared by every room: one-off events, once-per-router findings, and open
// conditions (raised, renewed, cleared with the same id). Which alert a room raises, and when, is
// the room's business; how an alert is numbered, counted and handed to the renderers is this one's.

import { ALERT_SEVERITY, type Alert, type AlertKind } from './alerts.js';
import type { ConditionHolder, OpenCondition, Router, VirtualRouter } from './model.js';

/** Alerts kept for snapshots (the dashboard's log, the diagnosis' evidence). */
const RECENT_ALERTS = 500;

export class AlertBook {
  private nextId = 1;
  /** Alerts fired, most recent last (bounded), for snapshots. */
  readonly recent: Alert[] = [];
  /** Open conditions that belong to no known virtual router (an ICMP error quoting an unseen VRID). */
  readonly unattributed: ConditionHolder = { conditions: new Map() };

  constructor(
    private readonly onAlert: ((alert: Alert, segment: string | null) => void) | undefined,
    /** The segment's name for alerts, null while the capture has shown one segment. */
    private readonly segmentOf: (vr: VirtualRouter) => string | null,
    /** The segment's name even when it is the only one (what --vrid N@SEGMENT picks by). */
    private readonly labelOf: (vr: VirtualRouter) => string,
  ) {}

  /** Builds the complete alert first: onAlert renders it at once, so nothing may be added afterwards. */
  emit(
    vr: VirtualRouter | null, kind: AlertKind, status: Alert['status'], ts: number, sources: string[], message: string,
    extra?: Partial<Alert>,
  ): Alert {
    const segment = vr === null ? null : this.segmentOf(vr);
    const alert: Alert = {
      id: extra?.id ?? this.nextId++,
      kind,
      severity: ALERT_SEVERITY[kind],
      status,
      ts,
      vrid: vr?.vrid ?? null,
      family: vr?.family ?? null,
      // Only where the capture holds more than one segment: a capture of one reads as it always did.
      ...(segment === null ? {} : { segment }),
      sources,
      message,
      ...extra,
    };
    if (vr && status !== 'cleared') vr.alertCounts[kind] = (vr.alertCounts[kind] ?? 0) + 1;
    this.recent.push(alert);
    if (this.recent.length > RECENT_ALERTS) this.recent.shift();
    this.onAlert?.(alert, vr === null ? null : this.labelOf(vr));
    return alert;
  }

  /** Raised once per router and kind; later occurrences only count. */
  once(vr: VirtualRouter, r: Router, kind: AlertKind, ts: number, message: string): void {
    const prev = r.raised.get(kind);
    if (prev) {
      prev.count = (prev.count ?? 1) + 1;
      return;
    }
    r.raised.set(kind, this.emit(vr, kind, 'event', ts, [r.src], message, { count: 1 }));
  }

  /** Opens a condition on `vr` under `key` (the kind when null). */
  open(vr: VirtualRouter, kind: AlertKind, ts: number, sources: string[], key: string | null, message: string): OpenCondition {
    return this.openOn(vr, vr, kind, ts, sources, key, message);
  }

  /** `holder` keeps the open condition: the virtual router, or `unattributed` for evidence with no VRID. */
  openOn(
    holder: ConditionHolder, vr: VirtualRouter | null, kind: AlertKind, ts: number, sources: string[], key: string | null,
    message: string,
  ): OpenCondition {
    const cond: OpenCondition = { alert: this.emit(vr, kind, 'raised', ts, sources, message), untilTs: null };
    holder.conditions.set(key ?? kind, cond);
    return cond;
  }

  /** Clears the condition `key` of `vr` (null: an unattributed one), if open. */
  close(vr: VirtualRouter | null, key: string, ts: number, why?: string): void {
    const holder = vr ?? this.unattributed;
    if (holder.conditions.size === 0) return;
    const cond = holder.conditions.get(key);
    if (!cond) return;
    holder.conditions.delete(key);
    const a = cond.alert;
    this.emit(vr, a.kind, 'cleared', Math.max(ts, a.ts), a.sources, `cleared: ${why ?? a.message}`, { id: a.id });
  }

  /** Clears the conditions of `holder` that expired by `now`; returns the earliest expiry still ahead. */
  expire(vr: VirtualRouter | null, holder: ConditionHolder, now: number): number {
    let next = Infinity;
    // Iterating a Map allocates even when it is empty: the size is checked first.
    if (holder.conditions.size !== 0) for (const [key, c] of holder.conditions) {
      if (c.untilTs === null) continue;
      if (c.untilTs <= now) this.close(vr, key, c.untilTs);
      else next = Math.min(next, c.untilTs);
    }
    return next;
  }
}
