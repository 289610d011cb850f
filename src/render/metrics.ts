// Prometheus exposition of the analysis (`vrrpscope monitor`'s /metrics), with prom-client.
//
// A renderer like the others, not a second analyzer: per-virtual-router state (master, roles,
// priorities, open alerts) is read from each segment's `snapshot()` at scrape time; the only
// things counted here are those no snapshot keeps for ever: alerts raised, packets by problem and
// checksum variant, gaps between adverts and the delay of gratuitous ARP after a takeover.
// Names follow Prometheus conventions (`_total` counters, base unit seconds) and, where they fit,
// RFC 6527's VRRPv3 MIB statistics (README lists the mapping). Label values come from the wire or
// the command line, so they are bounded in length and stripped of control characters; the state of
// a virtual router is never a label (a value per series instead), so series do not churn.

import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Alert } from '../analyze/alerts.js';
import type { AnalyzerSnapshot } from '../analyze/analyzer.js';
import type { Packet } from '../decode/types.js';

/** Capture health of one interface, as the monitor's supervisor keeps it (counters survive reopens). */
export interface CaptureHealth {
  up: boolean;
  received: number;
  dropped: number;
  ifDropped: number;
  reopens: number;
  gapSeconds: number;
}

/** What the metrics read from one segment at scrape time. */
export interface SegmentSource {
  segment: string;
  iface: string;
  snapshot(): AnalyzerSnapshot;
  health(): CaptureHealth;
  /** VRIDs whose virtual addresses include `addr` (the analyzer's claim index). */
  claimedBy(addr: string): number[];
}

const MAX_LABEL_CHARS = 64;
/** Routers whose last advert time is remembered for the gap histogram (the analyzer keeps 64 per VRID). */
const MAX_GAP_SOURCES = 64 * 512;
/** A takeover whose gratuitous ARP has not come after this long is no longer waited for. */
const GARP_WAIT_S = 30;
/** Bounded: a flood of takeovers must not grow this. */
const MAX_PENDING_TAKEOVERS = 1024;

/** Gaps between adverts of one router: around the usual 1 s interval, and far beyond it. */
const GAP_BUCKETS_S = [0.01, 0.05, 0.1, 0.5, 0.9, 1.1, 1.5, 2, 3, 3.7, 5, 10, 30, 60];
const GARP_BUCKETS_S = [0.001, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30];

/** Label values: printable ASCII, at most MAX_LABEL_CHARS (prom-client escapes quotes and backslashes). */
export function labelValue(s: string): string {
  // eslint-disable-next-line no-control-regex
  const clean = s.replace(/[^\x20-\x7e]/g, '?');
  return clean.length > MAX_LABEL_CHARS ? clean.slice(0, MAX_LABEL_CHARS - 1) + '~' : clean;
}

interface PendingTakeover {
  segment: string;
  family: string;
  vrid: number;
  ts: number;
}

export class PrometheusMetrics {
  readonly registry = new Registry();
  private readonly sources: SegmentSource[] = [];
  private readonly lastAdvertTs = new Map<string, number>();
  private pendingTakeovers: PendingTakeover[] = [];
  /** One snapshot per segment per scrape, shared by all metrics. */
  private snapshots = new Map<SegmentSource, AnalyzerSnapshot>();

  private readonly transitions: Counter;
  private readonly alertsRaised: Counter;
  private readonly packetErrors: Counter;
  private readonly checksumVariants: Counter;
  private readonly priorityZero: Counter;
  private readonly advertGap: Histogram;
  private readonly garpDelay: Histogram;

  constructor(opts: { processMetrics?: boolean } = {}) {
    const registers = [this.registry];
    if (opts.processMetrics !== false) collectDefaultMetrics({ register: this.registry });
    const vr = ['segment', 'family', 'vrid'] as const;
    const router = [...vr, 'source'] as const;
    // Scrape-time gauges: each is rebuilt from the snapshots, so a forgotten router's series goes away.
    const self = this;
    const fromSnapshots = (name: string, help: string, labelNames: readonly string[], fill: (g: Gauge, s: SegmentSource, snap: AnalyzerSnapshot) => void) =>
      new Gauge({
        name, help, labelNames, registers,
        collect(this: Gauge) {
          this.reset();
          for (const s of self.sources) fill(this, s, self.snapshotOf(s));
        },
      });
    fromSnapshots('vrrpscope_vr_has_master', 'Whether the virtual router has a master now (1) or not (0).', vr, (g, s, snap) => {
      for (const v of snap.vrids) g.set(vrLabels(s, v), v.master ? 1 : 0);
    });
    fromSnapshots('vrrpscope_vr_masters', 'Routers advertising as master now; more than 1 is a split brain (duplicate-master).', vr, (g, s, snap) => {
      for (const v of snap.vrids) g.set(vrLabels(s, v), v.routers.filter((r) => r.role === 'master' || r.role === 'contender').length);
    });
    fromSnapshots('vrrpscope_vr_last_master_change_timestamp_seconds', 'When the current master took over (packet time, Unix seconds).', vr, (g, s, snap) => {
      for (const v of snap.vrids) if (v.masterSince !== null) g.set(vrLabels(s, v), v.masterSince);
    });
    fromSnapshots('vrrpscope_vr_last_advert_timestamp_seconds', 'When the last advertisement for the virtual router was seen (Unix seconds).', vr, (g, s, snap) => {
      for (const v of snap.vrids) g.set(vrLabels(s, v), v.lastAdvertTs);
    });
    fromSnapshots('vrrpscope_router_master', 'Whether this router is the master the analyzer follows (1) or not (0).', router, (g, s, snap) => {
      for (const v of snap.vrids) for (const r of v.routers) g.set(routerLabels(s, v, r.src), r.role === 'master' ? 1 : 0);
    });
    fromSnapshots('vrrpscope_router_priority', 'Priority in the router\'s last advertisement (0 = resigning, 255 = address owner).', router, (g, s, snap) => {
      for (const v of snap.vrids) for (const r of v.routers) g.set(routerLabels(s, v, r.src), r.priority);
    });
    fromSnapshots('vrrpscope_router_advert_interval_seconds', 'Advertisement interval the router announces.', router, (g, s, snap) => {
      for (const v of snap.vrids) for (const r of v.routers) g.set(routerLabels(s, v, r.src), r.intervalMs / 1000);
    });
    fromSnapshots('vrrpscope_router_last_advert_timestamp_seconds', 'When the router last advertised (Unix seconds).', router, (g, s, snap) => {
      for (const v of snap.vrids) for (const r of v.routers) g.set(routerLabels(s, v, r.src), r.lastSeenTs);
    });
    // A counter read from the snapshot: the analyzer counts adverts per router it still knows.
    new Counter({
      name: 'vrrpscope_router_adverts_received_total', help: 'Advertisements received from this router (RFC 6527 vrrpv3StatisticsRcvdAdvertisements).', labelNames: router, registers,
      collect(this: Counter) {
        this.reset();
        for (const s of self.sources) for (const v of self.snapshotOf(s).vrids) for (const r of v.routers) this.inc(routerLabels(s, v, r.src), r.adverts);
      },
    });
    fromSnapshots('vrrpscope_alerts_open', 'Conditions open now, by kind and severity (0-valued series are not exposed).', [...vr, 'kind', 'severity'], (g, s, snap) => {
      const open = new Map<string, { labels: Record<string, string>; n: number }>();
      const add = (a: Alert) => {
        const labels = { segment: labelValue(s.segment), family: a.family ?? '', vrid: a.vrid === null ? '' : String(a.vrid), kind: a.kind, severity: a.severity };
        const key = `${labels.family}/${labels.vrid}/${a.kind}`;
        const o = open.get(key);
        if (o) o.n++;
        else open.set(key, { labels, n: 1 });
      };
      for (const v of snap.vrids) v.openAlerts.forEach(add);
      snap.unattributedAlerts.forEach(add);
      for (const { labels, n } of open.values()) g.set(labels, n);
    });
    fromSnapshots('vrrpscope_capture_up', 'Whether the capture on the interface is open (1) or being reopened (0).', ['segment', 'interface'], (g, s) => {
      g.set(captureLabels(s), s.health().up ? 1 : 0);
    });
    const captureCounter = (name: string, help: string, read: (h: CaptureHealth) => number) =>
      new Counter({
        name, help, labelNames: ['segment', 'interface'], registers,
        collect(this: Counter) {
          this.reset();
          for (const s of self.sources) this.inc(captureLabels(s), read(s.health()));
        },
      });
    captureCounter('vrrpscope_capture_packets_received_total', 'Packets that passed the capture filter (libpcap ps_recv, summed over reopens).', (h) => h.received);
    captureCounter('vrrpscope_capture_packets_dropped_total', 'Packets the kernel dropped for lack of buffer space (libpcap ps_drop).', (h) => h.dropped);
    captureCounter('vrrpscope_capture_interface_dropped_total', 'Packets the interface or driver dropped (libpcap ps_ifdrop).', (h) => h.ifDropped);
    captureCounter('vrrpscope_capture_reopens_total', 'Times the capture was reopened after the interface went down or away.', (h) => h.reopens);
    captureCounter('vrrpscope_capture_gap_seconds_total', 'Seconds without a capture between losing the interface and reopening it.', (h) => h.gapSeconds);

    this.transitions = new Counter({ name: 'vrrpscope_vr_master_transitions_total', help: 'Master changes by reason: resigned, timeout, preempted (RFC 6527 vrrpv3StatisticsMasterTransitions).', labelNames: [...vr, 'reason'], registers });
    this.alertsRaised = new Counter({ name: 'vrrpscope_alerts_total', help: 'Alerts raised and one-off events, by kind and severity.', labelNames: ['segment', 'kind', 'severity'], registers });
    this.packetErrors = new Counter({ name: 'vrrpscope_packet_errors_total', help: 'Packets with a problem, by problem id (bad-checksum, bad-ttl, bad-version, malformed, ...).', labelNames: ['segment', 'family', 'reason'], registers });
    this.checksumVariants = new Counter({ name: 'vrrpscope_adverts_by_checksum_variant_total', help: 'Advertisements by the checksum computation they matched (v2, v3, v3-no-pseudo, v3-legacy-unicast, bad, unverified).', labelNames: [...vr, 'variant'], registers });
    this.priorityZero = new Counter({ name: 'vrrpscope_vr_priority_zero_adverts_total', help: 'Advertisements with priority 0: a master resigning (RFC 6527 vrrpv3StatisticsRcvdPriZeroPackets).', labelNames: vr, registers });
    this.advertGap = new Histogram({ name: 'vrrpscope_vr_advert_gap_seconds', help: 'Observed time between two adverts of the same router.', labelNames: vr, buckets: GAP_BUCKETS_S, registers });
    this.garpDelay = new Histogram({ name: 'vrrpscope_vr_garp_delay_seconds', help: 'Delay from a takeover to the new master\'s first gratuitous ARP / unsolicited NA for a virtual address.', labelNames: vr, buckets: GARP_BUCKETS_S, registers });
  }

  private snapshotOf(s: SegmentSource): AnalyzerSnapshot {
    let snap = this.snapshots.get(s);
    if (!snap) {
      snap = s.snapshot();
      this.snapshots.set(s, snap);
    }
    return snap;
  }

  addSegment(s: SegmentSource): void {
    this.sources.push(s);
  }

  /** Every decoded packet of a segment, after the analyzer has seen it. */
  packet(segment: string, pkt: Packet): void {
    if (pkt.kind === 'vrrp') {
      const labels = { segment: labelValue(segment), family: pkt.ip.family, vrid: String(pkt.vrid) };
      this.checksumVariants.inc({ ...labels, variant: pkt.checksumVariant ?? (pkt.checksumStatus === 'bad' ? 'bad' : 'unverified') });
      if (pkt.priority === 0) this.priorityZero.inc(labels);
      for (const p of pkt.problems) this.packetErrors.inc({ segment: labels.segment, family: labels.family, reason: p.id });
      if (pkt.priority !== 0) this.observeGap(labels, pkt.ip.src, pkt.ts);
      return;
    }
    if (pkt.kind === 'malformed') {
      this.packetErrors.inc({ segment: labelValue(segment), family: pkt.ip?.family ?? '', reason: 'malformed' });
      return;
    }
    if (pkt.kind === 'arp' && pkt.gratuitous) this.claim(segment, 'ipv4', pkt.senderIp, pkt.ts);
    else if (pkt.kind === 'na' && pkt.unsolicited) this.claim(segment, 'ipv6', pkt.target, pkt.ts);
  }

  /** Every alert of a segment, as the analyzer raises it. */
  alert(segment: string, a: Alert): void {
    if (a.status === 'cleared') return;
    const seg = labelValue(segment);
    this.alertsRaised.inc({ segment: seg, kind: a.kind, severity: a.severity });
    if (a.kind === 'master-change' && a.vrid !== null && a.family !== null) {
      if (a.reason) this.transitions.inc({ segment: seg, family: a.family, vrid: String(a.vrid), reason: a.reason });
      if (this.pendingTakeovers.length >= MAX_PENDING_TAKEOVERS) this.pendingTakeovers.shift();
      this.pendingTakeovers.push({ segment, family: a.family, vrid: a.vrid, ts: a.ts });
    }
  }

  /** The exposition text; snapshots are taken once for the whole scrape. */
  async text(): Promise<string> {
    this.snapshots = new Map();
    try {
      return await this.registry.metrics();
    } finally {
      this.snapshots = new Map();
    }
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  private observeGap(labels: Record<string, string>, src: string, ts: number): void {
    const key = `${labels.segment}/${labels.family}/${labels.vrid}/${src}`;
    const last = this.lastAdvertTs.get(key);
    if (last !== undefined && ts > last) this.advertGap.observe(labels, ts - last);
    else if (last === undefined && this.lastAdvertTs.size >= MAX_GAP_SOURCES) {
      // A flood of forged sources: forget the oldest remembered (Map order is insertion order).
      const oldest = this.lastAdvertTs.keys().next().value;
      if (oldest !== undefined) this.lastAdvertTs.delete(oldest);
    }
    this.lastAdvertTs.delete(key);
    this.lastAdvertTs.set(key, ts);
  }

  private claim(segment: string, family: string, addr: string, ts: number): void {
    if (this.pendingTakeovers.length === 0) return;
    const source = this.sources.find((s) => s.segment === segment);
    const vrids = source ? source.claimedBy(addr) : [];
    this.pendingTakeovers = this.pendingTakeovers.filter((p) => {
      if (ts - p.ts > GARP_WAIT_S) return false;
      if (p.segment !== segment || p.family !== family || !vrids.includes(p.vrid) || ts < p.ts) return true;
      this.garpDelay.observe({ segment: labelValue(segment), family, vrid: String(p.vrid) }, ts - p.ts);
      return false;
    });
  }
}

function vrLabels(s: SegmentSource, v: { family: string; vrid: number }): Record<string, string> {
  return { segment: labelValue(s.segment), family: v.family, vrid: String(v.vrid) };
}

function routerLabels(s: SegmentSource, v: { family: string; vrid: number }, src: string): Record<string, string> {
  return { ...vrLabels(s, v), source: labelValue(src) };
}

function captureLabels(s: SegmentSource): Record<string, string> {
  return { segment: labelValue(s.segment), interface: labelValue(s.iface) };
}
