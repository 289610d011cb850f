// pcapng blocks (draft-ietf-opsawg-pcapng). Every block has the same frame (§3.1):
//
//     0                   1                   2                   3
//     0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  0 |                          Block Type                           |
//    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  4 |                      Block Total Length                       |
//    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  8 /                          Block Body                           /
//    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//    |                      Block Total Length                       |
//    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//
// Byte order is per section: each section header block carries a byte-order magic, and
// interface ids are numbered afresh in every section (§4.1, §4.2).

import { MAX_SNAPLEN, type CaptureError } from './types.js';
import type { FormatReader, ParseContext } from './format.js';

export const BlockType = {
  SECTION_HEADER: 0x0a0d0d0a,
  INTERFACE_DESCRIPTION: 1,
  PACKET: 2, // obsolete (appendix A), still written by old tools
  SIMPLE_PACKET: 3,
  ENHANCED_PACKET: 6,
} as const;

const BLOCK_NAMES: Readonly<Record<number, string>> = {
  [BlockType.SECTION_HEADER]: 'section header',
  [BlockType.INTERFACE_DESCRIPTION]: 'interface description',
  [BlockType.PACKET]: 'packet',
  [BlockType.SIMPLE_PACKET]: 'simple packet',
  4: 'name resolution',
  5: 'interface statistics',
  [BlockType.ENHANCED_PACKET]: 'enhanced packet',
  9: 'systemd journal export',
  10: 'decryption secrets',
  0xbad: 'custom',
  0x40000bad: 'custom',
};

export const BYTE_ORDER_MAGIC = 0x1a2b3c4d;

/** Smallest legal block of each type: the common frame plus its fixed fields (§4.1-§4.4, appendix A). */
function minBlockBytes(type: number): number {
  switch (type) {
    case BlockType.SECTION_HEADER:
      return 28;
    case BlockType.INTERFACE_DESCRIPTION:
      return 20;
    case BlockType.SIMPLE_PACKET:
      return 16;
    case BlockType.ENHANCED_PACKET:
    case BlockType.PACKET:
      return 32;
    default:
      return 12;
  }
}

function isPacketBlock(type: number): boolean {
  return type === BlockType.ENHANCED_PACKET || type === BlockType.SIMPLE_PACKET || type === BlockType.PACKET;
}

/**
 * Bounds modelled on libpcap's sf-pcapng.c: a packet block holds at most a full-size packet plus
 * 128 KiB of options (comments, hashes); any other block at most 16 MiB. A longer length is
 * corruption, and is refused before anything is buffered for it.
 */
const MAX_PACKET_BLOCK_BYTES = 32 + MAX_SNAPLEN + 128 * 1024;
const MAX_OTHER_BLOCK_BYTES = 16 * 1024 * 1024;

/**
 * Interfaces one section may describe. Each description is 20 bytes on disk but an object in
 * memory, so a file of nothing else would grow the heap ten times faster than it is read; real
 * captures describe a handful (`-i any` on a busy router: hundreds).
 */
const MAX_INTERFACES = 65_536;

/** Option codes in an interface description block (§4.2). */
export const Option = { END: 0, IF_NAME: 2, IF_TSRESOL: 9, IF_TSOFFSET: 14 } as const;

/** Interface names longer than this are cut (Linux's IFNAMSIZ is 16). */
const MAX_NAME_BYTES = 64;
const NAME_DECODER = new TextDecoder('utf-8');

/** Units per second up to which timestamp() divides exactly in doubles; finer clocks use bigints. */
const MAX_DOUBLE_UNITS_PER_SECOND = 2 ** 36;

interface Interface {
  linkType: number;
  /** if_name, else `#` and the interface's index in its section ('' for interface 0). */
  name: string;
  /** Effective snap length: the IDB's, or MAX_SNAPLEN where it says 0 ("no limit"). */
  snapLen: number;
  /** Timestamp units per second, from if_tsresol (default 10^6). */
  unitsPerSecond: number;
  /** Its reciprocal, because multiplying is faster than dividing (see divide()). */
  secondsPerUnit: number;
  /** The same as a bigint where it is too large for exact arithmetic in doubles. */
  unitsPerSecondBig: bigint | undefined;
  /** if_tsoffset: seconds to add to every timestamp. */
  offsetMicros: number;
}

export class PcapngBlocks implements FormatReader {
  readonly format = 'pcapng';
  private littleEndian = true;
  private interfaces: Interface[] = [];
  /** Blocks read so far, for messages. */
  private blocks = 0;

  constructor(private readonly ctx: ParseContext) {}

  unitLength(view: DataView, pos: number, avail: number, offset: number): number {
    if (avail < 8) return 8;
    const type = view.getUint32(pos, this.littleEndian);
    let littleEndian = this.littleEndian;
    if (type === BlockType.SECTION_HEADER) {
      if (avail < 12) return 12;
      littleEndian = this.sectionByteOrder(view, pos, offset);
    }
    const length = view.getUint32(pos + 4, littleEndian);
    this.checkLength(type, length, offset);
    return length;
  }

  parse(bytes: Uint8Array, view: DataView, pos: number, end: number, base: number): number {
    for (;;) {
      const length = this.unitLength(view, pos, end - pos, base + pos);
      if (length > end - pos) return pos;
      const offset = base + pos;
      // A section header sets the byte order of every block up to the next one (§4.1).
      const type = view.getUint32(pos, this.littleEndian);
      if (type === BlockType.SECTION_HEADER) this.littleEndian = this.sectionByteOrder(view, pos, offset);
      const trailer = view.getUint32(pos + length - 4, this.littleEndian);
      if (trailer !== length) {
        throw this.error(type, offset, `trailing block length ${trailer} does not match the leading length ${length}`);
      }
      let stop = false;
      switch (type) {
        case BlockType.SECTION_HEADER:
          this.readSectionHeader(view, pos, offset);
          break;
        case BlockType.INTERFACE_DESCRIPTION:
          this.readInterface(view, pos, length, offset);
          break;
        case BlockType.ENHANCED_PACKET:
        case BlockType.PACKET:
          stop = this.readPacket(bytes, view, pos, length, offset, type);
          break;
        case BlockType.SIMPLE_PACKET:
          stop = this.readSimplePacket(bytes, view, pos, length, offset);
          break;
        default:
        // Statistics, name resolution, custom and future blocks carry no packets: skipped whole (§3.1).
      }
      this.blocks++;
      pos += length;
      if (stop) return pos;
    }
  }

  truncated(view: DataView, have: number, offset: number, need: number): CaptureError {
    const type = have >= 4 ? view.getUint32(0, this.littleEndian) : undefined;
    return this.error(type, offset, `file ends inside the block (needs ${need} bytes, ${have} left)`);
  }

  private sectionByteOrder(view: DataView, pos: number, offset: number): boolean {
    const magic = view.getUint32(pos + 8, true);
    if (magic === BYTE_ORDER_MAGIC) return true;
    if (magic === 0x4d3c2b1a) return false;
    const hex = magic.toString(16).padStart(8, '0');
    throw this.error(BlockType.SECTION_HEADER, offset, `unknown byte-order magic 0x${hex} (expected 0x1a2b3c4d)`);
  }

  private checkLength(type: number, length: number, offset: number): void {
    const min = minBlockBytes(type);
    const max = isPacketBlock(type) ? MAX_PACKET_BLOCK_BYTES : MAX_OTHER_BLOCK_BYTES;
    if (length >= min && length <= max && length % 4 === 0) return;
    if (length < min) throw this.error(type, offset, `block length ${length} is below the ${min}-byte minimum`);
    if (length % 4 !== 0) throw this.error(type, offset, `block length ${length} is not a multiple of 4`);
    throw this.error(type, offset, `block length ${length} exceeds the ${max}-byte limit`);
  }

  private readSectionHeader(view: DataView, pos: number, offset: number): void {
    const major = view.getUint16(pos + 12, this.littleEndian);
    const minor = view.getUint16(pos + 14, this.littleEndian);
    // §4.1: a reader must not read a section whose major version it does not know.
    if (major !== 1) throw this.error(BlockType.SECTION_HEADER, offset, `unsupported pcapng version ${major}.${minor}`);
    this.interfaces = [];
  }

  private readInterface(view: DataView, pos: number, length: number, offset: number): void {
    const le = this.littleEndian;
    const linkType = view.getUint16(pos + 8, le);
    const snapLen = view.getUint32(pos + 12, le);
    const iface: Interface = {
      linkType,
      // Unnamed: interface 0 is the capture's only one as often as not; others are told apart by index.
      name: this.interfaces.length === 0 ? '' : `#${this.interfaces.length}`,
      snapLen: snapLen === 0 || snapLen > MAX_SNAPLEN ? MAX_SNAPLEN : snapLen,
      unitsPerSecond: 1e6,
      secondsPerUnit: 1e-6,
      unitsPerSecondBig: undefined,
      offsetMicros: 0,
    };
    const end = pos + length - 4;
    let at = pos + 16;
    while (end - at >= 4) {
      const code = view.getUint16(at, le);
      const size = view.getUint16(at + 2, le);
      if (code === Option.END) break;
      if (size > end - at - 4) {
        throw this.error(BlockType.INTERFACE_DESCRIPTION, offset, `option ${code} runs past the end of the block`);
      }
      if (code === Option.IF_TSRESOL) this.setResolution(iface, view, at + 4, size, offset);
      // UTF-8, not NUL-terminated (§4.2); the renderers escape it like any text from the file.
      if (code === Option.IF_NAME && size > 0) iface.name = NAME_DECODER.decode(new Uint8Array(view.buffer, view.byteOffset + at + 4, Math.min(size, MAX_NAME_BYTES)));
      if (code === Option.IF_TSOFFSET) {
        if (size !== 8) throw this.error(BlockType.INTERFACE_DESCRIPTION, offset, `if_tsoffset has length ${size}, not 8`);
        iface.offsetMicros = Number(view.getBigInt64(at + 4, le)) * 1e6;
      }
      // Option values are padded to 32 bits (§3.5).
      at += 4 + ((size + 3) & ~3);
    }
    if (this.interfaces.length >= MAX_INTERFACES) {
      throw this.error(BlockType.INTERFACE_DESCRIPTION, offset, `more than ${MAX_INTERFACES} interfaces described in one section`);
    }
    this.interfaces.push(iface);
    this.ctx.addLinkType(linkType);
  }

  /** §4.2 if_tsresol: high bit clear, units are 10^-n s; set, 2^-n s. */
  private setResolution(iface: Interface, view: DataView, at: number, size: number, offset: number): void {
    if (size !== 1) throw this.error(BlockType.INTERFACE_DESCRIPTION, offset, `if_tsresol has length ${size}, not 1`);
    const value = view.getUint8(at);
    const exponent = value & 0x7f;
    const powerOfTwo = (value & 0x80) !== 0;
    // Timestamps are 64-bit counts: a finer unit than 2^-64 s could not count even one second.
    if (powerOfTwo ? exponent > 64 : exponent > 19) {
      throw this.error(BlockType.INTERFACE_DESCRIPTION, offset, `if_tsresol ${powerOfTwo ? 2 : 10}^-${exponent} is finer than a 64-bit timestamp can count`);
    }
    const big = powerOfTwo ? 1n << BigInt(exponent) : 10n ** BigInt(exponent);
    iface.unitsPerSecond = Number(big);
    iface.secondsPerUnit = 1 / iface.unitsPerSecond;
    iface.unitsPerSecondBig = big > BigInt(MAX_DOUBLE_UNITS_PER_SECOND) ? big : undefined;
  }

  /** Enhanced packet block (§4.3) and its obsolete predecessor (appendix A): same layout but for a 16-bit interface id. */
  private readPacket(bytes: Uint8Array, view: DataView, pos: number, length: number, offset: number, type: number): boolean {
    const le = this.littleEndian;
    const ifaceId = type === BlockType.ENHANCED_PACKET ? view.getUint32(pos + 8, le) : view.getUint16(pos + 8, le);
    const iface = this.interface(ifaceId, type, offset);
    const caplen = view.getUint32(pos + 20, le);
    if (caplen > MAX_SNAPLEN) {
      throw this.error(type, offset, `captured length ${caplen} exceeds the ${MAX_SNAPLEN}-byte limit`);
    }
    if (caplen > length - 32) {
      throw this.error(type, offset, `captured length ${caplen} does not fit in the ${length}-byte block`);
    }
    const ts = timestamp(iface, view.getUint32(pos + 12, le), view.getUint32(pos + 16, le));
    const start = pos + 28;
    this.ctx.iface = iface.name;
    return this.ctx.deliver(ts, 0, iface.linkType, bytes, view, start, start + this.keep(caplen, iface), view.getUint32(pos + 24, le), offset);
  }

  /**
   * Simple packet block (§4.4): always interface 0, no timestamp (we give 0, as libpcap does), and
   * a captured length implied by the original length, the snap length and the room in the block.
   */
  private readSimplePacket(bytes: Uint8Array, view: DataView, pos: number, length: number, offset: number): boolean {
    const iface = this.interface(0, BlockType.SIMPLE_PACKET, offset);
    const origLen = view.getUint32(pos + 8, this.littleEndian);
    const caplen = Math.min(origLen, iface.snapLen, length - 16);
    this.ctx.iface = iface.name;
    return this.ctx.deliver(0, 0, iface.linkType, bytes, view, pos + 12, pos + 12 + caplen, origLen, offset);
  }

  private interface(id: number, type: number, offset: number): Interface {
    const iface = this.interfaces[id];
    if (iface !== undefined) return iface;
    const n = this.interfaces.length;
    const described = n === 0 ? 'no interfaces' : n === 1 ? 'only interface 0' : `only interfaces 0-${n - 1}`;
    throw this.error(type, offset, `refers to interface ${id}, but this section describes ${described}`);
  }

  /** Cut to the interface's snap length, as for classic pcap (see PcapRecords in file.ts). */
  private keep(caplen: number, iface: Interface): number {
    if (caplen <= iface.snapLen) return caplen;
    this.ctx.trimmedFrames++;
    return iface.snapLen;
  }

  private error(type: number | undefined, offset: number, message: string): CaptureError {
    const block = this.blocks + 1;
    const name = type === undefined ? undefined : (BLOCK_NAMES[type] ?? `type 0x${type.toString(16).padStart(8, '0')}`);
    const record = offset === 0 ? 0 : this.ctx.frames + 1;
    const what = type !== undefined && isPacketBlock(type) ? `record ${record} (block ${block}, ${name})` : `block ${block}${name ? ` (${name})` : ''}`;
    return this.ctx.fail(`${what} at byte offset ${offset}: ${message}`, record, offset);
  }
}

/**
 * A 64-bit count of `unitsPerSecond` units as epoch seconds rounded to the microsecond. The
 * count can exceed 2^53 (nanoseconds since 1970 already do), so it is divided in three steps,
 * high word then 16 bits at a time: every intermediate stays below 2^53 while
 * unitsPerSecond <= 2^36, and each quotient is exact.
 */
function timestamp(iface: Interface, high: number, low: number): number {
  if (iface.unitsPerSecondBig !== undefined) return timestampBig(iface, high, low);
  const perSecond = iface.unitsPerSecond;
  const inverse = iface.secondsPerUnit;
  const q1 = divide(high, perSecond, inverse);
  const q2 = divide(remainder * 65536 + (low >>> 16), perSecond, inverse);
  const q3 = divide(remainder * 65536 + (low & 0xffff), perSecond, inverse);
  const fraction = perSecond === 1e6 ? remainder : Math.round((remainder * 1e6) / perSecond);
  return ((q1 * 4294967296 + q2 * 65536 + q3) * 1e6 + fraction + iface.offsetMicros) / 1e6;
}

/** Remainder of the last divide(), a module variable so the hot path allocates nothing. */
let remainder = 0;

/**
 * floor(value / divisor) for integers below 2^53, multiplying by the reciprocal (a division
 * costs several times more) and correcting the at most one-off quotient by its remainder.
 */
function divide(value: number, divisor: number, inverse: number): number {
  let q = Math.floor(value * inverse);
  let r = value - q * divisor;
  if (r < 0) {
    q--;
    r += divisor;
  } else if (r >= divisor) {
    q++;
    r -= divisor;
  }
  remainder = r;
  return q;
}

function timestampBig(iface: Interface, high: number, low: number): number {
  const perSecond = iface.unitsPerSecondBig as bigint;
  const count = (BigInt(high) << 32n) | BigInt(low);
  const seconds = count / perSecond;
  const micros = (count % perSecond) * 1_000_000n;
  // Round half up, like Math.round on the exact path.
  const fraction = (micros + perSecond / 2n) / perSecond;
  return (Number(seconds) * 1e6 + Number(fraction) + iface.offsetMicros) / 1e6;
}
