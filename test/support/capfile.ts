// Test-only writer of capture files, so each reader test builds exactly the bytes it needs,
// broken ones included: every length and magic can be overridden.

import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { CaptureParser, type ReadResult } from '../../src/capture/file.js';
import { CaptureError } from '../../src/capture/types.js';
import { type Frame } from '../../src/frame.js';

/** Bytes appended in one byte order. */
export class ByteBuilder {
  private buf = new Uint8Array(64);
  private view = new DataView(this.buf.buffer);
  length = 0;

  constructor(readonly littleEndian = true) {}

  u8(v: number): this {
    this.room(1).setUint8(this.length, v);
    this.length += 1;
    return this;
  }

  u16(v: number): this {
    this.room(2).setUint16(this.length, v, this.littleEndian);
    this.length += 2;
    return this;
  }

  u32(v: number): this {
    this.room(4).setUint32(this.length, v >>> 0, this.littleEndian);
    this.length += 4;
    return this;
  }

  u64(v: bigint): this {
    this.room(8).setBigUint64(this.length, BigInt.asUintN(64, v), this.littleEndian);
    this.length += 8;
    return this;
  }

  bytes(data: Uint8Array | readonly number[]): this {
    this.room(data.length);
    this.buf.set(data, this.length);
    this.length += data.length;
    return this;
  }

  /** Zero bytes up to the next multiple of `align`. */
  pad(align = 4): this {
    while (this.length % align !== 0) this.u8(0);
    return this;
  }

  finish(): Uint8Array {
    return this.buf.slice(0, this.length);
  }

  private room(n: number): DataView {
    if (this.length + n > this.buf.length) {
      const next = new Uint8Array(Math.max(this.buf.length * 2, this.length + n));
      next.set(this.buf.subarray(0, this.length));
      this.buf = next;
      this.view = new DataView(next.buffer);
    }
    return this.view;
  }
}

/** The parts end to end, as a plain Uint8Array (a Buffer would not deep-equal one in assertions). */
export function concat(...parts: Uint8Array[]): Uint8Array {
  const joined = Buffer.concat(parts);
  return new Uint8Array(joined.buffer, joined.byteOffset, joined.length);
}

/** Deterministic frame contents: `length` bytes starting at `seed`. */
export function payload(length: number, seed = 0): Uint8Array {
  return Uint8Array.from({ length }, (_, i) => (seed + i * 7) & 0xff);
}

// ---- classic pcap ----

export interface PcapRecordSpec {
  seconds: number;
  /** Microseconds, or nanoseconds in a nanosecond file. */
  fraction: number;
  data: Uint8Array;
  origLen?: number;
  /** Captured length to claim, when a test wants it to lie. */
  caplen?: number;
}

export interface PcapSpec {
  littleEndian?: boolean;
  nanos?: boolean;
  /** Kuznetzov's modified format: 8 more bytes per record header. */
  modified?: boolean;
  magic?: number;
  version?: readonly [number, number];
  snapLen?: number;
  linkType?: number;
  records: readonly PcapRecordSpec[];
}

export function pcapMagic(spec: Pick<PcapSpec, 'nanos' | 'modified'>): number {
  if (spec.modified) return 0xa1b2cd34;
  return spec.nanos ? 0xa1b23c4d : 0xa1b2c3d4;
}

/** A classic pcap file; `offsets` are where each record header starts. */
export function pcapFile(spec: PcapSpec): { bytes: Uint8Array; offsets: number[] } {
  const b = new ByteBuilder(spec.littleEndian ?? true);
  const [major, minor] = spec.version ?? [2, 4];
  b.u32(spec.magic ?? pcapMagic(spec)).u16(major).u16(minor).u32(0).u32(0);
  b.u32(spec.snapLen ?? 65535).u32(spec.linkType ?? 1);
  const offsets: number[] = [];
  for (const r of spec.records) {
    offsets.push(b.length);
    b.u32(r.seconds).u32(r.fraction).u32(r.caplen ?? r.data.length).u32(r.origLen ?? r.data.length);
    if (spec.modified) b.u32(7).u16(0x0800).u8(0).u8(0);
    b.bytes(r.data);
  }
  return { bytes: b.finish(), offsets };
}

// ---- pcapng ----

export interface BlockOverrides {
  /** Leading length to write instead of the true one. */
  length?: number;
  /** Trailing length to write instead of the true one. */
  trailer?: number;
}

export interface InterfaceSpec {
  linkType: number;
  snapLen?: number;
  /** Raw if_tsresol byte. */
  tsresol?: number;
  /** if_tsoffset seconds. */
  tsoffset?: bigint;
  /** Extra options as [code, value]. */
  options?: ReadonlyArray<readonly [number, Uint8Array]>;
}

export interface PacketSpec {
  iface: number;
  /** 64-bit timestamp in the interface's units. */
  units: bigint;
  data: Uint8Array;
  origLen?: number;
  caplen?: number;
}

/** One pcapng section; blocks are appended in order and `offsets` remembers where each began. */
export class PcapngSection {
  private readonly b: ByteBuilder;
  /** Byte offset of every block after the section header, relative to the section's start. */
  readonly offsets: number[] = [];

  constructor(
    littleEndian = true,
    options: { version?: readonly [number, number]; byteOrderMagic?: number; shbLength?: number } = {},
  ) {
    this.b = new ByteBuilder(littleEndian);
    const [major, minor] = options.version ?? [1, 0];
    this.block(
      0x0a0d0d0a,
      (body) => body.u32(options.byteOrderMagic ?? 0x1a2b3c4d).u16(major).u16(minor).u64(-1n),
      { length: options.shbLength },
      false,
    );
  }

  /** Any block: type, body (padded to 32 bits), with lengths that can be made to lie. */
  block(type: number, fill: (body: ByteBuilder) => void, overrides: BlockOverrides = {}, record = true): this {
    const body = new ByteBuilder(this.b.littleEndian);
    fill(body);
    body.pad(4);
    const length = 12 + body.length;
    if (record) this.offsets.push(this.b.length);
    this.b.u32(type).u32(overrides.length ?? length).bytes(body.finish()).u32(overrides.trailer ?? length);
    return this;
  }

  idb(spec: InterfaceSpec, overrides?: BlockOverrides): this {
    return this.block(
      1,
      (body) => {
        body.u16(spec.linkType).u16(0).u32(spec.snapLen ?? 0);
        const option = (code: number, value: Uint8Array): void => {
          body.u16(code).u16(value.length).bytes(value).pad(4);
        };
        if (spec.tsresol !== undefined) option(9, Uint8Array.of(spec.tsresol));
        if (spec.tsoffset !== undefined) option(14, new ByteBuilder(body.littleEndian).u64(spec.tsoffset).finish());
        for (const [code, value] of spec.options ?? []) option(code, value);
        body.u16(0).u16(0);
      },
      overrides,
    );
  }

  epb(spec: PacketSpec, overrides?: BlockOverrides): this {
    return this.packet(6, spec, (body) => body.u32(spec.iface), overrides);
  }

  /** Obsolete packet block (appendix A): a 16-bit interface id and a drops count. */
  pb(spec: PacketSpec, overrides?: BlockOverrides): this {
    return this.packet(2, spec, (body) => body.u16(spec.iface).u16(0), overrides);
  }

  spb(origLen: number, data: Uint8Array, overrides?: BlockOverrides): this {
    return this.block(3, (body) => body.u32(origLen).bytes(data), overrides);
  }

  private packet(type: number, spec: PacketSpec, id: (body: ByteBuilder) => void, overrides?: BlockOverrides): this {
    return this.block(
      type,
      (body) => {
        id(body);
        body.u32(Number(spec.units >> 32n)).u32(Number(spec.units & 0xffffffffn));
        body.u32(spec.caplen ?? spec.data.length).u32(spec.origLen ?? spec.data.length).bytes(spec.data);
      },
      overrides,
    );
  }

  get length(): number {
    return this.b.length;
  }

  finish(): Uint8Array {
    return this.b.finish();
  }
}

// ---- fixtures ----

/** The expected timestamp, computed in bigints independently of the reader: units / unitsPerSecond, to the nearest µs. */
export function expectedTs(units: bigint, unitsPerSecond: bigint, offsetSeconds = 0n): number {
  const micros = (units * 2_000_000n + unitsPerSecond) / (2n * unitsPerSecond) + offsetSeconds * 1_000_000n;
  return Number(micros) / 1e6;
}

export const T0 = 1_700_000_000n;

/**
 * Two sections of opposite byte order. The first describes three interfaces with different link
 * types and clocks (µs default, ns, 2^-20 s with an offset), the second starts the ids afresh.
 * Unknown and non-packet blocks sit between the packets.
 */
export function twoSectionPcapng(): { bytes: Uint8Array; expected: Frame[] } {
  const a = new PcapngSection(true);
  a.idb({ linkType: 1, snapLen: 0 });
  a.idb({ linkType: 113, snapLen: 65535, tsresol: 9, options: [[2, new TextEncoder().encode('eth1')]] });
  a.idb({ linkType: 228, snapLen: 64, tsresol: 0x80 | 20, tsoffset: 100n });
  a.epb({ iface: 0, units: T0 * 1_000_000n + 123_456n, data: payload(60, 1) });
  a.block(0xbad, (b) => b.u32(32473).bytes(payload(9)));
  a.epb({ iface: 1, units: T0 * 1_000_000_000n + 987_654_321n, data: payload(45, 2), origLen: 1514 });
  a.block(5, (b) => b.u32(1).u32(0).u32(0));
  a.epb({ iface: 2, units: (T0 << 20n) + (1n << 19n), data: payload(64, 3), origLen: 90 });
  a.spb(100, payload(100, 4)); // interface 0, unlimited snap length: all 100 bytes
  a.spb(10, payload(10, 5)); // padded to 12 in the block; the padding is not data
  a.block(0x1234_5678, () => undefined); // an unknown type with an empty body
  const aLen = a.length;

  const b = new PcapngSection(false);
  b.block(4, (body) => body.u16(0).u16(0)); // name resolution, before any interface
  b.idb({ linkType: 229, snapLen: 80, tsresol: 3 });
  b.epb({ iface: 0, units: T0 * 1000n + 5n, data: payload(120, 6) }); // cut to the snap length
  b.pb({ iface: 0, units: T0 * 1000n + 999n, data: payload(30, 7) });
  b.spb(1000, payload(20, 8)); // the block holds 20 bytes of a 1000-byte packet

  const frame = (f: Omit<Frame, 'record'>, i: number): Frame => ({ ...f, record: i + 1 });
  const expected = [
    // Interfaces by if_name where they have one, else `#N` (none for interface 0 of a section).
    { ts: expectedTs(T0 * 1_000_000n + 123_456n, 1_000_000n), linkType: 1, data: payload(60, 1), origLen: 60, offset: a.offsets[3], iface: '' },
    { ts: expectedTs(T0 * 1_000_000_000n + 987_654_321n, 10n ** 9n), linkType: 113, data: payload(45, 2), origLen: 1514, offset: a.offsets[5], iface: 'eth1' },
    { ts: expectedTs((T0 << 20n) + (1n << 19n), 1n << 20n, 100n), linkType: 228, data: payload(64, 3), origLen: 90, offset: a.offsets[7], iface: '#2' },
    { ts: 0, linkType: 1, data: payload(100, 4), origLen: 100, offset: a.offsets[8], iface: '' },
    { ts: 0, linkType: 1, data: payload(10, 5), origLen: 10, offset: a.offsets[9], iface: '' },
    { ts: expectedTs(T0 * 1000n + 5n, 1000n), linkType: 229, data: payload(80, 6), origLen: 120, offset: aLen + b.offsets[2], iface: '' },
    { ts: expectedTs(T0 * 1000n + 999n, 1000n), linkType: 229, data: payload(30, 7), origLen: 30, offset: aLen + b.offsets[3], iface: '' },
    { ts: 0, linkType: 229, data: payload(20, 8), origLen: 1000, offset: aLen + b.offsets[4], iface: '' },
  ].map(frame);
  return { bytes: concat(a.finish(), b.finish()), expected };
}

// ---- reading back ----

export interface Parsed {
  /** Delivered frames, with `data` copied out of the parser's buffers. */
  frames: Frame[];
  error: CaptureError | undefined;
  result: ReadResult;
}

/** Runs the push parser over `bytes` in chunks of `chunkSize` (default: all at once). */
export function parseBytes(
  bytes: Uint8Array,
  options: { chunkSize?: number; maxFrames?: number; name?: string } = {},
): Parsed {
  const frames: Frame[] = [];
  const parser = new CaptureParser((f) => {
    frames.push({ ...f, data: f.data.slice() });
  }, options);
  let error: CaptureError | undefined;
  try {
    const step = Math.max(1, options.chunkSize ?? bytes.length);
    for (let at = 0; at < bytes.length; at += step) parser.push(bytes.subarray(at, at + step));
    parser.end();
  } catch (err) {
    if (!(err instanceof CaptureError)) throw err;
    error = err;
  }
  return { frames, error, result: parser.result() };
}

/** Epoch seconds as the reader computes them from whole seconds and microseconds. */
export function tsOf(seconds: number, micros: number): number {
  return (seconds * 1e6 + micros) / 1e6;
}

/** tcpdump's path, or undefined where it is not installed (tests that need it then skip, visibly). */
export function findTcpdump(): string | undefined {
  for (const candidate of ['/usr/sbin/tcpdump', '/usr/bin/tcpdump']) if (fs.existsSync(candidate)) return candidate;
  const which = spawnSync('sh', ['-c', 'command -v tcpdump'], { encoding: 'utf8' });
  return which.status === 0 && which.stdout.trim() !== '' ? which.stdout.trim() : undefined;
}
