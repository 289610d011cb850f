// Wiring for a probe that runs for weeks: the wall clock steps (NTP or chrony correcting it at boot,
// `date -s`, a leap second) while the kernel stamps frames with that same realtime clock. Fed as is,
// a forward step looks to the analyzer like every router falling silent (missed-advert, no master)
// and a backward one like time running back. This keeps the time fed to the analysis continuous.
//
// CLOCK_REALTIME minus CLOCK_MONOTONIC changes only when the clock is stepped: NTP's slewing and
// frequency corrections apply to both (clock_gettime(2)). So a change of wall - monotonic is a step,
// whatever the load or the time since the last look; the analysis time is the wall time minus the
// sum of the steps seen, and what is shown to people (log lines, alert records, Alertmanager,
// timestamp metrics) is put back on the wall clock of now with `toWall`. Belongs to no layer: the
// analyzer stays pure (ARCHITECTURE.md), this only decides which time it is given.

/** The two clocks, in milliseconds; injectable so tests step a clock without touching the machine's. */
export interface ClockSource {
  wallMs(): number;
  monoMs(): number;
}

export const SYSTEM_CLOCK: ClockSource = { wallMs: () => Date.now(), monoMs: () => performance.now() };

/**
 * Changes of wall - monotonic from this size on are steps. Date.now() has 1 ms resolution and the
 * two clocks are read within 1 ms of each other, so noise stays under 2 ms; smaller steps pass
 * through to the analysis as they are (harmless next to the shortest master-down interval, ~30 ms).
 */
const STEP_THRESHOLD_MS = 10;
/** How long after a step a frame may still carry the time of before it (in the ring, in the loop). */
const IN_FLIGHT_MS = 2000;
/** Reading the two clocks further apart than this (preempted between them) is retried. */
const READ_SPREAD_MS = 1;

export interface ClockStep {
  /** How far the wall clock jumped, in seconds: positive forward, negative back. */
  seconds: number;
  /** The wall time after the step, Unix seconds. */
  wallTs: number;
}

export class SteadyClock {
  /** Sum of the steps seen, in seconds: analysis time = wall time - offsetS. */
  offsetS = 0;
  /** Steps seen since start. */
  steps = 0;
  private wallMinusMonoMs: number;
  /** The offset before the latest step, for frames stamped before it but delivered after. */
  private previousOffsetS = 0;
  private previousUntilMonoMs = -Infinity;
  private monoMs = 0;
  /** The analysis time at the last look. */
  private nowS = 0;
  /** How far apart the monotonic readings around the last wall reading were. */
  private spreadMs = 0;

  constructor(
    private readonly onStep: (step: ClockStep) => void = () => {},
    private readonly source: ClockSource = SYSTEM_CLOCK,
  ) {
    this.wallMinusMonoMs = this.read() - this.monoMs;
    this.nowS = (this.wallMinusMonoMs + this.monoMs) / 1000;
  }

  /** The analysis time now, in Unix seconds (after looking for a step). */
  now(): number {
    this.look();
    return this.nowS;
  }

  /** Reads the clocks and looks for a step: once per batch of frames read together, before them. */
  look(): void {
    this.nowS = this.check() / 1000 - this.offsetS;
  }

  /**
   * The analysis time of a frame stamped `ts` (Unix seconds) by the kernel's realtime clock, as of
   * the last look(): the frames of one read were all stamped before it, so one look serves them all.
   */
  frameTs(ts: number): number {
    const now = this.nowS;
    const t = ts - this.offsetS;
    if (this.monoMs < this.previousUntilMonoMs) {
      // Just after a step, a frame may have been stamped before it: take the epoch that puts it
      // nearer to now (a frame is never from the future, and rarely more than a moment old).
      const before = ts - this.previousOffsetS;
      if (Math.abs(before - now) < Math.abs(t - now)) return before;
    }
    return t;
  }

  /** An analysis time on the wall clock of now (Unix seconds), for what people and other systems read. */
  toWall(ts: number): number {
    return ts + this.offsetS;
  }

  /** Wall time now in ms; a change of wall - monotonic beyond the threshold is counted as a step. */
  private check(): number {
    const wall = this.read();
    // Preempted between the readings every time: judge at the next look, not on a guess.
    if (this.spreadMs > READ_SPREAD_MS) return wall;
    const diff = wall - this.monoMs;
    const jumpMs = diff - this.wallMinusMonoMs;
    this.wallMinusMonoMs = diff;
    if (Math.abs(jumpMs) >= STEP_THRESHOLD_MS) {
      this.previousOffsetS = this.offsetS;
      this.previousUntilMonoMs = this.monoMs + IN_FLIGHT_MS;
      this.offsetS += jumpMs / 1000;
      this.steps++;
      this.onStep({ seconds: jumpMs / 1000, wallTs: wall / 1000 });
    }
    return wall;
  }

  /** Reads the wall clock, and the monotonic clock around it into `monoMs` (closest of 3 tries). */
  private read(): number {
    let wall = 0;
    this.spreadMs = Infinity;
    for (let attempt = 0; attempt < 3 && this.spreadMs > READ_SPREAD_MS; attempt++) {
      const before = this.source.monoMs();
      const w = this.source.wallMs();
      const after = this.source.monoMs();
      if (after - before < this.spreadMs) {
        wall = w;
        this.monoMs = (before + after) / 2;
        this.spreadMs = after - before;
      }
    }
    return wall;
  }
}
