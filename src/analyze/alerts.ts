// Alert kinds with their severity: the stable vocabulary of findings (JSON `kind`).
import type { Family } from '../decode/types.js';

export const ALERT_SEVERITY = {
  'duplicate-master': 'critical',
  'vrid-clash': 'critical',
  'auth-mismatch': 'critical',
  'missed-advert': 'critical',
  'vip-conflict': 'critical',
  'vrrp-rejected': 'critical',
  'hidden-master': 'critical',
  'master-change': 'warning',
  'interval-mismatch': 'warning',
  'garp-missing': 'warning',
  'bad-checksum': 'warning',
  'bad-ttl': 'warning',
  malformed: 'warning',
  'vmac-mismatch': 'warning',
  'not-link-local': 'warning',
  'owner-conflict': 'warning',
  'state-limit': 'warning',
  'no-group-member': 'warning',
  'master-resigned': 'info',
  'priority-change': 'info',
  'nonstandard-group': 'info',
  unicast: 'info',
} as const;

export type AlertKind = keyof typeof ALERT_SEVERITY;
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
