// A captured frame as capture sources hand it to the decoders: the one type both capture/ and
// decode/ import (decode does not depend on capture, nor capture on decode).

/** One captured frame. `data` is a view into the source's buffer: valid only until the callback returns. */
export interface Frame {
  /** Epoch seconds with the capture's sub-second resolution (µs exact; ns rounded to the nearest µs). */
  ts: number;
  /** DLT_/LINKTYPE_ value of the interface this frame came from. */
  linkType: number;
  data: Uint8Array;
  /** Length of the packet on the wire; larger than data.length when the snap length cut it. */
  origLen: number;
  /** 1-based record number in the capture (counting packet records only). */
  record: number;
  /** Byte offset of the record (or pcapng block) header in the file; -1 for live capture. */
  offset: number;
  /**
   * The capture interface, where the capture names it: a pcapng interface's if_name (`#N` for an
   * unnamed interface N > 0), or the live interface; '' or absent when the capture does not tell.
   */
  iface?: string;
}

/** A record's time in epoch seconds from its whole seconds and microseconds (see BufferFrame). */
export function frameTime(seconds: number, micros: number): number {
  // One division of the exact integer count gives the double nearest the true time.
  return micros === 0 ? seconds : (seconds * 1e6 + micros) / 1e6;
}

/**
 * A frame as a window on its source's buffer. `data` is made when first asked for: a consumer
 * that reads the bytes through `buffer` / `view` from `start` to `end` (the decoder answering a
 * repeated frame from memory) creates no view at all, which was a tenth of the cost of reading a
 * file. Like `data`, the buffer holds the frame only until the callback returns. The window is
 * private, so `{ ...frame, data: frame.data.slice() }` is a plain Frame holding a copy.
 */
export class BufferFrame implements Frame {
  // Fields start as numbers, not undefined (what a declared field or parameter property starts
  // as): a field that once held undefined stores every later fractional time as a new heap number.
  ts = 0;
  linkType = 0;
  origLen = 0;
  record = 0;
  offset = 0;
  /** Set by the source after refill() where the capture names the interface (see Frame.iface). */
  iface = '';
  #buffer: Uint8Array;
  #view: DataView;
  #start = 0;
  #end = 0;
  #data: Uint8Array | null = null;

  /**
   * The time is `seconds` plus `micros` microseconds, both whole numbers (a pcap record's fields),
   * so no fractional number is passed along (V8 boxes one on every call it does not inline); a
   * source with a computed time passes it as `seconds` with `micros` 0.
   */
  constructor(seconds: number, micros: number, linkType: number, buffer: Uint8Array, view: DataView, start: number, end: number, origLen: number, record: number, offset: number) {
    this.#buffer = buffer;
    this.#view = view;
    this.refill(seconds, micros, linkType, buffer, view, start, end, origLen, record, offset);
  }

  /** Makes this object the next frame (for a source whose consumer keeps nothing of a frame: see ReadOptions.reuseFrame). */
  refill(seconds: number, micros: number, linkType: number, buffer: Uint8Array, view: DataView, start: number, end: number, origLen: number, record: number, offset: number): this {
    this.ts = frameTime(seconds, micros);
    this.linkType = linkType;
    this.origLen = origLen;
    this.record = record;
    this.offset = offset;
    this.#buffer = buffer;
    this.#view = view;
    this.#start = start;
    this.#end = end;
    this.#data = null;
    return this;
  }

  get data(): Uint8Array {
    return (this.#data ??= this.#buffer.subarray(this.#start, this.#end));
  }

  /** The source's buffer (a file chunk, libpcap's packet buffer); the frame is buffer[start, end). */
  get buffer(): Uint8Array {
    return this.#buffer;
  }

  /** A DataView on `buffer`, with the same offsets. */
  get view(): DataView {
    return this.#view;
  }

  get start(): number {
    return this.#start;
  }

  get end(): number {
    return this.#end;
  }
}

/** Link types we decode; values from https://www.tcpdump.org/linktypes.html */
export const LinkType = {
  NULL: 0, // BSD loopback, host byte order family
  ETHERNET: 1,
  RAW_12: 12, // DLT_RAW on some BSDs
  RAW_14: 14, // DLT_RAW on OpenBSD
  LOOP: 108, // OpenBSD loopback, network byte order family
  RAW: 101,
  LINUX_SLL: 113,
  IPV4: 228,
  IPV6: 229,
  LINUX_SLL2: 276,
} as const;
