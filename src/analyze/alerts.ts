// Alert kinds with their severity: the stable vocabulary of findings (JSON `kind`).
import type { Family } from '../decode/types.js';

/**
 * Every alert kind: its severity and the room of the analyzer that raises it. README's alert table
 * is checked against this one (test/analyze/alert-kinds.test.ts); a new kind is a line here, its
 * check in its room, a row in README and a test.
 */
export const ALERT_KINDS = {
  'duplicate-master': { severity: 'critical', room: 'contention' },
  'vrid-clash': { severity: 'critical', room: 'peers' },
  'auth-mismatch': { severity: 'critical', room: 'peers' },
  'version-mismatch': { severity: 'critical', room: 'peers' },
  'missed-advert': { severity: 'critical', room: 'mastership' },
  'vip-conflict': { severity: 'critical', room: 'claims' },
  'vrrp-rejected': { severity: 'critical', room: 'rejects' },
  'hidden-master': { severity: 'critical', room: 'claims' },
  'master-change': { severity: 'warning', room: 'mastership' },
  'interval-mismatch': { severity: 'warning', room: 'peers' },
  'garp-missing': { severity: 'warning', room: 'claims' },
  'bad-checksum': { severity: 'warning', room: 'adverts' },
  'bad-ttl': { severity: 'warning', room: 'adverts' },
  malformed: { severity: 'warning', room: 'adverts' },
  'vmac-mismatch': { severity: 'warning', room: 'adverts' },
  'not-link-local': { severity: 'warning', room: 'adverts' },
  'owner-conflict': { severity: 'warning', room: 'adverts' },
  'state-limit': { severity: 'warning', room: 'adverts' },
  'no-group-member': { severity: 'warning', room: 'groups' },
  'master-resigned': { severity: 'info', room: 'mastership' },
  'priority-change': { severity: 'info', room: 'adverts' },
  'nonstandard-group': { severity: 'info', room: 'adverts' },
  unicast: { severity: 'info', room: 'adverts' },
} as const;

export const ALERT_SEVERITY: { readonly [K in keyof typeof ALERT_KINDS]: (typeof ALERT_KINDS)[K]['severity'] } =
  Object.fromEntries(Object.entries(ALERT_KINDS).map(([kind, k]) => [kind, k.severity])) as never;

export type AlertKind = keyof typeof ALERT_KINDS;
export type Severity = 'critical' | 'warning' | 'info';

export const SEVERITY_RANK: Record<Severity, number> = { info: 0, warning: 1, critical: 2 };

export function severityAtLeast(s: Severity, floor: Severity): boolean {
  return SEVERITY_RANK[s] >= SEVERITY_RANK[floor];
}

export type MasterChangeReason = 'resigned' | 'timeout' | 'preempted';

/**
 * status: `raised` opens an ongoing condition, `cleared` closes it (same `id`), `event` is a one-off.
 */
export interface Alert {
  id: number;
  kind: AlertKind;
  severity: Severity;
  status: 'raised' | 'cleared' | 'event';
  /** Epoch seconds (packet time). */
  ts: number;
  vrid: number | null;
  family: Family | null;
  /** The virtual router's segment (`vlan 20`, `eth1`), present only when the capture holds more than one. */
  segment?: string;
  sources: string[];
  message: string;
  /** Packets counted for per-packet checks (bad-checksum, bad-ttl, ...): 1 when raised. */
  count?: number;
  from?: string | null;
  to?: string;
  gapMs?: number | null;
  reason?: MasterChangeReason;
  /** priority-change: the master's priority before and after. */
  oldPriority?: number;
  newPriority?: number;
}
