// Where zstd frames end in a compressed stream, found by walking headers only (RFC 8878 §3.1.1):
//
//   Magic (4) | Frame_Header_Descriptor (1) | [Window_Descriptor (1)] | [Dictionary_ID (0-4)]
//   | [Frame_Content_Size (0-8)] | Block... | [Content_Checksum (4)]
//
//   Block_Header (3 bytes, little endian): Last_Block (bit 0) | Block_Type (bits 1-2) | Block_Size
//   (bits 3-23); an RLE block (type 1) carries one byte whatever its size.
//
// Skippable frames (magic 0x184D2A50-5F) are magic, a 4-byte length and that many bytes.
//
// fzstd decodes the frames that end in one push recursively, each holding its window until the
// push returns: fed a frame at most per push, a stream of tiny frames with large windows (a
// decompression bomb) cannot add up. The walk also reads each frame's window size, so a frame
// asking for more memory than zstd itself grants by default is refused before it is allocated.

/** zstd's default decoder limit (ZSTD_WINDOWLOG_LIMIT_DEFAULT 27): larger windows need --memory. */
export const ZSTD_MAX_WINDOW_BYTES = 1 << 27;

const ZSTD_MAGIC = 0xfd2fb528;
const SKIPPABLE_MASK = 0xfffffff0;
const SKIPPABLE_MAGIC = 0x184d2a50;

export class ZstdFrameError extends Error {}

type Phase = 'magic' | 'header' | 'skippable-size' | 'block' | 'skip';

export class ZstdFrameWalker {
  private phase: Phase = 'magic';
  private readonly held = new Uint8Array(18);
  private heldLen = 0;
  /** Bytes of the current phase still wanted (header bytes to collect, or bytes to skip). */
  private want = 4;
  private lastBlock = false;
  private checksum = false;
  /** True while the walk is between frames (the stream may end here). */
  get atFrameEnd(): boolean {
    return this.phase === 'magic' && this.heldLen === 0;
  }

  /**
   * Walks `chunk` and returns the offsets in it just past each frame that ends in it, in order.
   * Throws ZstdFrameError on a header that is not zstd or a window above the limit.
   */
  walk(chunk: Uint8Array): number[] {
    const ends: number[] = [];
    let p = 0;
    while (p < chunk.length) {
      if (this.phase === 'skip') {
        const take = Math.min(this.want, chunk.length - p);
        p += take;
        this.want -= take;
        if (this.want === 0) this.afterSkip(ends, p);
        continue;
      }
      // Collect header bytes until `want` are held.
      while (this.heldLen < this.want && p < chunk.length) this.held[this.heldLen++] = chunk[p++];
      if (this.heldLen < this.want) break;
      this.onHeld(ends, p);
    }
    return ends;
  }

  private afterSkip(ends: number[], p: number): void {
    if (this.lastBlock) {
      this.frameEnd(ends, p);
    } else {
      this.phase = 'block';
      this.want = 3;
      this.heldLen = 0;
    }
  }

  private frameEnd(ends: number[], p: number): void {
    ends.push(p);
    this.phase = 'magic';
    this.want = 4;
    this.heldLen = 0;
    this.lastBlock = false;
  }

  private onHeld(ends: number[], p: number): void {
    const h = this.held;
    switch (this.phase) {
      case 'magic': {
        const magic = (h[0] | (h[1] << 8) | (h[2] << 16) | (h[3] << 24)) >>> 0;
        if (magic === ZSTD_MAGIC) {
          this.phase = 'header';
          this.want = 5;
        } else if (((magic & SKIPPABLE_MASK) >>> 0) === SKIPPABLE_MAGIC) {
          this.phase = 'skippable-size';
          this.want = 8;
        } else {
          throw new ZstdFrameError('not a zstd frame');
        }
        return;
      }
      case 'skippable-size': {
        const size = (h[4] | (h[5] << 8) | (h[6] << 16) | (h[7] << 24)) >>> 0;
        this.phase = 'skip';
        this.want = size;
        this.lastBlock = true;
        if (size === 0) this.frameEnd(ends, p);
        return;
      }
      case 'header': {
        const descriptor = h[4];
        const singleSegment = (descriptor >> 5) & 1;
        const dictBytes = [0, 1, 2, 4][descriptor & 3];
        const fcsFlag = descriptor >> 6;
        const fcsBytes = fcsFlag === 0 ? singleSegment : 1 << fcsFlag;
        const length = 5 + (singleSegment ? 0 : 1) + dictBytes + fcsBytes;
        if (this.want < length) {
          this.want = length;
          return;
        }
        this.checksum = ((descriptor >> 2) & 1) === 1;
        let window: number;
        if (singleSegment) {
          // The window is the content size (RFC 8878 §3.1.1.1.2).
          const at = 5 + dictBytes;
          window = 0;
          for (let i = fcsBytes - 1; i >= 0; i--) window = window * 256 + h[at + i];
          if (fcsBytes === 2) window += 256;
        } else {
          const exponent = h[5] >> 3;
          const base = 2 ** (10 + exponent);
          window = base + (base / 8) * (h[5] & 7);
        }
        if (window > ZSTD_MAX_WINDOW_BYTES) {
          throw new ZstdFrameError(`a frame needs a ${window}-byte window, more than the ${ZSTD_MAX_WINDOW_BYTES} zstd allows by default`);
        }
        this.phase = 'block';
        this.want = 3;
        this.heldLen = 0;
        return;
      }
      case 'block': {
        const header = h[0] | (h[1] << 8) | (h[2] << 16);
        this.lastBlock = (header & 1) === 1;
        const type = (header >> 1) & 3;
        if (type === 3) throw new ZstdFrameError('reserved block type');
        let size = type === 1 ? 1 : header >>> 3;
        if (this.lastBlock && this.checksum) size += 4;
        this.phase = 'skip';
        this.want = size;
        this.heldLen = 0;
        if (size === 0) this.afterSkip(ends, p);
        return;
      }
      default:
        return;
    }
  }
}

/** What of fzstd's Decompress the feeding needs. */
export interface ZstdPush {
  push(chunk: Uint8Array, final?: boolean): unknown;
}

/** Pushes `chunk` to `zstd` cut at frame ends, so one push finishes at most one frame. */
export function pushByFrame(zstd: ZstdPush, walker: ZstdFrameWalker, chunk: Uint8Array): void {
  let from = 0;
  for (const end of walker.walk(chunk)) {
    zstd.push(chunk.subarray(from, end));
    from = end;
  }
  if (from < chunk.length) zstd.push(chunk.subarray(from));
}
