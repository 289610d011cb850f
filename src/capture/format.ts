// What the capture parser (file.ts) and each format's reader (the classic records in file.ts,
// pcapng.ts) see of each other: apart, so neither module imports the other's types.

import type { CaptureError } from './types.js';

export type CaptureFormat = 'pcap' | 'pcapng';

/** What a format reader sees of the parser that drives it. */
export interface ParseContext {
  /** Frames delivered so far; the next record's number is frames + 1. */
  readonly frames: number;
  trimmedFrames: number;
  /**
   * Hands the frame in bytes[start, end) to the sink (`view` is a DataView on `bytes`), captured at
   * `seconds` + `micros` µs (see BufferFrame); true when the reader must stop now.
   */
  deliver(seconds: number, micros: number, linkType: number, bytes: Uint8Array, view: DataView, start: number, end: number, origLen: number, offset: number): boolean;
  addLinkType(linkType: number): void;
  /** The capture interface of the frames delivered next ('' when the format does not name one). */
  iface: string;
  fail(message: string, record: number, offset: number): CaptureError;
}

/**
 * One capture format. A "unit" is what the format reads in one piece: the classic file header, a
 * classic record, or a pcapng block.
 */
export interface FormatReader {
  readonly format: CaptureFormat;
  /**
   * Total bytes the unit at `pos` needs, judged from the `avail` bytes present there: its fixed
   * header size while that is incomplete, then its full length. Throws CaptureError when the
   * header announces a length that cannot be right, so nothing is ever sized from it.
   */
  unitLength(view: DataView, pos: number, avail: number, offset: number): number;
  /** Reads whole units from bytes[pos, end) and returns where the first incomplete one starts. */
  parse(bytes: Uint8Array, view: DataView, pos: number, end: number, base: number): number;
  /** The error for an input that ends `have` bytes into a unit that needs `need`. */
  truncated(view: DataView, have: number, offset: number, need: number): CaptureError;
}
