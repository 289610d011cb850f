// Prometheus exposition of the analysis (`vrrpscope monitor`'s /metrics), with prom-client.
//
// A renderer like the others, not a second analyzer: per-virtual-router state (master, roles,
// priorities, open alerts) is read from each segment's `brief()` at scrape time; the only
// things counted here are those no snapshot keeps for ever: alerts raised, packets by problem and
// checksum variant, gaps between adverts and the delay of gratuitous ARP after a takeover.
// Names follow Prometheus conventions (`_total` counters, base unit seconds) and, where they fit,
// RFC 6527's VRRPv3 MIB statistics (README lists the mapping). Label values come from the wire or
// the command line, so they are bounded in length and stripped of control characters; the state of
// a virtual router is never a label (a value per series instead), so series do not churn.

import { Registry, collectDefaultMetrics } from 'prom-client';
import type { Alert } from '../analyze/alerts.js';
import type { AnalyzerBrief, RouterBrief, VridBrief } from '../analyze/analyzer.js';
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
  /** The analysis as a scrape reads it (Analyzer.brief). */
  brief(): AnalyzerBrief;
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
 * A label set rendered once for the life of what it labels (a virtual router, a router, a
 * capture): the text up to its closing brace (`{segment="eth0",family="ipv4",vrid="7"`, '' for no
 * labels), and the object prom-client's registry view gets.
 */
interface LabelSet {
  labels: Labels;
  open: string;
}

function labelSet(labels: Labels): LabelSet {
  const parts: string[] = [];
  for (const k in labels) parts.push(`${k}="${escapeLabel(labels[k])}"`);
  return { labels, open: parts.length ? `{${parts.join(',')}` : '' };
}

const NO_LABELS = labelSet({});

/**
 * One sample: its label set, its value, and optionally a suffix of the metric's name (`_bucket`)
 * and one more label (`le`, `reason`) whose value is one of a few fixed words.
 */
type Emit = (set: LabelSet, value: number, suffix?: string, key?: string, extra?: string) => void;

/**
 * A metric whose samples are produced at scrape time. It is registered with prom-client's registry
 * (its JSON view, and the reference for the text format in the tests), but written by `write`: the
 * registry formatted 12,000 samples of 510 virtual routers in 200-500 ms, long enough for the capture
 * ring to overflow, and prom-client's own Counter and Histogram hash their labels on every update
 * (18 µs per packet), so per-packet counts live in plain objects instead. `write` makes no object
 * per sample: the text goes straight into the scrape's buffer.
 */
class ScrapeMetric {
  readonly aggregator = 'sum';
  constructor(
    readonly name: string,
    readonly help: string,
    readonly type: 'gauge' | 'counter' | 'histogram',
    private readonly fill: (emit: Emit) => void,
  ) {}

  get(): { name: string; help: string; type: string; values: Sample[]; aggregator: string } {
    const values: Sample[] = [];
    this.fill((set, value, suffix, key, extra) => {
      const labels = key === undefined ? set.labels : { ...set.labels, [key]: extra ?? '' };
      values.push(suffix === undefined ? { labels, value } : { metricName: this.name + suffix, labels, value });
    });
    return { name: this.name, help: this.help, type: this.type, values, aggregator: this.aggregator };
  }

  /** The exposition text, as prom-client's registry writes it (test/monitor/metrics.test.ts compares). */
  write(out: Exposition): void {
    out.head(this.name, escapeHelp(this.help), this.type);
    this.fill(out.sample);
  }
}

/** A scrape's exposition text: valid until `done()`, which must be called once it has been sent. */
export interface Exposed {
  bytes: Buffer;
  done(): void;
}

/**
 * The text of a scrape, written into one buffer kept from scrape to scrape (1-2 MB for 510
 * virtual routers): strings joined per sample were ~5 MB of garbage a scrape, which V8 then
 * collected in a dozen scavenges and a mark-compact.
 */
class Exposition {
  private buf = Buffer.allocUnsafe(64 * 1024);
  private n = 0;
  private name = '';
  private lent = false;

  begin(): void {
    if (this.lent) {
      this.buf = Buffer.allocUnsafe(this.buf.length);
      this.lent = false;
    }
    this.n = 0;
  }

  head(name: string, help: string, type: string): void {
    if (this.n > 0) this.put('\n\n');
    this.put('# HELP ');
    this.put(name);
    this.put(' ');
    this.put(help);
    this.put('\n# TYPE ');
    this.put(name);
    this.put(' ');
    this.put(type);
    this.name = name;
  }

  readonly sample: Emit = (set, value, suffix, key, extra) => {
    this.put('\n');
    this.put(this.name);
    if (suffix !== undefined) this.put(suffix);
    if (key !== undefined) {
      this.put(set.open === '' ? '{' : set.open);
      if (set.open !== '') this.put(',');
      this.put(key);
      this.put('="');
      this.put(escapeLabel(extra ?? ''));
      this.put('"}');
    } else if (set.open !== '') {
      this.put(set.open);
      this.put('}');
    }
    this.put(' ');
    this.value(value);
  };

  /** Text as it is (prom-client's own part of the scrape). */
  put(s: string): void {
    const len = s.length;
    if (this.n + 3 * len > this.buf.length) this.grow(3 * len);
    // Short ASCII pieces (names, label sets) byte by byte: Buffer.write costs more per call than
    // copying 40 characters, and was two thirds of a scrape.
    if (len <= 128) {
      const buf = this.buf;
      let n = this.n;
      for (let i = 0; i < len; i++) {
        const c = s.charCodeAt(i);
        if (c > 0x7f) return void (this.n += buf.write(s, this.n));
        buf[n++] = c;
      }
      this.n = n;
    } else {
      this.n += this.buf.write(s, this.n);
    }
  }

  /**
   * The text written since begin(), and the call that gives its buffer back once it has been
   * sent. A buffer not given back yet (a slow client) is left to its reader: the next scrape
   * writes into a new one. A copy per scrape instead cost more than writing it (1.5 MB, fresh pages).
   */
  take(): Exposed {
    const buf = this.buf;
    this.lent = true;
    return {
      bytes: buf.subarray(0, this.n),
      done: () => {
        if (this.buf === buf) this.lent = false;
      },
    };
  }

  private value(v: number): void {
    // Integers (flags, counts, priorities, bucket counts) digit by digit: no string per sample.
    if (Number.isInteger(v) && v > -1e15 && v < 1e15) {
      if (this.n + 17 > this.buf.length) this.grow(17);
      if (v < 0) {
        this.buf[this.n++] = 0x2d;
        v = -v;
      }
      let digits = 1;
      for (let x = v; x >= 10; x = Math.floor(x / 10)) digits++;
      for (let i = digits - 1; i >= 0; i--) {
        this.buf[this.n + i] = 0x30 + (v % 10);
        v = Math.floor(v / 10);
      }
      this.n += digits;
    } else {
      this.put(valueText(v));
    }
  }

  private grow(need: number): void {
    const next = Buffer.allocUnsafe(Math.max(2 * this.buf.length, this.n + need));
    this.buf.copy(next, 0, 0, this.n);
    this.buf = next;
  }
}

function escapeLabel(s: string): string {
  return /[\\\n"]/.test(s) ? s.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"') : s;
}

function escapeHelp(s: string): string {
  return s.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

function valueText(v: number): string {
  if (Number.isNaN(v)) return 'Nan';
  if (!Number.isFinite(v)) return v < 0 ? '-Inf' : '+Inf';
  return String(v);
}

/** Bucket bounds as the `le` label writes them. */
const leTexts = new Map<readonly number[], string[]>();

/** Cumulative histogram buckets, Prometheus style. */
class Buckets {
  readonly counts: Float64Array;
  sum = 0;
  count = 0;
  private readonly les: string[];
  constructor(private readonly bounds: readonly number[]) {
    this.counts = new Float64Array(bounds.length);
    let les = leTexts.get(bounds);
    if (!les) {
      les = [...bounds.map(String), '+Inf'];
      leTexts.set(bounds, les);
    }
    this.les = les;
  }

  observe(v: number): void {
    this.sum += v;
    this.count++;
    for (let i = 0; i < this.bounds.length; i++) if (v <= this.bounds[i]) this.counts[i]++;
  }

  samples(set: LabelSet, emit: Emit): void {
    if (this.count === 0) return;
    for (let i = 0; i < this.bounds.length; i++) emit(set, this.counts[i], '_bucket', 'le', this.les[i]);
    emit(set, this.count, '_bucket', 'le', this.les[this.bounds.length]);
    emit(set, this.sum, '_sum');
    emit(set, this.count, '_count');
  }
}

/** Counts kept per virtual router (segment, family, VRID): at most 512 per segment. */
interface VrCounts {
  set: LabelSet;
  /** Last advert time of each router (for the gaps); bounded like the analyzer's routers. */
  lastAdvertTs: Map<string, number>;
  /** Label sets of its routers' series, made once per router. */
  routerSets: Map<string, LabelSet>;
  variants: Map<string, number>;
  priorityZero: number;
  transitions: Map<string, number>;
  gaps: Buckets;
  garp: Buckets;
}

/** A counter of a few label values (segment, and words from fixed lists). */
interface Keyed {
  set: LabelSet;
  value: number;
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
  /** One brief per segment per scrape, shared by all metrics. */
  private briefs = new Map<SegmentSource, AnalyzerBrief>();
  /** Per segment, the virtual routers by slot (IPv4 VRIDs 0-255, IPv6 256-511), in order of creation. */
  private readonly vrSlots = new Map<string, (VrCounts | undefined)[]>();
  private readonly vrs: VrCounts[] = [];
  private readonly own: ScrapeMetric[] = [];
  private readonly processRegistry: Registry | null;
  private readonly out = new Exposition();
  /** Counters keyed by their label values joined with NUL; the values are bounded enums. */
  private readonly packetErrors = new Map<string, Keyed>();
  private readonly alertsRaised = new Map<string, Keyed>();
  /** Label sets of the captures' health series, by segment and interface. */
  private readonly captureSets = new Map<string, LabelSet>();
  /** Label sets of the per-segment metrics of other sinks, by segment. */
  private readonly segmentSets = new Map<string, LabelSet>();
  private readonly segmentLabels = new Map<string, string>();
  /** segmentLabel() by capture and segment name (bounded: the analyzer folds places beyond 4096). */
  private readonly namedSegments = new Map<string, string>();

  constructor(opts: { processMetrics?: boolean } = {}) {
    this.processRegistry = opts.processMetrics === false ? null : new Registry();
    // Event-loop lag sampled every 100 ms, not prom-client's 10 ms: a timer 100 times a second was
    // a visible share of an idle probe's CPU.
    if (this.processRegistry) collectDefaultMetrics({ register: this.processRegistry, eventLoopMonitoringPrecision: 100 });
    const add = (name: string, help: string, type: 'gauge' | 'counter' | 'histogram', fill: (emit: Emit) => void) => this.register(new ScrapeMetric(name, help, type, fill));
    /** One sample per virtual router of every segment, or per router with `perRouter`. */
    const perVr = (value: (v: VridBrief) => number | null) => (emit: Emit) =>
      this.eachVr((s, v) => {
        const x = value(v);
        if (x !== null) emit(this.vrOf(s, v).set, x);
      });
    const perRouter = (value: (r: RouterBrief) => number) => (emit: Emit) =>
      this.eachVr((s, v) => {
        const c = this.vrOf(s, v);
        for (const r of v.routers) emit(routerSet(c, r.src), value(r));
      });
    const perCapture = (value: (h: CaptureHealth) => number) => (emit: Emit) => {
      for (const s of this.sources) emit(this.captureSet(s), value(s.health()));
    };
    const fromCounts = (fill: (c: VrCounts, emit: Emit) => void) => (emit: Emit) => {
      for (const c of this.vrs) fill(c, emit);
    };
    const keyed = (m: Map<string, Keyed>) => (emit: Emit) => {
      for (const k of m.values()) emit(k.set, k.value);
    };

    add('vrrpscope_vr_has_master', 'Whether the virtual router has a master now (1) or not (0).', 'gauge', perVr((v) => (v.hasMaster ? 1 : 0)));
    add('vrrpscope_vr_masters', 'Routers advertising as master now; more than 1 is a split brain (duplicate-master).', 'gauge', perVr((v) => v.masters));
    add('vrrpscope_vr_last_master_change_timestamp_seconds', 'When the current master took over (packet time, Unix seconds).', 'gauge', perVr((v) => v.masterSince));
    add('vrrpscope_vr_last_advert_timestamp_seconds', 'When the last advertisement for the virtual router was seen (Unix seconds).', 'gauge', perVr((v) => v.lastAdvertTs));
    add('vrrpscope_router_master', 'Whether this router is the master the analyzer follows (1) or not (0).', 'gauge', perRouter((r) => (r.role === 'master' ? 1 : 0)));
    add('vrrpscope_router_priority', "Priority in the router's last advertisement (0 = resigning, 255 = address owner).", 'gauge', perRouter((r) => r.priority));
    add('vrrpscope_router_advert_interval_seconds', 'Advertisement interval the router announces.', 'gauge', perRouter((r) => r.intervalMs / 1000));
    add('vrrpscope_router_last_advert_timestamp_seconds', 'When the router last advertised (Unix seconds).', 'gauge', perRouter((r) => r.lastSeenTs));
    // The analyzer counts adverts per router it still knows: a counter read from the brief.
    add('vrrpscope_router_adverts_received_total', 'Advertisements received from this router (RFC 6527 vrrpv3StatisticsRcvdAdvertisements).', 'counter', perRouter((r) => r.adverts));
    add('vrrpscope_alerts_open', 'Conditions open now, by kind and severity (0-valued series are not exposed).', 'gauge', (emit) => this.openAlerts(emit));
    add('vrrpscope_alerts_total', 'Alerts raised and one-off events, by kind and severity.', 'counter', keyed(this.alertsRaised));
    add('vrrpscope_packet_errors_total', 'Packets with a problem, by problem id (bad-checksum, bad-ttl, bad-version, malformed, ...).', 'counter', keyed(this.packetErrors));
    add('vrrpscope_vr_master_transitions_total', 'Master changes by reason: resigned, timeout, preempted (RFC 6527 vrrpv3StatisticsMasterTransitions).', 'counter',
      fromCounts((c, emit) => c.transitions.forEach((n, reason) => emit(c.set, n, undefined, 'reason', reason))));
    add('vrrpscope_adverts_by_checksum_variant_total', 'Advertisements by the checksum computation they matched (v2, v3, v3-no-pseudo, v3-legacy-unicast, bad, unverified).', 'counter',
      fromCounts((c, emit) => c.variants.forEach((n, variant) => emit(c.set, n, undefined, 'variant', variant))));
    add('vrrpscope_vr_priority_zero_adverts_total', 'Advertisements with priority 0: a master resigning (RFC 6527 vrrpv3StatisticsRcvdPriZeroPackets).', 'counter',
      fromCounts((c, emit) => void (c.priorityZero && emit(c.set, c.priorityZero))));
    add('vrrpscope_vr_advert_gap_seconds', 'Observed time between two adverts of the same router.', 'histogram', fromCounts((c, emit) => c.gaps.samples(c.set, emit)));
    add('vrrpscope_vr_garp_delay_seconds', "Delay from a takeover to the new master's first gratuitous ARP / unsolicited NA for a virtual address.", 'histogram',
      fromCounts((c, emit) => c.garp.samples(c.set, emit)));
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
    this.register(new ScrapeMetric(name, help, type, (emit) => {
      for (const x of read()) emit(this.segmentSet(x.segment), x.value);
    }));
  }

  /** A metric of the process as a whole: one sample without labels. */
  addScalar(name: string, help: string, type: 'gauge' | 'counter', read: () => number): void {
    this.register(new ScrapeMetric(name, help, type, (emit) => emit(NO_LABELS, read())));
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
      for (let i = 0; i < pkt.problems.length; i++) this.count(this.packetErrors, { segment: c.set.labels.segment, family: pkt.ip.family, reason: pkt.problems[i].id });
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

  /** The exposition text (tests read it as a string; the server sends body()). */
  async text(): Promise<string> {
    const body = await this.body();
    const text = body.bytes.toString('utf8');
    body.done();
    return text;
  }

  /** The exposition, ready to send; analyses are read once for the whole scrape, and scrapes one at a time. */
  body(): Promise<Exposed> {
    const next = this.scrape.then(() => this.build());
    this.scrape = next.catch(() => {});
    return next;
  }

  private scrape: Promise<unknown> = Promise.resolve();

  private async build(): Promise<Exposed> {
    this.briefs = new Map();
    const out = this.out;
    try {
      out.begin();
      for (const m of this.own) {
        m.write(out);
        // The capture is read between metrics: a scrape of 510 virtual routers in one piece held
        // the event loop long enough for a small kernel ring to overflow.
        await new Promise(setImmediate);
      }
      out.put('\n');
      if (this.processRegistry) {
        out.put('\n');
        out.put(await this.processRegistry.metrics());
      }
      return out.take();
    } finally {
      this.briefs = new Map();
    }
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  private briefOf(s: SegmentSource): AnalyzerBrief {
    let b = this.briefs.get(s);
    if (!b) {
      b = s.brief();
      this.briefs.set(s, b);
    }
    return b;
  }

  private eachVr(fill: (s: SegmentSource, v: VridBrief) => void): void {
    for (const s of this.sources) for (const v of this.briefOf(s).vrids) fill(s, v);
  }

  /** The counts of a virtual router of a capture's brief. */
  private vrOf(s: SegmentSource, v: VridBrief): VrCounts {
    return this.vr(v.segment === null ? s.segment : this.labelOf(s.segment, v.segment), v.family, v.vrid);
  }

  private openAlerts(emit: Emit): void {
    const open = new Map<string, Keyed>();
    for (const s of this.sources) {
      const b = this.briefOf(s);
      const add = (a: Alert): void => {
        const labels = { segment: this.seg(segmentLabel(s.segment, a.segment)), family: a.family ?? '', vrid: a.vrid === null ? '' : String(a.vrid), kind: a.kind, severity: a.severity };
        const key = Object.values(labels).join('\0');
        const o = open.get(key);
        if (o) o.value++;
        else open.set(key, { set: labelSet(labels), value: 1 });
      };
      for (const v of b.vrids) v.openAlerts.forEach(add);
      b.unattributedAlerts.forEach(add);
    }
    for (const o of open.values()) emit(o.set, o.value);
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

  private segmentSet(segment: string): LabelSet {
    let set = this.segmentSets.get(segment);
    if (!set) {
      set = labelSet({ segment: this.seg(segment) });
      this.segmentSets.set(segment, set);
    }
    return set;
  }

  private captureSet(s: SegmentSource): LabelSet {
    const key = s.segment + '\0' + s.iface;
    let set = this.captureSets.get(key);
    if (!set) {
      set = labelSet({ segment: this.seg(s.segment), interface: labelValue(s.iface) });
      this.captureSets.set(key, set);
    }
    return set;
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
      c = {
        set: labelSet({ segment: this.seg(segment), family, vrid: String(vrid) }),
        lastAdvertTs: new Map(), routerSets: new Map(), variants: new Map(), priorityZero: 0, transitions: new Map(),
        gaps: new Buckets(GAP_BUCKETS_S), garp: new Buckets(GARP_BUCKETS_S),
      };
      slots[slot] = c;
      this.vrs.push(c);
    }
    return c;
  }

  private count(m: Map<string, Keyed>, labels: Labels): void {
    const key = Object.values(labels).join('\0');
    const k = m.get(key);
    if (k) k.value++;
    else m.set(key, { set: labelSet(labels), value: 1 });
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

function routerSet(c: VrCounts, src: string): LabelSet {
  let set = c.routerSets.get(src);
  if (!set) {
    // The analyzer keeps 64 routers per VRID; forgotten ones' label sets go with a clean slate.
    if (c.routerSets.size >= 2 * MAX_GAP_SOURCES) c.routerSets.clear();
    set = labelSet({ ...c.set.labels, source: labelValue(src) });
    c.routerSets.set(src, set);
  }
  return set;
}
