#!/usr/bin/env node
// Wiring only: capture -> decode -> analyze -> render. No protocol logic lives here.
import { Command, InvalidArgumentError, Option } from 'commander';
import { Analyzer } from './analyze/analyzer.js';
import { severityAtLeast, type Alert, type Severity } from './analyze/alerts.js';
import { readCapture } from './capture/file.js';
import { CaptureError, type Frame } from './capture/types.js';
import { decodeFrame } from './decode/index.js';
import type { Packet } from './decode/types.js';
import { COLOR, MONO, wantColor, type Palette } from './render/color.js';
import { escapeControls } from './render/escape.js';
import { alertRecord, packetRecord, summaryRecord, toJsonLine, type CaptureTotals } from './render/json.js';
import { alertLine, packetLine } from './render/line.js';
import { Output } from './render/output.js';
import { summaryText } from './render/summary.js';

export const EXIT = { OK: 0, ALERTS: 1, ERROR: 2 } as const;

export interface RunOptions {
  verbose?: boolean;
  json?: boolean;
  quiet?: boolean;
  vrid?: Set<number>;
  count?: number;
  authPass?: string;
  failOn?: Severity;
  color?: boolean;
}

/** Feeds frames through decode and analysis and writes lines / NDJSON as they happen. */
export class Pipeline {
  readonly analyzer: Analyzer;
  private readonly out: Output;
  private readonly palette: Palette;
  private shown = 0;
  frames = 0;
  firstTs: number | null = null;
  worstSeverity: Severity | null = null;
  /** True once -c N packets were shown or the reader of our output went away. */
  done = false;

  constructor(private readonly o: RunOptions, out: Output) {
    this.out = out;
    this.palette = o.color ? COLOR : MONO;
    this.analyzer = new Analyzer({ authPass: o.authPass, onAlert: (a) => this.onAlert(a) });
  }

  frame(f: Frame): void {
    this.frames++;
    const pkt = decodeFrame(f);
    if (this.firstTs === null) this.firstTs = pkt.ts;
    if (!this.selected(pkt)) {
      if (pkt.kind !== 'vrrp') this.analyzer.tick(pkt.ts);
      return;
    }
    this.analyzer.ingest(pkt);
    if (pkt.kind === 'other') return;
    if (!this.o.quiet) {
      if (this.o.json) {
        const rec = packetRecord(pkt);
        if (rec) this.out.line(toJsonLine(rec));
      } else {
        const line = packetLine(pkt, { verbose: !!this.o.verbose, palette: this.palette });
        if (line !== null) this.out.line(line);
      }
    }
    this.shown++;
    if ((this.o.count !== undefined && this.shown >= this.o.count) || this.out.closed) this.done = true;
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

  private onAlert(a: Alert): void {
    if (this.o.vrid && a.vrid !== null && !this.o.vrid.has(a.vrid)) return;
    if (a.status !== 'cleared' && (this.worstSeverity === null || severityAtLeast(a.severity, this.worstSeverity))) {
      this.worstSeverity = a.severity;
    }
    this.out.line(this.o.json ? toJsonLine(alertRecord(a)) : alertLine(a, this.palette));
  }

  /** End of input: last timer evaluation, then the summary. */
  finish(capture: Omit<CaptureTotals, 'frames'> = {}): void {
    this.analyzer.finish();
    const totals: CaptureTotals = { frames: this.frames, ...capture };
    const snap = this.analyzer.snapshot();
    if (this.o.vrid) snap.vrids = snap.vrids.filter((v) => this.o.vrid!.has(v.vrid));
    if (this.o.json) this.out.line(toJsonLine(summaryRecord(snap, totals, this.firstTs)));
    else this.out.write(summaryText(snap, totals, this.firstTs, this.palette));
    this.out.flush();
  }

  exitCode(): number {
    const floor = this.o.failOn;
    return floor && this.worstSeverity && severityAtLeast(this.worstSeverity, floor) ? EXIT.ALERTS : EXIT.OK;
  }
}

function fail(message: string): never {
  process.stderr.write(`vrrpscope: ${escapeControls(message)}\n`);
  process.exit(EXIT.ERROR);
}

function parseVrids(spec: string): Set<number> {
  const set = new Set<number>();
  for (const part of spec.split(',')) {
    const m = /^\s*(\d+)\s*(?:-\s*(\d+)\s*)?$/.exec(part);
    if (!m) throw new InvalidArgumentError(`"${part}" is not a VRID or a range like 1-20`);
    const lo = Number(m[1]);
    const hi = m[2] === undefined ? lo : Number(m[2]);
    if (lo < 0 || hi > 255 || lo > hi) throw new InvalidArgumentError(`VRIDs are 0-255 (got "${part}")`);
    for (let v = lo; v <= hi; v++) set.add(v);
  }
  return set;
}

function parseCount(s: string): number {
  const n = Number(s);
  if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError('must be a positive whole number');
  return n;
}

async function runRead(file: string, o: RunOptions): Promise<number> {
  const out = new Output(1);
  const pipeline = new Pipeline(o, out);
  let error: CaptureError | null = null;
  try {
    await readCapture(file, (f) => {
      pipeline.frame(f);
      return !pipeline.done;
    });
  } catch (err) {
    if (!(err instanceof CaptureError)) throw err;
    error = err;
  }
  if (!out.closed) pipeline.finish();
  if (error) {
    process.stderr.write(`vrrpscope: ${escapeControls(error.message)}\n`);
    return EXIT.ERROR;
  }
  return pipeline.exitCode();
}

const EXIT_HELP = `
Exit codes:
  0  finished; no alert at or above --fail-on
  1  an alert at or above --fail-on was raised
  2  usage error, unreadable or broken capture file, or capture error`;

export function buildProgram(): Command {
  const program = new Command('vrrpscope')
    .description('VRRP protocol analyzer: who is master of each virtual router, and what is wrong')
    .version('0.1.0')
    .addHelpText('after', EXIT_HELP)
    .showHelpAfterError()
    .exitOverride((err) => process.exit(err.exitCode === 0 ? 0 : EXIT.ERROR));

  const common = (cmd: Command) =>
    cmd
      .option('-v, --verbose', 'show MACs, TTL, checksum variant and VMAC status')
      .option('--json', 'NDJSON output: one record per packet, alert and the summary')
      .option('-q, --quiet', 'no per-packet lines: only alerts and the summary')
      .option('--vrid <list>', 'only these VRIDs, e.g. 51,52 or 1-20', parseVrids)
      .option('-c, --count <n>', 'stop after N packets', parseCount)
      .option('--auth-pass <password>', 'expected VRRPv2 password: other passwords raise auth-mismatch')
      .addOption(new Option('--fail-on <severity>', 'exit 1 when an alert at or above this severity is raised').choices(['critical', 'warning', 'info']))
      .option('--no-color', 'no ANSI colours (also NO_COLOR=1)');

  common(program.command('read').argument('<file>', 'pcap or pcapng file, - for standard input'))
    .description('analyse a capture file')
    .addHelpText('after', EXIT_HELP)
    .action(async (file: string, opts: Record<string, unknown>) => {
      const o: RunOptions = {
        verbose: !!opts.verbose,
        json: !!opts.json,
        quiet: !!opts.quiet,
        vrid: opts.vrid as Set<number> | undefined,
        count: opts.count as number | undefined,
        authPass: opts.authPass as string | undefined,
        failOn: opts.failOn as Severity | undefined,
        color: !opts.json && wantColor(!!process.stdout.isTTY, opts.color === false, process.env),
      };
      process.exitCode = await runRead(file, o);
    });

  return program;
}

async function main(): Promise<void> {
  try {
    await buildProgram().parseAsync(process.argv);
  } catch (err) {
    // A bug, not bad input: still one line, with a hint to report it.
    const e = err as Error;
    fail(`internal error: ${e?.message ?? String(err)} (please report this with the capture file)`);
  }
}

void main();
