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

/** Where the running totals live in IntervalStats.ring, after the samples. */
const SUM = INTERVAL_SAMPLES;
const MIN = INTERVAL_SAMPLES + 1;
const MAX = INTERVAL_SAMPLES + 2;
/** Meaningful once count > 0. */
const LAST = INTERVAL_SAMPLES + 3;

export class IntervalStats {
  /**
   * The samples, then the running totals (SUM, MIN, MAX, LAST). In one array, not fields of their
   * own: a fractional number in a field is a heap number of its own, one more cache line for every
   * advert of every router to miss (hundreds of routers do not stay in cache between two adverts).
   */
  private readonly ring = new Float64Array(INTERVAL_SAMPLES + 4);
  private next = 0;
  count = 0;

  constructor() {
    this.ring[MIN] = Infinity;
    this.ring[MAX] = -Infinity;
  }

  get minMs(): number {
    return this.ring[MIN];
  }

  get maxMs(): number {
    return this.ring[MAX];
  }

  add(ms: number): void {
    const ring = this.ring;
    ring[this.next] = ms;
    this.next = this.next === INTERVAL_SAMPLES - 1 ? 0 : this.next + 1;
    this.count++;
    ring[SUM] += ms;
    if (ms < ring[MIN]) ring[MIN] = ms;
    if (ms > ring[MAX]) ring[MAX] = ms;
    ring[LAST] = ms;
  }

  /** Recent samples, oldest first. */
  recent(): number[] {
    const samples = this.recentSamples();
    const out: number[] = new Array<number>(samples.length);
    for (let i = 0; i < samples.length; i++) out[i] = samples[i];
    return out;
  }

  /** The recent samples, oldest first, in `into` (a view of it is returned). */
  private recentSamples(into: Float64Array = new Float64Array(INTERVAL_SAMPLES)): Float64Array {
    const n = Math.min(this.count, INTERVAL_SAMPLES);
    const start = this.count > INTERVAL_SAMPLES ? this.next : 0;
    for (let i = 0; i < n; i++) into[i] = this.ring[(start + i) % INTERVAL_SAMPLES];
    return into.subarray(0, n);
  }

  summary(): IntervalSummary {
    if (this.count === 0) {
      return { count: 0, meanMs: null, p50Ms: null, p99Ms: null, minMs: null, maxMs: null, jitterMs: null, lastMs: null };
    }
    // Sorted in place in shared space: a comparator boxed a number per call, and a typed array's own
    // sort() copies its elements into boxed numbers (10 KB per router, at the end of every run).
    const samples = sortInPlace(this.recentSamples(scratch));
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
      meanMs: round1(this.ring[SUM] / this.count),
      p50Ms: round1(pick(0.5)),
      p99Ms: round1(pick(0.99)),
      minMs: round1(this.ring[MIN]),
      maxMs: round1(this.ring[MAX]),
      jitterMs: round1(Math.sqrt(variance)),
      lastMs: round1(this.ring[LAST]),
    };
  }
}

/** Sorting space for summary(), shared: a summary of every router at the end of a run allocated a copy each. */
const scratch = new Float64Array(INTERVAL_SAMPLES);

/** Heapsort, ascending, allocating nothing. */
export function sortInPlace(a: Float64Array): Float64Array {
  const n = a.length;
  for (let i = (n >> 1) - 1; i >= 0; i--) siftDown(a, i, n);
  for (let end = n - 1; end > 0; end--) {
    const top = a[0];
    a[0] = a[end];
    a[end] = top;
    siftDown(a, 0, end);
  }
  return a;
}

function siftDown(a: Float64Array, i: number, n: number): void {
  const x = a[i];
  for (;;) {
    let child = 2 * i + 1;
    if (child >= n) break;
    if (child + 1 < n && a[child + 1] > a[child]) child++;
    if (a[child] <= x) break;
    a[i] = a[child];
    i = child;
  }
  a[i] = x;
}

function round1(x: number): number {
  return Math.round(x * 10) / 10;
}
