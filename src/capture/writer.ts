// Classic pcap writer (draft-ietf-opsawg-pcap §4, §5): microsecond timestamps, little endian,
// the format every tool reads. Everything is synchronous so close() can run from a signal
// handler or an exit hook and still leave a complete file.

import * as fs from 'node:fs';
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

export class PcapWriter {
  readonly snapLen: number;
  private written = 0;
  private fd: number | undefined;
  private readonly buffer = new Uint8Array(WRITER_BUFFER_BYTES);
  private readonly view = new DataView(this.buffer.buffer);
  private used = 0;

  /** Creates (or truncates) the file and writes the header at once, so even an empty capture is valid. */
  constructor(
    readonly path: string,
    options: PcapWriterOptions,
  ) {
    const snapLen = options.snapLen ?? MAX_SNAPLEN;
    if (!Number.isInteger(snapLen) || snapLen < 1 || snapLen > MAX_SNAPLEN) {
      throw new RangeError(`snap length ${snapLen} is outside 1-${MAX_SNAPLEN}`);
    }
    this.snapLen = snapLen;
    this.fd = fs.openSync(path, 'w');
    const v = this.view;
    v.setUint32(0, MAGIC_MICROSECONDS, true);
    v.setUint16(4, 2, true); // version 2.4, the only one in use
    v.setUint16(6, 4, true);
    v.setInt32(8, 0, true); // thiszone: timestamps are UTC
    v.setUint32(12, 0, true); // sigfigs: always 0 in practice
    v.setUint32(16, snapLen, true);
    v.setUint32(20, options.linkType, true);
    this.used = FILE_HEADER_BYTES;
    try {
      this.flush();
    } catch (err) {
      // A full disk refuses even the header: do not leak the descriptor of a file nobody can use.
      fs.closeSync(this.fd);
      this.fd = undefined;
      throw err;
    }
  }

  write(frame: WritableFrame): void {
    if (this.fd === undefined) throw new Error(`${this.path}: write after close`);
    const micros = Math.round(frame.ts * 1e6);
    if (!(micros >= 0 && micros < 2 ** 32 * 1e6)) {
      throw new RangeError(`timestamp ${frame.ts} does not fit a pcap record (unsigned 32-bit seconds)`);
    }
    const seconds = Math.floor(micros / 1e6);
    const caplen = Math.min(frame.data.length, this.snapLen);
    if (this.used + RECORD_HEADER_BYTES + caplen > this.buffer.length) this.flush();
    const v = this.view;
    const at = this.used;
    v.setUint32(at, seconds, true);
    v.setUint32(at + 4, micros - seconds * 1e6, true);
    v.setUint32(at + 8, caplen, true);
    v.setUint32(at + 12, Math.max(frame.origLen ?? 0, frame.data.length), true);
    this.used += RECORD_HEADER_BYTES;
    const data = frame.data.subarray(0, caplen);
    if (this.used + caplen <= this.buffer.length) {
      this.buffer.set(data, this.used);
      this.used += caplen;
    } else {
      // Only a frame larger than the whole buffer gets here: write it straight through.
      this.flush();
      writeAll(this.fd, data);
    }
    this.written++;
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
}

function writeAll(fd: number, bytes: Uint8Array): void {
  let done = 0;
  while (done < bytes.length) {
    const n = fs.writeSync(fd, bytes, done, bytes.length - done);
    if (n <= 0) throw new Error(`write returned ${n}: the file cannot grow`);
    done += n;
  }
}
