// Interval statistics: the summary (mean, percentiles, jitter) is computed from a ring of the
// recent samples, sorted in place without allocating; it must agree with the plain computation.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { INTERVAL_SAMPLES, IntervalStats, sortInPlace } from '../../src/analyze/intervals.js';

const round1 = (x: number) => Math.round(x * 10) / 10;

describe('IntervalStats', () => {
  it('sortInPlace sorts like a numeric sort, duplicates and negatives included', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ noNaN: true, min: -1e9, max: 1e9 }), { maxLength: 300 }), (xs) => {
        // -0 and +0 are equal to a sort: compared as 0.
        const zeroes = (a: number[]) => a.map((x) => (x === 0 ? 0 : x));
        expect(zeroes(Array.from(sortInPlace(Float64Array.from(xs))))).toEqual(zeroes([...xs].sort((a, b) => a - b)));
      }),
    );
  });

  it('summary: the mean of everything, percentiles and jitter of the last samples, oldest first in recent()', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 5_000_000 }).map((x) => x / 1000), { minLength: 1, maxLength: 700 }), (xs) => {
        const s = new IntervalStats();
        for (const x of xs) s.add(x);
        const last = xs.slice(-INTERVAL_SAMPLES);
        expect(s.recent()).toEqual(last);
        const sorted = [...last].sort((a, b) => a - b);
        const pick = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
        const mean = sorted.reduce((a, b) => a + b, 0) / sorted.length;
        const variance = sorted.reduce((a, b) => a + (b - mean) * (b - mean), 0) / sorted.length;
        expect(s.summary()).toEqual({
          count: xs.length,
          meanMs: round1(xs.reduce((a, b) => a + b, 0) / xs.length),
          p50Ms: round1(pick(0.5)),
          p99Ms: round1(pick(0.99)),
          minMs: round1(Math.min(...xs)),
          maxMs: round1(Math.max(...xs)),
          jitterMs: round1(Math.sqrt(variance)),
          lastMs: round1(xs[xs.length - 1]),
        });
        // The samples themselves are left in arrival order.
        expect(s.recent()).toEqual(last);
      }),
    );
  });

  it('summary of no samples is all null', () => {
    expect(new IntervalStats().summary()).toEqual({ count: 0, meanMs: null, p50Ms: null, p99Ms: null, minMs: null, maxMs: null, jitterMs: null, lastMs: null });
  });
});
