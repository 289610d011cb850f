import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FlightRecorder, RING_MAX_BYTES, evidenceFileName } from '../../src/capture/evidence.js';
import { readCapture } from '../../src/capture/file.js';
import { LinkType, type Frame } from '../../src/frame.js';
import { Pipeline } from '../../src/pipeline.js';
import { findTcpdump, payload } from '../support/capfile.js';
import { runCli } from '../support/cli.js';

const TCPDUMP = findTcpdump();
const TSHARK = spawnSync('sh', ['-c', 'command -v tshark'], { encoding: 'utf8' }).stdout.trim() || undefined;
const SPLIT_BRAIN = path.resolve(import.meta.dirname, '../../pcaps/lab/split-brain.pcap');
const T0 = 1_700_000_000;

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'vrrpscope-evidence-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
let dirs = 0;
const freshDir = (): string => path.join(tmp, `d${++dirs}`);

/** Frames one per second from T0 + first, each a 60-byte payload seeded by its second, through ONE reused buffer. */
function feed(rec: FlightRecorder, first: number, last: number, onFrame?: (f: Frame) => void): void {
  const buffer = new Uint8Array(60);
  for (let s = first; s <= last; s++) {
    buffer.set(payload(60, s)); // the capture reuses its buffer: the recorder must have copied
    const f: Frame = { ts: T0 + s + 0.25, linkType: LinkType.ETHERNET, data: buffer, origLen: 60, record: s + 1, offset: -1 };
    rec.frame(f);
    onFrame?.(f);
  }
}

async function readBack(file: string): Promise<{ ts: number; data: Uint8Array }[]> {
  const frames: { ts: number; data: Uint8Array }[] = [];
  await readCapture(file, (f) => {
    frames.push({ ts: f.ts, data: f.data.slice() });
  });
  return frames;
}

/** An evidence file of frames 3..7 (2 s either side of a trigger at 5). */
async function smallEvidence(): Promise<string> {
  const rec = new FlightRecorder({ dir: freshDir(), seconds: 2, maxBytes: 1 << 20, linkType: LinkType.ETHERNET });
  let file: string | null = null;
  feed(rec, 0, 10, (f) => {
    if (f.ts === T0 + 5.25) file = rec.trigger({ ts: f.ts, segment: 'eth0', vrid: 9, kind: 'duplicate-master' });
  });
  await rec.close();
  return file!;
}

describe('FlightRecorder', () => {
  it('writes the last N seconds before the trigger and the N seconds after it, as copies', async () => {
    const dir = freshDir();
    const rec = new FlightRecorder({ dir, seconds: 5, maxBytes: 1 << 20, linkType: LinkType.ETHERNET });
    let file: string | null = null;
    feed(rec, 0, 30, (f) => {
      if (f.ts === T0 + 20.25) file = rec.trigger({ ts: f.ts, segment: 'eth0', vrid: 51, kind: 'duplicate-master' });
    });
    await rec.close();
    expect(file).toBe(path.join(dir, 'vrrpscope-evidence-20231114T221340.250Z-eth0-vrid51-duplicate-master.pcap'));
    const back = await readBack(file!);
    // Ring: packet times within 5 s before the trigger (15.25 .. 20.25); then up to 25.25.
    expect(back.map((f) => f.ts - T0)).toEqual([15.25, 16.25, 17.25, 18.25, 19.25, 20.25, 21.25, 22.25, 23.25, 24.25, 25.25]);
    for (const f of back) expect(f.data).toEqual(payload(60, Math.round(f.ts - T0 - 0.25)));
    expect(rec.stats()).toEqual({ files: 1, bytes: fs.statSync(file!).size, errors: 0 });
  });

  it('a second trigger while a file is written extends that file', async () => {
    const dir = freshDir();
    const rec = new FlightRecorder({ dir, seconds: 3, maxBytes: 1 << 20, linkType: LinkType.ETHERNET });
    const paths: (string | null)[] = [];
    feed(rec, 0, 40, (f) => {
      const s = f.ts - T0 - 0.25;
      if (s === 10 || s === 12 || s === 30) paths.push(rec.trigger({ ts: f.ts, segment: 'eth0', vrid: 7, kind: s === 12 ? 'vrid-clash' : 'duplicate-master' }));
    });
    await rec.close();
    expect(paths[0]).toBe(paths[1]);
    expect(paths[2]).not.toBe(paths[0]);
    // 7..10 before the first trigger, up to 12 + 3 = 15 after the second.
    expect((await readBack(paths[0]!)).map((f) => f.ts - T0 - 0.25)).toEqual([7, 8, 9, 10, 11, 12, 13, 14, 15]);
    expect((await readBack(paths[2]!)).map((f) => f.ts - T0 - 0.25)).toEqual([27, 28, 29, 30, 31, 32, 33]);
    expect(fs.readdirSync(dir).sort()).toEqual([path.basename(paths[0]!), path.basename(paths[2]!)].sort());
  });

  it('the ring is bounded in bytes too (half of maxBytes), newest frames kept', async () => {
    const dir = freshDir();
    // 10 records of 16 + 60 bytes fill 760; half of 1600 keeps the newest 10 of 100 frames in one second.
    const rec = new FlightRecorder({ dir, seconds: 60, maxBytes: 1600, linkType: LinkType.ETHERNET });
    const buffer = new Uint8Array(60);
    for (let i = 0; i < 100; i++) {
      buffer.set(payload(60, i));
      rec.frame({ ts: T0 + i / 1000, linkType: LinkType.ETHERNET, data: buffer, origLen: 60, record: i + 1, offset: -1 });
    }
    const file = rec.trigger({ ts: T0 + 0.1, segment: 'eth0', vrid: 1, kind: 'missed-advert' })!;
    await rec.close();
    const back = await readBack(file);
    expect(back).toHaveLength(10);
    expect(back.map((f) => f.data)).toEqual(Array.from({ length: 10 }, (_, i) => payload(60, 90 + i)));
  });

  it('the ring never holds more than RING_MAX_BYTES, however much disk is allowed (a flood)', async () => {
    const dir = freshDir();
    const rec = new FlightRecorder({ dir, seconds: 120, maxBytes: 1 << 30, linkType: LinkType.ETHERNET });
    const big = new Uint8Array(1500);
    const frames = Math.ceil((RING_MAX_BYTES * 1.1) / 1516);
    for (let i = 0; i < frames; i++) {
      big.fill(i & 0xff);
      rec.frame({ ts: T0 + i / 1e5, linkType: LinkType.ETHERNET, data: big, origLen: 1500, record: i + 1, offset: -1 });
    }
    const file = rec.trigger({ ts: T0 + 1, segment: 'eth0', vrid: 1, kind: 'duplicate-master' })!;
    await rec.close();
    const size = fs.statSync(file).size;
    expect(size).toBeLessThanOrEqual(24 + RING_MAX_BYTES);
    expect(size).toBeGreaterThan(24 + RING_MAX_BYTES - 1516);
    fs.rmSync(dir, { recursive: true });
  });

  it('keeps disk use under maxBytes by deleting the oldest evidence first, and nothing else', async () => {
    const dir = freshDir();
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, 'notes.txt'), 'not ours');
    const maxBytes = 2000;
    const rec = new FlightRecorder({ dir, seconds: 2, maxBytes, linkType: LinkType.ETHERNET });
    const made: string[] = [];
    feed(rec, 0, 60, (f) => {
      const s = f.ts - T0 - 0.25;
      if (s % 5 === 0 && s > 0) made.push(rec.trigger({ ts: f.ts, segment: 'eth0', vrid: s, kind: 'duplicate-master' })!);
      const { bytes } = rec.stats();
      expect(bytes).toBeLessThanOrEqual(maxBytes);
    });
    await rec.close();
    // Each file: 24 + 5 records x 76 = 404 bytes, the last 24 + 3 x 76 = 252 (the feed ends): 5 fit in 2000.
    expect(made).toHaveLength(12);
    const left = fs.readdirSync(dir).filter((n) => n.endsWith('.pcap')).sort();
    expect(left).toEqual(made.slice(-5).map((p) => path.basename(p)).sort());
    expect(fs.existsSync(path.join(dir, 'notes.txt'))).toBe(true);
    const total = left.reduce((n, name) => n + fs.statSync(path.join(dir, name)).size, 0);
    expect(total).toBeLessThanOrEqual(maxBytes);
    expect(rec.stats()).toEqual({ files: 5, bytes: total, errors: 0 });
    // A new recorder on the same directory counts the files already there.
    const again = new FlightRecorder({ dir, seconds: 2, maxBytes, linkType: LinkType.ETHERNET });
    expect(again.stats()).toEqual({ files: 5, bytes: total, errors: 0 });
  });

  it('names files by time, segment, VRID and kind, with wire text made safe for a file name', () => {
    expect(evidenceFileName({ ts: T0, segment: 'eth0.10', vrid: null, kind: 'vip-conflict' })).toBe('vrrpscope-evidence-20231114T221320.000Z-eth0.10-novrid-vip-conflict.pcap');
    const evil = evidenceFileName({ ts: T0, segment: '../../etc/\x1b[31mpasswd' + 'x'.repeat(100), vrid: 255, kind: 'a/b' });
    expect(evil).toMatch(/^vrrpscope-evidence-20231114T221320\.000Z-[A-Za-z0-9._-]{1,40}-vrid255-a_b\.pcap$/);
    expect(evil).not.toContain('/');
    expect(evil).not.toContain('..');
  });

  describe.skipIf(!TCPDUMP)('other readers', () => {
    if (!TCPDUMP) console.warn('skipping: tcpdump is not installed');
    it('tcpdump -r reads the evidence file with the same timestamps', async () => {
      const file = await smallEvidence();
      const r = spawnSync(TCPDUMP!, ['-r', file, '-n', '-tt'], { encoding: 'utf8' });
      expect(r.status).toBe(0);
      const records = r.stdout.split('\n').filter((l) => /^\d/.test(l)); // not the hex dump lines
      expect(records.map((l) => l.split(' ')[0])).toEqual([3, 4, 5, 6, 7].map((s) => `${T0 + s}.250000`));
    });
  });

  describe.skipIf(!TSHARK)('tshark', () => {
    if (!TSHARK) console.warn('skipping: tshark is not installed');
    it('tshark -r reads the evidence file with the same timestamps', async () => {
      const file = await smallEvidence();
      const r = spawnSync(TSHARK!, ['-r', file, '-T', 'fields', '-e', 'frame.time_epoch', '-e', 'frame.len'], { encoding: 'utf8' });
      expect(r.status).toBe(0);
      expect(r.stdout.trim().split('\n').map((l) => l.split('\t').map(Number))).toEqual([3, 4, 5, 6, 7].map((s) => [T0 + s + 0.25, 60]));
    });
  });

  const fullDiskSkip = process.getuid?.() === 0 && spawnSync('mount', ['--version']).status === 0 ? undefined : 'a full disk needs root to mount a tiny tmpfs';
  describe.skipIf(fullDiskSkip)('a full disk', () => {
    if (fullDiskSkip) console.warn(`skipping: ${fullDiskSkip}`);
    it('is one log line per failed file and a counted error; frames keep flowing and the next file is tried', async () => {
      const mnt = freshDir();
      fs.mkdirSync(mnt);
      const m = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', mnt], { encoding: 'utf8' });
      expect(m.status, m.stderr).toBe(0);
      try {
        const log: string[] = [];
        // The disk bound is larger than the disk: only ENOSPC stops the file.
        const rec = new FlightRecorder({ dir: mnt, seconds: 100, maxBytes: 10 << 20, linkType: LinkType.ETHERNET, log: (l) => log.push(l) });
        const big = new Uint8Array(1500);
        const results: (string | null)[] = [];
        for (let i = 0; i < 400; i++) {
          big.fill(i & 0xff);
          rec.frame({ ts: T0 + i / 10, linkType: LinkType.ETHERNET, data: big, origLen: 1500, record: i + 1, offset: -1 });
          if (i === 10) results.push(rec.trigger({ ts: T0 + i / 10, segment: 'eth0', vrid: 1, kind: 'duplicate-master' }));
        }
        // The first file filled the disk; a later trigger fails at once (no room even for the ring).
        const later = rec.trigger({ ts: T0 + 40, segment: 'eth0', vrid: 2, kind: 'vrid-clash' });
        await rec.close();
        expect(results[0]).not.toBeNull();
        expect(later).toBeNull();
        expect(rec.stats().errors).toBe(2);
        expect(log).toHaveLength(2);
        expect(log[0]).toMatch(/ENOSPC.*capture goes on/);
        // What reached the disk is still a capture our reader opens.
        const back: number[] = [];
        await readCapture(results[0]!, (f) => void back.push(f.ts)).catch(() => {});
        expect(back.length).toBeGreaterThan(10);
      } finally {
        spawnSync('umount', [mnt]);
      }
    });
  });

  it('an unwritable directory is a logged, counted error, not an exception', async () => {
    const log: string[] = [];
    const notADir = path.join(tmp, 'plain-file');
    fs.writeFileSync(notADir, '');
    const rec = new FlightRecorder({ dir: path.join(notADir, 'evidence'), seconds: 5, maxBytes: 1 << 20, linkType: LinkType.ETHERNET, log: (l) => log.push(l) });
    feed(rec, 0, 3);
    expect(rec.trigger({ ts: T0 + 3, segment: 'eth0', vrid: 1, kind: 'duplicate-master' })).toBeNull();
    feed(rec, 4, 6);
    await rec.close();
    expect(rec.stats()).toEqual({ files: 0, bytes: 0, errors: 1 });
    expect(log).toHaveLength(1);
    expect(log[0]).toMatch(/ENOTDIR/);
  });
});

describe.skipIf(!fs.existsSync(SPLIT_BRAIN))('the lab split brain, recorded as evidence', () => {
  it('a critical alert writes a pcap that `vrrpscope read` turns into the same alert', async () => {
    const dir = freshDir();
    const rec = new FlightRecorder({ dir, seconds: 10, maxBytes: 16 << 20, linkType: LinkType.ETHERNET });
    const evidence: string[] = [];
    let alertTs = 0;
    const pipeline = new Pipeline({}, null, (a) => {
      if (a.severity === 'critical' && a.status === 'raised') {
        const file = rec.trigger({ ts: a.ts, segment: 'lab', vrid: a.vrid, kind: a.kind });
        alertTs = a.ts;
        if (file) evidence.push(file);
      }
    });
    const original: { ts: number; data: Uint8Array }[] = [];
    const result = await readCapture(SPLIT_BRAIN, (f) => {
      original.push({ ts: f.ts, data: f.data.slice() });
      rec.frame(f);
      pipeline.frame(f);
    });
    pipeline.finish();
    await rec.close();
    expect(result.linkTypes).toEqual([LinkType.ETHERNET]);
    expect(evidence).toHaveLength(1);
    expect(path.basename(evidence[0])).toMatch(/^vrrpscope-evidence-20261122T031502\.\d{3}Z-lab-vrid51-duplicate-master\.pcap$/);
    const r = runCli(['read', evidence[0], '-q']);
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/ALERT critical duplicate-master vrid 51: split brain/);
    // Exactly the frames from 10 s before the alert to 10 s after it, bytes and times.
    const back = await readBack(evidence[0]);
    const window = original.filter((f) => f.ts >= alertTs - 10 && f.ts <= alertTs + 10);
    expect(window.length).toBeLessThan(original.length);
    expect(back).toEqual(window);
  });
});

describe('FlightRecorder over several interfaces (live -i A -i B)', () => {
  it('keeps each frame with its interface and writes pcapng that reads back with the same interfaces and link types', async () => {
    const dir = freshDir();
    const rec = new FlightRecorder({
      dir, seconds: 2, maxBytes: 1 << 20, linkType: LinkType.ETHERNET,
      interfaces: [{ name: 'veth-a', linkType: LinkType.ETHERNET }, { name: 'veth-b', linkType: LinkType.LINUX_SLL }],
    });
    const buffer = new Uint8Array(60);
    const sent: { ts: number; iface: string; linkType: number; data: Uint8Array }[] = [];
    let file: string | null = null;
    for (let s = 0; s <= 10; s++) {
      buffer.set(payload(60, s));
      const on = s % 2 === 0 ? { iface: 'veth-a', linkType: LinkType.ETHERNET } : { iface: 'veth-b', linkType: LinkType.LINUX_SLL };
      const f: Frame = { ts: T0 + s, data: buffer, origLen: 60, record: s + 1, offset: -1, ...on };
      rec.frame(f);
      if (s >= 3 && s <= 7) sent.push({ ts: f.ts, ...on, data: payload(60, s) });
      if (s === 5) file = rec.trigger({ ts: f.ts, segment: 'veth-b', vrid: 51, kind: 'duplicate-master' });
    }
    // Frames of an interface the recorder was not given, or with another link type, are not kept.
    rec.frame({ ts: T0 + 6.5, data: payload(60, 99), origLen: 60, record: 99, offset: -1, iface: 'eth9', linkType: LinkType.ETHERNET });
    rec.frame({ ts: T0 + 6.6, data: payload(60, 98), origLen: 60, record: 98, offset: -1, iface: 'veth-a', linkType: LinkType.RAW });
    await rec.close();
    expect(path.basename(file!)).toBe(evidenceFileName({ ts: T0 + 5, segment: 'veth-b', vrid: 51, kind: 'duplicate-master' }, '.pcapng'));
    const back: typeof sent = [];
    await readCapture(file!, (f) => void back.push({ ts: f.ts, iface: f.iface!, linkType: f.linkType, data: f.data.slice() }));
    expect(back).toEqual(sent);
    expect(rec.stats()).toMatchObject({ files: 1, errors: 0 });
    expect(rec.stats().bytes).toBeGreaterThanOrEqual(fs.statSync(file!).size);
  });
});
