import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readCapture } from '../../src/capture/file.js';
import { MAX_SNAPLEN } from '../../src/capture/types.js';
import { LinkType, type Frame } from '../../src/frame.js';
import { PcapngWriter, PcapWriter, WRITER_BUFFER_BYTES } from '../../src/capture/writer.js';
import { findTcpdump, parseBytes, payload } from '../support/capfile.js';
import { NO_SHARED, sharedPcap } from '../support/shared.js';
import { named, skipping } from '../support/skip.js';

const TCPDUMP = findTcpdump();
const VRRP_PCAP = sharedPcap('tcpdump/vrrp.pcap');

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'vrrpscope-writer-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

function readBack(file: string): ReturnType<typeof parseBytes> {
  return parseBytes(fs.readFileSync(file));
}

describe('PcapWriter', () => {
  it('writes frames our reader reads back exactly', () => {
    const file = path.join(tmp, 'round.pcap');
    const frames = [
      { ts: 1_700_000_000.123456, data: payload(60, 1) },
      { ts: 1_700_000_001.999999, data: payload(1514, 2), origLen: 1514 },
      { ts: 1_700_000_002, data: payload(0, 3), origLen: 64 },
      { ts: 1.9999996, data: payload(10, 4) }, // rounds up into the next second
    ];
    const writer = new PcapWriter(file, { linkType: LinkType.LINUX_SLL });
    for (const f of frames) writer.write(f);
    writer.close();
    const { frames: back, error, result } = readBack(file);
    expect(error).toBeUndefined();
    expect(result.linkTypes).toEqual([LinkType.LINUX_SLL]);
    expect(back.map(({ ts, data, origLen }) => ({ ts, data, origLen }))).toEqual([
      { ts: 1_700_000_000.123456, data: payload(60, 1), origLen: 60 },
      { ts: 1_700_000_001.999999, data: payload(1514, 2), origLen: 1514 },
      { ts: 1_700_000_002, data: payload(0, 3), origLen: 64 },
      { ts: 2, data: payload(10, 4), origLen: 10 },
    ]);
    expect(writer.records).toBe(4);
  });

  it('writes a valid empty capture', () => {
    const file = path.join(tmp, 'empty.pcap');
    new PcapWriter(file, { linkType: 1 }).close();
    const { frames, error } = readBack(file);
    expect([frames.length, error]).toEqual([0, undefined]);
  });

  it('cuts frames to the snap length and keeps the original length', () => {
    const file = path.join(tmp, 'snap.pcap');
    const writer = new PcapWriter(file, { linkType: 1, snapLen: 64 });
    writer.write({ ts: 1, data: payload(100) });
    writer.close();
    const [frame] = readBack(file).frames;
    expect([frame.data, frame.origLen]).toEqual([payload(100).subarray(0, 64), 100]);
  });

  it('buffers until 64 KiB or flush(), and writes frames larger than the buffer', () => {
    const file = path.join(tmp, 'big.pcap');
    const writer = new PcapWriter(file, { linkType: 1 });
    writer.write({ ts: 1, data: payload(100) });
    expect(fs.statSync(file).size).toBe(24); // only the header so far
    writer.flush();
    expect(fs.statSync(file).size).toBe(24 + 16 + 100);
    const big = payload(MAX_SNAPLEN, 9);
    writer.write({ ts: 2, data: big });
    for (let i = 0; i < 1000; i++) writer.write({ ts: 3 + i, data: payload(200, i) });
    expect(fs.statSync(file).size).toBeGreaterThan(24 + 116 + 16 + MAX_SNAPLEN + WRITER_BUFFER_BYTES);
    writer.close();
    const { frames, error } = readBack(file);
    expect(error).toBeUndefined();
    expect(frames).toHaveLength(1002);
    expect(Buffer.compare(frames[1].data, big)).toBe(0);
    expect(frames[1001].data).toEqual(payload(200, 999));
  });

  it('closes more than once without harm, and refuses writes after close', () => {
    const writer = new PcapWriter(path.join(tmp, 'closed.pcap'), { linkType: 1 });
    writer.close();
    writer.close();
    expect(() => writer.write({ ts: 1, data: payload(1) })).toThrow(/write after close/);
  });

  it('refuses timestamps a pcap record cannot hold, and bad snap lengths', () => {
    const writer = new PcapWriter(path.join(tmp, 'range.pcap'), { linkType: 1 });
    expect(() => writer.write({ ts: -1, data: payload(1) })).toThrow(RangeError);
    expect(() => writer.write({ ts: 2 ** 32, data: payload(1) })).toThrow(RangeError);
    expect(() => writer.write({ ts: NaN, data: payload(1) })).toThrow(RangeError);
    writer.close();
    expect(() => new PcapWriter(path.join(tmp, 'snap0.pcap'), { linkType: 1, snapLen: 0 })).toThrow(RangeError);
  });

  const noVrrpPcap = skipping(NO_SHARED, 'the vrrp.pcap rewrite test');
  it.skipIf(!TCPDUMP || noVrrpPcap)(named('rewrites vrrp.pcap so that tcpdump prints exactly vrrp.out (needs tcpdump)', noVrrpPcap), async () => {
    const file = path.join(tmp, 'vrrp-copy.pcap');
    const writer = new PcapWriter(file, { linkType: LinkType.ETHERNET, snapLen: 65535 });
    const original: Frame[] = [];
    await readCapture(VRRP_PCAP, (f) => {
      original.push({ ...f, data: f.data.slice() });
      writer.write(f);
    });
    writer.close();
    // The command line the tcpdump test suite used for vrrp.out (../shared/pcaps/README.md).
    const run = spawnSync(TCPDUMP as string, ['-#', '-n', '-r', file, '-tttt'], {
      encoding: 'utf8',
      env: { ...process.env, TZ: 'GMT0' },
    });
    expect(run.status).toBe(0);
    expect(run.stdout).toBe(fs.readFileSync(path.join(path.dirname(VRRP_PCAP), 'vrrp.out'), 'utf8'));
    const back = readBack(file).frames;
    expect(back.map(({ ts, data, origLen }) => ({ ts, data, origLen }))).toEqual(
      original.map(({ ts, data, origLen }) => ({ ts, data, origLen })),
    );
  });
});

describe('PcapngWriter', () => {
  it('writes one interface description per interface: frames read back with their interface, link type, time and lengths', () => {
    const file = path.join(tmp, 'two.pcapng');
    const writer = new PcapngWriter(file, [
      { name: 'eth0', linkType: LinkType.ETHERNET },
      { name: 'wlan-über', linkType: LinkType.LINUX_SLL },
    ]);
    writer.write({ ts: 1_700_000_000.123456, data: payload(61, 1) }, 0);
    writer.write({ ts: 1_700_000_000.5, data: payload(3, 2), origLen: 1514 }, 1);
    writer.write({ ts: 1_700_000_001, data: payload(WRITER_BUFFER_BYTES + 7, 3) }, 0); // larger than the buffer
    writer.write({ ts: 1.9999996, data: payload(0, 4), origLen: 64 }, 1);
    writer.close();
    expect(writer.records).toBe(4);
    const { frames, error } = readBack(file);
    expect(error).toBeUndefined();
    expect(frames.map(({ ts, data, origLen, linkType, iface }) => ({ ts, data, origLen, linkType, iface }))).toEqual([
      { ts: 1_700_000_000.123456, data: payload(61, 1), origLen: 61, linkType: LinkType.ETHERNET, iface: 'eth0' },
      { ts: 1_700_000_000.5, data: payload(3, 2), origLen: 1514, linkType: LinkType.LINUX_SLL, iface: 'wlan-über' },
      { ts: 1_700_000_001, data: payload(WRITER_BUFFER_BYTES + 7, 3), origLen: WRITER_BUFFER_BYTES + 7, linkType: LinkType.ETHERNET, iface: 'eth0' },
      { ts: 2, data: payload(0, 4), origLen: 64, linkType: LinkType.LINUX_SLL, iface: 'wlan-über' },
    ]);
  });

  it('a file without frames is valid, and writes after close are refused', () => {
    const file = path.join(tmp, 'empty.pcapng');
    const writer = new PcapngWriter(file, [{ name: 'a', linkType: 1 }, { name: 'b', linkType: 1 }]);
    writer.close();
    expect(readBack(file)).toMatchObject({ frames: [], error: undefined });
    expect(() => writer.write({ ts: 1, data: payload(1) }, 0)).toThrow(/write after close/);
  });

  it.skipIf(!TCPDUMP)('tcpdump reads every frame of it (needs tcpdump)', () => {
    const file = path.join(tmp, 'tcpdump.pcapng');
    const writer = new PcapngWriter(file, [{ name: 'veth-a', linkType: LinkType.ETHERNET }, { name: 'veth-b', linkType: LinkType.ETHERNET }]);
    writer.write({ ts: 1_700_000_000, data: payload(60, 1) }, 1);
    writer.write({ ts: 1_700_000_001, data: payload(60, 2) }, 0);
    writer.close();
    const run = spawnSync(TCPDUMP as string, ['-n', '-r', file], { encoding: 'utf8' });
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout.split('\n').filter((l) => /^\d\d:\d\d:\d\d\.\d{6} /.test(l))).toHaveLength(2);
  });
});
