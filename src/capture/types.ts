// What every capture source (file reader, libpcap) hands to the decoders.

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
}

export type FrameSink = (frame: Frame) => void;

/** A capture source stopped because its input is broken. Everything before `record` was delivered. */
export class CaptureError extends Error {
  constructor(
    message: string,
    /** 1-based number of the record that could not be read (0 for the file header). */
    readonly record: number,
    /** Byte offset where the problem was found. */
    readonly offset: number,
  ) {
    super(message);
    this.name = 'CaptureError';
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

/**
 * Largest captured length a record may have: libpcap's MAXIMUM_SNAPLEN (pcap-int.h), which is
 * also the snap length tcpdump captures with by default. A longer record is corrupt.
 */
export const MAX_SNAPLEN = 262_144;
