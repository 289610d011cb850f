// What the HTML report needs beyond the analyzer's snapshot, gathered from the same pipeline run:
// the time of every advertisement per router (bucketed, so a day of capture stays a few hundred
// points per router), which MAC claimed each virtual address when, and every alert as it was
// raised and cleared. It judges nothing: mastership, conditions and diagnoses are the analyzer's.

import type { ClockEstimate } from '../../analyze/clocks.js';
import type { Alert, Severity } from '../../analyze/alerts.js';
import type { AnalyzerSnapshot, VridSnapshot } from '../../analyze/analyzer.js';
import type { Diagnosis } from '../../analyze/diagnose.js';
import { masterDownIntervalMs } from '../../analyze/timers.js';
import type { Decoded, Family } from '../../decode/types.js';

/** Buckets per router series: enough for a readable chart 2000 px wide, small for 250 VRIDs. */
export const SERIES_BUCKETS = 320;
/** Per virtual address: claim runs (a run ends when another MAC claims) and gratuitous claims kept. */
export const MAX_CLAIM_RUNS = 1000;
export const MAX_GRATUITOUS = 2000;
/** Alerts kept for the page; a flood of forged sources must not make a 1 GB report. */
export const MAX_ALERTS = 5000;
/** Addresses followed (as the analyzer bounds its claimed addresses). */
const MAX_ADDRESSES = 65_536;

/**
 * Inter-advertisement intervals of one router as buckets [tMs, minMs, maxMs]: every sample is its
 * own bucket until there are too many, then buckets of doubling width, so a long gap or burst
 * stays visible as a bucket's max or min however long the capture is.
 */
export class IntervalSeries {
  /**
   * Flat [tMs, minMs, maxMs, ...] in a typed array that doubles up to its cap and is coarsened in
   * place: 510 routers of a week-long monitor each hold a full series, which as a growing
   * number[] took up to half as much again in spare capacity and a new array per coarsening.
   */
  private data = new Float64Array(3 * 16);
  private n = 0;
  private widthMs = 0;
  private originMs = 0;
  private lastIndex = -1;
  lastTs = NaN;
  adverts = 0;

  constructor(private readonly maxBuckets = SERIES_BUCKETS) {}

  /** Flat [tMs, minMs, maxMs, ...], tMs of the bucket's first sample. */
  get buckets(): number[] {
    return Array.from(this.data.subarray(0, this.n));
  }

  /** One advertisement at packet time `ts` (epoch s); `baseMs` is the report's time origin. */
  advert(ts: number, baseMs: number): void {
    this.adverts++;
    const prev = this.lastTs;
    this.lastTs = ts;
    if (Number.isNaN(prev)) return;
    const ms = (ts - prev) * 1000;
    const tMs = Math.round(ts * 1000 - baseMs);
    this.add(tMs, Math.round(ms * 10) / 10);
  }

  private add(tMs: number, ms: number): void {
    let b = this.data;
    if (this.widthMs > 0) {
      const index = Math.floor((tMs - this.originMs) / this.widthMs);
      if (index === this.lastIndex) {
        const at = this.n - 3;
        if (ms < b[at + 1]) b[at + 1] = ms;
        if (ms > b[at + 2]) b[at + 2] = ms;
        return;
      }
      this.lastIndex = index;
    }
    if (this.n + 3 > b.length) {
      const grown = new Float64Array(Math.min(2 * b.length, 3 * (this.maxBuckets + 1)));
      grown.set(b);
      this.data = b = grown;
    }
    b[this.n] = tMs;
    b[this.n + 1] = ms;
    b[this.n + 2] = ms;
    this.n += 3;
    if (this.n / 3 > this.maxBuckets) this.coarsen();
  }

  /** Twice as wide buckets (the first time: wide enough to halve the count), merged in place. */
  private coarsen(): void {
    const b = this.data;
    if (this.widthMs === 0) {
      this.originMs = b[0];
      const spanMs = b[this.n - 3] - b[0];
      this.widthMs = Math.max(1, Math.ceil(spanMs / (this.maxBuckets / 2)));
    } else {
      this.widthMs *= 2;
    }
    // The merged series is never longer than what has been read of the old one: it can be written over it.
    let w = 0;
    let last = -1;
    for (let i = 0; i < this.n; i += 3) {
      const index = Math.floor((b[i] - this.originMs) / this.widthMs);
      if (index === last) {
        const at = w - 3;
        b[at + 1] = Math.min(b[at + 1], b[i + 1]);
        b[at + 2] = Math.max(b[at + 2], b[i + 2]);
      } else {
        b[w] = b[i];
        b[w + 1] = b[i + 1];
        b[w + 2] = b[i + 2];
        w += 3;
        last = index;
      }
    }
    this.n = w;
    this.lastIndex = last;
  }
}

interface ClaimTrack {
  /** [macIndex, fromMs, untilMs, claims, ...] flat. */
  runs: number[];
  runsDropped: number;
  /** [tMs, macIndex, ...] flat: gratuitous ARPs and unsolicited NAs. */
  gratuitous: number[];
  gratuitousDropped: number;
  lastMac: number;
}

interface WireVr {
  family: Family;
  vrid: number;
  series: Map<string, IntervalSeries>;
  /** The router that advertised last: nearly always the one advertising now (one lookup saved per advert). */
  lastSrc: string;
  lastSeries: IntervalSeries | null;
}

export interface ReportAlert {
  id: number;
  kind: string;
  severity: Severity;
  status: Alert['status'];
  /** ms after the report's origin. */
  t: number;
  family: Family | null;
  vrid: number | null;
  /** The key of its virtual router's panel, when the capture holds more than one segment (else `family-vrid`). */
  vr?: string;
  sources: string[];
  message: string;
}

export interface ReportRouter {
  src: string;
  mac: string | null;
  priority: number;
  version: number;
  intervalMs: number;
  role: string;
  adverts: number;
  authType: number | null;
  authPass: string | null;
  addrs: string[];
}

export interface ReportVrid {
  /** "ipv4-51" ("ipv4-51-s1" once the capture holds more than one segment): the key of the panel and its chart. */
  key: string;
  family: Family;
  vrid: number;
  /** Its segment's name (`vlan 20`), when the capture holds more than one. */
  segment?: string;
  versions: number[];
  state: VridSnapshot['state'];
  troubled: boolean;
  routers: ReportRouter[];
  /** Master spells from the analyzer: [routerIndex, fromMs, untilMs | -1 while still master]. */
  spells: number[][];
  /** The analyzer keeps the last spells only; true when earlier ones are missing. */
  spellsTruncated: boolean;
  changes: { t: number; from: string | null; to: string; gapMs: number | null; reason: string }[];
  masterChangeCount: number;
  /** Conditions raised and cleared (missed adverts, split brain, ...): [alertIndex, fromMs, untilMs | -1]. */
  windows: number[][];
  /** Per router (same order as routers): flat [tMs, minMs, maxMs, ...] advert intervals. */
  intervals: number[][];
  advertIntervalMs: number | null;
  masterDownMs: number | null;
  masterDownOf: string | null;
  vips: { addr: string; runs: number[]; runsDropped: number; gratuitous: number[]; gratuitousDropped: number }[];
  /** Indexes into ReportData.alerts. */
  alerts: number[];
  diagnosis: Diagnosis | null;
}

export interface CaptureFacts {
  files: string[];
  frames: number;
  firstTs: number | null;
  lastTs: number | null;
  dropped?: number;
  error?: string;
}

export interface ReportData {
  capture: CaptureFacts;
  /** Epoch ms of t = 0 on every time axis. */
  baseMs: number;
  spanMs: number;
  totals: AnalyzerSnapshot['totals'];
  /** MAC addresses that claimed virtual addresses (index = macIndex in VIP runs). */
  macs: string[];
  vrids: ReportVrid[];
  alerts: ReportAlert[];
  alertsDropped: number;
  /** Several captures read together: each one's clock against the first (absent for one capture). */
  clocks?: ClockEstimate[];
}

const slot = (family: Family, vrid: number) => (family === 'ipv6' ? 256 : 0) + vrid;

/** Claims are kept per segment: one private address on two VLANs is two unrelated virtual addresses. */
const claimKey = (segment: string, addr: string) => `${segment} ${addr}`;

/** The report's sink: give it every selected packet and every alert of one pipeline run. */
export class ReportCollector {
  private baseMs = NaN;
  /** Per segment (by name), by slot: IPv4 VRIDs 0-255, IPv6 256-511. */
  private readonly segments = new Map<string, (WireVr | undefined)[]>();
  /** The segment of the last advert and its slots: nearly always the next one's. */
  private lastSegment: string | null = null;
  private lastSlots: (WireVr | undefined)[] = [];
  /** By segment and address (see claimKey). */
  private readonly claims = new Map<string, ClaimTrack>();
  private readonly macs: string[] = [];
  private readonly macIndex = new Map<string, number>();
  private readonly alerts: ReportAlert[] = [];
  /** The segment of each alert's virtual router (same order as alerts), null where not told. */
  private readonly alertSegments: (string | null)[] = [];
  private alertsDropped = 0;

  /**
   * `claimedBy` is the analyzer's own question: is this address a virtual address of some VRID?
   * `segmentOf`: the name of the segment the packet just handed over was seen on (the analyzer's).
   */
  constructor(
    private readonly claimedBy: (addr: string) => number[],
    private readonly segmentOf: () => string = () => '',
  ) {}

  /** The virtual routers seen on the segment of the packet just handed over, by slot. */
  private slots(): (WireVr | undefined)[] {
    const segment = this.segmentOf();
    if (segment === this.lastSegment) return this.lastSlots;
    let slots = this.segments.get(segment);
    if (slots === undefined) this.segments.set(segment, (slots = new Array<WireVr | undefined>(512).fill(undefined)));
    this.lastSegment = segment;
    this.lastSlots = slots;
    return slots;
  }

  packet(decoded: Decoded): void {
    const pkt = decoded.packet;
    const ts = decoded.ts;
    if (!Number.isFinite(ts)) return;
    if (Number.isNaN(this.baseMs)) this.baseMs = Math.floor(ts * 1000);
    switch (pkt.kind) {
      case 'vrrp': {
        const ip = pkt.ip;
        const s = slot(ip.family, pkt.vrid);
        const slots = this.slots();
        let vr = slots[s];
        if (vr === undefined) slots[s] = vr = { family: ip.family, vrid: pkt.vrid, series: new Map(), lastSrc: '', lastSeries: null };
        const src = ip.src;
        let series = vr.lastSeries;
        if (series === null || vr.lastSrc !== src) {
          let found = vr.series.get(src);
          if (found === undefined) vr.series.set(src, (found = new IntervalSeries()));
          vr.lastSrc = src;
          vr.lastSeries = series = found;
        }
        series.advert(ts, this.baseMs);
        break;
      }
      case 'arp':
        if (pkt.gratuitous || pkt.op === 2) this.claim(pkt.senderIp, pkt.senderMac, ts, pkt.gratuitous);
        break;
      case 'na': {
        const mac = pkt.targetMac ?? pkt.link.srcMac;
        if (mac) this.claim(pkt.target, mac, ts, pkt.unsolicited);
        break;
      }
    }
  }

  private claim(addr: string, mac: string, ts: number, gratuitous: boolean): void {
    if (this.claimedBy(addr).length === 0) return;
    const key = claimKey(this.segmentOf(), addr);
    let c = this.claims.get(key);
    if (!c) {
      if (this.claims.size >= MAX_ADDRESSES) return;
      this.claims.set(key, (c = { runs: [], runsDropped: 0, gratuitous: [], gratuitousDropped: 0, lastMac: -1 }));
    }
    let m = this.macIndex.get(mac);
    if (m === undefined) {
      m = this.macs.length;
      this.macs.push(mac);
      this.macIndex.set(mac, m);
    }
    const tMs = Math.round(ts * 1000 - this.baseMs);
    const runs = c.runs;
    if (c.lastMac === m && runs.length > 0) {
      runs[runs.length - 2] = tMs;
      runs[runs.length - 1]++;
    } else if (runs.length / 4 < MAX_CLAIM_RUNS) {
      runs.push(m, tMs, tMs, 1);
      c.lastMac = m;
    } else {
      c.runsDropped++;
    }
    if (gratuitous) {
      if (c.gratuitous.length / 2 < MAX_GRATUITOUS) c.gratuitous.push(tMs, m);
      else c.gratuitousDropped++;
    }
  }

  /** `segment`: the name of its virtual router's segment, as the pipeline tells it (null: not told, or no virtual router). */
  alert(a: Alert, segment: string | null = null): void {
    if (!Number.isFinite(a.ts)) return;
    if (Number.isNaN(this.baseMs)) this.baseMs = Math.floor(a.ts * 1000);
    if (this.alerts.length >= MAX_ALERTS) {
      this.alertsDropped++;
      return;
    }
    this.alertSegments.push(segment);
    this.alerts.push({
      id: a.id,
      kind: a.kind,
      severity: a.severity,
      status: a.status,
      t: Math.round(a.ts * 1000 - this.baseMs),
      family: a.family,
      vrid: a.vrid,
      sources: a.sources.slice(),
      message: a.message,
    });
  }

  /** Everything the page shows, from the end-of-run snapshot plus what was gathered on the way. */
  build(snap: AnalyzerSnapshot, diagnoses: Diagnosis[] | null, capture: CaptureFacts): ReportData {
    const baseMs = Number.isNaN(this.baseMs) ? 0 : this.baseMs;
    const rel = (ts: number) => Math.round(ts * 1000 - baseMs);
    const lastMs = capture.lastTs !== null && Number.isFinite(capture.lastTs) ? rel(capture.lastTs) : 0;
    // One segment: panels keyed `family-vrid` as always; more: each segment numbered in name order.
    const labels = [...new Set(snap.vrids.map((v) => v.segmentLabel))].sort();
    const keyOf = (v: VridSnapshot) => (v.segment === null ? `${v.family}-${v.vrid}` : `${v.family}-${v.vrid}-s${labels.indexOf(v.segmentLabel)}`);
    const vrids = snap.vrids.map((v) => this.vridReport(v, keyOf(v), diagnoses, rel));
    // Troubled first: a bad state at the end, then the worst alert raised, then by family and VRID.
    const rank = { critical: 3, warning: 2, info: 1 } as const;
    const weight = (v: ReportVrid) =>
      (v.state === 'ok' || v.state === 'warning' ? 0 : 10) + (v.state === 'warning' ? 4 : 0) +
      Math.max(0, ...v.alerts.map((i) => rank[this.alerts[i].severity]));
    vrids.sort((a, b) => weight(b) - weight(a) || a.family.localeCompare(b.family) || a.vrid - b.vrid || (a.segment ?? '').localeCompare(b.segment ?? ''));
    return {
      capture,
      baseMs,
      spanMs: Math.max(1, lastMs),
      totals: { ...snap.totals },
      macs: this.macs.slice(),
      vrids,
      alerts: this.alerts,
      alertsDropped: this.alertsDropped,
      ...(snap.clocks.length === 0 ? {} : { clocks: snap.clocks }),
    };
  }

  private vridReport(v: VridSnapshot, key: string, diagnoses: Diagnosis[] | null, rel: (ts: number) => number): ReportVrid {
    const routers: ReportRouter[] = v.routers.map((r) => ({
      src: r.src,
      mac: r.mac,
      priority: r.priority,
      version: r.version,
      intervalMs: r.intervalMs,
      role: r.role,
      adverts: r.adverts,
      authType: r.authType,
      authPass: r.authPass,
      addrs: r.addrs.slice(),
    }));
    const index = new Map(routers.map((r, i) => [r.src, i]));
    const wire = this.segments.get(v.segmentLabel)?.[slot(v.family, v.vrid)];
    const intervals = routers.map((r) => wire?.series.get(r.src)?.buckets ?? []);

    const alerts: number[] = [];
    const windows: number[][] = [];
    const open = new Map<number, number[]>();
    this.alerts.forEach((a, i) => {
      if (a.vrid !== v.vrid || a.family !== v.family) return;
      const segment = this.alertSegments[i];
      if (segment !== null && segment !== v.segmentLabel) return;
      if (v.segment !== null) a.vr = key;
      if (a.status === 'cleared') {
        const w = open.get(a.id);
        if (w) w[2] = a.t;
        open.delete(a.id);
        return;
      }
      alerts.push(i);
      if (a.status === 'raised') {
        const w = [i, a.t, -1];
        windows.push(w);
        open.set(a.id, w);
      }
    });

    const master = v.master ?? v.routers[0];
    const advertIntervalMs = master ? master.intervalMs : null;
    // The threshold a backup applies: the first backup to give up waiting is the highest priority one.
    const backups = v.routers.filter((r) => r !== v.master && r.priority > 0 && r.priority < 255);
    const backup = backups[0] ?? master;
    const masterDownMs = backup && advertIntervalMs !== null
      ? masterDownIntervalMs(backup.version, backup.priority, advertIntervalMs)
      : null;

    const vipAddrs = [...new Set(v.routers.flatMap((r) => r.addrs))];
    const vips = vipAddrs.map((addr) => {
      const c = this.claims.get(claimKey(v.segmentLabel, addr));
      return {
        addr,
        runs: c?.runs ?? [],
        runsDropped: c?.runsDropped ?? 0,
        gratuitous: c?.gratuitous ?? [],
        gratuitousDropped: c?.gratuitousDropped ?? 0,
      };
    });

    const troubled = v.state !== 'ok' || alerts.some((i) => this.alerts[i].severity !== 'info');
    return {
      key,
      family: v.family,
      vrid: v.vrid,
      ...(v.segment === null ? {} : { segment: v.segment }),
      versions: v.versions,
      state: v.state,
      troubled,
      routers,
      spells: v.history
        .filter((s) => index.has(s.src))
        .map((s) => [index.get(s.src)!, rel(s.fromTs), s.untilTs === null ? -1 : rel(s.untilTs)]),
      spellsTruncated: v.masterChangeCount > v.masterChanges.length || v.history.length >= 200,
      changes: v.masterChanges.map((c) => ({ t: rel(c.ts), from: c.from, to: c.to, gapMs: c.gapMs, reason: c.reason })),
      masterChangeCount: v.masterChangeCount,
      windows,
      intervals,
      advertIntervalMs,
      masterDownMs,
      masterDownOf: backup ? backup.src : null,
      vips,
      alerts,
      diagnosis: diagnoses?.find((d) => d.vrid === v.vrid && d.family === v.family && (d.segment ?? null) === v.segment) ?? null,
    };
  }
}
