// What the analyzer keeps per virtual router and per router, and the small judgements every room
// makes about them (is a router present, contending, does it outrank another). No behaviour that
// raises alerts lives here: see the rooms (adverts, mastership, contention, peers, claims,
// rejects, groups) and ARCHITECTURE.md.

import type { Family, VrrpPacket } from '../decode/types.js';
import { VRRP_GROUP_V4, VRRP_GROUP_V6 } from '../decode/types.js';
import type { Alert, AlertKind, MasterChangeReason } from './alerts.js';
import type { IntervalStats } from './intervals.js';
import { contentionWindowMs, presenceWindowMs } from './timers.js';

export type DestinationKind = 'group' | 'custom-group' | 'unicast';
export type Role = 'master' | 'contender' | 'backup-or-silent' | 'resigned';
export type VridState = 'ok' | 'warning' | 'split-brain' | 'down' | 'clash' | 'auth' | 'no-master';

export interface Router {
  src: string;
  mac: string | null;
  vmac: boolean;
  version: number;
  firstSeenTs: number;
  lastSeenTs: number;
  adverts: number;
  priority: number;
  priorityHistory: { ts: number; priority: number }[];
  intervalMs: number;
  authType: number | null;
  authPass: string | null;
  addrs: readonly string[];
  addrsKey: string;
  ttl: number;
  dst: string;
  dstKind: DestinationKind;
  checksumVariant: string | null;
  intervals: IntervalStats;
  counts: Record<'badChecksum' | 'badTtl' | 'malformed' | 'vmacMismatch' | 'truncated', number>;
  /** Per-router once-only alerts already raised (kind -> the alert, whose count we keep updating). */
  raised: Map<AlertKind, Alert>;
  /** Copies of its adverts seen on other interfaces or directions (see adverts.ts): counted once. */
  copies: number;
  /** Where its adverts were seen (place id -> adverts and copies there), once the capture has shown more than one place. */
  seenAt: Map<number, number>;
  /** The VRRP checksum of its last advert: a copy has the same. */
  lastChecksum: number;
  /** Where its last advert was seen (see Sighting), and that advert's IPv4 identification (-1: none). */
  lastPlace: number;
  lastIpId: number;
  /**
   * Captures of several vantage points: the clock (see segments.ts) its intervals are measured on,
   * the vantage it was first heard at, and its last advert there; -1 while there is one clock.
   */
  homeClock: number;
  homeLastTs: number;
  /** An advert was counted that its home vantage has not shown yet. */
  homePending: boolean;
  /**
   * This router's last complete, non-resigning advert (null after a resignation or a truncated
   * one). When the decoder says a frame repeats a remembered one and hands over this very packet,
   * every field the router copies from it is already the router's (see adverts.ts).
   */
  lastPkt: VrrpPacket | null;
}

export interface MasterSpell {
  src: string;
  mac: string | null;
  priority: number;
  fromTs: number;
  untilTs: number | null;
}

export interface MasterChange {
  ts: number;
  from: string | null;
  to: string;
  gapMs: number | null;
  reason: MasterChangeReason;
}

export interface OpenCondition {
  alert: Alert;
  /** Packet time at which the condition clears unless renewed; null = cleared by explicit logic. */
  untilTs: number | null;
}

/** Something that keeps open conditions: a virtual router, or the analyzer's unattributed evidence. */
export interface ConditionHolder {
  conditions: Map<string, OpenCondition>;
}

export interface VirtualRouter extends ConditionHolder {
  key: string;
  /** The segment (see segments.ts), a root id when the virtual router was made. */
  segment: number;
  family: Family;
  vrid: number;
  /** Bit v set: VRRPv<v> adverts seen. */
  versions: number;
  routers: Map<string, Router>;
  /** The router that advertised last: nearly always the one advertising now (one lookup saved per advert). */
  lastRouter: Router | null;
  master: Router | null;
  /** The master before the VRID lost it (resigned or timed out), for the gap of the next change. */
  lostMaster: Router | null;
  lostReason: 'resigned' | 'timeout' | null;
  spells: MasterSpell[];
  changes: MasterChange[];
  changeCount: number;
  lastChangeTs: number | null;
  /** Since when two or more routers advertise with non-zero priority, and how often each did since. */
  overlapStartTs: number | null;
  overlapAdverts: Map<string, number>;
  /** The last router that advertised with non-zero priority, and how many in a row it sent. */
  lastAdvertSrc: string | null;
  soloRun: number;
  pendingGarp: { to: Router; sinceTs: number; dueTs: number } | null;
  /** Claims by a router that advertised lately while another is master: split brain or hidden master. */
  pendingHidden: Map<string, { claimer: Router; addr: string; mac: string; dueTs: number }>;
  alertCounts: Partial<Record<AlertKind, number>>;
  lastAdvertTs: number;
}

export function newVirtualRouter(segment: number, family: Family, vrid: number): VirtualRouter {
  // What every advert reads and writes comes first (see the router in adverts.ts).
  return {
    lastRouter: null,
    lastAdvertTs: -Infinity,
    master: null,
    conditions: new Map(),
    lastAdvertSrc: null,
    soloRun: 0,
    routers: new Map(),
    overlapStartTs: null,
    overlapAdverts: new Map(),
    family,
    vrid,
    segment,
    key: `${segment}/${family}/${vrid}`,
    versions: 0,
    lostMaster: null,
    lostReason: null,
    spells: [],
    changes: [],
    changeCount: 0,
    lastChangeTs: null,
    pendingGarp: null,
    pendingHidden: new Map(),
    alertCounts: {},
  };
}

/** Index of a virtual router by family and VRID: IPv4 VRIDs 0-255, IPv6 256-511. */
export function vrSlot(family: Family, vrid: number): number {
  return family === 'ipv4' ? vrid : 256 + vrid;
}

/** The condition is open; no hash lookup in the usual case of a virtual router with none open. */
export function isOpen(vr: ConditionHolder, key: string): boolean {
  return vr.conditions.size !== 0 && vr.conditions.has(key);
}

/** Heard recently enough to compare its configuration with its peers' (see presenceWindowMs). */
export function isPresent(x: Router, ts: number): boolean {
  return (ts - x.lastSeenTs) * 1000 <= presenceWindowMs(x.intervalMs);
}

/** Advertising with non-zero priority recently enough to count as one of several masters. */
export function isContending(x: Router, ts: number): boolean {
  return x.priority > 0 && (ts - x.lastSeenTs) * 1000 <= contentionWindowMs(x.version, x.priority, x.intervalMs);
}

export function outranks(a: Router, b: Router): boolean {
  // RFC 3768 §6.4.3: equal priorities are broken by the higher primary IP address.
  if (a.priority !== b.priority) return a.priority > b.priority;
  return compareAddr(a.src, b.src) > 0;
}

function compareAddr(a: string, b: string): number {
  const pa = a.split('.');
  const pb = b.split('.');
  if (pa.length === 4 && pb.length === 4) {
    for (let i = 0; i < 4; i++) {
      const d = Number(pa[i]) - Number(pb[i]);
      if (d !== 0) return d;
    }
    return 0;
  }
  return a < b ? -1 : a > b ? 1 : 0;
}

export function destinationKind(family: Family, dst: string): DestinationKind {
  if (family === 'ipv4') {
    if (dst === VRRP_GROUP_V4) return 'group';
    const first = Number(dst.slice(0, dst.indexOf('.')));
    return first >= 224 && first <= 239 ? 'custom-group' : 'unicast';
  }
  if (dst === VRRP_GROUP_V6) return 'group';
  return dst.startsWith('ff') ? 'custom-group' : 'unicast';
}

/** The VRRP virtual MAC of a VRID (RFC 3768 §7.3, RFC 5798 §7.3). */
export function vmacOf(family: Family, vrid: number): string {
  return `00:00:5e:00:0${family === 'ipv4' ? 1 : 2}:${vrid.toString(16).padStart(2, '0')}`;
}

export function routerByMac(vr: VirtualRouter, mac: string): Router | null {
  for (const r of vr.routers.values()) if (r.mac === mac) return r;
  return null;
}
