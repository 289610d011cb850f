import { describe, expect, it } from 'vitest';
import { FrameRing } from '../../src/capture/frame-ring.js';
import { payload } from '../support/capfile.js';

/** Deterministic pseudo-random numbers (xorshift), so a failure repeats. */
function random(seed: number): () => number {
  let x = seed;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 2 ** 32;
  };
}

function contents(ring: FrameRing): { ts: number; data: Uint8Array; origLen: number }[] {
  const out: { ts: number; data: Uint8Array; origLen: number }[] = [];
  ring.each((f) => out.push({ ts: f.ts, data: f.data.slice(), origLen: f.origLen ?? 0 }));
  return out;
}

describe('FrameRing', () => {
  it('keeps exactly what a plain queue keeps, through growth, wrap-around, big frames and emptying', () => {
    const rnd = random(7);
    const ring = new FrameRing();
    const model: { ts: number; data: Uint8Array; origLen: number }[] = [];
    const buffer = new Uint8Array(200_000); // reused, as a capture's buffer is
    for (let step = 0; step < 20_000; step++) {
      const r = rnd();
      if (r < 0.55 || model.length === 0) {
        const len = r < 0.001 ? 70_000 + Math.floor(rnd() * 100_000) : Math.floor(rnd() * 1500);
        const bytes = payload(len, step);
        buffer.set(bytes);
        ring.push(step / 10, buffer.subarray(0, len), len + 4);
        model.push({ ts: step / 10, data: bytes, origLen: len + 4 });
      } else if (r < 0.999) {
        ring.shift();
        model.shift();
      } else {
        while (model.length > 0) {
          ring.shift();
          model.shift();
        }
      }
      expect(ring.size).toBe(model.length);
      if (step % 997 === 0) expect(contents(ring)).toEqual(model);
    }
    expect(contents(ring)).toEqual(model);
    expect(ring.bytes).toBe(model.reduce((n, f) => n + f.data.length, 0));
    expect(ring.oldestTs()).toBe(model[0]?.ts ?? NaN);
    ring.clear();
    expect(contents(ring)).toEqual([]);
    ring.push(1, payload(10, 1), 10);
    expect(contents(ring)).toEqual([{ ts: 1, data: payload(10, 1), origLen: 10 }]);
  });
});
