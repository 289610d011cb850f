// writePacketLine / writePacketJson write a repeated advert as bytes (timestamp digits plus bytes
// kept per source). What reaches the file must be byte for byte what packetLine / packetJsonLine
// give, for packets from the repeat-answering Decoder as well as fresh ones.

import fc from 'fast-check';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readCapture } from '../../src/capture/file.js';
import type { Frame } from '../../src/frame.js';
import { decodedFrame } from '../../src/decode/index.js';
import { Decoder } from '../../src/decode/decoder.js';
import type { Decoded } from '../../src/decode/types.js';
import { MONO } from '../../src/render/color.js';
import { packetJsonLine, writePacketJson } from '../../src/render/json.js';
import { packetLine, writePacketLine, type LineOptions } from '../../src/render/line.js';
import { Output } from '../../src/render/output.js';
import { arpFrame, vrrpFrame } from '../support/encode.js';

const LAB = new URL('../../pcaps/lab/', import.meta.url).pathname;
const PLAIN: LineOptions = { verbose: false, palette: MONO };
const VERBOSE: LineOptions = { verbose: true, palette: MONO };

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vrrpscope-write-'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** Writes packets through an Output into a file and what the string functions say into a list. */
class Both {
  private readonly file = path.join(dir, `out-${Math.random().toString(36).slice(2)}`);
  private readonly fd = fs.openSync(this.file, 'w');
  private readonly out = new Output(this.fd);
  private readonly expected: string[] = [];

  constructor(private readonly mode: 'text' | 'json', private readonly o: LineOptions = PLAIN) {}

  add(p: Decoded): void {
    const line = this.mode === 'json' ? packetJsonLine(p) : packetLine(p, this.o);
    if (line !== null) this.expected.push(line + '\n');
    if (this.mode === 'json') writePacketJson(this.out, p);
    else writePacketLine(this.out, p, this.o);
  }

  verify(): number {
    this.out.flush();
    fs.closeSync(this.fd);
    const got = fs.readFileSync(this.file, 'utf8');
    const want = this.expected.join('');
    if (got !== want) {
      const a = got.split('\n');
      const b = want.split('\n');
      const i = a.findIndex((l, k) => l !== b[k]);
      expect(a[i], `line ${i + 1}`).toBe(b[i]);
    }
    expect(got).toBe(want);
    return this.expected.length;
  }
}

describe.each(['text', 'json'] as const)('%s written as bytes equals the string path', (mode) => {
  it.each([['plain', PLAIN], ['verbose', VERBOSE]] as const)('every frame of the keepalived lab captures, decoded by the repeat-answering Decoder (%s)', async (_, o) => {
    const both = new Both(mode, o);
    for (const file of fs.readdirSync(LAB).filter((f) => f.endsWith('.pcap')).sort()) {
      const decoder = new Decoder();
      await readCapture(path.join(LAB, file), (f) => both.add(decoder.decode(f)));
    }
    expect(both.verify()).toBeGreaterThan(1000);
  });

  it('timestamps of every shape: whole seconds, trailing zeros, before 1970, far future, NaN', () => {
    const both = new Both(mode);
    const frame = vrrpFrame({ vrrp: { version: 3, vrid: 1, priority: 100, addrs: ['192.0.2.1'] } });
    const decoder = new Decoder();
    let record = 0;
    const add = (ts: number): void => both.add(decoder.decode({ ...frame, ts, record: ++record }));
    for (const ts of [0, -0, 1, 0.000001, 1e-7, 0.5, 0.1, 0.12, 0.120001, 1_700_000_000, 1_700_000_000.1, 1_700_000_000.000001,
      1_700_000_000.999999, 1_700_000_000.9999996, 2 ** 33 - 0.000001, 2 ** 33, 1e21, -1.5, -0.000001, NaN, Infinity, -Infinity]) {
      add(ts);
    }
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 34 }), fc.integer({ min: 0, max: 999_999 }), (seconds, micros) => {
        add((seconds * 1e6 + micros) / 1e6);
      }),
      { numRuns: 3000 },
    );
    fc.assert(fc.property(fc.double(), (ts) => void add(ts)), { numRuns: 1000 });
    expect(both.verify()).toBeGreaterThan(4000);
  });

  it('ARP of every form: request, reply, gratuitous both ways, probe, VLAN, Linux cooked, cut short, at any time', () => {
    const both = new Both(mode);
    const decoder = new Decoder();
    const specs = [
      { op: 1, senderMac: '02:00:00:00:00:01', senderIp: '192.0.2.10', targetMac: '00:00:00:00:00:00', targetIp: '192.0.2.1' },
      { op: 2, senderMac: '00:00:5e:00:01:01', senderIp: '192.0.2.1', targetMac: '02:00:00:00:00:01', targetIp: '192.0.2.10' },
      { op: 1, senderMac: '02:00:00:00:00:07', senderIp: '10.255.255.254', targetMac: 'ff:ff:ff:ff:ff:ff', targetIp: '10.255.255.254' },
      { op: 2, senderMac: '02:00:00:00:00:07', senderIp: '192.0.2.1', targetMac: 'ff:ff:ff:ff:ff:ff', targetIp: '192.0.2.1' },
      { op: 1, senderMac: '02:00:00:00:00:08', senderIp: '0.0.0.0', targetMac: '00:00:00:00:00:00', targetIp: '192.0.2.5' },
      { op: 3, senderMac: '02:00:00:00:00:08', senderIp: '192.0.2.8', targetMac: '00:00:00:00:00:00', targetIp: '192.0.2.5' },
    ];
    const links = [
      undefined,
      { kind: 'ethernet' as const, src: '02:00:00:00:00:09', dst: 'ff:ff:ff:ff:ff:ff', vlans: [7] },
      { kind: 'sll2' as const, src: '02:00:00:00:00:09' },
      { kind: 'sll' as const, src: '02:00:00:00:00:09' },
    ];
    let record = 0;
    for (const arp of specs) {
      for (const link of links) {
        const frame = arpFrame({ arp, link });
        for (const ts of [0, 1_700_000_000.25, 1_700_000_000.000001, 2 ** 33, -1.5, NaN]) {
          both.add(decoder.decode({ ...frame, ts, record: ++record }));
          both.add(decodedFrame({ ...frame, ts, record: ++record }));
        }
        both.add(decodedFrame({ ...frame, data: frame.data.subarray(0, frame.data.length - 20), record: ++record }));
      }
    }
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 34 }), fc.integer({ min: 0, max: 999_999 }), fc.nat({ max: 2 ** 40 }), (seconds, micros, n) => {
        both.add(decoder.decode({ ...arpFrame({ arp: specs[n % specs.length] }), ts: (seconds * 1e6 + micros) / 1e6, record: n }));
      }),
      { numRuns: 2000 },
    );
    expect(both.verify()).toBeGreaterThan(1800);
  });

  it('record numbers up to 2^53 - 1', () => {
    const both = new Both(mode);
    const frame = vrrpFrame({ vrrp: { version: 2, vrid: 4, priority: 100, addrs: ['192.0.2.4'] } });
    const decoder = new Decoder();
    for (const record of [0, 1, 9, 10, 99, 100, 12345, 999_999_999, 2 ** 32, Number.MAX_SAFE_INTEGER]) {
      both.add(decoder.decode({ ...frame, ts: 1_700_000_000.25, record }));
    }
    both.verify();
  });

  it('passwords with controls, quotes and bytes above 0x7f; many addresses; problems; ARP between adverts', () => {
    const both = new Both(mode);
    const decoder = new Decoder();
    let n = 0;
    const add = (f: Frame): void => {
      for (let i = 0; i < 2; i++) both.add(decoder.decode({ ...f, ts: 1_700_000_000 + n / 7, record: ++n }));
    };
    for (const password of ['a"b', 'a\\b', 'tab\there', '\x1b[31m', '\x7fdel', 'é€', 'pw']) {
      add(vrrpFrame({ vrrp: { version: 2, vrid: 1, priority: 100, addrs: ['192.0.2.1'], password } }));
    }
    add(vrrpFrame({ vrrp: { version: 3, vrid: 2, priority: 100, addrs: Array.from({ length: 200 }, (_, i) => `2001:db8::${i.toString(16)}`) }, ip: { family: 'ipv6' } }));
    add(vrrpFrame({ vrrp: { version: 2, vrid: 3, priority: 100, addrs: ['192.0.2.3'], checksum: 0x1234 }, ip: { family: 'ipv4', ttl: 64 } }));
    add(arpFrame({ arp: { op: 1, senderMac: '02:00:00:00:00:01', senderIp: '192.0.2.1', targetMac: '00:00:00:00:00:00', targetIp: '192.0.2.1' } }));
    add(vrrpFrame({ vrrp: { version: 2, vrid: 1, priority: 101, addrs: ['192.0.2.1'], password: 'pw' } }));
    both.verify();
  });

  it('a fresh packet for every frame (decodeFrame), in verbose lines, gives the same result', async () => {
    const both = new Both(mode, VERBOSE);
    await readCapture(path.join(LAB, 'failover-crash.pcap'), (f) => both.add(decodedFrame(f)));
    expect(both.verify()).toBeGreaterThan(20);
  });
});

describe('Output byte writers', () => {
  it('putInt and putDigits write what String() and padStart() do', () => {
    const file = path.join(dir, 'digits');
    const fd = fs.openSync(file, 'w');
    const out = new Output(fd);
    const want: string[] = [];
    const ints = [0, 1, 9, 10, 11, 99, 100, 101, 65_535, 1_000_000, 2 ** 31, 2 ** 32 + 1, 1e15, Number.MAX_SAFE_INTEGER];
    for (const n of ints) {
      expect(out.begin(64)).toBe(true);
      out.putInt(n);
      out.putAscii(' ');
      out.putDigits(n % 1_000_000, 6);
      out.endLine();
      want.push(`${n} ${String(n % 1_000_000).padStart(6, '0')}\n`);
    }
    out.flush();
    fs.closeSync(fd);
    expect(fs.readFileSync(file, 'utf8')).toBe(want.join(''));
  });

  it('begin() refuses a line longer than the buffer, so the caller falls back to line()', () => {
    const fd = fs.openSync(path.join(dir, 'long'), 'w');
    const out = new Output(fd);
    expect(out.begin(1 << 20)).toBe(false);
    expect(out.closed).toBe(false);
    fs.closeSync(fd);
  });
});
