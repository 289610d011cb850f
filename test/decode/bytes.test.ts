import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fits, hex16, hexRange, ipv4At, ipv6At, latin1UntilNul, macAt, nameOf, u16, u32, u32le, u8 } from '../../src/decode/bytes.js';
import { checksumFor, fold, onesSum, sumVerifies } from '../../src/decode/checksum.js';
import { internetChecksum, ipv6Bytes } from '../support/encode.js';

describe('bounds-checked reads', () => {
  const b = Uint8Array.of(0x12, 0x34, 0x56, 0x78, 0x9a);
  it('read inside the end, -1 across it', () => {
    expect([u8(b, 0, 5), u8(b, 4, 5), u8(b, 5, 5), u8(b, 2, 2)]).toEqual([0x12, 0x9a, -1, -1]);
    expect([u16(b, 0, 5), u16(b, 3, 5), u16(b, 4, 5), u16(b, 1, 2)]).toEqual([0x1234, 0x789a, -1, -1]);
    expect([u32(b, 1, 5), u32(b, 2, 5)]).toEqual([0x3456789a, -1]);
    expect(u32(Uint8Array.of(0xff, 0xff, 0xff, 0xff), 0, 4)).toBe(0xffffffff);
    expect(u32le(b, 0, 5)).toBe(0x78563412);
    expect([fits(1, 4, 5), fits(2, 4, 5)]).toEqual([true, false]);
  });
  it('formatters never read outside the array', () => {
    expect([ipv4At(b, 2), ipv6At(b, 0), macAt(b, 0), ipv4At(b, -1)]).toEqual(['', '', '', '']);
    expect(hexRange(b, 3, 99)).toBe('789a');
    expect(latin1UntilNul(Uint8Array.of(0x61, 0xe9, 0, 0x62), 0, 4)).toBe('a\xe9');
  });
});

describe('address formatting', () => {
  it('IPv4 dotted quad, also through the cache', () => {
    const b = Uint8Array.of(0, 0, 0, 0, 255, 255, 255, 255, 10, 4, 42, 1);
    for (let round = 0; round < 2; round++) {
      expect([ipv4At(b, 0), ipv4At(b, 4), ipv4At(b, 8), ipv4At(b, 6)]).toEqual(['0.0.0.0', '255.255.255.255', '10.4.42.1', '255.255.10.4']);
    }
  });

  it('IPv4 cache never returns another address (fast-check)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 4, maxLength: 4 }), (a) => {
        expect(ipv4At(a, 0)).toBe([...a].join('.'));
      }),
      { numRuns: 3000 },
    );
  });

  it('MAC lowercase colon-separated, also through the cache', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 6, maxLength: 6 }), (a) => {
        expect(macAt(a, 0)).toBe([...a].map((x) => x.toString(16).padStart(2, '0')).join(':'));
      }),
      { numRuns: 3000 },
    );
  });

  it('IPv6 as tcpdump prints it (RFC 5952, mixed notation for compatible and mapped)', () => {
    const cases: [string, string][] = [
      ['0:0:0:0:0:0:0:0', '::'],
      ['0:0:0:0:0:0:0:1', '::1'],
      ['ff02:0:0:0:0:0:0:12', 'ff02::12'],
      ['fe80:0:0:0:200:5eff:fe00:22d', 'fe80::200:5eff:fe00:22d'],
      ['2001:0:0:0:0:0:abcd:a', '2001::abcd:a'],
      ['2001:db8:0:1:1:1:1:1', '2001:db8:0:1:1:1:1:1'], // one zero group is not compressed (RFC 5952 §4.2.2)
      ['2001:0:0:1:0:0:0:1', '2001:0:0:1::1'], // the longest run wins (§4.2.3)
      ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'], // the first of equal runs wins (§4.2.3)
      ['1:0:0:0:0:0:0:0', '1::'],
      ['0:0:0:0:0:0:102:304', '::1.2.3.4'],
      ['0:0:0:0:0:ffff:a00:1', '::ffff:10.0.0.1'],
      ['0:0:0:0:0:0:0:100', '::100'],
      ['0:0:0:0:1:ffff:a00:1', '::1:ffff:a00:1'],
      ['ABCD:EF01:0:0:0:0:0:0', 'abcd:ef01::'],
    ];
    for (const [input, want] of cases) expect(ipv6At(ipv6Bytes(input), 0)).toBe(want);
  });

  it('IPv6 agrees with the WHATWG URL serializer wherever no dotted tail is used (fast-check)', () => {
    const group = fc.oneof(fc.constant(0), fc.constant(0), fc.integer({ min: 0, max: 0xffff }));
    fc.assert(
      fc.property(fc.array(group, { minLength: 8, maxLength: 8 }), (groups) => {
        const bytes = new Uint8Array(16);
        groups.forEach((g, i) => {
          bytes[2 * i] = g >> 8;
          bytes[2 * i + 1] = g & 0xff;
        });
        const ours = ipv6At(bytes, 0);
        if (ours.includes('.')) return;
        const url = new URL(`http://[${groups.map((g) => g.toString(16)).join(':')}]/`).hostname;
        expect(ours).toBe(url.slice(1, -1));
        expect([...ipv6Bytes(ours)]).toEqual([...bytes]);
      }),
      { numRuns: 3000 },
    );
  });

  it('names from tables, unknown values as tcpdump does', () => {
    expect(nameOf({ 1: 'advertisement' }, 1)).toBe('advertisement');
    expect(nameOf({ 1: 'advertisement' }, 9)).toBe('unknown (9)');
    expect(hex16(0xab)).toBe('0x00ab');
  });
});

describe('internet checksum', () => {
  it('agrees with the test encoder on random data, odd lengths included (fast-check)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (data) => {
        expect(checksumFor(onesSum(data, 0, data.length))).toBe(internetChecksum(data));
      }),
    );
  });
  it('a message carrying its checksum verifies', () => {
    const m = Uint8Array.of(0x45, 0, 0, 0x1c, 0, 0, 0, 0, 0x40, 0x11, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2);
    const c = checksumFor(onesSum(m, 0, m.length));
    m[10] = c >> 8;
    m[11] = c & 0xff;
    expect(sumVerifies(onesSum(m, 0, m.length))).toBe(true);
    expect(fold(0x3fffc)).toBe(0xffff);
  });
});
