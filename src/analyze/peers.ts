// Configuration that the routers of one virtual router must share (RFC 3768 §7.1, RFC 9568 §7.1):
// the VRRP version (version-mismatch), the virtual address list (vrid-clash), authentication
// (auth-mismatch) and the advertisement interval (interval-mismatch). A router discards an
// advert that differs in any of them, so each explains a split brain by itself. Backups are silent, so routers are compared across a presence
// window, not only at one instant.

import { describeAuth } from '../decode/names.js';
import { fmtMs } from '../duration.js';
import type { AlertKind } from './alerts.js';
import { isPresent, type Router, type VirtualRouter } from './model.js';
import type { AnalyzerState } from './state.js';
import { presenceWindowMs } from './timers.js';

/** One field peers must agree on: which routers it applies to, the value compared, how a group is shown, the message. */
interface PeerRule {
  kind: AlertKind;
  applies: (r: Router) => boolean;
  keyOf: (r: Router) => string;
  show: (r: Router) => string;
  message: (name: string, groups: string) => string;
}

const PEER_RULES: readonly PeerRule[] = [
  {
    kind: 'version-mismatch',
    applies: () => true,
    keyOf: (x) => String(x.version),
    show: (x) => `VRRPv${x.version}`,
    message: (name, groups) =>
      `routers of ${name} advertise different VRRP versions: ${groups}. A router discards adverts of another ` +
      `version (keepalived logs "wrong version"), so each side becomes master: set the same version on every ` +
      `router (keepalived: vrrp_version)`,
  },
  {
    kind: 'vrid-clash',
    applies: () => true,
    keyOf: (x) => x.addrsKey,
    show: (x) => (x.addrs.length ? x.addrs.join(' ') : 'none'),
    message: (name, groups) =>
      `routers advertising ${name} disagree on the virtual addresses: ${groups}. ` +
      `Either two different clusters share ${name} on this segment (give one another virtual_router_id) ` +
      `or one node's virtual_ipaddress list is wrong`,
  },
  {
    kind: 'auth-mismatch',
    applies: (x) => x.version === 2,
    keyOf: (x) => `${x.authType}/${x.authPass}`,
    show: (x) => describeAuth(x.authType, x.authPass),
    message: (name, groups) =>
      `routers in ${name} use different authentication: ${groups}. Each discards the other's adverts, ` +
      `so both become master; make authentication { auth_type auth_pass } identical`,
  },
  {
    kind: 'interval-mismatch',
    applies: () => true,
    keyOf: (x) => String(x.intervalMs),
    show: (x) => fmtMs(x.intervalMs),
    message: (name, groups) =>
      `routers in ${name} advertise different intervals: ${groups}. keepalived discards adverts with ` +
      `another advert_int (VRRPv2), and timers disagree: set the same advert_int everywhere`,
  },
];

/** After an advert of `vr` at `ts`: compares the routers present, if there are two or more. */
export function checkPeerConfig(st: AnalyzerState, vr: VirtualRouter, ts: number): void {
  if (vr.routers.size < 2) return;
  // Usually the backup has been silent for longer than the window: counted, nothing allocated.
  let n = 0;
  for (const x of vr.routers.values()) if (isPresent(x, ts) && ++n === 2) break;
  if (n === 2) comparePeers(st, vr, ts);
}

/** checkPeerConfig once two or more routers are present (apart for its closures: see contention.ts). */
function comparePeers(st: AnalyzerState, vr: VirtualRouter, ts: number): void {
  const present: Router[] = [];
  for (const x of vr.routers.values()) if (isPresent(x, ts)) present.push(x);
  const until = ts + presenceWindowMs(Math.max(...present.map((x) => x.intervalMs))) / 1000;
  for (const rule of PEER_RULES) peerCondition(st, vr, rule, present.filter(rule.applies), until, ts);
}

function peerCondition(st: AnalyzerState, vr: VirtualRouter, rule: PeerRule, present: Router[], untilTs: number, ts: number): void {
  const byKey = new Map<string, Router[]>();
  for (const x of present) {
    const k = rule.keyOf(x);
    const list = byKey.get(k);
    if (list) list.push(x);
    else byKey.set(k, [x]);
  }
  if (byKey.size < 2) return;
  const open = vr.conditions.get(rule.kind);
  if (open) {
    open.untilTs = untilTs;
    return;
  }
  const groups = [...byKey.values()].map((rs) => `${rs.map((x) => x.src).join(', ')} has ${rule.show(rs[0])}`).join('; ');
  st.alerts.open(vr, rule.kind, ts, present.map((x) => x.src), null, rule.message(st.vridName(vr), groups)).untilTs = untilTs;
  st.schedule(untilTs);
}
