// Streaming reader for capture files: classic pcap and pcapng, told apart by their magic number.
//
// CaptureParser is a push parser: hand it the file in chunks of any size and it calls the sink
// once per packet, with `data` a view into the chunk itself. Only a record that straddles two
// chunks is copied (into a carry buffer sized to that one record), so memory stays constant
// whatever the file size. Every length read from the file is checked before anything is sized
// from it. Formats: draft-ietf-opsawg-pcap (classic) and draft-ietf-opsawg-pcapng.

import * as fs from 'node:fs';
import { CaptureError, MAX_SNAPLEN } from './types.js';
import { BufferFrame, type Frame } from '../frame.js';
import type { CaptureFormat, FormatReader, ParseContext } from './format.js';
import { PcapngBlocks } from './pcapng.js';
import type { Compression } from './compressed.js';

export type { CaptureFormat } from './format.js';

/** A frame sink that may return `false` to stop the reader (for `-c N`); a FrameSink fits. */
export type FrameHandler = (frame: Frame) => boolean | void;

/**
 * Frames the consumer has no use for, told from their bytes in the reader's chunk (as BPF tells
 * them in libpcap): `test` sees the frame in bytes[start, end) and answers true to skip it; a
 * skipped frame is never built, only its time is handed to `onSkipped` (whole seconds and
 * microseconds, as BufferFrame takes them: see frameTime). It keeps its record number and counts
 * in `frames`.
 */
export interface FrameSkip {
  test(bytes: Uint8Array, start: number, end: number, linkType: number): boolean;
  onSkipped(seconds: number, micros: number): void;
}

export interface ParserOptions {
  /** Prefix for error messages: the file name, or "stdin". */
  name?: string;
  /** Stop after this many frames. */
  maxFrames?: number;
  /** See ReadOptions.reuseFrame. */
  reuseFrame?: boolean;
  /** See ReadOptions.skip. */
  skip?: FrameSkip;
}

export interface ReadResult {
  /** Undefined only when reading stopped before the first bytes. */
  format: CaptureFormat | undefined;
  /** Frames read: delivered to the sink, or skipped (ReadOptions.skip). */
  frames: number;
  /** Bytes of the input taken up by the header, records and blocks that were read. */
  bytes: number;
  /** Every link type the capture declares, in order of first appearance. */
  linkTypes: number[];
  /** Records longer than their snap length, cut to it as libpcap does (see PcapRecords). */
  trimmedFrames: number;
  /** True when reading stopped early: maxFrames, an aborted signal, stop() or a sink returning false. */
  stopped: boolean;
}

/** A carry buffer above this size is dropped once used, so one huge pcapng block does not pin it. */
const CARRY_KEEP_BYTES = 1 << 20;

export class CaptureParser implements ParseContext {
  frames = 0;
  iface = '';
  trimmedFrames = 0;
  readonly linkTypes: number[] = [];
  stopped = false;
  /** Bytes of input consumed by complete units. */
  bytes = 0;

  private reader: FormatReader | undefined;
  readonly name: string;
  private readonly maxFrames: number;
  private received = 0;
  private carry = new Uint8Array(256);
  private carryView = new DataView(this.carry.buffer);
  private carryLen = 0;
  private carryOffset = 0;
  private error: CaptureError | undefined;
  /** The one frame object refilled for every record, with options.reuseFrame. */
  private reused: BufferFrame | null = null;
  private readonly reuseFrame: boolean;
  private readonly skip: FrameSkip | undefined;

  constructor(
    private readonly sink: FrameHandler,
    options: ParserOptions = {},
  ) {
    this.name = options.name ?? '';
    this.maxFrames = options.maxFrames ?? Infinity;
    this.reuseFrame = options.reuseFrame ?? false;
    this.skip = options.skip;
    if (this.maxFrames <= 0) this.stopped = true;
  }

  /** Bytes pushed so far (decompressed bytes, for a compressed input). */
  get receivedBytes(): number {
    return this.received;
  }

  get format(): CaptureFormat | undefined {
    return this.reader?.format;
  }

  /** Stops delivery: later chunks are ignored and end() no longer complains about a partial record. */
  stop(): void {
    this.stopped = true;
  }

  push(chunk: Uint8Array): void {
    if (this.error) throw this.error;
    if (this.stopped || chunk.length === 0) return;
    // Frames are windows on the chunk: a Buffer's subarray would make Buffers, which are slower
    // to create and not what the decoders are typed for.
    const bytes =
      chunk.constructor === Uint8Array ? chunk : new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    const base = this.received;
    this.received += bytes.length;
    try {
      let pos = 0;
      if (this.carryLen > 0) {
        pos = this.fillCarry(bytes);
        if (pos < 0) return;
        this.bytes = this.carryOffset + this.run(this.carry, this.carryView, 0, this.carryLen, this.carryOffset);
        this.carryLen = 0;
        if (this.carry.length > CARRY_KEEP_BYTES) this.resizeCarry(256);
        if (this.stopped) return;
      }
      const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      const used = this.run(bytes, view, pos, bytes.length, base);
      this.bytes = base + used;
      if (!this.stopped && used < bytes.length) this.stash(bytes, used, base);
    } catch (err) {
      if (err instanceof CaptureError) this.error = err;
      throw err;
    }
  }

  /** Declares the input complete; throws CaptureError if it is empty or ends inside a unit. */
  end(): void {
    if (this.error) throw this.error;
    if (this.stopped) return;
    if (this.received === 0) throw (this.error = this.fail('empty file', 0, 0));
    if (this.carryLen === 0) return;
    const view = this.carryView;
    if (this.reader === undefined) {
      throw (this.error = this.fail(`file is too short to be a capture (${this.carryLen} bytes)`, 0, 0));
    }
    const need = this.reader.unitLength(view, 0, this.carryLen, this.carryOffset);
    throw (this.error = this.reader.truncated(view, this.carryLen, this.carryOffset, need));
  }

  result(): ReadResult {
    return {
      format: this.reader?.format,
      frames: this.frames,
      bytes: this.bytes,
      linkTypes: this.linkTypes.slice(),
      trimmedFrames: this.trimmedFrames,
      stopped: this.stopped,
    };
  }

  deliver(seconds: number, micros: number, linkType: number, bytes: Uint8Array, view: DataView, start: number, end: number, origLen: number, offset: number): boolean {
    const record = ++this.frames;
    const skip = this.skip;
    if (skip !== undefined && skip.test(bytes, start, end, linkType)) {
      skip.onSkipped(seconds, micros);
      if (record >= this.maxFrames) this.stopped = true;
      return this.stopped;
    }
    const frame = !this.reuseFrame ? new BufferFrame(seconds, micros, linkType, bytes, view, start, end, origLen, record, offset)
      : this.reused === null ? (this.reused = new BufferFrame(seconds, micros, linkType, bytes, view, start, end, origLen, record, offset))
      : this.reused.refill(seconds, micros, linkType, bytes, view, start, end, origLen, record, offset);
    frame.iface = this.iface;
    if (this.sink(frame) === false || record >= this.maxFrames) {
      this.stopped = true;
    }
    return this.stopped;
  }

  addLinkType(linkType: number): void {
    // A Set, not linkTypes.includes(): a pcapng file of nothing but interface descriptions with
    // distinct link types made every one cost a scan of up to 65,536 entries (minutes for 50 MB).
    if (this.linkTypeSet.has(linkType)) return;
    this.linkTypeSet.add(linkType);
    this.linkTypes.push(linkType);
  }
  private readonly linkTypeSet = new Set<number>();

  fail(message: string, record: number, offset: number): CaptureError {
    return new CaptureError(this.name ? `${this.name}: ${message}` : message, record, offset);
  }

  private run(bytes: Uint8Array, view: DataView, pos: number, end: number, base: number): number {
    if (this.reader === undefined) {
      if (end - pos < 4) return pos;
      this.reader = this.detect(view, pos, end - pos);
    }
    return this.reader.parse(bytes, view, pos, end, base);
  }

  private unitLength(view: DataView, avail: number, offset: number): number {
    if (this.reader === undefined) {
      if (avail < 4) return 4;
      this.reader = this.detect(view, 0, avail);
    }
    return this.reader.unitLength(view, 0, avail, offset);
  }

  /** Completes the unit in the carry buffer from the chunk; returns where the chunk's own units start, or -1. */
  private fillCarry(bytes: Uint8Array): number {
    let pos = 0;
    for (;;) {
      const need = this.unitLength(this.carryView, this.carryLen, this.carryOffset);
      if (this.carryLen >= need) return pos;
      if (need > this.carry.length) this.resizeCarry(need);
      const take = Math.min(need - this.carryLen, bytes.length - pos);
      this.carry.set(bytes.subarray(pos, pos + take), this.carryLen);
      this.carryLen += take;
      pos += take;
      if (this.carryLen < need) return -1;
    }
  }

  private stash(bytes: Uint8Array, from: number, base: number): void {
    const tail = bytes.length - from;
    if (tail > this.carry.length) this.resizeCarry(tail);
    this.carry.set(bytes.subarray(from), 0);
    this.carryLen = tail;
    this.carryOffset = base + from;
  }

  private resizeCarry(size: number): void {
    const next = new Uint8Array(size);
    next.set(this.carry.subarray(0, Math.min(this.carryLen, size)));
    this.carry = next;
    this.carryView = new DataView(next.buffer);
  }

  private detect(view: DataView, pos: number, avail: number): FormatReader {
    const magic = view.getUint32(pos, true);
    for (const kind of CLASSIC_MAGICS) {
      if (magic === kind.magic) return new PcapRecords(this, kind.littleEndian, kind.nanos, kind.recordHeader);
    }
    if (magic === PCAPNG_MAGIC) return new PcapngBlocks(this);
    throw this.fail(badMagicMessage(view, pos, avail), 0, 0);
  }
}

// Classic pcap (draft-ietf-opsawg-pcap §4, §5). The magic, read little endian, tells byte order
// and timestamp unit. The "modified" format of Alexey Kuznetzov's patches adds 8 bytes
// (ifindex, protocol, pkt_type) to every record header; libpcap reads it, so we do too.
const CLASSIC_MAGICS = [
  { magic: 0xa1b2c3d4, littleEndian: true, nanos: false, recordHeader: 16 },
  { magic: 0xd4c3b2a1, littleEndian: false, nanos: false, recordHeader: 16 },
  { magic: 0xa1b23c4d, littleEndian: true, nanos: true, recordHeader: 16 },
  { magic: 0x4d3cb2a1, littleEndian: false, nanos: true, recordHeader: 16 },
  { magic: 0xa1b2cd34, littleEndian: true, nanos: false, recordHeader: 24 },
  { magic: 0x34cdb2a1, littleEndian: false, nanos: false, recordHeader: 24 },
] as const;

/** Block type of the pcapng section header: the same bytes in either byte order (pcapng §4.1). */
export const PCAPNG_MAGIC = 0x0a0d0d0a;

const CLASSIC_HEADER_BYTES = 24;

/**
 * libpcap's LT_LINKTYPE(): the top bits of the header's link-type word carry FCS information
 * (draft-ietf-opsawg-pcap §4), not the link type.
 */
const LINKTYPE_MASK = 0x03ff_ffff;

class PcapRecords implements FormatReader {
  readonly format = 'pcap';
  private headerRead = false;
  private linkType = 0;
  private snapLen = MAX_SNAPLEN;

  constructor(
    private readonly ctx: ParseContext,
    private readonly littleEndian: boolean,
    private readonly nanos: boolean,
    private readonly recordHeader: number,
  ) {}

  unitLength(view: DataView, pos: number, avail: number, offset: number): number {
    if (!this.headerRead) return CLASSIC_HEADER_BYTES;
    if (avail < this.recordHeader) return this.recordHeader;
    const caplen = view.getUint32(pos + 8, this.littleEndian);
    if (caplen > MAX_SNAPLEN) throw this.tooLong(caplen, offset);
    return this.recordHeader + caplen;
  }

  parse(bytes: Uint8Array, view: DataView, pos: number, end: number, base: number): number {
    if (!this.headerRead) {
      if (end - pos < CLASSIC_HEADER_BYTES) return pos;
      this.readHeader(view, pos);
      pos += CLASSIC_HEADER_BYTES;
    }
    const { ctx, littleEndian, nanos, recordHeader, linkType, snapLen } = this;
    while (end - pos >= recordHeader) {
      const caplen = view.getUint32(pos + 8, littleEndian);
      if (caplen > MAX_SNAPLEN) throw this.tooLong(caplen, base + pos);
      const next = pos + recordHeader + caplen;
      if (next > end) break;
      // A record longer than the header's snap length is kept but cut to it, as libpcap's
      // sf-pcap.c does: some writers put a wrong snap length in the header, and tcpdump (whose
      // output our golden tests compare against) decodes only the first snaplen bytes.
      let kept = caplen;
      if (caplen > snapLen) {
        kept = snapLen;
        ctx.trimmedFrames++;
      }
      const seconds = view.getUint32(pos, littleEndian);
      const fraction = view.getUint32(pos + 4, littleEndian);
      const micros = nanos ? Math.round(fraction / 1000) : fraction;
      const origLen = view.getUint32(pos + 12, littleEndian);
      const start = pos + recordHeader;
      const stop = ctx.deliver(seconds, micros, linkType, bytes, view, start, start + kept, origLen, base + pos);
      pos = next;
      if (stop) break;
    }
    return pos;
  }

  truncated(view: DataView, have: number, offset: number, need: number): CaptureError {
    if (!this.headerRead) {
      return this.ctx.fail(`file ends inside the file header (needs ${need} bytes, ${have} left)`, 0, offset);
    }
    const record = this.ctx.frames + 1;
    return this.ctx.fail(
      `record ${record} at byte offset ${offset}: file ends inside the record (needs ${need} bytes, ${have} left)`,
      record,
      offset,
    );
  }

  private readHeader(view: DataView, pos: number): void {
    const major = view.getUint16(pos + 4, this.littleEndian);
    const minor = view.getUint16(pos + 6, this.littleEndian);
    // libpcap reads only major version 2; the archaic 1.x headers lack fields.
    if (major !== 2) throw this.ctx.fail(`unsupported pcap version ${major}.${minor} (only 2.x is defined)`, 0, 0);
    const snapLen = view.getUint32(pos + 16, this.littleEndian);
    // As libpcap's pcap_check_header(): a snap length of 0 or above the maximum means "no limit".
    this.snapLen = snapLen === 0 || snapLen > MAX_SNAPLEN ? MAX_SNAPLEN : snapLen;
    this.linkType = view.getUint32(pos + 20, this.littleEndian) & LINKTYPE_MASK;
    this.ctx.addLinkType(this.linkType);
    this.headerRead = true;
  }

  private tooLong(caplen: number, offset: number): CaptureError {
    const record = this.ctx.frames + 1;
    return this.ctx.fail(
      `record ${record} at byte offset ${offset}: captured length ${caplen} exceeds the ${MAX_SNAPLEN}-byte limit`,
      record,
      offset,
    );
  }
}

/** Bytes needed to tell a compressed input from a capture. */
const MAGIC_BYTES = 4;

/**
 * The compression of an input that starts with `head`, or undefined: RFC 1952 §2.3.1 (gzip
 * members start 1f 8b), RFC 8878 §3.1.1 (zstd frames start 28 b5 2f fd, 0xFD2FB528 little endian)
 * and §3.1.2 (a zstd stream may open with a skippable frame, 0x184D2A50-5F: pzstd's does).
 */
export function compressionOf(head: Uint8Array): Compression | undefined {
  if (head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b) return 'gzip';
  if (head.length < 4) return undefined;
  if (head[0] === 0x28 && head[1] === 0xb5 && head[2] === 0x2f && head[3] === 0xfd) return 'zstd';
  if ((head[0] & 0xf0) === 0x50 && head[1] === 0x2a && head[2] === 0x4d && head[3] === 0x18) return 'zstd';
  return undefined;
}

/** Files people mistake for captures, by their first bytes (each format's published magic). */
const LOOKALIKES: ReadonlyArray<{ prefix: readonly number[]; what: string }> = [
  { prefix: [0x1f, 0x8b], what: 'gzip: decompress it first' },
  { prefix: [0x28, 0xb5, 0x2f, 0xfd], what: 'zstd: decompress it first' },
  { prefix: [0xfd, 0x37, 0x7a, 0x58], what: 'xz: decompress it first' },
  { prefix: [0x42, 0x5a, 0x68], what: 'bzip2: decompress it first' },
  { prefix: [0x50, 0x4b, 0x03, 0x04], what: 'a zip archive' },
  { prefix: [0x73, 0x6e, 0x6f, 0x6f], what: 'a snoop capture, which is not supported' },
  { prefix: [0x58, 0x43, 0x50, 0x00], what: 'a NetMon capture, which is not supported' },
];

function badMagicMessage(view: DataView, pos: number, avail: number): string {
  const first = Array.from({ length: Math.min(avail, 4) }, (_, i) => view.getUint8(pos + i));
  const hex = first.map((b) => b.toString(16).padStart(2, '0')).join(' ');
  const known = LOOKALIKES.find((l) => l.prefix.every((b, i) => first[i] === b));
  let guess = known?.what;
  if (guess === undefined && first.every((b) => b === 0x09 || b === 0x0a || b === 0x0d || (b >= 0x20 && b < 0x7f))) {
    guess = 'text, perhaps tcpdump output rather than a capture written with -w';
  }
  return `not a pcap or pcapng file (first bytes ${hex}${guess ? `: looks like ${guess}` : ''})`;
}

export interface ReadOptions {
  /** Stop after this many frames (`-c N`). */
  maxFrames?: number;
  /** Stops reading (at once, even mid-chunk); the promise then resolves with `stopped: true`. */
  signal?: AbortSignal;
  /** Name for error messages; defaults to the path, or "stdin". */
  name?: string;
  /** Read size for files; default FILE_CHUNK_BYTES. */
  chunkBytes?: number;
  /**
   * The sink keeps nothing of a frame, not even the object, after it returns: one frame object is
   * refilled for every record instead of a new one each (a tenth of what reading allocated).
   */
  reuseFrame?: boolean;
  /** Frames to skip without building them (see FrameSkip). */
  skip?: FrameSkip;
}

/** Large reads keep the per-chunk cost (a syscall, a carried record) small next to the per-frame work. */
export const FILE_CHUNK_BYTES = 1 << 20;

/** Compressed input is read in smaller pieces: each inflates to several times its size. */
const COMPRESSED_CHUNK_BYTES = 128 << 10;

/**
 * Reads a whole capture, calling `onFrame` for every packet. `source` is a file path, "-" for
 * standard input, or any stream of byte chunks. Resolves when the input is read or reading
 * stopped; rejects with CaptureError on broken input (after delivering every frame before it).
 */
export async function readCapture(
  source: string | AsyncIterable<Uint8Array>,
  onFrame: FrameHandler,
  options: ReadOptions = {},
): Promise<ReadResult> {
  const { signal } = options;
  const path = typeof source === 'string' && source !== '-' ? source : undefined;
  const stream = path === undefined ? (source === '-' ? process.stdin : (source as AsyncIterable<Uint8Array>)) : undefined;
  const parser = new CaptureParser(onFrame, {
    name: options.name ?? path ?? 'stdin',
    maxFrames: options.maxFrames,
    reuseFrame: options.reuseFrame,
    skip: options.skip,
  });
  // Aborting stops delivery at once, even in the middle of a chunk, and ends the stream: an idle
  // pipe yields no chunk at which we could notice.
  const onAbort = (): void => {
    parser.stop();
    (stream as { destroy?: () => void } | undefined)?.destroy?.();
  };
  if (signal?.aborted) parser.stop();
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    if (parser.stopped) {
      // nothing to read
    } else if (path !== undefined) {
      await readFileInto(path, parser, options.chunkBytes ?? FILE_CHUNK_BYTES, parser.name);
    } else {
      await readStreamInto(stream as AsyncIterable<Uint8Array>, parser, parser.name);
    }
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }
  parser.end();
  return parser.result();
}

async function readFileInto(path: string, parser: CaptureParser, chunkBytes: number, name: string): Promise<void> {
  const fd = fs.openSync(path, 'r');
  let compressed = false;
  try {
    const buffer = new Uint8Array(chunkBytes);
    for (let first = true; ; first = false) {
      const n = fs.readSync(fd, buffer, 0, buffer.length, null);
      if (n === 0) return;
      if (first) {
        const kind = compressionOf(buffer.subarray(0, n));
        if (kind !== undefined) {
          compressed = true;
          fs.closeSync(fd);
          const input = fs.createReadStream(path, { highWaterMark: COMPRESSED_CHUNK_BYTES });
          try {
            const { decompressInto } = await import('./compressed.js');
            return await decompressInto(kind, input, parser, name);
          } finally {
            input.destroy();
          }
        }
      }
      parser.push(buffer.subarray(0, n));
      if (parser.stopped) return;
      // Synchronous reads are the fast path, but yielding between chunks lets a SIGINT handler or
      // a timer run (and abort us) while a large file is read.
      await new Promise<void>((resolve) => setImmediate(resolve));
      if (parser.stopped) return;
    }
  } finally {
    if (!compressed) fs.closeSync(fd);
  }
}

async function readStreamInto(stream: AsyncIterable<Uint8Array>, parser: CaptureParser, name: string): Promise<void> {
  const chunks = stream[Symbol.asyncIterator]();
  try {
    // The first MAGIC_BYTES tell a compressed stream; a pipe may hand them over in pieces.
    const head: Uint8Array[] = [];
    let headBytes = 0;
    while (headBytes < MAGIC_BYTES) {
      const next = await chunks.next();
      if (next.done) break;
      head.push(next.value);
      headBytes += next.value.length;
    }
    const first = head.length === 1 ? head[0] : Buffer.concat(head);
    const kind = compressionOf(first);
    if (kind !== undefined) {
      const rest: AsyncIterable<Uint8Array> = { [Symbol.asyncIterator]: () => chunks };
      const { decompressInto } = await import('./compressed.js');
      return await decompressInto(kind, prepend(first, rest), parser, name);
    }
    if (first.length > 0) parser.push(first);
    if (parser.stopped) return;
    for (let next = await chunks.next(); !next.done; next = await chunks.next()) {
      parser.push(next.value);
      if (parser.stopped) return;
    }
  } catch (err) {
    // A stream we destroyed on abort ends with a premature-close error: that is the stop, not a fault.
    if (!parser.stopped || err instanceof CaptureError) throw err;
  } finally {
    // As a for-await loop would on leaving early: a stream stopped at -c N is closed.
    if (parser.stopped) await chunks.return?.()?.catch(() => {});
  }
}

async function* prepend(first: Uint8Array, rest: AsyncIterable<Uint8Array>): AsyncIterable<Uint8Array> {
  yield first;
  yield* rest;
}
