// Flight recorder (`--evidence DIR`): the last `seconds` of captured frames, in packet time, kept
// in a ring bounded in time and bytes; a trigger (a critical alert) writes the ring plus the next
// `seconds` to a pcap named after the alert, so the moment before a split brain is on disk when
// someone looks at it. Disk use in DIR is bounded: the oldest evidence files go first.
//
// The probe must outlive its evidence: a full disk or an unwritable directory is one log line and
// a counted error, never an exception into the capture loop.

import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Frame } from '../frame.js';
import { MAX_SNAPLEN } from './types.js';
import { FrameRing, type KeptFrame } from './frame-ring.js';
import { PcapngWriter, PcapWriter, type PcapngInterface } from './writer.js';

export interface FlightRecorderOptions {
  /** Directory for evidence files (created if missing). */
  dir: string;
  /** Frames kept before a trigger and written after it, in seconds of packet time. */
  seconds: number;
  /** Most bytes of evidence files in `dir`; the oldest files are deleted first. */
  maxBytes: number;
  /** LINKTYPE_ of the frames (one per recorder: a pcap has one link type). */
  linkType: number;
  /**
   * Several interfaces (live -i A -i B): frames are kept with their interface (Frame.iface, by
   * name) and evidence is pcapng, one interface description each, so it reads back with the same
   * segments. `linkType` is then unused: each interface has its own.
   */
  interfaces?: readonly PcapngInterface[];
  /** Longest frame kept; default MAX_SNAPLEN. */
  snaplen?: number;
  log?: (line: string) => void;
}

export interface TriggerInfo {
  /** Packet time of the alert, epoch seconds. */
  ts: number;
  segment: string;
  vrid: number | null;
  kind: string;
}

export interface FlightRecorderStats {
  /** Evidence files in `dir` now. */
  files: number;
  /** Their bytes. */
  bytes: number;
  /** Evidence that could not be written (full disk, unwritable directory). */
  errors: number;
}

/** Our evidence files, and only those, are what the disk bound may delete. */
const PREFIX = 'vrrpscope-evidence-';
const PCAP_FILE_HEADER_BYTES = 24;
const PCAP_RECORD_HEADER_BYTES = 16;
/** pcapng: section header, then per interface a description with its name (at most 64 bytes kept). */
const PCAPNG_SECTION_BYTES = 28;
const PCAPNG_INTERFACE_BYTES = 20 + 8 + 64;
/** An enhanced packet block around the data, which it pads to 4 bytes. */
const PCAPNG_RECORD_HEADER_BYTES = 32 + 3;
/** A file being written is flushed at least this often (packet time), so it can be read while open. */
const FLUSH_EVERY_S = 1;
/** 120 s of 255 VRIDs x 2 families is 5 MB, of 20 VRIDs every 10 ms 39 MB (BENCHMARKS.md). */
export const RING_MAX_BYTES = 64 * 1024 * 1024;

/** `2026-12-04T13:45:00.123Z` as a file name part: 20261204T134500.123Z. */
function fileTime(ts: number): string {
  const d = new Date(Math.round(ts * 1000));
  return Number.isNaN(d.getTime()) ? 'unknown-time' : d.toISOString().replace(/[-:]/g, '');
}

/** Wire or interface text as a file name part: safe characters only, bounded. */
export function fileNamePart(s: string, max = 40): string {
  const safe = s.replace(/[^A-Za-z0-9._-]+/g, '_').replace(/\.{2,}/g, '_').replace(/^\./, '_');
  return (safe || '_').slice(0, max);
}

export function evidenceFileName(info: TriggerInfo, extension = '.pcap'): string {
  const vrid = info.vrid === null ? 'novrid' : `vrid${info.vrid}`;
  return `${PREFIX}${fileTime(info.ts)}-${fileNamePart(info.segment)}-${vrid}-${fileNamePart(info.kind)}${extension}`;
}

export class FlightRecorder {
  private readonly dir: string;
  private readonly seconds: number;
  private readonly maxBytes: number;
  /**
   * The ring's byte bound: half the disk bound, so a file of ring plus what follows fits, and at
   * most RING_MAX_BYTES, so a flood costs a probe bounded memory whatever the disk allows.
   */
  private readonly ringMaxBytes: number;
  private readonly linkType: number;
  /** Several interfaces: each one's index in the pcapng by name, and its link type. */
  private readonly interfaces: readonly PcapngInterface[] | null;
  private readonly ifaceIndex = new Map<string, number>();
  /** Bytes of a file's header, and the most a record adds besides its data. */
  private readonly headerBytes: number;
  private readonly recordHeaderBytes: number;
  private readonly snaplen: number;
  private readonly log: (line: string) => void;
  private readonly ring = new FrameRing();
  /** Evidence files on disk, oldest first, with their sizes. */
  private readonly files: { path: string; bytes: number }[] = [];
  private errors = 0;
  private active: { writer: PcapWriter | PcapngWriter; path: string; until: number; bytes: number; flushedAt: number } | null = null;
  /** Bytes of the evidence files other than the one being written (so a write needs no sum over files). */
  private otherBytes = 0;
  private closed = false;

  constructor(opts: FlightRecorderOptions) {
    if (!(opts.seconds > 0)) throw new RangeError(`evidence seconds must be positive: ${opts.seconds}`);
    if (!(opts.maxBytes > 0)) throw new RangeError(`evidence bytes must be positive: ${opts.maxBytes}`);
    this.dir = opts.dir;
    this.seconds = opts.seconds;
    this.maxBytes = opts.maxBytes;
    this.ringMaxBytes = Math.min(Math.floor(opts.maxBytes / 2), RING_MAX_BYTES);
    this.linkType = opts.linkType;
    this.interfaces = opts.interfaces ?? null;
    this.interfaces?.forEach((iface, i) => this.ifaceIndex.set(iface.name, i));
    this.headerBytes = this.interfaces ? PCAPNG_SECTION_BYTES + this.interfaces.length * PCAPNG_INTERFACE_BYTES : PCAP_FILE_HEADER_BYTES;
    this.recordHeaderBytes = this.interfaces ? PCAPNG_RECORD_HEADER_BYTES : PCAP_RECORD_HEADER_BYTES;
    this.snaplen = opts.snaplen ?? MAX_SNAPLEN;
    this.log = opts.log ?? (() => {});
    this.scan();
  }

  /** Keeps a copy of the frame (capture buffers are reused), and writes it if evidence is being recorded. */
  frame(f: Frame): void {
    if (this.closed) return;
    let iface = 0;
    if (this.interfaces) {
      const known = this.ifaceIndex.get(f.iface ?? '');
      if (known === undefined || this.interfaces[known].linkType !== f.linkType) return;
      iface = known;
    } else if (f.linkType !== this.linkType) return;
    const src = f.data;
    const data = src.length > this.snaplen ? src.subarray(0, this.snaplen) : src;
    const origLen = Math.max(f.origLen, src.length);
    const active = this.active;
    if (active) {
      if (f.ts > active.until) this.finishActive();
      else this.write({ ts: f.ts, data, origLen, iface });
    }
    this.ring.push(f.ts, data, origLen, iface);
    this.trim(f.ts);
  }

  /**
   * Starts an evidence file (the ring now, then frames for `seconds` more) and returns its path;
   * while one is being written, extends it to `seconds` after this trigger and returns its path.
   * null when the file could not be written (logged and counted).
   */
  trigger(info: TriggerInfo): string | null {
    if (this.closed) return null;
    const active = this.active;
    if (active) {
      active.until = Math.max(active.until, info.ts + this.seconds);
      return active.path;
    }
    const extension = this.interfaces ? '.pcapng' : '.pcap';
    let file = path.join(this.dir, evidenceFileName(info, extension));
    try {
      fs.mkdirSync(this.dir, { recursive: true });
      for (let n = 2; fs.existsSync(file); n++) file = file.replace(/(-\d+)?\.pcap(ng)?$/, `-${n}${extension}`);
      const ring = this.ring;
      this.makeRoom(this.headerBytes + ring.bytes + ring.size * this.recordHeaderBytes);
      this.otherBytes = this.diskBytes();
      const writer = this.interfaces
        ? new PcapngWriter(file, this.interfaces, { snapLen: this.snaplen })
        : new PcapWriter(file, { linkType: this.linkType, snapLen: this.snaplen });
      this.active = { writer, path: file, until: info.ts + this.seconds, bytes: this.headerBytes, flushedAt: info.ts };
      this.files.push({ path: file, bytes: this.headerBytes });
      ring.each((f) => {
        if (this.active) this.write(f);
      });
      this.active?.writer.flush();
    } catch (err) {
      this.fail(file, err);
      return null;
    }
    return this.active ? file : null;
  }

  stats(): FlightRecorderStats {
    return { files: this.files.length, bytes: this.diskBytes(), errors: this.errors };
  }

  private diskBytes(): number {
    let bytes = 0;
    for (const f of this.files) bytes += f.bytes;
    return bytes;
  }

  /** Completes the file being written (what was recorded so far) and stops recording. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.finishActive();
    this.closed = true;
    this.ring.clear();
  }

  private write(kept: KeptFrame): void {
    const active = this.active!;
    const recordBytes = this.recordHeaderBytes + kept.data.length;
    // One file never outgrows the disk bound: past it, the file ends (it would delete itself).
    if (active.bytes + recordBytes > this.maxBytes) {
      this.log(`evidence ${active.path}: reached --evidence-max (${this.maxBytes} bytes); file ends here`);
      this.finishActive();
      return;
    }
    try {
      if (this.otherBytes + active.bytes + recordBytes > this.maxBytes) {
        this.makeRoom(recordBytes, active.path);
        this.otherBytes = this.diskBytes() - active.bytes;
      }
      if (active.writer instanceof PcapngWriter) active.writer.write(kept, kept.iface);
      else active.writer.write(kept);
      active.bytes += recordBytes;
      this.files[this.files.length - 1].bytes = active.bytes;
      if (kept.ts - active.flushedAt >= FLUSH_EVERY_S) {
        active.writer.flush();
        active.flushedAt = kept.ts;
      }
    } catch (err) {
      this.fail(active.path, err);
    }
  }

  private finishActive(): void {
    const active = this.active;
    if (!active) return;
    this.active = null;
    try {
      active.writer.close();
    } catch (err) {
      this.fail(active.path, err);
    }
  }

  private fail(file: string, err: unknown): void {
    this.errors++;
    const e = err as { code?: string; message?: string };
    this.log(`evidence ${file}: ${e?.code ? `${e.code}: ` : ''}${e?.message ?? String(err)}; capture goes on`);
    const active = this.active;
    if (active) {
      this.active = null;
      try {
        active.writer.close();
      } catch {
        // the disk refused the buffered records too: the file keeps what reached it
      }
    }
    this.refreshSize(file);
  }

  /** Drops frames older than `seconds` before `now`, and the oldest beyond the byte bound. */
  private trim(now: number): void {
    const ring = this.ring;
    const oldest = now - this.seconds;
    while (ring.size > 1 && (ring.oldestTs() < oldest || ring.bytes + ring.size * this.recordHeaderBytes > this.ringMaxBytes)) ring.shift();
  }

  /** Deletes the oldest evidence files (never the one being written) until `bytes` more fit. */
  private makeRoom(bytes: number, keep?: string): void {
    let total = this.diskBytes();
    while (total + bytes > this.maxBytes && this.files.length > 0 && this.files[0].path !== keep) {
      const victim = this.files.shift()!;
      total -= victim.bytes;
      try {
        fs.unlinkSync(victim.path);
      } catch (err) {
        if ((err as { code?: string }).code !== 'ENOENT') this.log(`evidence ${victim.path}: cannot delete: ${(err as Error).message}`);
      }
    }
  }

  /** Evidence files already in `dir` (from an earlier run) count towards the bound, oldest first. */
  private scan(): void {
    let names: string[];
    try {
      names = fs.readdirSync(this.dir);
    } catch {
      return; // created on the first trigger; an error then is logged there
    }
    const found: { path: string; bytes: number; mtimeMs: number }[] = [];
    for (const name of names) {
      if (!name.startsWith(PREFIX) || !(name.endsWith('.pcap') || name.endsWith('.pcapng'))) continue;
      try {
        const st = fs.statSync(path.join(this.dir, name));
        if (st.isFile()) found.push({ path: path.join(this.dir, name), bytes: st.size, mtimeMs: st.mtimeMs });
      } catch {
        // gone meanwhile
      }
    }
    found.sort((a, b) => a.mtimeMs - b.mtimeMs || a.path.localeCompare(b.path));
    for (const f of found) this.files.push({ path: f.path, bytes: f.bytes });
  }

  private refreshSize(file: string): void {
    const entry = this.files.find((f) => f.path === file);
    if (!entry) return;
    try {
      entry.bytes = fs.statSync(file).size;
    } catch {
      this.files.splice(this.files.indexOf(entry), 1);
    }
  }
}
