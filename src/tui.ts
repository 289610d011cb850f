// Wiring for the dashboard: replaying a capture file in packet time (`read FILE --tui`) and the
// entry point `live` uses. Frames go through the same Pipeline as text output; the dashboard only
// reads analyzer snapshots. No protocol logic lives here.
import { basename } from 'node:path';
import { readCapture } from './capture/file.js';
import { CaptureError } from './capture/types.js';
import { type Frame } from './frame.js';
import { EXIT, Pipeline, type RunOptions } from './pipeline.js';
import { COLOR, MONO } from './render/color.js';
import { Dashboard, type DashboardFeed } from './render/dashboard.js';
import type { StatusInfo } from './render/dashboard/panels.js';
import { escapeControls } from './render/escape.js';
import type { CaptureTotals } from './capture/types.js';
import { summaryText } from './render/summary.js';
import { diagnose } from './analyze/diagnose.js';
import type { DetailExtras } from './render/dashboard/panels.js';
import { diagnosisBrief } from './render/explain.js';

/** The detail view shows the same diagnosis as --explain, for the selected virtual router. */
export function diagnosisExtras(localAddrs?: string[]): DetailExtras {
  return {
    diagnosis: (v, snap) => {
      const d = diagnose({ ...snap, vrids: [v] }, { live: localAddrs ? { localAddrs } : undefined })[0];
      // Compact: what --explain concludes and advises; the evidence is in the sections below.
      return d ? diagnosisBrief(d) : [];
    },
  };
}

export interface TuiOptions {
  /** Replay speed: 1 = real time, 10 = ten times faster, 0 = as fast as possible. */
  speed: number;
  /** No colour in the dashboard (also NO_COLOR, --no-color). */
  mono: boolean;
}

export { parseSpeed } from './replay-speed.js';

/** Why the dashboard cannot run here, or null: it needs a terminal for both keys and screen. */
export function terminalProblem(): string | null {
  return process.stdout.isTTY && process.stdin.isTTY ? null : 'the dashboard needs a terminal (stdin and stdout are not both a tty)';
}

/** Longest stretch of synchronous work in --speed max before keys and the screen get a turn. */
const BATCH_MS = 15;
/** Packet time advances (and the analyzer is ticked) at least this often while playing. */
const PLAY_STEP_MS = 50;

/**
 * `vrrpscope read FILE --tui`: loads the capture, sorts it into packet-time order and plays it
 * into the dashboard at `speed`. Resolves with the exit code once the user quits (or on SIGTERM),
 * after the terminal is restored and the summary printed.
 */
export async function runReplayTui(file: string, o: RunOptions & TuiOptions): Promise<number> {
  if (file === '-') return usageError('--tui cannot replay standard input: the keyboard needs it; give a file name');
  const problem = terminalProblem();
  if (problem) return usageError(problem);

  const frames: Frame[] = [];
  let loadError: string | null = null;
  try {
    await readCapture(file, (f) => {
      // The reader's buffer is reused for the next chunk: keep a copy of every frame.
      frames.push({ ...f, data: f.data.slice() });
    });
  } catch (err) {
    if (err instanceof CaptureError) loadError = err.message;
    else if ((err as NodeJS.ErrnoException).code) return usageError(`${file}: ${(err as Error).message}`);
    else throw err;
  }
  // Captures merged from several interfaces (or written by a buggy tool) can step back in time; the
  // analyzer needs packet time to run forward. The sort is stable, so equal times keep file order.
  frames.sort((a, b) => a.ts - b.ts);

  const pipeline = new Pipeline(o, null);
  const player = new Player(frames, pipeline, o.speed);
  const mono = o.mono || o.color === false || !!process.env.NO_COLOR;
  const feed: DashboardFeed = {
    snapshot: () => pipeline.analyzer.snapshot(),
    revision: () => `${pipeline.frames}:${pipeline.analyzer.now}:${player.ended}`,
    status: (): StatusInfo => ({
      source: basename(file),
      filter: o.vrid ? `vrid ${vridRanges(o.vrid)}` : null,
      packets: pipeline.frames,
      drops: null,
      elapsedS: player.elapsedS(),
      replay: {
        position: player.position,
        total: frames.length,
        speed: o.speed,
        paused: player.paused,
        ended: player.ended,
        spanS: frames.length ? frames[frames.length - 1].ts - frames[0].ts : 0,
      },
      note: loadError ? `file cut short: ${loadError}` : null,
    }),
  };

  return new Promise<number>((resolve) => {
    let dashboard: Dashboard | null = null;
    let quitting = false;
    const session = guardTerminal(() => dashboard?.destroy(), () => quit());
    // `q` and a signal can both arrive: the summary is printed once.
    function quit(): void {
      if (quitting) return;
      quitting = true;
      player.stop();
      session.release();
      dashboard?.destroy();
      pipeline.analyzer.finish();
      printSummary(pipeline, { frames: pipeline.frames }, o, mono);
      if (loadError) process.stderr.write(`vrrpscope: ${escapeControls(loadError)}\n`);
      resolve(loadError ? EXIT.ERROR : pipeline.exitCode());
    }
    dashboard = new Dashboard({
      feed,
      mono,
      replay: { togglePause: () => player.togglePause(), step: () => player.step() },
      onQuit: quit,
      extras: diagnosisExtras(),
    });
    player.start();
  });
}

/**
 * Plays frames into the pipeline in packet time. Replay time runs at `speed` times wall time from
 * the moment of the last (re)start; between packets the analyzer is ticked so timed alerts such as
 * a missed advert fire at their packet-time deadline, exactly as they would live.
 */
class Player {
  /** Frames delivered so far. */
  position = 0;
  paused = false;
  ended = false;
  /** Replay (packet) time now. */
  private nowTs: number;
  private baseTs: number;
  private baseWallMs = 0;
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;

  constructor(
    private readonly frames: Frame[],
    private readonly pipeline: Pipeline,
    private readonly speed: number,
  ) {
    this.nowTs = frames.length ? frames[0].ts : 0;
    this.baseTs = this.nowTs;
  }

  start(): void {
    this.baseWallMs = performance.now();
    this.schedule(0);
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  elapsedS(): number {
    return this.frames.length ? this.nowTs - this.frames[0].ts : 0;
  }

  togglePause(): void {
    if (this.ended) return;
    this.paused = !this.paused;
    if (!this.paused) {
      this.baseTs = this.nowTs;
      this.baseWallMs = performance.now();
      this.schedule(0);
    }
  }

  /** Right arrow: pause, then deliver exactly the next packet. */
  step(): void {
    if (this.ended) return;
    this.paused = true;
    this.deliver(this.position);
    this.checkEnd();
  }

  private schedule(ms: number): void {
    if (this.stopped || this.ended) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => this.pump(), ms);
  }

  private pump(): void {
    this.timer = null;
    if (this.stopped || this.paused || this.ended) return;
    if (this.speed === 0) {
      const until = performance.now() + BATCH_MS;
      while (this.position < this.frames.length && !this.pipeline.done && performance.now() < until) this.deliver(this.position);
      if (!this.checkEnd()) setImmediate(() => this.pump());
      return;
    }
    const targetTs = this.baseTs + ((performance.now() - this.baseWallMs) / 1000) * this.speed;
    while (this.position < this.frames.length && !this.pipeline.done && this.frames[this.position].ts <= targetTs) {
      this.deliver(this.position);
    }
    if (this.checkEnd()) return;
    // Replay time between packets: tick up to the next packet, never past it (time only runs forward).
    const nextTs = this.frames[this.position].ts;
    if (targetTs > this.nowTs) {
      this.nowTs = Math.min(targetTs, nextTs);
      this.pipeline.analyzer.tick(this.nowTs);
    }
    const dueMs = ((nextTs - this.nowTs) / this.speed) * 1000;
    this.schedule(Math.max(0, Math.min(PLAY_STEP_MS, dueMs)));
  }

  private deliver(i: number): void {
    const f = this.frames[i];
    if (!f) return;
    this.pipeline.frame(f);
    this.position = i + 1;
    if (f.ts > this.nowTs) this.nowTs = f.ts;
  }

  /** After the last packet (or -c N): final timer evaluation at the last packet's time, nothing invented after it. */
  private checkEnd(): boolean {
    if (this.ended) return true;
    if (this.position < this.frames.length && !this.pipeline.done) return false;
    this.ended = true;
    this.paused = false;
    this.pipeline.analyzer.finish();
    return true;
  }
}

export interface LiveTuiOptions {
  /** The capture interface's own addresses: the diagnosis can then speak of "this host". */
  localAddrs?: string[];
  /** Interface name for the status bar. */
  iface: string;
  /** Capture filter for the status bar ('' for none). */
  filter: string;
  /** The pipeline the live capture feeds (constructed with out = null, so nothing is printed). */
  pipeline: Pipeline;
  /** libpcap counters, or null when the capture cannot tell. */
  stats: () => { received: number; dropped: number; ifDropped: number } | null;
  mono: boolean;
  /**
   * `q`, Ctrl-C, SIGINT, SIGTERM, SIGHUP: stop the capture, then call close(), which restores the
   * terminal and prints the summary.
   */
  onQuit: () => void;
}

/**
 * The dashboard for `vrrpscope live`. The caller owns the capture: it pushes frames into
 * `pipeline` and ticks `pipeline.analyzer` with wall time (the "seen" column counts up from those
 * ticks). close() tears the dashboard down and prints the session summary; it is idempotent.
 */
export function startLiveTui(opts: LiveTuiOptions): { close(): void } {
  const { pipeline } = opts;
  const startedMs = Date.now();
  const mono = opts.mono || !!process.env.NO_COLOR;
  const feed: DashboardFeed = {
    snapshot: () => pipeline.analyzer.snapshot(),
    revision: () => `${pipeline.frames}:${pipeline.analyzer.now}`,
    status: (): StatusInfo => {
      const s = opts.stats();
      return {
        source: opts.iface,
        filter: opts.filter || null,
        packets: pipeline.frames,
        drops: s ? { dropped: s.dropped, ifDropped: s.ifDropped } : null,
        elapsedS: (Date.now() - startedMs) / 1000,
        replay: null,
        note: null,
      };
    },
  };
  let closed = false;
  let dashboard: Dashboard | null = null;
  const session = guardTerminal(() => dashboard?.destroy(), () => opts.onQuit());
  dashboard = new Dashboard({ feed, mono, onQuit: () => opts.onQuit(), extras: diagnosisExtras(opts.localAddrs) });
  return {
    close(): void {
      if (closed) return;
      closed = true;
      session.release();
      dashboard?.destroy();
      pipeline.analyzer.finish();
      const s = opts.stats();
      printSummary(pipeline, { frames: pipeline.frames, ...(s ?? {}) }, { color: !mono }, mono);
    },
  };
}

/**
 * Whatever ends the process, the terminal comes back: signals quit the normal way (so the summary
 * is still printed), and an exception tears the screen down before the error is reported.
 * blessed installs its own handlers too, but they step aside when others are present.
 */
function guardTerminal(teardown: () => void, quit: () => void): { release(): void } {
  const onSignal = (): void => quit();
  const onException = (err: unknown): void => {
    try {
      teardown();
    } finally {
      const e = err as Error;
      process.stderr.write(`vrrpscope: internal error: ${escapeControls(e?.stack ?? String(err))}\n`);
      process.exit(EXIT.ERROR);
    }
  };
  const signals: NodeJS.Signals[] = ['SIGTERM', 'SIGINT', 'SIGHUP'];
  for (const s of signals) process.on(s, onSignal);
  process.on('uncaughtException', onException);
  process.on('unhandledRejection', onException);
  return {
    release(): void {
      for (const s of signals) process.removeListener(s, onSignal);
      process.removeListener('uncaughtException', onException);
      process.removeListener('unhandledRejection', onException);
    },
  };
}

function printSummary(pipeline: Pipeline, capture: CaptureTotals, o: Pick<RunOptions, 'vrid' | 'color'>, mono: boolean): void {
  const snap = pipeline.analyzer.snapshot();
  if (o.vrid) snap.vrids = snap.vrids.filter((v) => o.vrid!.has(v.vrid));
  const palette = !mono && o.color !== false ? COLOR : MONO;
  try {
    process.stdout.write(summaryText(snap, capture, pipeline.firstTs, palette));
  } catch {
    // The terminal went away (SIGHUP): there is no one to print the summary for.
  }
}

function usageError(message: string): number {
  process.stderr.write(`vrrpscope: ${escapeControls(message)}\n`);
  return EXIT.ERROR;
}

/** 1,2,3,7 -> "1-3,7" for the status bar. */
function vridRanges(vrids: Set<number>): string {
  const sorted = [...vrids].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < sorted.length; ) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j] + 1) j++;
    parts.push(i === j ? String(sorted[i]) : `${sorted[i]}-${sorted[j]}`);
    i = j + 1;
  }
  return parts.join(',');
}
