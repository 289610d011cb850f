// Replaying a capture in packet time (`read FILE --tui [--speed N|max]`): the Player feeds the
// dashboard's pipeline. Apart from tui.ts so that the CLI can parse --speed, and tests can replay,
// without loading the dashboard (reblessed).
import { readCapture } from './capture/file.js';
import { CaptureError } from './capture/types.js';
import type { Frame } from './frame.js';
import type { Pipeline } from './pipeline.js';

/** Longest stretch of synchronous work in --speed max before keys and the screen get a turn. */
const BATCH_MS = 15;
/** Packet time advances (and the analyzer is ticked) at least this often while playing. */
const PLAY_STEP_MS = 50;

/** `--speed N` / `--speed max`: a non-negative number, 0 and "max" meaning as fast as possible. */
export function parseSpeed(s: string): number {
  if (s.trim().toLowerCase() === 'max') return 0;
  const n = Number(s);
  if (s.trim() === '' || !Number.isFinite(n) || n < 0) throw new Error('must be a number >= 0 (1 = real time) or "max"');
  return n;
}

/**
 * Every frame of `file`, copied, in file order (as `read` analyses them: a capture that steps
 * back in time is judged the same way by both). A broken file gives the frames before the damage
 * and the reason; an unreadable one throws.
 */
export async function loadReplay(file: string): Promise<{ frames: Frame[]; loadError: string | null }> {
  const frames: Frame[] = [];
  let loadError: string | null = null;
  try {
    await readCapture(file, (f) => {
      // The reader's buffer is reused for the next chunk: keep a copy of every frame.
      frames.push({ ...f, data: f.data.slice() });
    });
  } catch (err) {
    if (!(err instanceof CaptureError)) throw err;
    loadError = err.message;
  }
  return { frames, loadError };
}

/**
 * Plays frames into the pipeline in packet time. Replay time runs at `speed` times wall time from
 * the moment of the last (re)start; between packets the analyzer is ticked so timed alerts such as
 * a missed advert fire at their packet-time deadline, exactly as they would live.
 */
export class Player {
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
  /** The latest packet time in the capture. */
  private readonly lastTs: number;

  constructor(
    private readonly frames: Frame[],
    private readonly pipeline: Pipeline,
    private readonly speed: number,
  ) {
    this.nowTs = frames.length ? frames[0].ts : 0;
    this.baseTs = this.nowTs;
    this.lastTs = this.nowTs;
    for (const f of frames) if (f.ts > this.lastTs) this.lastTs = f.ts;
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

  /** Packet time the capture spans (its frames may step back in time: the latest counts). */
  spanS(): number {
    return this.frames.length ? this.lastTs - this.frames[0].ts : 0;
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
