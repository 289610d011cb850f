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

import { Registry, collectDefaultMetrics } from 'prom-client';
import type { Alert } from '../analyze/alerts.js';
import type { AnalyzerSnapshot, VridSnapshot } from '../analyze/analyzer.js';
import type { Decoded } from '../decode/types.js';
import { segmentLabel } from './segment-label.js';

export { segmentLabel };

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
/** Routers of a virtual router whose last advert time is remembered for the gaps (the analyzer keeps 64). */
const MAX_GAP_SOURCES = 64;
/** A takeover whose gratuitous ARP has not come after this long is no longer waited for. */
const GARP_WAIT_S = 30;
/** Bounded: a flood of takeovers must not grow this. */
const MAX_PENDING_TAKEOVERS = 1024;

/** Gaps between adverts of one router: around the usual 1 s interval, and far beyond it. */
const GAP_BUCKETS_S = [0.01, 0.1, 0.5, 0.9, 1.1, 2, 3.7, 10, 30, 60];
const GARP_BUCKETS_S = [0.001, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30];

/** Label values: printable ASCII, at most MAX_LABEL_CHARS (prom-client escapes quotes and backslashes). */
export function labelValue(s: string): string {
  // eslint-disable-next-line no-control-regex
  const clean = s.replace(/[^\x20-\x7e]/g, '?');
  return clean.length > MAX_LABEL_CHARS ? clean.slice(0, MAX_LABEL_CHARS - 1) + '~' : clean;
}

type Labels = Record<string, string>;
interface Sample {
  labels: Labels;
  value: number;
  metricName?: string;
}

/**
 * A metric whose samples are produced at scrape time. It is registered with prom-client's registry
 * (its JSON view, and the reference for the text format in the tests), but written by `write`: the
 * registry formatted 12,000 samples of 510 virtual routers in 200-500 ms, long enough for the capture
 * ring to overflow, and prom-client's own Counter and Histogram hash their labels on every update
 * (18 µs per packet), so per-packet counts live in plain objects instead.
 */
class ScrapeMetric {
  readonly aggregator = 'sum';
  constructor(
    readonly name: string,
    readonly help: string,
    readonly type: 'gauge' | 'counter' | 'histogram',
    private readonly samples: () => Sample[],
  ) {}

  get(): { name: string; help: string; type: string; values: Sample[]; aggregator: string } {
    return { name: this.name, help: this.help, type: this.type, values: this.samples(), aggregator: this.aggregator };
  }

  /** The exposition text, as prom-client's registry writes it (test/monitor/metrics.test.ts compares). */
  write(): string {
    let out = `# HELP ${this.name} ${escapeHelp(this.help)}\n# TYPE ${this.name} ${this.type}`;
    for (const x of this.samples()) out += `\n${x.metricName ?? this.name}${labelText(x.labels)} ${valueText(x.value)}`;
    return out;
  }
}

/** Rendered label sets, by object: a virtual router's labels are one object for its whole life. */
const labelTexts = new WeakMap<Labels, string>();

function labelText(labels: Labels): string {
  let text = labelTexts.get(labels);
  if (text === undefined) {
    const parts: string[] = [];
    for (const k in labels) parts.push(`${k}="${labels[k].replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"')}"`);
    text = parts.length ? `{${parts.join(',')}}` : '';
    labelTexts.set(labels, text);
  }
  return text;
}

function escapeHelp(s: string): string {
  return s.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

function valueText(v: number): string {
  if (Number.isNaN(v)) return 'Nan';
  if (!Number.isFinite(v)) return v < 0 ? '-Inf' : '+Inf';
  return String(v);
}

/** Cumulative histogram buckets, Prometheus style. */
class Buckets {
  readonly counts: Float64Array;
  sum = 0;
  count = 0;
  /** Label sets of each bucket, made once (their rendered text is then cached too). */
  private bucketLabels: Labels[] | null = null;
  constructor(private readonly bounds: readonly number[]) {
    this.counts = new Float64Array(bounds.length);
  }

  observe(v: number): void {
    this.sum += v;
    this.count++;
    for (let i = 0; i < this.bounds.length; i++) if (v <= this.bounds[i]) this.counts[i]++;
  }

  samples(name: string, labels: Labels, out: Sample[]): void {
    if (this.count === 0) return;
    const les = (this.bucketLabels ??= [...this.bounds.map(String), '+Inf'].map((le) => ({ ...labels, le })));
    for (let i = 0; i < this.bounds.length; i++) out.push({ metricName: `${name}_bucket`, labels: les[i], value: this.counts[i] });
    out.push({ metricName: `${name}_bucket`, labels: les[this.bounds.length], value: this.count });
    out.push({ metricName: `${name}_sum`, labels, value: this.sum });
    out.push({ metricName: `${name}_count`, labels, value: this.count });
  }
}

/** Counts kept per virtual router (segment, family, VRID): at most 512 per segment. */
interface VrCounts {
  labels: Labels;
  /** Last advert time of each router (for the gaps); bounded like the analyzer's routers. */
  lastAdvertTs: Map<string, number>;
  /** Label sets of its routers' series, made once per router. */
  routerLabels: Map<string, Labels>;
  variants: Map<string, number>;
  priorityZero: number;
  transitions: Map<string, number>;
  gaps: Buckets;
  garp: Buckets;
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
  private pendingTakeovers: PendingTakeover[] = [];
  /** One snapshot per segment per scrape, shared by all metrics. */
  private snapshots = new Map<SegmentSource, AnalyzerSnapshot>();
  /** Per segment, the virtual routers by slot (IPv4 VRIDs 0-255, IPv6 256-511), in order of creation. */
  private readonly vrSlots = new Map<string, (VrCounts | undefined)[]>();
  private readonly vrs: VrCounts[] = [];
  private readonly own: ScrapeMetric[] = [];
  private readonly processRegistry: Registry | null;
  /** Counters keyed by their label values joined with NUL; the values are bounded enums. */
  private readonly packetErrors = new Map<string, Sample>();
  private readonly alertsRaised = new Map<string, Sample>();
  private readonly segmentLabels = new Map<string, string>();
  /** segmentLabel() by capture and segment name (bounded: the analyzer folds places beyond 4096). */
  private readonly namedSegments = new Map<string, string>();

  constructor(opts: { processMetrics?: boolean } = {}) {
    this.processRegistry = opts.processMetrics === false ? null : new Registry();
    // Event-loop lag sampled every 100 ms, not prom-client's 10 ms: a timer 100 times a second was
    // a visible share of an idle probe's CPU.
    if (this.processRegistry) collectDefaultMetrics({ register: this.processRegistry, eventLoopMonitoringPrecision: 100 });
    const add = (name: string, help: string, type: 'gauge' | 'counter' | 'histogram', samples: () => Sample[]) => this.register(new ScrapeMetric(name, help, type, samples));
    /** One sample per virtual router of every segment, or per router with `perRouter`. */
    const perVr = (value: (v: VridSnapshot) => number | null) => () =>
      this.eachVr((s, v, out) => {
        const x = value(v);
        if (x !== null) out.push({ labels: this.vr(segmentLabel(s.segment, v.segment), v.family, v.vrid).labels, value: x });
      });
    const perRouter = (value: (r: VridSnapshot['routers'][number]) => number) => () =>
      this.eachVr((s, v, out) => {
        const c = this.vr(segmentLabel(s.segment, v.segment), v.family, v.vrid);
        for (const r of v.routers) out.push({ labels: routerLabels(c, r.src), value: value(r) });
      });
    const perCapture = (value: (h: CaptureHealth) => number) => () =>
      this.sources.map((s) => ({ labels: { segment: this.seg(s.segment), interface: labelValue(s.iface) }, value: value(s.health()) }));
    const fromCounts = (fill: (c: VrCounts, out: Sample[]) => void) => () => {
      const out: Sample[] = [];
      for (const c of this.vrs) fill(c, out);
      return out;
    };
    const keyed = (m: Map<string, Sample>) => () => [...m.values()];

    add('vrrpscope_vr_has_master', 'Whether the virtual router has a master now (1) or not (0).', 'gauge', perVr((v) => (v.master ? 1 : 0)));
    add('vrrpscope_vr_masters', 'Routers advertising as master now; more than 1 is a split brain (duplicate-master).', 'gauge',
      perVr((v) => v.routers.filter((r) => r.role === 'master' || r.role === 'contender').length));
    add('vrrpscope_vr_last_master_change_timestamp_seconds', 'When the current master took over (packet time, Unix seconds).', 'gauge', perVr((v) => v.masterSince));
    add('vrrpscope_vr_last_advert_timestamp_seconds', 'When the last advertisement for the virtual router was seen (Unix seconds).', 'gauge', perVr((v) => v.lastAdvertTs));
    add('vrrpscope_router_master', 'Whether this router is the master the analyzer follows (1) or not (0).', 'gauge', perRouter((r) => (r.role === 'master' ? 1 : 0)));
    add('vrrpscope_router_priority', "Priority in the router's last advertisement (0 = resigning, 255 = address owner).", 'gauge', perRouter((r) => r.priority));
    add('vrrpscope_router_advert_interval_seconds', 'Advertisement interval the router announces.', 'gauge', perRouter((r) => r.intervalMs / 1000));
    add('vrrpscope_router_last_advert_timestamp_seconds', 'When the router last advertised (Unix seconds).', 'gauge', perRouter((r) => r.lastSeenTs));
    // The analyzer counts adverts per router it still knows: a counter read from the snapshot.
    add('vrrpscope_router_adverts_received_total', 'Advertisements received from this router (RFC 6527 vrrpv3StatisticsRcvdAdvertisements).', 'counter', perRouter((r) => r.adverts));
    add('vrrpscope_alerts_open', 'Conditions open now, by kind and severity (0-valued series are not exposed).', 'gauge', () => this.openAlerts());
    add('vrrpscope_alerts_total', 'Alerts raised and one-off events, by kind and severity.', 'counter', keyed(this.alertsRaised));
    add('vrrpscope_packet_errors_total', 'Packets with a problem, by problem id (bad-checksum, bad-ttl, bad-version, malformed, ...).', 'counter', keyed(this.packetErrors));
    add('vrrpscope_vr_master_transitions_total', 'Master changes by reason: resigned, timeout, preempted (RFC 6527 vrrpv3StatisticsMasterTransitions).', 'counter',
      fromCounts((c, out) => c.transitions.forEach((n, reason) => out.push({ labels: { ...c.labels, reason }, value: n }))));
    add('vrrpscope_adverts_by_checksum_variant_total', 'Advertisements by the checksum computation they matched (v2, v3, v3-no-pseudo, v3-legacy-unicast, bad, unverified).', 'counter',
      fromCounts((c, out) => c.variants.forEach((n, variant) => out.push({ labels: { ...c.labels, variant }, value: n }))));
    add('vrrpscope_vr_priority_zero_adverts_total', 'Advertisements with priority 0: a master resigning (RFC 6527 vrrpv3StatisticsRcvdPriZeroPackets).', 'counter',
      fromCounts((c, out) => void (c.priorityZero && out.push({ labels: c.labels, value: c.priorityZero }))));
    add('vrrpscope_vr_advert_gap_seconds', 'Observed time between two adverts of the same router.', 'histogram',
      fromCounts((c, out) => c.gaps.samples('vrrpscope_vr_advert_gap_seconds', c.labels, out)));
    add('vrrpscope_vr_garp_delay_seconds', "Delay from a takeover to the new master's first gratuitous ARP / unsolicited NA for a virtual address.", 'histogram',
      fromCounts((c, out) => c.garp.samples('vrrpscope_vr_garp_delay_seconds', c.labels, out)));
    add('vrrpscope_capture_up', 'Whether the capture on the interface is open (1) or being reopened (0).', 'gauge', perCapture((h) => (h.up ? 1 : 0)));
    add('vrrpscope_capture_packets_received_total', 'Packets that passed the capture filter (libpcap ps_recv, summed over reopens).', 'counter', perCapture((h) => h.received));
    add('vrrpscope_capture_packets_dropped_total', 'Packets the kernel dropped for lack of buffer space (libpcap ps_drop).', 'counter', perCapture((h) => h.dropped));
    add('vrrpscope_capture_interface_dropped_total', 'Packets the interface or driver dropped (libpcap ps_ifdrop).', 'counter', perCapture((h) => h.ifDropped));
    add('vrrpscope_capture_reopens_total', 'Times the capture was reopened after the interface went down or away.', 'counter', perCapture((h) => h.reopens));
    add('vrrpscope_capture_gap_seconds_total', 'Seconds without a capture between losing the interface and reopening it.', 'counter', perCapture((h) => h.gapSeconds));
  }

  addSegment(s: SegmentSource): void {
    this.sources.push(s);
  }

  /** A metric of another sink of the monitor (Alertmanager, flight recorder), one sample per segment. */
  addPerSegment(name: string, help: string, type: 'gauge' | 'counter', read: () => { segment: string; value: number }[]): void {
    this.register(new ScrapeMetric(name, help, type, () => read().map((x) => ({ labels: { segment: this.seg(x.segment) }, value: x.value }))));
  }

  private register(m: ScrapeMetric): void {
    this.registry.registerMetric(m as never);
    this.own.push(m);
  }

  /**
   * Every decoded frame of a capture (`segment`), after the analyzer has seen it; `name` is the
   * analyzer's name of the frame's own segment (Analyzer.segmentName), null while it knows one.
   */
  packet(segment: string, decoded: Decoded, name: string | null = null): void {
    const pkt = decoded.packet;
    const label = name === null ? segment : this.labelOf(segment, name);
    if (pkt.kind === 'vrrp') {
      const c = this.vr(label, pkt.ip.family, pkt.vrid);
      const variant = pkt.checksumVariant ?? (pkt.checksumStatus === 'bad' ? 'bad' : 'unverified');
      c.variants.set(variant, (c.variants.get(variant) ?? 0) + 1);
      if (pkt.priority === 0) c.priorityZero++;
      else observeGap(c, pkt.ip.src, decoded.ts);
      for (let i = 0; i < pkt.problems.length; i++) this.count(this.packetErrors, { segment: c.labels.segment, family: pkt.ip.family, reason: pkt.problems[i].id });
      return;
    }
    if (pkt.kind === 'malformed') {
      this.count(this.packetErrors, { segment: this.seg(label), family: pkt.ip?.family ?? '', reason: 'malformed' });
      return;
    }
    if (pkt.kind === 'arp' && pkt.gratuitous) this.claim(segment, label, 'ipv4', pkt.senderIp, decoded.ts);
    else if (pkt.kind === 'na' && pkt.unsolicited) this.claim(segment, label, 'ipv6', pkt.target, decoded.ts);
  }

  /** Every alert of a capture (`segment`), as the analyzer raises it. */
  alert(segment: string, a: Alert): void {
    if (a.status === 'cleared') return;
    const label = a.segment === undefined ? segment : this.labelOf(segment, a.segment);
    this.count(this.alertsRaised, { segment: this.seg(label), kind: a.kind, severity: a.severity });
    if (a.kind === 'master-change' && a.vrid !== null && a.family !== null) {
      const c = this.vr(label, a.family, a.vrid);
      if (a.reason) c.transitions.set(a.reason, (c.transitions.get(a.reason) ?? 0) + 1);
      if (this.pendingTakeovers.length >= MAX_PENDING_TAKEOVERS) this.pendingTakeovers.shift();
      this.pendingTakeovers.push({ segment: label, family: a.family, vrid: a.vrid, ts: a.ts });
    }
  }

  /** The exposition text; snapshots are taken once for the whole scrape. */
  async text(): Promise<string> {
    this.snapshots = new Map();
    try {
      const own = this.own.map((m) => m.write()).join('\n\n') + '\n';
      return this.processRegistry ? `${own}\n${await this.processRegistry.metrics()}` : own;
    } finally {
      this.snapshots = new Map();
    }
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  private snapshotOf(s: SegmentSource): AnalyzerSnapshot {
    let snap = this.snapshots.get(s);
    if (!snap) {
      snap = s.snapshot();
      this.snapshots.set(s, snap);
    }
    return snap;
  }

  private eachVr(fill: (s: SegmentSource, v: VridSnapshot, out: Sample[]) => void): Sample[] {
    const out: Sample[] = [];
    for (const s of this.sources) for (const v of this.snapshotOf(s).vrids) fill(s, v, out);
    return out;
  }

  private openAlerts(): Sample[] {
    const open = new Map<string, Sample>();
    for (const s of this.sources) {
      const snap = this.snapshotOf(s);
      const add = (a: Alert): void => {
        const labels = { segment: this.seg(segmentLabel(s.segment, a.segment)), family: a.family ?? '', vrid: a.vrid === null ? '' : String(a.vrid), kind: a.kind, severity: a.severity };
        const key = Object.values(labels).join('\0');
        const o = open.get(key);
        if (o) o.value++;
        else open.set(key, { labels, value: 1 });
      };
      for (const v of snap.vrids) v.openAlerts.forEach(add);
      snap.unattributedAlerts.forEach(add);
    }
    return [...open.values()];
  }

  /** segmentLabel(), made once per capture and segment name (frames of a trunk ask for it each). */
  private labelOf(capture: string, name: string): string {
    const key = capture + '\0' + name;
    let label = this.namedSegments.get(key);
    if (label === undefined) {
      label = segmentLabel(capture, name);
      this.namedSegments.set(key, label);
    }
    return label;
  }

  private seg(segment: string): string {
    let label = this.segmentLabels.get(segment);
    if (label === undefined) {
      label = labelValue(segment);
      this.segmentLabels.set(segment, label);
    }
    return label;
  }

  private vr(segment: string, family: string, vrid: number): VrCounts {
    let slots = this.vrSlots.get(segment);
    if (!slots) {
      slots = [];
      this.vrSlots.set(segment, slots);
    }
    const slot = (family === 'ipv4' ? 0 : 256) + (vrid & 0xff);
    let c = slots[slot];
    if (!c) {
      c = { labels: { segment: this.seg(segment), family, vrid: String(vrid) }, lastAdvertTs: new Map(), routerLabels: new Map(), variants: new Map(), priorityZero: 0, transitions: new Map(), gaps: new Buckets(GAP_BUCKETS_S), garp: new Buckets(GARP_BUCKETS_S) };
      slots[slot] = c;
      this.vrs.push(c);
    }
    return c;
  }

  private count(m: Map<string, Sample>, labels: Labels): void {
    const key = Object.values(labels).join('\0');
    const s = m.get(key);
    if (s) s.value++;
    else m.set(key, { labels, value: 1 });
  }

  /** A gratuitous ARP / unsolicited NA on capture `segment`, in the segment labelled `label`. */
  private claim(segment: string, label: string, family: string, addr: string, ts: number): void {
    if (this.pendingTakeovers.length === 0) return;
    const source = this.sources.find((s) => s.segment === segment);
    const vrids = source ? source.claimedBy(addr) : [];
    this.pendingTakeovers = this.pendingTakeovers.filter((p) => {
      if (ts - p.ts > GARP_WAIT_S) return false;
      if (p.segment !== label || p.family !== family || !vrids.includes(p.vrid) || ts < p.ts) return true;
      this.vr(label, family, p.vrid).garp.observe(ts - p.ts);
      return false;
    });
  }
}

function observeGap(c: VrCounts, src: string, ts: number): void {
  const last = c.lastAdvertTs.get(src);
  if (last !== undefined) {
    if (ts > last) c.gaps.observe(ts - last);
  } else if (c.lastAdvertTs.size >= MAX_GAP_SOURCES) {
    // A flood of forged sources: forget the one remembered longest ago (Map keeps insertion order).
    const oldest = c.lastAdvertTs.keys().next().value;
    if (oldest !== undefined) c.lastAdvertTs.delete(oldest);
  }
  c.lastAdvertTs.set(src, ts);
}

function routerLabels(c: VrCounts, src: string): Labels {
  let labels = c.routerLabels.get(src);
  if (!labels) {
    // The analyzer keeps 64 routers per VRID; forgotten ones' label sets go with a clean slate.
    if (c.routerLabels.size >= 2 * MAX_GAP_SOURCES) c.routerLabels.clear();
    labels = { ...c.labels, source: labelValue(src) };
    c.routerLabels.set(src, labels);
  }
  return labels;
}
