// What capture sources share besides the frame itself (src/frame.ts).
import type { Frame } from '../frame.js';

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

/**
 * Largest captured length a record may have: libpcap's MAXIMUM_SNAPLEN (pcap-int.h), which is
 * also the snap length tcpdump captures with by default. A longer record is corrupt.
 */
export const MAX_SNAPLEN = 262_144;

/** What the capture itself counted: frames read, and libpcap's counters for a live capture. */
export interface CaptureTotals {
  frames: number;
  /** libpcap counters (live only). */
  received?: number;
  dropped?: number;
  ifDropped?: number;
}
