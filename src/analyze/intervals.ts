// Observed inter-advertisement intervals of one router: running totals plus a bounded ring of
// recent samples for percentiles and the dashboard's sparkline. Memory is fixed per router.

export const INTERVAL_SAMPLES = 256;

export interface IntervalSummary {
  count: number;
  meanMs: number | null;
  p50Ms: number | null;
  p99Ms: number | null;
  minMs: number | null;
  maxMs: number | null;
  /** Standard deviation of the recent samples. */
  jitterMs: number | null;
  lastMs: number | null;
}

export class IntervalStats {
  private readonly ring = new Float64Array(INTERVAL_SAMPLES);
  private next = 0;
  count = 0;
  private sumMs = 0;
  minMs = Infinity;
  maxMs = -Infinity;
  /** Meaningful once count > 0. A number, never null: a field that held null boxed every sample written to it. */
  private lastMs = 0;

  add(ms: number): void {
    this.ring[this.next] = ms;
    this.next = this.next === INTERVAL_SAMPLES - 1 ? 0 : this.next + 1;
    this.count++;
    this.sumMs += ms;
    if (ms < this.minMs) this.minMs = ms;
    if (ms > this.maxMs) this.maxMs = ms;
    this.lastMs = ms;
  }

  /** Recent samples, oldest first. */
  recent(): number[] {
    const samples = this.recentSamples();
    const out: number[] = new Array<number>(samples.length);
    for (let i = 0; i < samples.length; i++) out[i] = samples[i];
    return out;
  }

  private recentSamples(): Float64Array {
    const n = Math.min(this.count, INTERVAL_SAMPLES);
    const out = new Float64Array(n);
    const start = this.count > INTERVAL_SAMPLES ? this.next : 0;
    for (let i = 0; i < n; i++) out[i] = this.ring[(start + i) % INTERVAL_SAMPLES];
    return out;
  }

  summary(): IntervalSummary {
    if (this.count === 0) {
      return { count: 0, meanMs: null, p50Ms: null, p99Ms: null, minMs: null, maxMs: null, jitterMs: null, lastMs: null };
    }
    // A typed array sorts numerically with no comparator (a comparator allocated a number per call).
    const samples = this.recentSamples().sort();
    const pick = (q: number) => samples[Math.min(samples.length - 1, Math.floor(q * samples.length))];
    // Indexed loops: for-of over a typed array boxed every sample.
    let sum = 0;
    for (let i = 0; i < samples.length; i++) sum += samples[i];
    const mean = sum / samples.length;
    let squares = 0;
    for (let i = 0; i < samples.length; i++) squares += (samples[i] - mean) * (samples[i] - mean);
    const variance = squares / samples.length;
    return {
      count: this.count,
      meanMs: round1(this.sumMs / this.count),
      p50Ms: round1(pick(0.5)),
      p99Ms: round1(pick(0.99)),
      minMs: round1(this.minMs),
      maxMs: round1(this.maxMs),
      jitterMs: round1(Math.sqrt(variance)),
      lastMs: round1(this.lastMs),
    };
  }
}

function round1(x: number): number {
  return Math.round(x * 10) / 10;
}
