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
  lastMs: number | null = null;

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
    const n = Math.min(this.count, INTERVAL_SAMPLES);
    const out: number[] = new Array(n);
    const start = this.count > INTERVAL_SAMPLES ? this.next : 0;
    for (let i = 0; i < n; i++) out[i] = this.ring[(start + i) % INTERVAL_SAMPLES];
    return out;
  }

  summary(): IntervalSummary {
    if (this.count === 0) {
      return { count: 0, meanMs: null, p50Ms: null, p99Ms: null, minMs: null, maxMs: null, jitterMs: null, lastMs: null };
    }
    const samples = this.recent().sort((a, b) => a - b);
    const pick = (q: number) => samples[Math.min(samples.length - 1, Math.floor(q * samples.length))];
    const mean = samples.reduce((a, b) => a + b, 0) / samples.length;
    const variance = samples.reduce((a, b) => a + (b - mean) * (b - mean), 0) / samples.length;
    return {
      count: this.count,
      meanMs: round1(this.sumMs / this.count),
      p50Ms: round1(pick(0.5)),
      p99Ms: round1(pick(0.99)),
      minMs: round1(this.minMs),
      maxMs: round1(this.maxMs),
      jitterMs: round1(Math.sqrt(variance)),
      lastMs: this.lastMs === null ? null : round1(this.lastMs),
    };
  }
}

function round1(x: number): number {
  return Math.round(x * 10) / 10;
}
