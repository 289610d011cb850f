import { describe, expect, it } from 'vitest';
import { CaptureError, MAX_SNAPLEN } from '../../src/capture/types.js';
import { CaptureParser } from '../../src/capture/file.js';
import { concat, parseBytes, payload, pcapFile, tsOf, type PcapRecordSpec } from '../support/capfile.js';

const records: PcapRecordSpec[] = [
  { seconds: 1_700_000_000, fraction: 123_456, data: payload(60, 1) },
  { seconds: 1_700_000_001, fraction: 999_999, data: payload(42, 2), origLen: 1500 },
  { seconds: 1_700_000_002, fraction: 0, data: payload(0, 3), origLen: 64 },
];

describe('classic pcap', () => {
  for (const littleEndian of [true, false]) {
    const order = littleEndian ? 'little' : 'big';

    it(`reads microsecond records, ${order} endian`, () => {
      const { bytes, offsets } = pcapFile({ littleEndian, linkType: 113, records });
      const { frames, error, result } = parseBytes(bytes);
      expect(error).toBeUndefined();
      expect(frames).toEqual(
        records.map((r, i) => ({
          ts: tsOf(r.seconds, r.fraction),
          linkType: 113,
          data: r.data,
          origLen: r.origLen ?? r.data.length,
          record: i + 1,
          offset: offsets[i],
          // Classic pcap names no interface.
          iface: '',
        })),
      );
      expect(result).toEqual({
        format: 'pcap',
        frames: 3,
        bytes: bytes.length,
        linkTypes: [113],
        trimmedFrames: 0,
        stopped: false,
      });
    });

    it(`reads nanosecond records rounded to the microsecond, ${order} endian`, () => {
      const ns = [
        { seconds: 1_700_000_000, fraction: 123_456_789, data: payload(20) },
        { seconds: 1_700_000_000, fraction: 123_456_400, data: payload(20) },
        { seconds: 1_700_000_000, fraction: 999_999_500, data: payload(20) },
      ];
      const { frames, error } = parseBytes(pcapFile({ littleEndian, nanos: true, records: ns }).bytes);
      expect(error).toBeUndefined();
      expect(frames.map((f) => f.ts)).toEqual([
        tsOf(1_700_000_000, 123_457),
        tsOf(1_700_000_000, 123_456),
        1_700_000_001, // 999999.5 µs rounds up into the next second
      ]);
    });
  }

  it("reads Kuznetzov's modified format (24-byte record headers)", () => {
    const { bytes, offsets } = pcapFile({ modified: true, records });
    const { frames, error } = parseBytes(bytes);
    expect(error).toBeUndefined();
    expect(frames.map((f) => [f.offset, f.data])).toEqual(records.map((r, i) => [offsets[i], r.data]));
  });

  it('keeps only the link type bits of the header word (the top bits carry FCS info)', () => {
    const { bytes } = pcapFile({ linkType: 0x1000_0001, records });
    expect(parseBytes(bytes).frames[0].linkType).toBe(1);
  });

  it('accepts a file with a header and no records', () => {
    const { frames, error, result } = parseBytes(pcapFile({ records: [] }).bytes);
    expect([frames.length, error, result.bytes]).toEqual([0, undefined, 24]);
  });

  it('cuts a record longer than the snap length to it, as libpcap does', () => {
    const { bytes } = pcapFile({ snapLen: 40, records: [{ seconds: 1, fraction: 0, data: payload(60) }] });
    const { frames, error, result } = parseBytes(bytes);
    expect(error).toBeUndefined();
    expect(frames[0].data).toEqual(payload(60).subarray(0, 40));
    expect(frames[0].origLen).toBe(60);
    expect(result.trimmedFrames).toBe(1);
  });

  it('treats snap length 0 as "no limit"', () => {
    const { bytes } = pcapFile({ snapLen: 0, records: [{ seconds: 1, fraction: 0, data: payload(300) }] });
    expect(parseBytes(bytes).frames[0].data.length).toBe(300);
  });

  it('delivers every record before a truncated one, then names it', () => {
    const { bytes, offsets } = pcapFile({ records });
    const cut = bytes.subarray(0, offsets[1] + 16 + 10);
    const { frames, error } = parseBytes(cut, { name: 'capture.pcap' });
    expect(frames.map((f) => f.record)).toEqual([1]);
    expect(error).toBeInstanceOf(CaptureError);
    expect(error?.message).toBe(
      `capture.pcap: record 2 at byte offset ${offsets[1]}: file ends inside the record (needs 58 bytes, 26 left)`,
    );
    expect([error?.record, error?.offset]).toEqual([2, offsets[1]]);
  });

  it('names a record whose header is cut short', () => {
    const { bytes, offsets } = pcapFile({ records });
    const { frames, error } = parseBytes(bytes.subarray(0, offsets[2] + 5));
    expect(frames).toHaveLength(2);
    expect(error?.message).toBe(`record 3 at byte offset ${offsets[2]}: file ends inside the record (needs 16 bytes, 5 left)`);
  });

  it('rejects a captured length of 0xFFFFFFFF as soon as its header arrives, before sizing anything', () => {
    const { bytes, offsets } = pcapFile({
      records: [records[0], { seconds: 1, fraction: 0, data: payload(4), caplen: 0xffff_ffff }],
    });
    const frames: number[] = [];
    const parser = new CaptureParser((f) => {
      frames.push(f.record);
    });
    // Only the record header: a reader that waited for 4 GiB of data here would be wrong.
    expect(() => parser.push(bytes.subarray(0, offsets[1] + 16))).toThrow(
      `record 2 at byte offset ${offsets[1]}: captured length 4294967295 exceeds the ${MAX_SNAPLEN}-byte limit`,
    );
    expect(frames).toEqual([1]);
    // The parser stays failed rather than resynchronising on garbage.
    expect(() => parser.push(new Uint8Array(16))).toThrow(CaptureError);
    expect(() => parser.end()).toThrow(CaptureError);
  });

  it('accepts a captured length right at the limit', () => {
    const big = payload(MAX_SNAPLEN);
    const { bytes } = pcapFile({ snapLen: MAX_SNAPLEN, records: [{ seconds: 1, fraction: 0, data: big }] });
    const { frames } = parseBytes(bytes, { chunkSize: 65536 });
    // Buffer.compare, because deep equality over 256 KiB is slow.
    expect(Buffer.compare(frames[0].data, big)).toBe(0);
  });

  it('reports a file that ends inside the file header', () => {
    const { bytes } = pcapFile({ records: [] });
    const { error } = parseBytes(bytes.subarray(0, 10), { name: 'x.pcap' });
    expect(error?.message).toBe('x.pcap: file ends inside the file header (needs 24 bytes, 10 left)');
    expect([error?.record, error?.offset]).toEqual([0, 0]);
  });

  it('rejects versions other than 2.x', () => {
    const { bytes } = pcapFile({ version: [1, 0], records });
    expect(parseBytes(bytes).error?.message).toBe('unsupported pcap version 1.0 (only 2.x is defined)');
  });
});

describe('not a capture', () => {
  const text = (s: string): Uint8Array => new TextEncoder().encode(s);
  const cases: Array<[string, Uint8Array, string]> = [
    ['an empty file', new Uint8Array(0), 'empty file'],
    ['a 3-byte file', Uint8Array.of(0xd4, 0xc3, 0xb2), 'file is too short to be a capture (3 bytes)'],
    [
      'gzip',
      Uint8Array.of(0x1f, 0x8b, 0x08, 0x00, 0, 0, 0, 0),
      'not a pcap or pcapng file (first bytes 1f 8b 08 00: looks like gzip: decompress it first)',
    ],
    [
      'zip',
      Uint8Array.of(0x50, 0x4b, 0x03, 0x04, 0x14, 0, 0, 0),
      'not a pcap or pcapng file (first bytes 50 4b 03 04: looks like a zip archive)',
    ],
    [
      'tcpdump text output',
      text('12:00:01.000000 IP 10.0.0.1 > 224.0.0.18: VRRPv2\n'),
      'not a pcap or pcapng file (first bytes 31 32 3a 30: looks like text, perhaps tcpdump output rather than a capture written with -w)',
    ],
    ['random bytes', Uint8Array.of(0x00, 0x01, 0xfe, 0xff, 9, 9), 'not a pcap or pcapng file (first bytes 00 01 fe ff)'],
  ];
  for (const [what, bytes, message] of cases) {
    it(`says so for ${what}`, () => {
      const { frames, error } = parseBytes(bytes);
      expect(frames).toEqual([]);
      expect(error?.message).toBe(message);
      expect([error?.record, error?.offset]).toEqual([0, 0]);
    });
  }

  it('judges the magic, not the name: a pcap after junk is still junk', () => {
    const { bytes } = pcapFile({ records });
    expect(parseBytes(concat(Uint8Array.of(0, 0, 0, 0), bytes)).error?.message).toMatch(/^not a pcap or pcapng file/);
  });
});
