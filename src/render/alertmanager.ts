// Sends vrrpscope's alerts to Prometheus Alertmanager (API v2, `POST /api/v2/alerts`), so one
// Alertmanager routes, groups and deduplicates the findings of many probes. A sink of the same
// analysis: it sees the Analyzer's alerts through the Pipeline's alert hook, nothing else.
//
// Alertmanager's contract (https://prometheus.io/docs/alerting/latest/clients/): a client re-sends
// every firing alert periodically; an alert whose `endsAt` has passed is resolved. So open alerts
// are re-sent every `resendMs` with `endsAt` three periods ahead (two lost re-sends, or a probe
// that died, resolve it after that), and a cleared alert is sent once with `endsAt` = its clear time.
//
// The probe must never wait on Alertmanager: alert() only queues; one POST is in flight at a time;
// an unreachable server keeps alerts queued (bounded, oldest dropped) and is retried with backoff.

import type { Alert } from '../analyze/alerts.js';
import { escapeControls } from './escape.js';

export interface AlertmanagerOptions {
  /** Base URL of Alertmanager, e.g. http://alertmanager:9093 (the path /api/v2/alerts is added). */
  url: string;
  /** Static labels on every alert (e.g. `instance`). Names must be Prometheus label names. */
  labels?: Record<string, string>;
  /** Re-send period for open alerts; default 60 s. */
  resendMs?: number;
  /** Most alerts held while Alertmanager is unreachable; default 1000. Oldest are dropped first. */
  maxQueue?: number;
  /** One line per change of delivery state (not per retry). */
  log?: (line: string) => void;
}

export interface AlertExtra {
  /** `--explain` text for the alert's virtual router (the `description` annotation). */
  explain?: string;
  /** Path of the flight recorder's pcap for this alert (the `evidence` annotation). */
  evidence?: string;
  /** L2 segment the alert belongs to (capture interface, VLANs): the `segment` label. */
  segment?: string;
}

/** One alert as Alertmanager's v2 API takes it (postableAlert). */
export interface PostableAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  endsAt: string;
  generatorURL?: string;
}

export interface AlertmanagerStats {
  /** Alerts Alertmanager accepted (2xx). */
  sent: number;
  /** Alerts Alertmanager refused (non-2xx answer); not retried: the next re-send carries open ones again. */
  failed: number;
  /** Alerts waiting to be sent. */
  queued: number;
  /** Alerts dropped from a full queue. */
  dropped: number;
}

const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const LABEL_VALUE_MAX = 128;
const ANNOTATION_MAX = 4096;
const REQUEST_TIMEOUT_MS = 5000;
const BATCH_MAX = 100;
const BACKOFF_FIRST_MS = 1000;
/** One-off alerts (status `event`: master-change, ...) stay firing this long, then resolve themselves. */
export const EVENT_HOLD_MS = 5 * 60_000;

/** Wire text in a label: no control characters, bounded length. */
function labelValue(s: string): string {
  const v = escapeControls(s);
  return v.length > LABEL_VALUE_MAX ? v.slice(0, LABEL_VALUE_MAX - 1) + '…' : v;
}

function annotation(s: string): string {
  const v = escapeControls(s);
  return v.length > ANNOTATION_MAX ? v.slice(0, ANNOTATION_MAX - 1) + '…' : v;
}

/** Where alerts are posted for a base URL; throws a one-line reason for a URL that cannot be one. */
export function alertmanagerEndpoint(url: string): string {
  let base: URL;
  try {
    base = new URL(url);
  } catch {
    throw new Error(`--alertmanager: not a URL: ${escapeControls(url)}`);
  }
  if (base.protocol !== 'http:' && base.protocol !== 'https:') throw new Error(`--alertmanager: not an http(s) URL: ${escapeControls(url)}`);
  return base.href.replace(/\/+$/, '') + '/api/v2/alerts';
}

/** A time Alertmanager reads; a time no Date can hold (a corrupt capture's) becomes now rather than an exception. */
function iso(ms: number): string {
  const d = new Date(ms);
  return Number.isNaN(d.getTime()) ? new Date().toISOString() : d.toISOString();
}

interface OpenAlert {
  body: PostableAlert;
}

type Delivery = 'ok' | 'unreachable' | 'refused';

export class AlertmanagerSink {
  private readonly endpoint: string;
  private readonly staticLabels: Record<string, string>;
  private readonly resendMs: number;
  private readonly maxQueue: number;
  private readonly log: (line: string) => void;
  /**
   * Open (raised, not yet cleared) alerts, re-sent every resendMs, by segment and alert id: alert
   * ids are unique per Analyzer, so one sink serves several (one per segment) when each alert
   * comes with its segment.
   */
  private readonly open = new Map<string, OpenAlert>();
  /** Waiting to be sent, oldest first; keyed so a re-send replaces the queued copy of the same alert. */
  private readonly queue = new Map<string, PostableAlert>();
  private readonly counts = { sent: 0, failed: 0, dropped: 0 };
  private inFlight: Promise<void> | null = null;
  private retryTimer: NodeJS.Timeout | null = null;
  private backoffMs = 0;
  private readonly resendTimer: NodeJS.Timeout;
  private state: Delivery = 'ok';
  private closed = false;

  constructor(opts: AlertmanagerOptions) {
    this.endpoint = alertmanagerEndpoint(opts.url);
    for (const name of Object.keys(opts.labels ?? {})) {
      if (!LABEL_NAME.test(name)) throw new Error(`--alertmanager: not a label name: ${name}`);
    }
    this.staticLabels = Object.fromEntries(Object.entries(opts.labels ?? {}).map(([k, v]) => [k, labelValue(v)]));
    this.resendMs = opts.resendMs ?? 60_000;
    this.maxQueue = opts.maxQueue ?? 1000;
    if (!(this.resendMs > 0)) throw new RangeError(`resendMs must be positive: ${this.resendMs}`);
    if (!(this.maxQueue >= 1)) throw new RangeError(`maxQueue must be at least 1: ${this.maxQueue}`);
    this.log = opts.log ?? (() => {});
    this.resendTimer = setInterval(() => this.resend(), this.resendMs);
    this.resendTimer.unref();
  }

  /**
   * Queues the alert for Alertmanager; never blocks and never throws on delivery problems. A
   * cleared alert comes with the same `segment` as when it was raised (its id is per Analyzer).
   */
  alert(a: Alert, extra: AlertExtra = {}): void {
    if (this.closed) return;
    const now = Date.now();
    const key = `${extra.segment ?? ''}\0${a.id}`;
    if (a.status === 'cleared') {
      const known = this.open.get(key);
      this.open.delete(key);
      const body = known?.body ?? this.body(a, extra);
      // Resolved at the clear time; never before it was raised (Alertmanager would refuse it).
      const endsAt = iso(Math.max(a.ts * 1000, Date.parse(body.startsAt)));
      this.enqueue(`a${key}`, { ...body, endsAt });
    } else if (a.status === 'raised') {
      const body = this.body(a, extra);
      body.endsAt = iso(Math.max(now, a.ts * 1000) + 3 * this.resendMs);
      this.open.set(key, { body });
      this.enqueue(`a${key}`, body);
    } else {
      const body = this.body(a, extra);
      body.endsAt = iso(Math.max(now, a.ts * 1000) + EVENT_HOLD_MS);
      this.enqueue(`e${key}`, body);
    }
    this.pump();
  }

  stats(): AlertmanagerStats {
    return { ...this.counts, queued: this.queue.size };
  }

  /** Stops re-sending; waits for the POST in flight and makes one last attempt at what is queued. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.resendTimer);
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    await this.inFlight;
    if (this.queue.size > 0 && this.state === 'ok') await this.send();
  }

  private body(a: Alert, extra: AlertExtra): PostableAlert {
    const labels: Record<string, string> = { ...this.staticLabels, alertname: a.kind, severity: a.severity };
    // Alertmanager treats an empty label as absent, so labels without a value are left out.
    if (extra.segment) labels.segment = labelValue(extra.segment);
    if (a.vrid !== null) labels.vrid = String(a.vrid);
    if (a.family !== null) labels.family = a.family;
    const annotations: Record<string, string> = { summary: annotation(a.message) };
    if (extra.explain) annotations.description = annotation(extra.explain);
    if (extra.evidence) annotations.evidence = annotation(extra.evidence);
    return { labels, annotations, startsAt: iso(a.ts * 1000), endsAt: '' };
  }

  private enqueue(key: string, body: PostableAlert): void {
    this.queue.delete(key); // re-inserting makes it the newest
    this.queue.set(key, body);
    while (this.queue.size > this.maxQueue) {
      const oldest = this.queue.keys().next().value as string;
      this.queue.delete(oldest);
      this.counts.dropped++;
    }
  }

  private resend(): void {
    const endsAt = iso(Date.now() + 3 * this.resendMs);
    for (const [key, o] of this.open) {
      o.body = { ...o.body, endsAt };
      this.enqueue(`a${key}`, o.body);
    }
    this.pump();
  }

  /** Starts a POST unless one is in flight or a retry is waiting. */
  private pump(): void {
    if (this.inFlight || this.retryTimer || this.queue.size === 0) return;
    this.inFlight = this.send().finally(() => {
      this.inFlight = null;
      if (!this.closed && !this.retryTimer && this.queue.size > 0) this.pump();
    });
  }

  private async send(): Promise<void> {
    const batch: [string, PostableAlert][] = [];
    for (const entry of this.queue) {
      batch.push(entry);
      if (batch.length >= BATCH_MAX) break;
    }
    for (const [key] of batch) this.queue.delete(key);
    let status: number;
    try {
      const res = await fetch(this.endpoint, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(batch.map(([, b]) => b)),
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
      status = res.status;
      await res.body?.cancel().catch(() => {});
    } catch (err) {
      // Put the batch back in front of anything queued since, unless newer copies replaced it.
      const newer = [...this.queue];
      this.queue.clear();
      for (const [key, body] of batch) this.queue.set(key, body);
      for (const [key, body] of newer) this.enqueue(key, body);
      this.setState('unreachable', `alertmanager ${this.endpoint} unreachable (${describe(err)}); queueing alerts and retrying`);
      this.scheduleRetry();
      return;
    }
    this.backoffMs = 0;
    if (status >= 200 && status < 300) {
      this.counts.sent += batch.length;
      this.setState('ok', `alertmanager ${this.endpoint} accepts alerts again; ${this.queue.size} still queued`);
    } else {
      this.counts.failed += batch.length;
      this.setState('refused', `alertmanager ${this.endpoint} refused ${batch.length} alerts (HTTP ${status}); open alerts are sent again every ${this.resendMs / 1000} s`);
    }
  }

  private scheduleRetry(): void {
    if (this.closed) return;
    this.backoffMs = Math.min(this.backoffMs ? this.backoffMs * 2 : BACKOFF_FIRST_MS, this.resendMs);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      this.pump();
    }, this.backoffMs);
    this.retryTimer.unref();
  }

  private setState(next: Delivery, line: string): void {
    if (next === this.state) return;
    this.state = next;
    this.log(line);
  }
}

function describe(err: unknown): string {
  const e = err as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (e?.name === 'TimeoutError') return `no answer in ${REQUEST_TIMEOUT_MS / 1000} s`;
  return e?.cause?.code ?? e?.cause?.message ?? e?.message ?? String(err);
}

/**
 * The Pipeline's alert hook for a sink: `new Pipeline(o, out, alertmanagerHook(sink, { segment }))`.
 * `extra` may be a function to give per-alert annotations (the evidence path, the explain text).
 */
export function alertmanagerHook(sink: AlertmanagerSink, extra: AlertExtra | ((a: Alert) => AlertExtra) = {}): (a: Alert) => void {
  return (a) => sink.alert(a, typeof extra === 'function' ? extra(a) : extra);
}
