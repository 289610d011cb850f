// Evidence about the path: an ICMP error quoting a VRRP advert means a host rejects adverts (a
// REJECT rule, or no VRRP listener for a unicast peer): vrrp-rejected, attributed to the quoted
// VRID when it is known here, else kept unattributed.

import { icmpRejectCause } from '../decode/names.js';
import type { IcmpErrorPacket } from '../decode/types.js';
import type { AnalyzerState } from './state.js';

/** Open conditions per holder keyed by wire addresses: forged errors must not grow them without bound. */
const MAX_CONDITIONS = 1024;
/** A rejection stays open this long after the last error that shows it. */
const REJECT_HOLD_S = 60;

export function onIcmpError(st: AnalyzerState, pkt: IcmpErrorPacket, ts: number, segment: number): void {
  const q = pkt.quoted;
  const vr = q.vrid === null ? null : st.findVirtualRouter(segment, q.family, q.vrid);
  const rejecter = pkt.ip.src;
  const key = `vrrp-rejected:${rejecter}:${q.src}`;
  const untilTs = ts + REJECT_HOLD_S;
  const holder = vr ?? st.alerts.unattributed;
  const open = holder.conditions.get(key);
  if (open) {
    open.untilTs = untilTs;
    open.alert.count = (open.alert.count ?? 1) + 1;
    return;
  }
  if (holder.conditions.size >= MAX_CONDITIONS) return;
  const vrid = q.vrid === null ? '' : ` of VRID ${q.vrid}`;
  const cond = st.alerts.openOn(holder, vr, 'vrrp-rejected', ts, [rejecter, q.src], key,
    `${rejecter} rejects VRRP adverts${vrid} from ${q.src} to ${q.dst}: ${icmpRejectCause(pkt.reason)}. Allow IP protocol 112 from ${q.src} ` +
      `on ${rejecter} (e.g. nft add rule inet filter input ip saddr ${q.src} ip protocol vrrp accept)`);
  cond.untilTs = untilTs;
  cond.alert.count = 1;
  st.schedule(untilTs);
}
