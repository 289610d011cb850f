import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_SNAPLEN } from '../../src/capture/types.js';
import { concat, expectedTs, parseBytes, payload, PcapngSection, twoSectionPcapng } from '../support/capfile.js';

describe('pcapng', () => {
  it('reads two sections of opposite byte order, with per-interface link types and clocks', () => {
    const { bytes, expected } = twoSectionPcapng();
    const { frames, error, result } = parseBytes(bytes);
    expect(error).toBeUndefined();
    expect(frames).toEqual(expected);
    expect(frames[1].ts).toBe(1_700_000_000.987654);
    expect(frames[2].ts).toBe(1_700_000_100.5);
    expect(result).toEqual({
      format: 'pcapng',
      frames: 8,
      bytes: bytes.length,
      linkTypes: [1, 113, 228, 229],
      trimmedFrames: 1,
      stopped: false,
    });
  });

  it('converts timestamps beyond 2^53 units exactly', () => {
    // 2^64 - 1 ns is 2554-07-21T23:34:33.709551615Z.
    const max = (1n << 64n) - 1n;
    const s = new PcapngSection();
    s.idb({ linkType: 1, tsresol: 9 }).epb({ iface: 0, units: max, data: payload(1) });
    s.idb({ linkType: 1, tsresol: 19 }).epb({ iface: 1, units: max, data: payload(1) }); // 10^-19 s: the big-integer path
    s.idb({ linkType: 1, tsresol: 0x80 | 0 }).epb({ iface: 2, units: 1_700_000_000n, data: payload(1) }); // whole seconds
    s.epb({ iface: 0, units: 1_700_000_000_000_001_500n, data: payload(1) }); // half a microsecond rounds up
    const { frames, error } = parseBytes(s.finish());
    expect(error).toBeUndefined();
    expect(frames.map((f) => f.ts)).toEqual([
      expectedTs(max, 10n ** 9n),
      expectedTs(max, 10n ** 19n),
      1_700_000_000,
      1_700_000_000.000002,
    ]);
    expect(frames[0].ts).toBe(18_446_744_073.709552);
  });

  it('converts any 64-bit count at any supported resolution to the nearest microsecond', () => {
    const resolutions: Array<[number, bigint]> = [
      [3, 1000n],
      [6, 10n ** 6n],
      [9, 10n ** 9n],
      [10, 10n ** 10n],
      [0x80 | 10, 1n << 10n],
      [0x80 | 20, 1n << 20n],
      [0x80 | 30, 1n << 30n],
      [0x80 | 36, 1n << 36n],
      [12, 10n ** 12n], // beyond 2^36: the big-integer path
    ];
    fc.assert(
      // Up to 2^33 s (year 2242): beyond 2^53 µs no double holds the microsecond anyway.
      fc.property(fc.array(fc.tuple(fc.bigInt({ min: 0n, max: 1n << 33n }), fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true })), { minLength: 1, maxLength: 20 }), (times) => {
        const counts = times.map(([seconds, fraction], i) => {
          const perSecond = resolutions[i % resolutions.length][1];
          const units = seconds * perSecond + BigInt(Math.floor(fraction * Number(perSecond)));
          return units < 1n << 64n ? units : (1n << 64n) - 1n;
        });
        const s = new PcapngSection();
        for (const [tsresol] of resolutions) s.idb({ linkType: 1, tsresol });
        counts.forEach((units, i) => s.epb({ iface: i % resolutions.length, units, data: payload(1) }));
        const { frames, error } = parseBytes(s.finish());
        expect(error).toBeUndefined();
        expect(frames.map((f) => f.ts)).toEqual(counts.map((units, i) => expectedTs(units, resolutions[i % resolutions.length][1])));
      }),
      { numRuns: 300 },
    );
  });

  it('applies a negative if_tsoffset', () => {
    const s = new PcapngSection().idb({ linkType: 1, tsoffset: -3600n }).epb({ iface: 0, units: 3_600_000_001n, data: payload(1) });
    expect(parseBytes(s.finish()).frames[0].ts).toBe(0.000001);
  });

  it('skips options it does not know and reads the ones after them', () => {
    const s = new PcapngSection();
    s.idb({ linkType: 1, options: [[2, new TextEncoder().encode('eth0')], [9, Uint8Array.of(3)]] });
    s.epb({ iface: 0, units: 1500n, data: payload(1) });
    expect(parseBytes(s.finish()).frames[0].ts).toBe(1.5);
  });
});

describe('pcapng errors', () => {
  /** A section with one interface and one packet, to which each test appends its bad block. */
  function goodStart(littleEndian = true): PcapngSection {
    return new PcapngSection(littleEndian).idb({ linkType: 1 }).epb({ iface: 0, units: 1n, data: payload(8) });
  }

  function failure(s: PcapngSection): { frames: number; message?: string; record?: number; offset?: number } {
    const { frames, error } = parseBytes(s.finish());
    return { frames: frames.length, message: error?.message, record: error?.record, offset: error?.offset };
  }

  const cases: Array<[string, (s: PcapngSection) => void, string]> = [
    ['block length 0', (s) => s.epb({ iface: 0, units: 1n, data: payload(8) }, { length: 0 }), 'record 2 (block 4, enhanced packet) at byte offset OFF: block length 0 is below the 32-byte minimum'],
    ['an unaligned block length', (s) => s.block(0xbad, (b) => b.u32(1), { length: 17 }), 'block 4 (custom) at byte offset OFF: block length 17 is not a multiple of 4'],
    ['a short unknown block', (s) => s.block(77, () => undefined, { length: 8 }), 'block 4 (type 0x0000004d) at byte offset OFF: block length 8 is below the 12-byte minimum'],
    ['a huge packet block', (s) => s.epb({ iface: 0, units: 1n, data: payload(8) }, { length: 0x7fff_fffc }), `record 2 (block 4, enhanced packet) at byte offset OFF: block length 2147483644 exceeds the ${32 + MAX_SNAPLEN + 131072}-byte limit`],
    ['a huge other block', (s) => s.block(5, () => undefined, { length: 0xffff_fffc }), 'block 4 (interface statistics) at byte offset OFF: block length 4294967292 exceeds the 16777216-byte limit'],
    ['a trailing length that differs', (s) => s.epb({ iface: 0, units: 1n, data: payload(8) }, { trailer: 44 }), 'record 2 (block 4, enhanced packet) at byte offset OFF: trailing block length 44 does not match the leading length 40'],
    ['an interface never described', (s) => s.epb({ iface: 3, units: 1n, data: payload(8) }), 'record 2 (block 4, enhanced packet) at byte offset OFF: refers to interface 3, but this section describes only interface 0'],
    ['a captured length of 0xFFFFFFFF', (s) => s.epb({ iface: 0, units: 1n, data: payload(8), caplen: 0xffff_ffff }), `record 2 (block 4, enhanced packet) at byte offset OFF: captured length 4294967295 exceeds the ${MAX_SNAPLEN}-byte limit`],
    ['a captured length beyond the block', (s) => s.epb({ iface: 0, units: 1n, data: payload(8), caplen: 9 }), 'record 2 (block 4, enhanced packet) at byte offset OFF: captured length 9 does not fit in the 40-byte block'],
    ['an option running past the block', (s) => s.block(1, (b) => b.u16(1).u16(0).u32(0).u16(9).u16(200)), 'block 4 (interface description) at byte offset OFF: option 9 runs past the end of the block'],
    ['an if_tsresol too fine to count', (s) => s.idb({ linkType: 1, tsresol: 20 }), 'block 4 (interface description) at byte offset OFF: if_tsresol 10^-20 is finer than a 64-bit timestamp can count'],
  ];
  for (const [what, append, message] of cases) {
    it(`rejects ${what}, after delivering the packet before it`, () => {
      const s = goodStart();
      const offset = s.length;
      append(s);
      // record: the one that could not be read next, whatever kind of block stopped us
      expect(failure(s)).toEqual({ frames: 1, message: message.replace('OFF', String(offset)), record: 2, offset });
    });
  }

  it('rejects a packet in a new section that refers to an interface of the old one', () => {
    const first = goodStart().finish();
    const second = new PcapngSection(false).epb({ iface: 0, units: 1n, data: payload(4) });
    const { frames, error } = parseBytes(concat(first, second.finish()));
    expect(frames).toHaveLength(1);
    expect(error?.message).toBe(
      `record 2 (block 5, enhanced packet) at byte offset ${first.length + 28}: refers to interface 0, but this section describes no interfaces`,
    );
  });

  it('rejects a simple packet block before any interface', () => {
    const s = new PcapngSection().spb(4, payload(4));
    expect(parseBytes(s.finish()).error?.message).toBe(
      'record 1 (block 2, simple packet) at byte offset 28: refers to interface 0, but this section describes no interfaces',
    );
  });

  it('rejects an unknown byte-order magic', () => {
    const s = new PcapngSection(true, { byteOrderMagic: 0x11223344 });
    const { error } = parseBytes(s.finish(), { name: 'odd.pcapng' });
    expect(error?.message).toBe(
      'odd.pcapng: block 1 (section header) at byte offset 0: unknown byte-order magic 0x11223344 (expected 0x1a2b3c4d)',
    );
    expect([error?.record, error?.offset]).toEqual([0, 0]);
  });

  it('rejects an unknown byte-order magic in a later section', () => {
    const first = goodStart().finish();
    const { frames, error } = parseBytes(concat(first, new PcapngSection(false, { byteOrderMagic: 0 }).finish()));
    expect(frames).toHaveLength(1);
    expect(error?.message).toBe(`block 4 (section header) at byte offset ${first.length}: unknown byte-order magic 0x00000000 (expected 0x1a2b3c4d)`);
    expect([error?.record, error?.offset]).toEqual([2, first.length]);
  });

  it('rejects a section of another major version', () => {
    const { error } = parseBytes(new PcapngSection(false, { version: [2, 0] }).finish());
    expect(error?.message).toBe('block 1 (section header) at byte offset 0: unsupported pcapng version 2.0');
  });

  it('rejects a section header shorter than its fixed fields', () => {
    const { error } = parseBytes(new PcapngSection(true, { shbLength: 24 }).finish());
    expect(error?.message).toBe('block 1 (section header) at byte offset 0: block length 24 is below the 28-byte minimum');
  });

  it('names the block a file ends inside', () => {
    const s = goodStart(false);
    const offset = s.length;
    s.epb({ iface: 0, units: 1n, data: payload(50) });
    const bytes = s.finish();
    const { frames, error } = parseBytes(bytes.subarray(0, bytes.length - 6));
    expect(frames).toHaveLength(1);
    expect(error?.message).toBe(
      `record 2 (block 4, enhanced packet) at byte offset ${offset}: file ends inside the block (needs 84 bytes, 78 left)`,
    );
    expect([error?.record, error?.offset]).toEqual([2, offset]);
  });

  it('reports a file that ends inside the first section header', () => {
    const { error } = parseBytes(new PcapngSection().finish().subarray(0, 10));
    expect(error?.message).toBe('block 1 (section header) at byte offset 0: file ends inside the block (needs 12 bytes, 10 left)');
  });
});
