// NDJSON records. Field names are stable and documented in README.md ("JSON format"); names follow
// the protocol's vocabulary (Wireshark's vrrp.* fields in spirit).
import type { Alert } from '../analyze/alerts.js';
import type { AnalyzerSnapshot, RouterSnapshot, VridSnapshot } from '../analyze/analyzer.js';
import type { Packet } from '../decode/types.js';

/** The JSON record for a packet, or null for packets we do not report (other protocols). */
export function packetRecord(p: Packet): Record<string, unknown> | null {
  const base = {
    type: p.kind,
    ts: p.ts,
    record: p.record,
    srcMac: p.link.srcMac,
    dstMac: p.link.dstMac,
    ...(p.link.vlans.length ? { vlans: p.link.vlans } : {}),
  };
  const problems = p.problems.map((x) => x.id);
  switch (p.kind) {
    case 'vrrp':
      return {
        ...base,
        family: p.ip.family,
        src: p.ip.src,
        dst: p.ip.dst,
        ttl: p.ip.ttl,
        version: p.version,
        vrrpType: p.type,
        vrid: p.vrid,
        priority: p.priority,
        addrCount: p.addrCount,
        addrs: p.addrs,
        intervalMs: p.intervalMs,
        authType: p.authType,
        authPass: p.authPass,
        checksum: p.checksumStatus,
        checksumValue: p.checksum,
        checksumVariant: p.checksumVariant,
        checksumExpected: p.checksumExpected,
        vmac: p.vmac,
        vmacMatches: p.vmacMatches,
        truncated: p.truncated,
        problems,
      };
    case 'carp':
      return { ...base, family: p.ip.family, src: p.ip.src, dst: p.ip.dst, ttl: p.ip.ttl, version: p.version, vhid: p.vhid, advbase: p.advbase, advskew: p.advskew, problems };
    case 'arp':
      return {
        ...base,
        src: p.senderIp,
        dst: p.targetIp,
        ttl: null,
        op: p.op === 1 ? 'request' : p.op === 2 ? 'reply' : p.op,
        senderMac: p.senderMac,
        senderIp: p.senderIp,
        targetMac: p.targetMac,
        targetIp: p.targetIp,
        gratuitous: p.gratuitous,
        problems,
      };
    case 'na':
      return {
        ...base,
        family: 'ipv6',
        src: p.ip.src,
        dst: p.ip.dst,
        ttl: p.ip.ttl,
        target: p.target,
        targetMac: p.targetMac,
        router: p.router,
        solicited: p.solicited,
        override: p.override,
        unsolicited: p.unsolicited,
        problems,
      };
    case 'icmp-error':
      return {
        ...base,
        family: p.ip.family,
        src: p.ip.src,
        dst: p.ip.dst,
        ttl: p.ip.ttl,
        icmpType: p.icmpType,
        icmpCode: p.icmpCode,
        reason: p.reason,
        quoted: p.quoted,
        problems,
      };
    case 'group':
      return {
        ...base,
        family: p.ip.family,
        src: p.ip.src,
        dst: p.ip.dst,
        ttl: p.ip.ttl,
        protocol: p.protocol,
        version: p.version,
        op: p.op,
        joins: p.joins,
        leaves: p.leaves,
        group: p.group,
        problems,
      };
    case 'malformed':
      return {
        ...base,
        family: p.ip?.family ?? null,
        src: p.ip?.src ?? null,
        dst: p.ip?.dst ?? null,
        ttl: p.ip?.ttl ?? null,
        claimed: p.claimed,
        reason: p.reason,
        offset: p.offset,
        problems,
      };
    default:
      return null;
  }
}

export function alertRecord(a: Alert): Record<string, unknown> {
  return { type: 'alert', ...a };
}

export function routerRecord(r: RouterSnapshot): Record<string, unknown> {
  const { recentIntervalsMs: _drop, ...rest } = r;
  return rest;
}

export function vridRecord(v: VridSnapshot): Record<string, unknown> {
  return {
    vrid: v.vrid,
    family: v.family,
    version: v.versions.length === 1 ? v.versions[0] : v.versions,
    state: v.state,
    master: v.master ? { src: v.master.src, mac: v.master.mac, vmac: v.master.vmac, priority: v.master.priority, since: v.masterSince } : null,
    routers: v.routers.map(routerRecord),
    masterChanges: v.masterChanges,
    masterChangeCount: v.masterChangeCount,
    alerts: v.alerts,
    openAlerts: v.openAlerts.map((a) => ({ id: a.id, kind: a.kind, severity: a.severity, ts: a.ts })),
  };
}

export interface CaptureTotals {
  frames: number;
  /** libpcap counters (live only). */
  received?: number;
  dropped?: number;
  ifDropped?: number;
}

export function summaryRecord(s: AnalyzerSnapshot, capture: CaptureTotals, firstTs: number | null): Record<string, unknown> {
  return {
    type: 'summary',
    firstTs,
    lastTs: Number.isFinite(s.ts) ? s.ts : null,
    capture,
    packets: s.totals,
    vrids: s.vrids.map(vridRecord),
    groups: s.groups,
    unattributedAlerts: s.unattributedAlerts.map((a) => ({ id: a.id, kind: a.kind, severity: a.severity, ts: a.ts, sources: a.sources })),
  };
}

export function toJsonLine(rec: Record<string, unknown>): string {
  return JSON.stringify(rec);
}
