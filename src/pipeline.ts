// The path every frame takes, shared by read, live and the dashboard:
// capture -> decode -> analyze -> render. Wiring only; no protocol logic lives here.
import { Analyzer, type AnalyzerSnapshot } from './analyze/analyzer.js';
import { ClockMatcher } from './analyze/clocks.js';
import { diagnose } from './analyze/diagnose.js';
import { severityAtLeast, type Alert, type Severity } from './analyze/alerts.js';
import { basename } from 'node:path';
import { readCapture, type FrameSkip } from './capture/file.js';
import { frameTime, type Frame } from './frame.js';
import { Decoder } from './decode/decoder.js';
import { skippable } from './decode/prefilter.js';
import type { Decoded, Packet } from './decode/types.js';
import { COLOR, MONO, type Palette } from './render/color.js';
import type { CaptureTotals } from './capture/types.js';
import { alertRecord, summaryRecord, toJsonLine, writePacketJson } from './render/json.js';
import { alertLine, writePacketLine, type LineOptions } from './render/line.js';
import type { Output } from './render/output.js';
import { explainMarkdown } from './render/explain.js';
import { summaryText } from './render/summary.js';

export const EXIT = { OK: 0, ALERTS: 1, ERROR: 2 } as const;

/** A segment's name as `--vrid N@SEGMENT` compares it: no spaces, lower case (`vlan20` is `vlan 20`). */
export function segmentKey(name: string): string {
  return name.replace(/\s+/g, '').toLowerCase();
}

export interface RunOptions {
  verbose?: boolean;
  json?: boolean;
  quiet?: boolean;
  vrid?: Set<number>;
  /**
   * `--vrid N@SEGMENT`: VRIDs of `vrid` picked on some segments only (their names as segmentKey
   * gives them); a VRID of `vrid` that is not here is picked on every segment.
   */
  vridSegments?: ReadonlyMap<number, ReadonlySet<string>>;
  count?: number;
  authPass?: string;
  failOn?: Severity;
  color?: boolean;
  /** Print a Markdown diagnosis per virtual router at the end (JSON: a `diagnosis` record). */
  explain?: boolean;
  /** Live capture with vrrpscope's default filter: ARP, NA, IGMP/MLD and ICMP would have been seen. */
  defaultLiveFilter?: boolean;
  /** Live: the capture interface's own addresses, so the diagnosis can speak of "this host". */
  localAddrs?: string[];
}

/** Feeds frames through decode and analysis and writes lines / NDJSON as they happen. */
export class Pipeline {
  readonly analyzer: Analyzer;
  private readonly out: Output | null;
  private readonly palette: Palette;
  /** Built once, not per packet. */
  private readonly lineOptions: LineOptions;
  /** Remembers recent frames: a repeated advert is not decoded again. */
  private readonly decoder = new Decoder();
  private shown = 0;
  frames = 0;
  firstTs: number | null = null;
  worstSeverity: Severity | null = null;
  /** True once -c N packets were shown or the reader of our output went away. */
  done = false;

  /**
   * `out` receives packet lines, alerts and the summary; `onAlert` (the dashboard) sees every alert too.
   * With no `out`, nothing is printed. `packetHook` (the HTML report) sees every selected packet
   * right after the analyzer did; the decoder may reuse the object, so it copies what it keeps.
   */
  constructor(
    private readonly o: RunOptions,
    out: Output | null,
    /** Every alert shown, with its virtual router's segment named even when it is the only one (null: none). */
    private readonly alertHook?: (a: Alert, segment: string | null) => void,
    /** Every selected frame once the analyzer has it (the HTML report, the monitor's metrics). */
    private readonly packetHook?: (decoded: Decoded) => void,
  ) {
    this.out = out;
    this.palette = o.color ? COLOR : MONO;
    this.lineOptions = { verbose: !!o.verbose, palette: this.palette };
    this.analyzer = new Analyzer({ authPass: o.authPass, defaultLiveFilter: o.defaultLiveFilter, onAlert: (a, segment) => this.onAlert(a, segment) });
    this.segmentFilter = o.vridSegments ?? null;
  }

  /**
   * For a file reader (ReadOptions.skip): frames decodeFrame would call 'other' are skipped in the
   * reader's chunk and reach skipped() with their time only.
   */
  readonly skip: FrameSkip = { test: skippable, onSkipped: (seconds, micros) => this.skipped(frameTime(seconds, micros)) };
  /** What frame() does with an 'other' packet, for a frame that was never built. */
  skipped(ts: number): void {
    this.frames++;
    if (this.firstTs === null) this.firstTs = ts;
    if (this.o.vrid) this.analyzer.tick(ts);
    else this.analyzer.other(ts);
  }

  frame(f: Frame): void {
    this.frames++;
    const decoded = this.decoder.decode(f);
    if (this.firstTs === null) this.firstTs = decoded.ts;
    const pkt = decoded.packet;
    if (!this.selected(pkt)) {
      if (pkt.kind !== 'vrrp') this.analyzer.tick(decoded.ts);
      return;
    }
    this.analyzer.ingest(decoded);
    if (this.segmentFilter !== null && !this.onPickedSegment(pkt)) return;
    this.packetHook?.(decoded);
    if (pkt.kind === 'other') return;
    const out = this.out;
    if (out && !this.o.quiet) {
      if (this.o.json) writePacketJson(out, decoded);
      else writePacketLine(out, decoded, this.lineOptions);
    }
    this.shown++;
    if ((this.o.count !== undefined && this.shown >= this.o.count) || out?.closed) this.done = true;
  }

  private selected(pkt: Packet): boolean {
    const want = this.o.vrid;
    if (!want) return true;
    if (pkt.kind === 'vrrp') return want.has(pkt.vrid);
    if (pkt.kind === 'carp') return want.has(pkt.vhid);
    if (pkt.kind === 'arp') return this.analyzer.claimedBy(pkt.senderIp).some((v) => want.has(v));
    if (pkt.kind === 'na') return this.analyzer.claimedBy(pkt.target).some((v) => want.has(v));
    return false;
  }

  private readonly segmentFilter: ReadonlyMap<number, ReadonlySet<string>> | null;

  /** `--vrid N@SEGMENT`: whether VRID `vrid` is picked on the segment named `segment`. */
  private picked(vrid: number, segment: string): boolean {
    const at = this.segmentFilter?.get(vrid);
    return at === undefined || at.has(segmentKey(segment));
  }

  /** The packet just ingested (a selected one) is of a picked VRID on its segment. */
  private onPickedSegment(pkt: Packet): boolean {
    const segment = this.analyzer.lastSegmentLabel();
    if (pkt.kind === 'vrrp') return this.picked(pkt.vrid, segment);
    if (pkt.kind === 'arp') return this.analyzer.claimedBy(pkt.senderIp).some((v) => this.picked(v, segment));
    if (pkt.kind === 'na') return this.analyzer.claimedBy(pkt.target).some((v) => this.picked(v, segment));
    // CARP is analysed by VHID alone, with no segment.
    return true;
  }

  /** Leaves in `snap` the virtual routers `--vrid` picked (all without it). */
  pickVrids(snap: AnalyzerSnapshot): void {
    const want = this.o.vrid;
    if (want) snap.vrids = snap.vrids.filter((v) => want.has(v.vrid) && this.picked(v.vrid, v.segmentLabel));
  }

  /** Notes for the user once the input is read (stderr), e.g. a segment --vrid names that the capture does not show. */
  readonly notes: string[] = [];

  private noteUnseenSegments(snap: AnalyzerSnapshot): void {
    const seen = [...new Set(snap.vrids.map((v) => v.segmentLabel))];
    const keys = new Set(seen.map(segmentKey));
    const asked = new Set([...this.segmentFilter!.values()].flatMap((s) => [...s]));
    for (const name of asked) {
      if (!keys.has(name)) this.notes.push(`--vrid names segment ${name}, which the capture does not show (its segments: ${seen.join(', ') || 'none'})`);
    }
  }

  private onAlert(a: Alert, segment: string | null): void {
    if (this.o.vrid && a.vrid !== null && !this.o.vrid.has(a.vrid)) return;
    if (segment !== null && a.vrid !== null && this.segmentFilter !== null && !this.picked(a.vrid, segment)) return;
    if (a.status !== 'cleared' && (this.worstSeverity === null || severityAtLeast(a.severity, this.worstSeverity))) {
      this.worstSeverity = a.severity;
    }
    this.alertHook?.(a, segment);
    this.out?.line(this.o.json ? toJsonLine(alertRecord(a)) : alertLine(a, this.palette));
  }

  /** End of input: last timer evaluation, then the summary. */
  finish(capture: Omit<CaptureTotals, 'frames'> = {}): void {
    this.analyzer.finish();
    const totals: CaptureTotals = { frames: this.frames, ...capture };
    const snap = this.analyzer.snapshot();
    if (this.segmentFilter !== null) this.noteUnseenSegments(snap);
    this.pickVrids(snap);
    const out = this.out;
    if (!out) return;
    const diagnoses = this.o.explain ? diagnose(snap, { live: this.o.localAddrs ? { localAddrs: this.o.localAddrs } : undefined }) : null;
    if (this.o.json) {
      if (diagnoses) out.line(toJsonLine({ type: 'diagnosis', vrids: diagnoses }));
      out.line(toJsonLine(summaryRecord(snap, totals, this.firstTs)));
    } else {
      out.write(summaryText(snap, totals, this.firstTs, this.palette));
      if (diagnoses) out.write('\n' + explainMarkdown(diagnoses));
    }
    out.flush();
  }

  exitCode(): number {
    const floor = this.o.failOn;
    return floor && this.worstSeverity && severityAtLeast(this.worstSeverity, floor) ? EXIT.ALERTS : EXIT.OK;
  }
}


/** Feeds one capture file through the pipeline until the file ends or the pipeline is done. */
/** A vantage point's default name: its file's name without the capture extensions. */
export function vantageName(file: string): string {
  return basename(file).replace(/(\.(pcapng|pcap|cap|gz|zst))+$/i, '');
}

/** One capture of several read together: the vantage point it was taken at, and its file. */
export interface Vantage {
  name: string;
  file: string;
}

/**
 * Several captures (one per vantage point) read together, merged in time order. Each frame is named
 * by its vantage (Frame.iface), so the analyzer tells the vantages apart and joins those that carry
 * the same adverts into one segment. The frames are held in memory for the merge. Before it, each
 * vantage's clock offset against the first is estimated from adverts seen at both (analyze/clocks.ts)
 * and its times are moved onto the first's clock, so the merge order and copies hold across clocks.
 * A capture that cannot be read is named in `errors` and the others are still analysed.
 */
export async function readVantages(pipeline: Pipeline, vantages: Vantage[], onError: (v: Vantage, err: unknown) => void): Promise<{ notes: string[] }> {
  const byVantage: Frame[][] = [];
  for (const v of vantages) {
    const frames: Frame[] = [];
    try {
      await readCapture(v.file, (f) => {
        frames.push({ ...f, data: f.data.slice(), iface: v.name });
      });
    } catch (err) {
      onError(v, err);
    }
    byVantage.push(frames);
  }
  // A capture that could not be read at all has no clock to speak of.
  const read = byVantage.map((_, i) => i).filter((i) => byVantage[i].length > 0);
  const clocks = new ClockMatcher(read.map((i) => vantages[i].name));
  read.forEach((i, at) => {
    const decoder = new Decoder();
    for (const f of byVantage[i]) clocks.add(at, decoder.decode(f));
  });
  const estimate = clocks.estimate();
  const offsetsS = byVantage.map((_, i) => estimate.offsetsS[read.indexOf(i)] ?? 0);
  pipeline.analyzer.vantageClocks(estimate.estimates);
  const frames: Frame[] = [];
  const spans: { name: string; first: number; last: number }[] = [];
  byVantage.forEach((own, i) => {
    const offset = offsetsS[i];
    let first = Infinity;
    let last = -Infinity;
    for (const f of own) {
      if (offset !== 0) f.ts -= offset;
      if (f.ts < first) first = f.ts;
      if (f.ts > last) last = f.ts;
      frames.push(f);
    }
    if (first <= last) spans.push({ name: vantages[i].name, first, last });
  });
  // Stable: frames of one instant keep their file's order, and the files' order among themselves.
  frames.sort((a, b) => a.ts - b.ts);
  for (const f of frames) {
    pipeline.frame(f);
    if (pipeline.done) break;
  }
  const notes: string[] = [];
  spans.sort((a, b) => a.first - b.first);
  for (let i = 1; i < spans.length; i++) {
    const before = spans[i - 1];
    if (spans[i].first > before.last) {
      notes.push(`${spans[i].name} starts after ${before.name} ends: the captures do not overlap, so they were read one after another`);
    }
  }
  return { notes };
}

export async function readInto(pipeline: Pipeline, file: string): Promise<void> {
  // The pipeline keeps nothing of a frame once it returns (the decoder copies time and record),
  // and frames it would only count are skipped in the reader (decode/prefilter.ts).
  await readCapture(file, (f) => {
    pipeline.frame(f);
    return !pipeline.done;
  }, { reuseFrame: true, skip: pipeline.skip });
}
