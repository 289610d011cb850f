// Classic pcap writer (draft-ietf-opsawg-pcap §4, §5): microsecond timestamps, little endian,
// the format every tool reads. Everything is synchronous so close() can run from a signal
// handler or an exit hook and still leave a complete file.

import * as fs from 'node:fs';
import { BlockType, BYTE_ORDER_MAGIC, Option } from './pcapng.js';
import { MAX_SNAPLEN } from './types.js';

export interface PcapWriterOptions {
  /** LINKTYPE_ value for the header (see LinkType). */
  linkType: number;
  /** Longest record to keep; longer frames are cut to it. Default MAX_SNAPLEN. */
  snapLen?: number;
}

/** What write() needs of a frame; a Frame fits. */
export interface WritableFrame {
  /** Epoch seconds. */
  ts: number;
  data: Uint8Array;
  /** Length on the wire; defaults to data.length. */
  origLen?: number;
}

const MAGIC_MICROSECONDS = 0xa1b2c3d4;
const FILE_HEADER_BYTES = 24;
const RECORD_HEADER_BYTES = 16;
/** Records are gathered and written in one writeSync per this many bytes. */
export const WRITER_BUFFER_BYTES = 64 * 1024;

/** The buffered, synchronous file both formats write through. */
abstract class CaptureFileWriter {
  readonly snapLen: number;
  protected written = 0;
  protected fd: number | undefined;
  protected readonly buffer = new Uint8Array(WRITER_BUFFER_BYTES);
  protected readonly view = new DataView(this.buffer.buffer);
  protected used = 0;

  /** Creates (or truncates) the file and writes `header` at once, so even an empty capture is valid. */
  protected constructor(
    readonly path: string,
    snapLen: number | undefined,
    header: (w: CaptureFileWriter) => void,
  ) {
    const len = snapLen ?? MAX_SNAPLEN;
    if (!Number.isInteger(len) || len < 1 || len > MAX_SNAPLEN) {
      throw new RangeError(`snap length ${len} is outside 1-${MAX_SNAPLEN}`);
    }
    this.snapLen = len;
    this.fd = fs.openSync(path, 'w');
    try {
      header(this);
      this.flush();
    } catch (err) {
      // A full disk refuses even the header: do not leak the descriptor of a file nobody can use.
      fs.closeSync(this.fd);
      this.fd = undefined;
      throw err;
    }
  }

  /** Records written so far. */
  get records(): number {
    return this.written;
  }

  /** Writes out everything buffered. */
  flush(): void {
    if (this.fd === undefined || this.used === 0) return;
    writeAll(this.fd, this.buffer.subarray(0, this.used));
    this.used = 0;
  }

  /** Flushes and closes; safe to call more than once, and from a signal handler (all synchronous). */
  close(): void {
    if (this.fd === undefined) return;
    try {
      this.flush();
    } finally {
      fs.closeSync(this.fd);
      this.fd = undefined;
    }
  }

  /** Room for `bytes` more in the buffer (flushing if needed); throws after close. */
  protected reserve(bytes: number): void {
    if (this.fd === undefined) throw new Error(`${this.path}: write after close`);
    if (this.used + bytes > this.buffer.length) this.flush();
  }

  /** Appends `bytes`, or writes them straight through when they are larger than the whole buffer. */
  protected put(bytes: Uint8Array): void {
    if (this.used + bytes.length <= this.buffer.length) {
      this.buffer.set(bytes, this.used);
      this.used += bytes.length;
    } else {
      this.flush();
      writeAll(this.fd!, bytes);
    }
  }
}

export class PcapWriter extends CaptureFileWriter {
  constructor(path: string, options: PcapWriterOptions) {
    super(path, options.snapLen, (w) => (w as PcapWriter).header(options.linkType));
  }

  private header(linkType: number): void {
    const v = this.view;
    v.setUint32(0, MAGIC_MICROSECONDS, true);
    v.setUint16(4, 2, true); // version 2.4, the only one in use
    v.setUint16(6, 4, true);
    v.setInt32(8, 0, true); // thiszone: timestamps are UTC
    v.setUint32(12, 0, true); // sigfigs: always 0 in practice
    v.setUint32(16, this.snapLen, true);
    v.setUint32(20, linkType, true);
    this.used = FILE_HEADER_BYTES;
  }

  write(frame: WritableFrame): void {
    const micros = Math.round(frame.ts * 1e6);
    if (!(micros >= 0 && micros < 2 ** 32 * 1e6)) {
      throw new RangeError(`timestamp ${frame.ts} does not fit a pcap record (unsigned 32-bit seconds)`);
    }
    const seconds = Math.floor(micros / 1e6);
    const caplen = Math.min(frame.data.length, this.snapLen);
    this.reserve(RECORD_HEADER_BYTES + caplen);
    const v = this.view;
    const at = this.used;
    v.setUint32(at, seconds, true);
    v.setUint32(at + 4, micros - seconds * 1e6, true);
    v.setUint32(at + 8, caplen, true);
    v.setUint32(at + 12, Math.max(frame.origLen ?? 0, frame.data.length), true);
    this.used += RECORD_HEADER_BYTES;
    this.put(frame.data.subarray(0, caplen));
    this.written++;
  }
}

/** One interface of a pcapng file. */
export interface PcapngInterface {
  /** if_name: what the reader gives as Frame.iface. */
  name: string;
  /** LINKTYPE_ value of its frames. */
  linkType: number;
}

/** Enhanced packet block without its data: block frame (12), interface, time (8), lengths (8). */
const PCAPNG_EPB_BYTES = 32;
const NAME_ENCODER = new TextEncoder();
const ZERO_PAD = new Uint8Array(4);

/**
 * pcapng with one interface description per interface (in the order given: a frame names its
 * interface by that index), microsecond timestamps (no if_tsresol: the default, 10^-6).
 */
export class PcapngWriter extends CaptureFileWriter {
  constructor(path: string, interfaces: readonly PcapngInterface[], options: { snapLen?: number } = {}) {
    super(path, options.snapLen, (w) => (w as PcapngWriter).header(interfaces));
  }

  private header(interfaces: readonly PcapngInterface[]): void {
    const v = this.view;
    // Section header (§4.1): no options, section length unknown (-1).
    v.setUint32(0, BlockType.SECTION_HEADER, true);
    v.setUint32(4, 28, true);
    v.setUint32(8, BYTE_ORDER_MAGIC, true);
    v.setUint16(12, 1, true);
    v.setUint16(14, 0, true);
    v.setInt32(16, -1, true);
    v.setInt32(20, -1, true);
    v.setUint32(24, 28, true);
    this.used = 28;
    for (const iface of interfaces) {
      // Interface description (§4.2) with if_name and the end of options.
      const name = NAME_ENCODER.encode(iface.name);
      const padded = (name.length + 3) & ~3;
      const total = 20 + (name.length > 0 ? 4 + padded + 4 : 0);
      this.reserve(total);
      const at = this.used;
      v.setUint32(at, BlockType.INTERFACE_DESCRIPTION, true);
      v.setUint32(at + 4, total, true);
      v.setUint16(at + 8, iface.linkType, true);
      v.setUint16(at + 10, 0, true);
      v.setUint32(at + 12, this.snapLen, true);
      this.used += 16;
      if (name.length > 0) {
        v.setUint16(this.used, Option.IF_NAME, true);
        v.setUint16(this.used + 2, name.length, true);
        this.used += 4;
        this.put(name);
        this.put(ZERO_PAD.subarray(0, padded - name.length));
        v.setUint32(this.used, Option.END, true); // opt_endofopt, and its length 0
        this.used += 4;
      }
      v.setUint32(this.used, total, true);
      this.used += 4;
    }
  }

  /** Writes `frame` as seen on interface `iface` (its index in the list given at construction). */
  write(frame: WritableFrame, iface: number): void {
    const micros = Math.round(frame.ts * 1e6);
    if (!(micros >= 0 && micros <= Number.MAX_SAFE_INTEGER)) throw new RangeError(`timestamp ${frame.ts} does not fit a pcapng record`);
    const caplen = Math.min(frame.data.length, this.snapLen);
    const padded = (caplen + 3) & ~3;
    const total = PCAPNG_EPB_BYTES + padded;
    this.reserve(total);
    const v = this.view;
    const at = this.used;
    v.setUint32(at, BlockType.ENHANCED_PACKET, true);
    v.setUint32(at + 4, total, true);
    v.setUint32(at + 8, iface, true);
    v.setUint32(at + 12, Math.floor(micros / 2 ** 32), true);
    v.setUint32(at + 16, micros % 2 ** 32, true);
    v.setUint32(at + 20, caplen, true);
    v.setUint32(at + 24, Math.max(frame.origLen ?? 0, frame.data.length), true);
    this.used += 28;
    this.put(frame.data.subarray(0, caplen));
    this.put(ZERO_PAD.subarray(0, padded - caplen));
    v.setUint32(this.used, total, true);
    this.used += 4;
    this.written++;
  }
}

function writeAll(fd: number, bytes: Uint8Array): void {
  let done = 0;
  while (done < bytes.length) {
    const n = fs.writeSync(fd, bytes, done, bytes.length - done);
    if (n <= 0) throw new Error(`write returned ${n}: the file cannot grow`);
    done += n;
  }
}
