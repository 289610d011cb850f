// Wiring for the dashboard: replaying a capture file in packet time (`read FILE --tui`) and the
// entry point `live` uses. Frames go through the same Pipeline as text output; the dashboard only
// reads analyzer snapshots. No protocol logic lives here.
import { basename } from 'node:path';
import { type Frame } from './frame.js';
import { EXIT, Pipeline, type RunOptions } from './pipeline.js';
import { loadReplay, Player } from './replay.js';
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

export { parseSpeed } from './replay.js';

/** Why the dashboard cannot run here, or null: it needs a terminal for both keys and screen. */
export function terminalProblem(): string | null {
  return process.stdout.isTTY && process.stdin.isTTY ? null : 'the dashboard needs a terminal (stdin and stdout are not both a tty)';
}

/**
 * `vrrpscope read FILE --tui`: loads the capture and plays it into the dashboard at `speed`, in
 * file order like `read` (so both judge a capture that steps back in time the same way). Resolves with the exit code once the user quits (or on SIGTERM),
 * after the terminal is restored and the summary printed.
 */
export async function runReplayTui(file: string, o: RunOptions & TuiOptions): Promise<number> {
  if (file === '-') return usageError('--tui cannot replay standard input: the keyboard needs it; give a file name');
  const problem = terminalProblem();
  if (problem) return usageError(problem);

  let frames: Frame[];
  let loadError: string | null;
  try {
    ({ frames, loadError } = await loadReplay(file));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code) return usageError(`${file}: ${(err as Error).message}`);
    throw err;
  }
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
        spanS: player.spanS(),
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
