// Decoder answers repeated frames from memory: it must give exactly what decodeFrame gives,
// on every frame of every capture we have and on every one-byte change of a remembered frame.

import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readCapture } from '../../src/capture/file.js';
import { BufferFrame, LinkType, type Frame } from '../../src/frame.js';
import { decodeFrame } from '../../src/decode/index.js';
import { Decoder } from '../../src/decode/decoder.js';
import { withBenchCapture } from '../support/bench-capture.js';
import { arpFrame, encodeLink, makeFrame, naFrame, vrrpFrame } from '../support/encode.js';
import { capturesIn, SHARED_PCAPS } from '../support/shared.js';
import { itShared } from '../support/skip.js';

const LAB = new URL('../../pcaps/lab/', import.meta.url).pathname;


/** Decodes `file` both ways; returns how many frames there were and how many came from memory. */
async function compareFile(file: string): Promise<{ frames: number; repeats: number }> {
  const decoder = new Decoder();
  let frames = 0;
  await readCapture(file, (f) => {
    frames++;
    const ours = decoder.decode(f);
    const ref = decodeFrame(f);
    if (ours.ts !== f.ts || ours.record !== f.record) expect([ours.ts, ours.record]).toEqual([f.ts, f.record]);
    if (!isEqual(ours.packet, ref)) expect(ours.packet, `${path.basename(file)} record ${f.record}`).toEqual(ref);
  }).catch((e: Error) => {
    // Broken reference captures end with a CaptureError after their last good frame: the frames before it count.
    if (e.name !== 'CaptureError') throw e;
  });
  return { frames, repeats: decoder.repeats };
}

// expect().toEqual per frame is slow on 200,000 frames: compare plainly, report with expect on a difference.
function isEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  for (const k of ka) if (!isEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k])) return false;
  return true;
}

describe('Decoder: repeats answered from memory equal decodeFrame', () => {
  it('on every frame of the keepalived lab captures, most of them from memory', async () => {
    let frames = 0;
    let repeats = 0;
    for (const file of capturesIn(LAB)) {
      const r = await compareFile(file);
      frames += r.frames;
      repeats += r.repeats;
    }
    expect(frames).toBeGreaterThan(1500);
    // keepalived increments the IPv4 identification with every advert: the repeats must still be found.
    expect(repeats / frames).toBeGreaterThan(0.5);
  });

  itShared('on every frame of the reference captures (tcpdump, PcapPlusPlus, gopacket)', async () => {
    const files = capturesIn(SHARED_PCAPS);
    expect(files.length).toBeGreaterThan(5);
    let repeats = 0;
    for (const file of files) repeats += (await compareFile(file)).repeats;
    expect(repeats).toBeGreaterThan(0);
  });

  it('on 200,000 frames of the benchmark capture (250 virtual routers, v2/v3, IPv4/IPv6, VMACs, ARP, NA)', async () => {
    const r = await withBenchCapture(200_000, compareFile);
    expect(r.frames).toBe(200_000);
    expect(r.repeats / r.frames).toBeGreaterThan(0.85);
  });

  const v2 = vrrpFrame({ vrrp: { version: 2, vrid: 7, priority: 100, addrs: ['192.0.2.7'], password: 'secret' } });
  const v3v6 = vrrpFrame({ vrrp: { version: 3, vrid: 9, priority: 200, addrs: ['2001:db8::9', 'fe80::9'] }, ip: { family: 'ipv6' } });
  const arp = arpFrame({ arp: { op: 1, senderMac: '02:00:00:00:00:01', senderIp: '192.0.2.1', targetMac: 'ff:ff:ff:ff:ff:ff', targetIp: '192.0.2.1' } });
  const na = naFrame({ na: { target: '2001:db8::9', solicited: false, override: true, targetMac: '00:00:5e:00:02:09' } });
  const vlan = ((): Frame => {
    const inner = v2.data.subarray(14);
    const l = encodeLink({ kind: 'ethernet', src: '02:00:00:00:00:07', dst: '01:00:5e:00:00:12', vlans: [42] }, 0x0800, inner);
    return makeFrame(l.linkType, l.bytes);
  })();
  const sll2 = ((): Frame => {
    const l = encodeLink({ kind: 'sll2', src: '02:00:00:00:00:07' }, 0x0800, v2.data.subarray(14));
    expect(l.linkType).toBe(LinkType.LINUX_SLL2);
    return makeFrame(l.linkType, l.bytes);
  })();

  it.each([
    ['VRRPv2 with a password', v2],
    ['VRRPv3 over IPv6 with two addresses', v3v6],
    ['gratuitous ARP', arp],
    ['unsolicited neighbor advertisement', na],
    ['VRRPv2 in a VLAN', vlan],
    ['VRRPv2 in Linux cooked v2', sll2],
  ])('%s: any one byte changed after the frame was remembered decodes as decodeFrame says', (_name, frame) => {
    let repeats = 0;
    for (let i = 0; i < frame.data.length; i++) {
      for (const flip of [0x01, 0x80, 0xff]) {
        const decoder = new Decoder();
        decoder.decode(makeFrame(frame.linkType, frame.data.slice(), { ts: 1, record: 1 }));
        const changed = frame.data.slice();
        changed[i] ^= flip;
        const next = makeFrame(frame.linkType, changed, { ts: 2, record: 2 });
        expect(decoder.decode(next).packet, `byte ${i} ^ ${flip}`).toEqual(decodeFrame(next));
        repeats += decoder.repeats;
      }
    }
    // Every change, padding included, is decoded afresh.
    expect(repeats).toBe(0);
  });

  /** The frame as a capture source hands it over: a window at `at` in a bigger buffer with other bytes around it. */
  function windowed(frame: Frame, bytes: Uint8Array, at: number, ts: number, record: number): BufferFrame {
    const buffer = new Uint8Array(at + bytes.length + 5).fill(0xa5);
    buffer.set(bytes, at);
    const view = new DataView(buffer.buffer);
    return new BufferFrame(ts, 0, frame.linkType, buffer, view, at, at + bytes.length, bytes.length, record, -1);
  }

  it.each([
    ['VRRPv2 with a password', v2],
    ['VRRPv3 over IPv6 with two addresses', v3v6],
    ['gratuitous ARP', arp],
    ['VRRPv2 in a VLAN', vlan],
  ])('%s in a capture buffer at any alignment: repeats found, any one byte changed decodes as decodeFrame says', (_name, frame) => {
    for (const [first, second] of [[0, 1], [1, 2], [2, 3], [3, 0], [5, 8]]) {
      const decoder = new Decoder();
      decoder.decode(windowed(frame, frame.data, first, 1, 1));
      const again = windowed(frame, frame.data, second, 2, 2);
      expect(decoder.decode(again).packet).toEqual(decodeFrame(again));
      expect(decoder.repeats).toBe(1);
      for (let i = 0; i < frame.data.length; i++) {
        const changed = frame.data.slice();
        changed[i] ^= 0x41;
        const next = windowed(frame, changed, second, 3, 3);
        expect(decoder.decode(next).packet, `at ${first}/${second}: byte ${i}`).toEqual(decodeFrame(next));
        // Back to the remembered frame so the next change is judged against it again.
        decoder.decode(windowed(frame, frame.data, first, 4, 4));
      }
    }
  });

  it('bytes that read as NaN or as -0 when taken 8 at a time as a float: repeats still found, changes still seen', () => {
    // Broadcast destination then a source MAC starting f0:7f: bytes 0-7 are a NaN (which never
    // equals itself); an all-zero pair (padding) differs from 00..80 only as -0 from +0.
    const nan = arpFrame({
      arp: { op: 1, senderMac: 'f0:7f:00:00:00:01', senderIp: '192.0.2.1', targetMac: '00:00:00:00:00:00', targetIp: '192.0.2.1' },
      link: { kind: 'ethernet', src: 'f0:7f:00:00:00:01', dst: 'ff:ff:ff:ff:ff:ff' },
    });
    const pair0 = new DataView(nan.data.buffer, nan.data.byteOffset).getFloat64(0, true);
    expect(Number.isNaN(pair0)).toBe(true);
    const decoder = new Decoder();
    decoder.decode(makeFrame(nan.linkType, nan.data.slice(), { ts: 1, record: 1 }));
    expect(decoder.decode(makeFrame(nan.linkType, nan.data.slice(), { ts: 2, record: 2 })).ts).toBe(2);
    expect(decoder.repeats).toBe(1);
    for (const i of [0, 5, 6, 7, 48, 55, 56, 59]) {
      const changed = nan.data.slice();
      changed[i] ^= 0x80;
      const next = makeFrame(nan.linkType, changed, { ts: 3, record: 3 });
      expect(decoder.decode(next).packet, `byte ${i}`).toEqual(decodeFrame(next));
      expect(decoder.repeats, `byte ${i}`).toBe(1);
      decoder.decode(makeFrame(nan.linkType, nan.data.slice(), { ts: 4, record: 4 }));
    }
  });

  it('adverts with many addresses are remembered up to 240 bytes, longer ones decoded every time', () => {
    const v4 = (n: number) => Array.from({ length: n }, (_, i) => `192.0.2.${i + 1}`);
    const v6 = (n: number) => Array.from({ length: n }, (_, i) => `2001:db8::${(i + 1).toString(16)}`);
    const cases: Array<[Frame, boolean]> = [
      [vrrpFrame({ vrrp: { version: 2, vrid: 20, priority: 100, addrs: v4(20), password: 'pw' } }), true], // 130 bytes
      [vrrpFrame({ vrrp: { version: 3, vrid: 9, priority: 100, addrs: v6(9) }, ip: { family: 'ipv6' } }), true], // 206 bytes
      [vrrpFrame({ vrrp: { version: 2, vrid: 48, priority: 100, addrs: v4(48) } }), false], // 242 bytes
    ];
    for (const [frame, remembered] of cases) {
      const decoder = new Decoder();
      decoder.decode(makeFrame(frame.linkType, frame.data.slice(), { ts: 1, record: 1 }));
      const again = makeFrame(frame.linkType, frame.data.slice(), { ts: 2, record: 2 });
      expect(decoder.decode(again).packet).toEqual(decodeFrame(again));
      expect(decoder.repeats, `${frame.data.length} bytes`).toBe(remembered ? 1 : 0);
    }
  });

  it('the same frame again is answered from memory, marked repeat, at its own time and record number', () => {
    const decoder = new Decoder();
    for (const frame of [v2, v3v6, arp, na, vlan, sll2]) {
      // The Decoder refills one record per frame: a consumer copies what it keeps, as here.
      const first = { ...decoder.decode(makeFrame(frame.linkType, frame.data.slice(), { ts: 10, record: 1 })) };
      const again = { ...decoder.decode(makeFrame(frame.linkType, frame.data.slice(), { ts: 11.5, record: 2 })) };
      expect([first.ts, first.record, first.repeat]).toEqual([10, 1, false]);
      expect([again.ts, again.record, again.repeat]).toEqual([11.5, 2, true]);
      // The remembered packet itself (read-only, so sharing it is safe), untouched by the new frame.
      expect(again.packet).toBe(first.packet);
      expect(again.packet).toEqual(decodeFrame(makeFrame(frame.linkType, frame.data.slice())));
    }
    expect(decoder.repeats).toBe(6);
  });

  it('IPv4: a new identification with the checksum moved by as much repeats; a checksum that no longer verifies does not', () => {
    const decoder = new Decoder();
    const b = v2.data.slice();
    decoder.decode(makeFrame(v2.linkType, b.slice()));
    // keepalived: identification + 1, so the header checksum - 1.
    const next = b.slice();
    const id = ((next[18] << 8) | next[19]) + 1;
    next[18] = (id >> 8) & 0xff;
    next[19] = id & 0xff;
    let ck = ((next[24] << 8) | next[25]) - 1;
    if (ck < 0) ck += 0xffff;
    next[24] = (ck >> 8) & 0xff;
    next[25] = ck & 0xff;
    const good = decoder.decode(makeFrame(v2.linkType, next)).packet;
    expect(decoder.repeats).toBe(1);
    expect(good).toEqual(decodeFrame(makeFrame(v2.linkType, next)));
    expect(good.kind === 'vrrp' && good.ip.headerChecksumOk).toBe(true);
    // Identification changed, checksum left alone: the header no longer verifies and must say so.
    const stale = b.slice();
    stale[19] ^= 0x04;
    const bad = decoder.decode(makeFrame(v2.linkType, stale)).packet;
    expect(decoder.repeats).toBe(1);
    expect(bad.kind === 'vrrp' && bad.ip.headerChecksumOk).toBe(false);
    expect(bad.problems.map((p) => p.id)).toContain('bad-ip-checksum');
  });
});
