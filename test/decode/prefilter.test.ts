// The reader's prefilter skips a frame only where decodeFrame says 'other' (which the analyzer
// only counts): on every frame of every capture we have, on the mixed benchmark capture, and on
// fuzzed frames; and a run that skips gives the same analysis as one that decodes every frame.

import * as path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { capturesIn, SHARED_PCAPS } from '../support/shared.js';
import { itShared } from '../support/skip.js';
import { generateMixed } from '../../bench/generate.js';
import type { Alert } from '../../src/analyze/alerts.js';
import { readCapture } from '../../src/capture/file.js';
import { LinkType, type Frame } from '../../src/frame.js';
import { decodeFrame } from '../../src/decode/index.js';
import { skippable } from '../../src/decode/prefilter.js';
import { Pipeline } from '../../src/pipeline.js';
import { tempDir } from '../support/cli.js';
import { arpFrame, encodeIpv4, encodeIpv6, encodeLink, ipOtherFrame, makeFrame, naFrame, vrrpFrame, type LinkSpec } from '../support/encode.js';

const LAB = new URL('../../pcaps/lab/', import.meta.url).pathname;
const REGRESSIONS = new URL('../regressions/', import.meta.url).pathname;
const SHARED = SHARED_PCAPS;


/** The frame's bytes placed `lead` bytes into a larger buffer, as in a reader's chunk. */
function inChunk(data: Uint8Array, lead: number): { b: Uint8Array; start: number; end: number } {
  const b = new Uint8Array(lead + data.length + 64).fill(0x5a);
  b.set(data, lead);
  return { b, start: lead, end: lead + data.length };
}

/** Checks the promise on one frame; returns whether it was skipped. */
function check(frame: Frame, where: string): boolean {
  const data = frame.data;
  const skip = skippable(data, 0, data.length, frame.linkType);
  // The same answer inside a chunk: bytes after the frame must not be read.
  const c = inChunk(data, 13);
  expect(skippable(c.b, c.start, c.end, frame.linkType), where).toBe(skip);
  if (skip) {
    const kind = decodeFrame(frame).kind;
    if (kind !== 'other') expect(kind, `${where}: skipped, but decodeFrame says`).toBe('other');
  }
  return skip;
}

async function checkFile(file: string): Promise<{ frames: number; skipped: number }> {
  let frames = 0;
  let skipped = 0;
  await readCapture(file, (f) => {
    frames++;
    if (check(f, `${path.basename(file)} record ${f.record}`)) skipped++;
  }).catch((e: Error) => {
    if (e.name !== 'CaptureError') throw e;
  });
  return { frames, skipped };
}

/** The analysis of `file`, with the reader skipping or not: alerts, summary state, frame count, first time. */
async function analyse(file: string, skip: boolean, vrid?: Set<number>): Promise<string> {
  const alerts: Alert[] = [];
  const pipeline = new Pipeline({ quiet: true, vrid }, null, (a) => alerts.push(a));
  await readCapture(file, (f) => pipeline.frame(f), { reuseFrame: true, skip: skip ? pipeline.skip : undefined }).catch((e: Error) => {
    if (e.name !== 'CaptureError') throw e;
  });
  pipeline.analyzer.finish();
  return JSON.stringify({ alerts, snapshot: pipeline.analyzer.snapshot(), totals: pipeline.analyzer.totals, frames: pipeline.frames, first: pipeline.firstTs });
}

describe('prefilter: skips only what decodeFrame calls other', () => {
  it('on every frame of the committed captures', async () => {
    let frames = 0;
    for (const file of [...capturesIn(LAB), ...capturesIn(REGRESSIONS)]) frames += (await checkFile(file)).frames;
    expect(frames).toBeGreaterThan(1500);
  });

  itShared('on every frame of the reference captures (tcpdump, PcapPlusPlus, gopacket)', async () => {
    const files = capturesIn(SHARED);
    expect(files.length).toBeGreaterThan(5);
    let frames = 0;
    for (const file of files) frames += (await checkFile(file)).frames;
    // All VRRP (one on frame relay, which is never skipped): what they test is that nothing of it is.
    expect(frames).toBeGreaterThan(150);
  });

  it('on 60,000 frames of the mixed benchmark capture, skipping nearly all that is not VRRP or ARP', async () => {
    const file = path.join(tempDir(), 'mixed.pcap');
    generateMixed(file, 60_000);
    const r = await checkFile(file);
    expect(r.frames).toBe(60_000);
    expect(r.skipped / r.frames).toBeGreaterThan(0.98);
    // The same analysis as decoding every frame, with and without --vrid (which ticks instead).
    expect(await analyse(file, true)).toBe(await analyse(file, false));
    expect(await analyse(file, true, new Set([1, 2, 3]))).toBe(await analyse(file, false, new Set([1, 2, 3])));
  });

  it('a run that skips analyses every committed capture as one that does not', async () => {
    for (const file of [...capturesIn(LAB), ...capturesIn(REGRESSIONS)]) {
      expect(await analyse(file, true), file).toBe(await analyse(file, false));
    }
  });

  itShared('a run that skips analyses every reference capture as one that does not', async () => {
    for (const file of capturesIn(SHARED)) expect(await analyse(file, true), file).toBe(await analyse(file, false));
  });

  const link = (vlans: number[]): LinkSpec => ({ kind: 'ethernet', src: '02:00:00:00:00:01', dst: '02:00:00:00:00:02', vlans });
  const frameOf = (spec: LinkSpec, etherType: number, packet: Uint8Array): Frame => {
    const l = encodeLink(spec, etherType, packet);
    return makeFrame(l.linkType, l.bytes);
  };
  const tcp4 = encodeIpv4({ src: '10.0.0.1', dst: '10.0.0.2', protocol: 6 }, new Uint8Array(40));
  const tcp6 = encodeIpv6({ src: '2001:db8::1', dst: '2001:db8::2', nextHeader: 6 }, new Uint8Array(40));
  const seeds: Array<[string, Frame, boolean]> = [
    ['TCP over IPv4', frameOf(link([]), 0x0800, tcp4), true],
    ['TCP over IPv4 in two VLAN tags', frameOf(link([10, 20]), 0x0800, tcp4), true],
    ['TCP over IPv6', frameOf(link([]), 0x86dd, tcp6), true],
    ['TCP over IPv6 after a hop-by-hop header', frameOf(link([]), 0x86dd, encodeIpv6({ src: '2001:db8::1', dst: '2001:db8::2', nextHeader: 6, extensions: [{ type: 0 }] }, new Uint8Array(40))), false],
    ['LLDP', frameOf(link([]), 0x88cc, new Uint8Array(40)), true],
    ['UDP', ipOtherFrame({ ip: { family: 'ipv4', src: '10.0.0.1', dst: '10.0.0.2' }, protocol: 17, payload: new Uint8Array(30) }), true],
    ['VRRPv2', vrrpFrame({ vrrp: { version: 2, vrid: 7, priority: 100, addrs: ['10.0.0.100'] } }), false],
    ['VRRPv3 over IPv6', vrrpFrame({ vrrp: { version: 3, vrid: 9, priority: 100, addrs: ['fe80::9'] }, ip: { family: 'ipv6' } }), false],
    ['ARP', arpFrame({ arp: { op: 1, senderMac: '02:00:00:00:00:01', senderIp: '10.0.0.1', targetMac: '00:00:00:00:00:00', targetIp: '10.0.0.2' } }), false],
    ['NA', naFrame({ na: { target: '2001:db8::9', override: true, targetMac: '02:00:00:00:00:09' } }), false],
    ['IGMP', ipOtherFrame({ ip: { family: 'ipv4', src: '10.0.0.1', dst: '224.0.0.22' }, protocol: 2, payload: new Uint8Array(8) }), false],
  ];

  it.each(seeds)('%s', (name, frame, skipped) => {
    expect(check(frame, name)).toBe(skipped);
  });

  it('on fuzzed frames: seeds with bytes changed, cut short, and under other link types', () => {
    const linkTypes = [LinkType.ETHERNET, LinkType.ETHERNET, LinkType.LINUX_SLL, LinkType.RAW, 0];
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: seeds.length - 1 }),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 4 }),
        fc.option(fc.nat(), { nil: undefined }),
        fc.integer({ min: 0, max: linkTypes.length - 1 }),
        (seed, changes, cutAt, lt) => {
          const data = seeds[seed][1].data.slice();
          for (const [at, value] of changes) data[at % data.length] = value;
          const cut = cutAt === undefined ? data : data.subarray(0, cutAt % (data.length + 1));
          check(makeFrame(linkTypes[lt], cut), `seed ${seeds[seed][0]}`);
        },
      ),
      { numRuns: 20_000 },
    );
  });
});
