// Multicast group membership (IGMP / MLD) and the custom VRRP groups that need it: custom groups
// outside the link-local block are forwarded by IGMP/MLD-snooping switches only to ports that
// joined (224.0.0.0/24 is always flooded, RFC 4541 §2.1.2): no-group-member.

import type { GroupPacket } from '../decode/types.js';
import type { AnalyzerState } from './state.js';

const MAX_GROUPS = 1024;
const MAX_GROUP_MEMBERS = 256;

export function onGroup(st: AnalyzerState, pkt: GroupPacket, ts: number): void {
  const member = pkt.ip.src;
  for (const g of pkt.joins) {
    let members = st.groups.get(g);
    if (!members) {
      if (st.groups.size >= MAX_GROUPS) continue;
      members = new Map();
      st.groups.set(g, members);
    }
    const known = members.get(member);
    if (known) known.leftTs = null;
    else if (members.size < MAX_GROUP_MEMBERS) members.set(member, { joinedTs: ts, leftTs: null, protocol: pkt.protocol });
  }
  for (const g of pkt.leaves) {
    const m = st.groups.get(g)?.get(member);
    if (m) m.leftTs = ts;
  }
}

/** Judged at the end of the capture, and only when the capture could have shown membership reports. */
export function checkGroupMembers(st: AnalyzerState, ts: number): void {
  for (const vr of st.vrs.values()) {
    for (const r of vr.routers.values()) {
      if (r.dstKind !== 'custom-group' || isLinkLocalGroup(r.dst)) continue;
      if (!st.opts.defaultLiveFilter && st.totals.group === 0) continue;
      const members = st.groups.get(r.dst);
      const others = members ? [...members.keys()].filter((a) => a !== r.src) : [];
      if (others.length > 0) continue;
      st.alerts.once(vr, r, 'no-group-member', ts,
        `${r.src} advertises ${st.vridName(vr)} to ${r.dst}, but no other host joined ${r.dst} in this capture ` +
          `(no ${vr.family === 'ipv4' ? 'IGMP' : 'MLD'} report): an IGMP/MLD-snooping switch forwards the group only to ` +
          `ports that joined. keepalived joins on start and answers queries; check that the VLAN has a querier, or ` +
          `use a group in 224.0.0.0/24, or capture longer than the query interval (125 s)`);
    }
  }
}

/** 224.0.0.0/24 (RFC 5771) and IPv6 ff02::1 are flooded by snooping switches; other groups are not. */
function isLinkLocalGroup(group: string): boolean {
  return group.startsWith('224.0.0.') || group === 'ff02::1';
}
