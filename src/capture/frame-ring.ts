// Copies of recent frames, oldest first, with no object per frame: the bytes go into 64 KiB slabs
// and each frame's time, place and lengths into typed arrays used as a circular queue. A frame
// object per kept frame lived long enough to be promoted, and the garbage collector then cost
// more than the copying (the flight recorder at 510 frames/s: 4 µs a frame and 10 MB of heap).

import type { WritableFrame } from './writer.js';

const SLAB_BYTES = 64 * 1024;

/** A kept frame as each() hands it over: with the interface it was pushed with. */
export interface KeptFrame extends WritableFrame {
  iface: number;
}
const FIRST_CAPACITY = 1024;

export class FrameRing {
  /** Slab `firstSlab + i` is slabs[i]; slabs before the oldest frame's are dropped. */
  private slabs: Uint8Array[] = [];
  private firstSlab = 0;
  private slabUsed = SLAB_BYTES; // full: the first frame opens one
  private ts = new Float64Array(FIRST_CAPACITY);
  private slabNo = new Uint32Array(FIRST_CAPACITY);
  private offset = new Uint32Array(FIRST_CAPACITY);
  private length = new Uint32Array(FIRST_CAPACITY);
  private origLen = new Uint32Array(FIRST_CAPACITY);
  /** The interface of each frame, as the caller numbers them (0 where there is one). */
  private iface = new Uint16Array(FIRST_CAPACITY);
  /** Index of the oldest frame in the arrays, and how many are kept. */
  private head = 0;
  size = 0;
  /** Bytes of the kept frames (data only). */
  bytes = 0;
  /** Handed to each() callers: one object, refilled per frame. */
  private readonly view: KeptFrame = { ts: 0, data: new Uint8Array(0), origLen: 0, iface: 0 };

  /** Copies `data` (which the caller may reuse afterwards) as the newest frame, seen on interface `iface`. */
  push(ts: number, data: Uint8Array, origLen: number, iface = 0): void {
    if (this.size === this.ts.length) this.grow();
    const n = data.length;
    if (this.slabUsed + n > this.lastSlabBytes()) {
      this.slabs.push(new Uint8Array(Math.max(SLAB_BYTES, n)));
      this.slabUsed = 0;
    }
    const slab = this.slabs.length - 1;
    this.slabs[slab].set(data, this.slabUsed);
    const i = (this.head + this.size) % this.ts.length;
    this.ts[i] = ts;
    this.slabNo[i] = this.firstSlab + slab;
    this.offset[i] = this.slabUsed;
    this.length[i] = n;
    this.origLen[i] = origLen;
    this.iface[i] = iface;
    this.slabUsed += n;
    this.size++;
    this.bytes += n;
  }

  /** Packet time of the oldest frame (NaN when empty). */
  oldestTs(): number {
    return this.size === 0 ? NaN : this.ts[this.head];
  }

  /** Byte length of the oldest frame's data. */
  oldestBytes(): number {
    return this.size === 0 ? 0 : this.length[this.head];
  }

  /** Forgets the oldest frame, and the slabs no kept frame uses any more. */
  shift(): void {
    if (this.size === 0) return;
    this.bytes -= this.length[this.head];
    this.head = (this.head + 1) % this.ts.length;
    this.size--;
    if (this.size === 0) {
      // Keep only the slab being filled.
      this.firstSlab += this.slabs.length - 1;
      this.slabs = this.slabs.slice(-1);
      return;
    }
    const drop = this.slabNo[this.head] - this.firstSlab;
    if (drop > 0) {
      this.slabs.splice(0, drop);
      this.firstSlab += drop;
    }
  }

  /** Calls `fn` for every kept frame, oldest first, with a view valid only during the call. */
  each(fn: (f: KeptFrame) => void): void {
    const v = this.view;
    const cap = this.ts.length;
    for (let k = 0; k < this.size; k++) {
      const i = (this.head + k) % cap;
      const start = this.offset[i];
      v.ts = this.ts[i];
      v.data = this.slabs[this.slabNo[i] - this.firstSlab].subarray(start, start + this.length[i]);
      v.origLen = this.origLen[i];
      v.iface = this.iface[i];
      fn(v);
    }
  }

  clear(): void {
    this.slabs = [];
    this.slabUsed = SLAB_BYTES;
    this.head = 0;
    this.size = 0;
    this.bytes = 0;
  }

  private lastSlabBytes(): number {
    return this.slabs.length === 0 ? 0 : this.slabs[this.slabs.length - 1].length;
  }

  /** Doubles the per-frame arrays, unrolling the circle so the oldest frame is at 0. */
  private grow(): void {
    const cap = this.ts.length;
    const unroll = <T extends Float64Array | Uint32Array | Uint16Array>(a: T, make: (n: number) => T): T => {
      const b = make(cap * 2);
      b.set(a.subarray(this.head));
      b.set(a.subarray(0, this.head), cap - this.head);
      return b;
    };
    this.ts = unroll(this.ts, (n) => new Float64Array(n));
    this.slabNo = unroll(this.slabNo, (n) => new Uint32Array(n));
    this.offset = unroll(this.offset, (n) => new Uint32Array(n));
    this.length = unroll(this.length, (n) => new Uint32Array(n));
    this.origLen = unroll(this.origLen, (n) => new Uint32Array(n));
    this.iface = unroll(this.iface, (n) => new Uint16Array(n));
    this.head = 0;
  }
}
