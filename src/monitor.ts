// Wiring for `vrrpscope monitor`: the headless, always-on probe. One libpcap capture per -i, each
// feeding its own Pipeline (the same decoding and analysis as `live`), an HTTP endpoint serving the
// analysis as Prometheus metrics, and one log line per event. What a week on a real host brings is
// handled here: an interface that goes down or away is reopened with backoff (and the gap counted),
// SIGHUP reopens the log files, SIGTERM/SIGINT stop cleanly. No protocol logic lives here.
import * as fs from 'node:fs';
import * as http from 'node:http';
import { isIP } from 'node:net';
import type { Alert } from './analyze/alerts.js';
import type { AnalyzerBrief } from './analyze/analyzer.js';
import { diagnose } from './analyze/diagnose.js';
import { FlightRecorder } from './capture/evidence.js';
import { interfaceAddresses } from './capture/interfaces.js';
import { LiveCaptureError, openLive, type LiveCapture, type LiveOptions, type LiveStats } from './capture/live.js';
import { dropPrivileges } from './capture/privileges.js';
import { EXIT, Pipeline } from './pipeline.js';
import { MONO } from './render/color.js';
import { escapeControls } from './render/escape.js';
import { AlertmanagerSink } from './render/alertmanager.js';
import { explainMarkdown } from './render/explain.js';
import { alertRecord, toJsonLine } from './render/json.js';
import { alertLine } from './render/line.js';
import { PrometheusMetrics, segmentLabel, type CaptureHealth } from './render/metrics.js';
import { LiveReport } from './report.js';
import { SteadyClock, type ClockSource, type ClockStep } from './steady-clock.js';

export const DEFAULT_LISTEN = '127.0.0.1:9712';
/**
 * libpcap's buffer timeout for the probe (`live` uses 10 ms): the kernel hands frames over in
 * blocks at most this late, so at 510 frames/s the probe wakes 10 times a second, not 100. Frames
 * keep their kernel timestamps; only alerts are up to this much later (BENCHMARKS.md, "monitor").
 */
const BUFFER_TIMEOUT_MS = 100;
/**
 * The probe's kernel ring (`live` keeps 32 MiB): the whole ring is resident once mapped. libpcap cuts
 * it into 256 KiB blocks and hands one over at least every BUFFER_TIMEOUT_MS, so 8 MiB holds 3 s of
 * a stalled event loop at VRRP rates and nearly 1 s of a 10 MB/s flood (BENCHMARKS.md, "monitor").
 */
export const MONITOR_BUFFER_BYTES = 8 << 20;
/** The fallback read of the ring (see capture/live.ts): a flapped link is read again within 1 s. */
const FALLBACK_POLL_MS = 1000;
/**
 * The analyzer is ticked when its next timer is due, not every 100 ms as in `live`, and to a time
 * this far behind now: a frame stamped before a deadline may still sit in a kernel block that is
 * not handed over yet, and must reach the analyzer before the tick that would call it missing.
 */
const TICK_LAG_MS = BUFFER_TIMEOUT_MS + 50;
/** Longest wait between ticks even when no timer is due (setTimeout's bound is far beyond it). */
const TICK_MAX_WAIT_MS = 60_000;
/** Reopen backoff: 1 s, doubling to 30 s. */
const BACKOFF_MIN_MS = 1000;
const BACKOFF_MAX_MS = 30_000;
/** Longest wait at stop for Alertmanager and the flight recorder. */
const STOP_WAIT_MS = 6000;

export interface MonitorOptions {
  ifaces: string[];
  listen: Listen;
  filterWords: string;
  promisc: boolean;
  /** Drop root to this user once everything is open; null keeps root. */
  user: string | null;
  bufferBytes?: number;
  authPass?: string;
  /** Event lines go here instead of stderr (reopened on SIGHUP). */
  logFile?: string;
  /** Alerts as NDJSON records, appended here (reopened on SIGHUP). */
  ndjsonFile?: string;
  /** Alertmanager base URL: alerts are posted to its v2 API. */
  alertmanager?: string;
  /** Flight recorder: a pcap around every critical alert. */
  evidence?: { dir: string; seconds: number; maxBytes: number };
  /** Test hook: the wall and monotonic clocks (steady-clock.ts); default the system's. */
  clock?: ClockSource;
  /** Test hook: opens a capture; default libpcap's openLive. A stepped clock must stamp its frames too. */
  openCapture?: (o: LiveOptions) => LiveCapture;
}

export interface Listen {
  host: string;
  port: number;
}

/** A configuration error: one line, exit 2. */
export class MonitorConfigError extends Error {
  override name = 'MonitorConfigError';
}

/** `[HOST]:PORT`: `:9712`, `127.0.0.1:9712`, `[::1]:9712`; no host means 127.0.0.1 (loopback only). */
export function parseListen(spec: string): Listen {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]*)):(\d{1,5})$/.exec(spec.trim());
  const bad = (why: string) => new MonitorConfigError(`invalid --listen "${escapeControls(spec)}": ${why} (expected [HOST]:PORT, e.g. 127.0.0.1:9712 or [::1]:9712)`);
  if (!m) throw bad('not HOST:PORT');
  const port = Number(m[3]);
  if (port > 65535) throw bad('port above 65535');
  const host = m[1] ?? (m[2] === '' ? '127.0.0.1' : m[2]);
  if (m[1] !== undefined && isIP(host) !== 6) throw bad(`"${host}" is not an IPv6 address`);
  if (m[2] !== undefined && m[2] !== '' && isIP(host) === 0 && !/^[a-zA-Z0-9.-]{1,253}$/.test(host)) throw bad(`"${host}" is not an address or host name`);
  return { host, port };
}

/**
 * The segment label of a capture: its interface. Where the interface shows several segments (a
 * trunk), each virtual router's label adds the analyzer's name of its segment (segmentLabel).
 */
export function segmentOf(iface: string): string {
  return iface;
}

/** Event lines (text) and alert records (NDJSON), each to stderr or a file reopened on SIGHUP. */
class EventLog {
  private logFd: number | null = null;
  private ndjsonFd: number | null = null;

  constructor(private readonly o: { logFile?: string; ndjsonFile?: string }) {
    this.reopen();
  }

  /** After logrotate moved the files: new files under the same names. */
  reopen(): void {
    this.logFd = this.swap(this.logFd, this.o.logFile);
    this.ndjsonFd = this.swap(this.ndjsonFd, this.o.ndjsonFile);
  }

  line(text: string): void {
    this.write(this.logFd ?? 2, `${new Date().toISOString()} vrrpscope: ${escapeControls(text)}\n`);
  }

  record(json: string): void {
    if (this.ndjsonFd !== null) this.write(this.ndjsonFd, json + '\n');
  }

  close(): void {
    for (const fd of [this.logFd, this.ndjsonFd]) if (fd !== null) fs.closeSync(fd);
    this.logFd = this.ndjsonFd = null;
  }

  private swap(fd: number | null, file: string | undefined): number | null {
    if (file === undefined) return null;
    const next = fs.openSync(file, 'a', 0o640);
    if (fd !== null) fs.closeSync(fd);
    return next;
  }

  private write(fd: number, s: string): void {
    try {
      fs.writeSync(fd, s);
    } catch {
      // A full disk or a closed stderr must not stop the capture; the metrics still tell.
    }
  }
}

/** One interface: its capture (reopened when lost), its pipeline and its capture health. */
class Probe {
  readonly segment: string;
  readonly pipeline: Pipeline;
  /** The HTML report of this interface's analysis, served at /report/IFACE. */
  readonly report: LiveReport;
  capture: LiveCapture | null = null;
  /** One per segment: alert ids are per analyzer. */
  readonly alertmanager: AlertmanagerSink | null;
  recorder: FlightRecorder | null = null;
  private recorderLinkType = -1;
  private readonly totals: LiveStats = { received: 0, dropped: 0, ifDropped: 0 };
  private reopens = 0;
  private gapSeconds = 0;
  /** Wall time the capture was lost, while it is being reopened. */
  private lostAtMs: number | null = null;
  private backoffMs = BACKOFF_MIN_MS;
  private retry: NodeJS.Timeout | null = null;
  private lastError = '';
  private opened = false;
  /** Inside one read of the ring (frames delivered together by one dispatch). */
  private reading = false;
  private readonly afterRead = (): void => {
    this.reading = false;
    this.onFrames();
  };
  stopped = false;
  readonly wantsEvidence: boolean;

  constructor(
    readonly iface: string,
    private readonly o: MonitorOptions,
    private readonly log: EventLog,
    onAlert: (p: Probe, a: Alert) => void,
    metrics: PrometheusMetrics,
    private readonly clock: SteadyClock,
    private readonly onFrames: () => void,
  ) {
    this.segment = segmentOf(iface);
    this.wantsEvidence = o.evidence !== undefined;
    this.alertmanager = o.alertmanager === undefined ? null : newAlertmanager(o.alertmanager, (line) => log.line(`${this.segment}: ${line}`));
    const localAddrs = interfaceAddresses(iface);
    const options = { authPass: o.authPass, defaultLiveFilter: o.filterWords.trim() === '', localAddrs };
    this.report = new LiveReport({ ...options, iface });
    this.pipeline = new Pipeline(
      options,
      null,
      (a) => {
        onAlert(this, a);
        this.report.alert(a);
      },
      (decoded) => {
        metrics.packet(this.segment, decoded, this.pipeline.analyzer.segmentName(decoded));
        this.report.packet(decoded);
      },
    );
    this.report.attach(this.pipeline);
    metrics.addSegment({
      segment: this.segment,
      iface,
      brief: () => onWallClock(this.pipeline.analyzer.brief(), clock),
      health: () => this.health(),
      claimedBy: (addr) => this.pipeline.analyzer.claimedBy(addr),
    });
  }

  /** Opens the capture; a failure is retried with backoff. Throws only for configuration errors. */
  open(): void {
    this.retry = null;
    if (this.stopped) return;
    let capture: LiveCapture;
    try {
      capture = (this.o.openCapture ?? openLive)({ iface: this.iface, filter: this.o.filterWords, promisc: this.o.promisc, bufferSize: this.o.bufferBytes ?? MONITOR_BUFFER_BYTES,
        bufferTimeoutMs: BUFFER_TIMEOUT_MS, fallbackPollMs: FALLBACK_POLL_MS, onFrame: (f) => {
          // The ring has the frame (with its wall-clock time, as a pcap wants) before the analysis
          // that may trigger on it; the analysis gets the time with the clock's steps taken out.
          this.recorder?.frame(f);
          if (!this.reading) {
            // Once per read of the ring, not per frame: the clocks, and the tick's timer after it.
            this.reading = true;
            this.clock.look();
            queueMicrotask(this.afterRead);
          }
          f.ts = this.clock.frameTs(f.ts);
          this.pipeline.frame(f);
        } });
    } catch (err) {
      if (err instanceof LiveCaptureError && (err.code === 'bad-filter' || err.code === 'bad-option' || err.code === 'binding-missing')) throw new MonitorConfigError(err.message);
      const text = err instanceof Error ? err.message : String(err);
      if (text !== this.lastError) this.log.line(`${this.iface}: ${text}; retrying every ${BACKOFF_MAX_MS / 1000} s at most`);
      this.lastError = text;
      this.lostAtMs ??= Date.now();
      this.scheduleRetry();
      return;
    }
    this.capture = capture;
    this.startRecorder(capture.linkType);
    this.lastError = '';
    this.backoffMs = BACKOFF_MIN_MS;
    if (this.opened) {
      this.reopens++;
      const gap = this.lostAtMs === null ? 0 : (Date.now() - this.lostAtMs) / 1000;
      this.gapSeconds += gap;
      this.log.line(`${this.iface}: capture reopened after ${gap.toFixed(1)} s without it, link type ${capture.linkType}`);
    } else {
      this.log.line(`${this.iface}: capturing (segment ${this.segment}), link type ${capture.linkType}`);
    }
    this.opened = true;
    this.lostAtMs = null;
    void capture.ended.then((end) => {
      this.addTotals(capture.stats());
      this.capture = null;
      if (this.stopped || end.reason === 'closed') return;
      this.lostAtMs = Date.now();
      const why = end.reason === 'gone' ? 'went away' : `failed (${end.error instanceof Error ? end.error.message : String(end.error)})`;
      this.log.line(`${this.iface}: capture ${why}; reopening`);
      this.scheduleRetry();
    });
  }

  health(): CaptureHealth {
    const now = this.capture?.stats() ?? { received: 0, dropped: 0, ifDropped: 0 };
    const gapNow = this.lostAtMs === null ? 0 : (Date.now() - this.lostAtMs) / 1000;
    return {
      up: this.capture !== null,
      received: this.totals.received + now.received,
      dropped: this.totals.dropped + now.dropped,
      ifDropped: this.totals.ifDropped + now.ifDropped,
      reopens: this.reopens,
      gapSeconds: this.gapSeconds + gapNow,
    };
  }

  /** Stops capturing; resolves once the sinks have delivered or written what they hold. */
  async close(): Promise<void> {
    this.stopped = true;
    if (this.retry) clearTimeout(this.retry);
    this.capture?.close();
    await Promise.all([this.recorder?.close(), this.alertmanager?.close()]);
  }

  private startRecorder(linkType: number): void {
    const e = this.o.evidence;
    if (!e || this.recorderLinkType === linkType) return;
    this.recorderLinkType = linkType;
    // A pcap has one link type; an interface that came back as another kind gets a new recorder.
    void this.recorder?.close();
    try {
      this.recorder = new FlightRecorder({ dir: e.dir, seconds: e.seconds, maxBytes: e.maxBytes, linkType, log: (line) => this.log.line(`${this.segment}: ${line}`) });
    } catch (err) {
      this.recorder = null;
      this.log.line(`${this.segment}: no flight recorder: ${(err as Error).message}`);
    }
  }

  private scheduleRetry(): void {
    if (this.stopped || this.retry) return;
    this.retry = setTimeout(() => this.safeOpen(), this.backoffMs);
    this.backoffMs = Math.min(this.backoffMs * 2, BACKOFF_MAX_MS);
  }

  private safeOpen(): void {
    try {
      this.open();
    } catch (err) {
      // A configuration error only shows at start; later it is one more failed attempt.
      this.log.line(`${this.iface}: ${(err as Error).message}`);
      this.scheduleRetry();
    }
  }

  private addTotals(s: LiveStats): void {
    this.totals.received += s.received;
    this.totals.dropped += s.dropped;
    this.totals.ifDropped += s.ifDropped;
  }
}

/** Runs until SIGTERM/SIGINT; resolves with the exit code. */
export async function runMonitor(o: MonitorOptions): Promise<number> {
  let log: EventLog;
  try {
    log = new EventLog(o);
  } catch (err) {
    return fail(`cannot open the log file: ${(err as Error).message}`);
  }
  if (o.evidence) {
    try {
      fs.mkdirSync(o.evidence.dir, { recursive: true });
      fs.accessSync(o.evidence.dir, fs.constants.W_OK);
    } catch (err) {
      return fail(`--evidence ${o.evidence.dir}: ${(err as Error).message}`);
    }
  }
  const metrics = new PrometheusMetrics();
  const clock = new SteadyClock((step) => log.line(stepLine(step)), o.clock);
  metrics.addScalar('vrrpscope_clock_steps_total', 'Steps of the wall clock (NTP, date -s) taken out of the analysis time.', 'counter', () => clock.steps);
  const onAlert = (p: Probe, analysed: Alert): void => {
    metrics.alert(p.segment, analysed);
    // Outside the analysis, an alert's time is on the wall clock of now.
    const a = clock.offsetS === 0 ? analysed : { ...analysed, ts: clock.toWall(analysed.ts) };
    // The segment as the metrics label it: the interface, and the VLAN on a trunk.
    const segment = segmentLabel(p.segment, a.segment);
    // A critical alert raised: the flight recorder writes what led to it and what follows.
    const evidence = a.status === 'raised' && a.severity === 'critical' ? p.recorder?.trigger({ ts: a.ts, segment, vrid: a.vrid, kind: a.kind }) ?? undefined : undefined;
    log.line(`${p.segment}: ${alertLine(a, MONO)}${evidence ? ` [evidence ${evidence}]` : ''}`);
    log.record(toJsonLine({ ...alertRecord(a), segment, ...(evidence ? { evidence } : {}) }));
    p.alertmanager?.alert(a, { segment, evidence, explain: a.status === 'cleared' ? undefined : explainFor(p, a) });
  };
  let probes: Probe[] = [];
  const ticker = new Ticker(() => probes, clock);
  try {
    probes = o.ifaces.map((iface) => new Probe(iface, o, log, onAlert, metrics, clock, ticker.arm));
  } catch (err) {
    if (!(err instanceof MonitorConfigError)) throw err;
    return fail(err.message);
  }
  addSinkMetrics(metrics, probes);

  const server = http.createServer((req, res) => void serve(req, res, metrics, probes));
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(o.listen.port, o.listen.host, () => resolve());
    });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'EADDRINUSE' ? 'address already in use' : code === 'EACCES' ? 'permission denied' : code === 'EADDRNOTAVAIL' ? 'no such local address' : (err as Error).message;
    return fail(`cannot listen on ${o.listen.host}:${o.listen.port}: ${why}`);
  }
  const addr = server.address();
  const where = typeof addr === 'object' && addr ? `${addr.family === 'IPv6' ? `[${addr.address}]` : addr.address}:${addr.port}` : `${o.listen.host}:${o.listen.port}`;

  try {
    for (const p of probes) p.open();
  } catch (err) {
    await Promise.all(probes.map((p) => p.close()));
    server.close();
    return fail((err as Error).message);
  }
  let who = ', keeping root (--no-drop-privileges)';
  if (o.user !== null) {
    try {
      const drop = dropPrivileges(o.user);
      who = drop.dropped ? `, running as ${drop.user} (reopening a lost interface then needs capabilities: see README)` : '';
    } catch (err) {
      await Promise.all(probes.map((p) => p.close()));
      server.close();
      return fail((err as Error).message);
    }
  }
  log.line(`started: ${o.ifaces.map(escapeControls).join(', ')}; metrics on http://${where}/metrics${who}`);

  ticker.arm();

  return new Promise<number>((resolve) => {
    let stopping = false;
    const stop = (sig: string): void => {
      if (stopping) return;
      stopping = true;
      ticker.stop();
      server.close();
      log.line(`stopping (${sig})`);
      // Queued alerts get one last attempt and evidence being written is completed, within bounds.
      const closed = Promise.all(probes.map((p) => p.close()));
      const bound = new Promise((r) => setTimeout(r, STOP_WAIT_MS).unref());
      void Promise.race([closed, bound]).then(() => {
        log.close();
        resolve(EXIT.OK);
      });
    };
    process.on('SIGTERM', () => stop('SIGTERM'));
    process.on('SIGINT', () => stop('SIGINT'));
    process.on('SIGHUP', () => {
      try {
        log.reopen();
        log.line('SIGHUP: log files reopened');
      } catch (err) {
        log.line(`SIGHUP: cannot reopen the log files: ${(err as Error).message}`);
      }
    });
  });
}

const INDEX = `vrrpscope monitor: a VRRP probe.
  /metrics         Prometheus metrics (README: "Metrics")
  /healthz         "ok" while the process runs
  /report/IFACE    the HTML report of an interface (as \`vrrpscope report\`), updated every second
`;

async function serve(req: http.IncomingMessage, res: http.ServerResponse, metrics: PrometheusMetrics, probes: Probe[]): Promise<void> {
  const path = (req.url ?? '/').split('?')[0];
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.writeHead(405, { Allow: 'GET, HEAD', 'Content-Type': 'text/plain' }).end('method not allowed\n');
    return;
  }
  if (path === '/metrics') {
    try {
      const body = await metrics.body();
      // 'close' comes once the response is sent or its connection is gone: the buffer is free then.
      res.on('close', body.done);
      res.writeHead(200, { 'Content-Type': metrics.contentType }).end(body.bytes);
    } catch (err) {
      res.writeHead(500, { 'Content-Type': 'text/plain' }).end(`metrics failed: ${(err as Error).message}\n`);
    }
  } else if (path === '/healthz') {
    res.writeHead(200, { 'Content-Type': 'text/plain' }).end('ok\n');
  } else if (path === '/') {
    const lines = probes.map((p) => `  ${escapeControls(p.iface)}: ${p.capture ? 'capturing' : 'reopening'}, report at /report/${encodeURIComponent(p.iface)}`).join('\n');
    res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8' }).end(`${INDEX}\nInterfaces:\n${lines}\n`);
  } else if (path.startsWith('/report/') && probes.some((p) => p.iface === safeDecode(path.slice('/report/'.length)))) {
    const probe = probes.find((p) => p.iface === safeDecode(path.slice('/report/'.length)))!;
    // The same page `live --listen` serves; it polls its own address for the next one.
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' }).end(probe.report.page(probe.health().dropped));
  } else {
    res.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found\n');
  }
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

function newAlertmanager(url: string, log: (line: string) => void): AlertmanagerSink {
  try {
    return new AlertmanagerSink({ url, log });
  } catch (err) {
    throw new MonitorConfigError((err as Error).message);
  }
}

/** The `--explain` diagnosis of the alert's virtual router, for Alertmanager's description. */
function explainFor(p: Probe, a: Alert): string | undefined {
  if (a.vrid === null) return undefined;
  const snap = p.pipeline.analyzer.snapshot();
  snap.vrids = snap.vrids.filter((v) => v.vrid === a.vrid && v.family === a.family && v.segment === (a.segment ?? null));
  return snap.vrids.length ? explainMarkdown(diagnose(snap)) : undefined;
}

/**
 * Ticks the analyzers when their next timer is due (plus TICK_LAG_MS), not every 100 ms: at steady
 * state frames run the timers themselves, and a quiet probe sleeps until something can happen.
 */
class Ticker {
  private timer: NodeJS.Timeout | null = null;
  /** The analysis time the timer is set for. */
  private armedTs = Infinity;
  private stopped = false;

  constructor(
    private readonly probes: () => Probe[],
    private readonly clock: SteadyClock,
  ) {}

  /** After frames or a tick: sets the timer earlier if a deadline now comes before it. */
  readonly arm = (): void => {
    let next = Infinity;
    for (const p of this.probes()) {
      const due = p.pipeline.analyzer.nextDeadline;
      if (due < next) next = due;
    }
    if (next >= this.armedTs || this.stopped) return;
    if (this.timer) clearTimeout(this.timer);
    this.armedTs = next;
    const waitMs = Math.min(Math.max((next - this.clock.now()) * 1000 + TICK_LAG_MS, 0), TICK_MAX_WAIT_MS);
    this.timer = setTimeout(this.fire, waitMs);
  };

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
  }

  private readonly fire = (): void => {
    this.timer = null;
    this.armedTs = Infinity;
    // Frames the kernel already handed over come first (libuv runs timers before reading sockets).
    for (const p of this.probes()) p.capture?.drain();
    const now = this.clock.now() - TICK_LAG_MS / 1000;
    for (const p of this.probes()) p.pipeline.analyzer.tick(now);
    this.arm();
  };
}

/** The log line of a clock step. */
export function stepLine(step: ClockStep): string {
  const how = step.seconds > 0 ? 'forward' : 'back';
  return `wall clock stepped ${how} by ${Math.abs(step.seconds).toFixed(3)} s (now ${new Date(step.wallTs * 1000).toISOString()}); analysis time kept continuous`;
}

/** A brief of the analysis (made for this scrape: changed in place) with its times on the wall clock. */
function onWallClock(brief: AnalyzerBrief, clock: SteadyClock): AnalyzerBrief {
  if (clock.offsetS === 0) return brief;
  for (const v of brief.vrids) {
    if (v.masterSince !== null) v.masterSince = clock.toWall(v.masterSince);
    v.lastAdvertTs = clock.toWall(v.lastAdvertTs);
    for (const r of v.routers) r.lastSeenTs = clock.toWall(r.lastSeenTs);
  }
  return brief;
}

function addSinkMetrics(metrics: PrometheusMetrics, probes: Probe[]): void {
  const each = (read: (p: Probe) => number | undefined) => () =>
    probes.flatMap((p) => {
      const value = read(p);
      return value === undefined ? [] : [{ segment: p.segment, value }];
    });
  if (probes.some((p) => p.alertmanager)) {
    metrics.addPerSegment('vrrpscope_alertmanager_sent_total', 'Alerts Alertmanager accepted.', 'counter', each((p) => p.alertmanager?.stats().sent));
    metrics.addPerSegment('vrrpscope_alertmanager_failed_total', 'Alerts Alertmanager refused.', 'counter', each((p) => p.alertmanager?.stats().failed));
    metrics.addPerSegment('vrrpscope_alertmanager_dropped_total', 'Alerts dropped from the full queue while Alertmanager was unreachable.', 'counter', each((p) => p.alertmanager?.stats().dropped));
    metrics.addPerSegment('vrrpscope_alertmanager_queued', 'Alerts waiting to be sent to Alertmanager.', 'gauge', each((p) => p.alertmanager?.stats().queued));
  }
  if (probes.some((p) => p.wantsEvidence)) {
    metrics.addPerSegment('vrrpscope_evidence_files', 'Evidence pcaps in the --evidence directory.', 'gauge', each((p) => p.recorder?.stats().files ?? 0));
    metrics.addPerSegment('vrrpscope_evidence_bytes', 'Bytes of evidence pcaps in the --evidence directory.', 'gauge', each((p) => p.recorder?.stats().bytes ?? 0));
    metrics.addPerSegment('vrrpscope_evidence_errors_total', 'Evidence that could not be written (full disk, unwritable directory).', 'counter', each((p) => p.recorder?.stats().errors ?? 0));
  }
}

function fail(message: string): number {
  process.stderr.write(`vrrpscope: ${escapeControls(message)}\n`);
  return EXIT.ERROR;
}
