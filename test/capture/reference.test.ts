// The reference captures in ../shared/pcaps, checked against what tcpdump printed for them: the
// number of packets and every timestamp from the stored .out files, and, where tcpdump is
// installed, every byte it hands its printers.

import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { expect, it } from 'vitest';
import { readCapture } from '../../src/capture/file.js';
import type { Frame } from '../../src/frame.js';
import { findTcpdump } from '../support/capfile.js';
import { SHARED_PCAPS as PCAPS } from '../support/shared.js';
import { describeShared } from '../support/skip.js';

/** Each capture with the tcpdump output stored next to it (README.md there says how it was made). */
const captures = [
  ...['vrrp', 'vrrp-vrrp_print-oobr', 'vrrp-vrrp_print-oobr-2'].map((n) => ({
    file: `tcpdump/${n}.pcap`,
    out: `tcpdump/${n}.out`,
  })),
  ...['VRRP-V2', 'VRRP-V3-IPv4', 'VRRP-V3-IPv6', 'vrrp_test_v2'].map((n) => ({
    file: `other/${n}.pcap`,
    out: `other/${n}.pcap.tcpdump.out`,
  })),
];

/** tcpdump -tttt in UTC: "2014-03-05 21:55:06.745865". */
function tttt(ts: number): string {
  const micros = Math.round(ts * 1e6);
  const seconds = Math.floor(micros / 1e6);
  const date = new Date(seconds * 1000).toISOString().slice(0, 19).replace('T', ' ');
  return `${date}.${String(micros - seconds * 1e6).padStart(6, '0')}`;
}

/** The timestamp of every packet line: "    12  2014-…" with -#, "2014-…" without; -v continuation lines start with blanks and no number. */
function packetTimes(out: string): string[] {
  return [...out.matchAll(/^(?: *\d+ {2})?(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6}) /gm)].map((m) => m[1]);
}

const TCPDUMP = findTcpdump();

/** The bytes of every packet as `tcpdump -xx` prints them. */
function tcpdumpBytes(file: string): Uint8Array[] {
  const run = spawnSync(TCPDUMP as string, ['-n', '-xx', '-r', file], { encoding: 'utf8' });
  expect(run.status).toBe(0);
  const packets: number[][] = [];
  for (const line of run.stdout.split('\n')) {
    const hex = /^\t0x[0-9a-f]{4}: {2}(.*)$/.exec(line);
    if (!hex) {
      if (line !== '') packets.push([]);
      continue;
    }
    for (const group of hex[1].trim().split(/\s+/)) {
      for (let i = 0; i < group.length; i += 2) packets[packets.length - 1].push(parseInt(group.slice(i, i + 2), 16));
    }
  }
  return packets.map((p) => Uint8Array.from(p));
}

async function read(file: string): Promise<Frame[]> {
  const frames: Frame[] = [];
  await readCapture(file, (f) => {
    frames.push({ ...f, data: f.data.slice() });
  });
  return frames;
}

describeShared('reference captures', () => {
  for (const { file, out } of captures) {
    it(`${file}: as many packets as tcpdump printed, with the same timestamps`, async () => {
      const frames = await read(path.join(PCAPS, file));
      const times = packetTimes(fs.readFileSync(path.join(PCAPS, out), 'utf8'));
      expect(times.length).toBeGreaterThan(0);
      expect(frames.map((f) => tttt(f.ts))).toEqual(times);
      expect(frames.map((f) => f.record)).toEqual(times.map((_, i) => i + 1));
    });

    it.skipIf(!TCPDUMP)(`${file}: the same bytes as tcpdump -xx (needs tcpdump)`, async () => {
      const frames = await read(path.join(PCAPS, file));
      expect(frames.map((f) => f.data)).toEqual(tcpdumpBytes(path.join(PCAPS, file)));
    });
  }

  it('vrrp.pcap: 165 packets, first and last as in vrrp.out', async () => {
    const frames = await read(path.join(PCAPS, 'tcpdump/vrrp.pcap'));
    expect(frames).toHaveLength(165);
    expect(tttt(frames[0].ts)).toBe('2014-03-05 21:55:06.745865');
    expect(frames[0]).toMatchObject({ linkType: 1, origLen: 62, record: 1, offset: 24 });
    expect(tttt(frames[164].ts)).toBe('2014-03-05 22:00:20.011328');
  });

  it('vrrp-vrrp_print-oobr-2.pcap: records longer than the 41-byte snap length are cut to it, as tcpdump shows them', async () => {
    const frames: number[] = [];
    const result = await readCapture(path.join(PCAPS, 'tcpdump/vrrp-vrrp_print-oobr-2.pcap'), (f) => {
      frames.push(f.data.length);
    });
    expect(frames).toEqual(Array(10).fill(41));
    expect(result).toMatchObject({ frames: 10, trimmedFrames: 10, linkTypes: [1], bytes: 724 });
  });
});
