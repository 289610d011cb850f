// Compressed captures: every committed capture compressed by the real gzip and zstd tools reads
// as the same frames as the file itself, by path and on stdin; damage ends the run with one line
// after what came before; a decompression bomb is read in bounded memory and stops at -c.

import { spawn, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import * as zlib from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { readCapture } from '../../src/capture/file.js';
import type { Frame } from '../../src/frame.js';
import { pcapFile } from '../support/capfile.js';
import { CLI, ROOT, runCli, tempDir } from '../support/cli.js';
import { ipOtherFrame, vrrpFrame } from '../support/encode.js';
import { HAVE_GNU_TIME, runMeasured } from '../support/measure.js';

const haveTool = (tool: string) => spawnSync(tool, ['--version'], { stdio: 'ignore' }).status === 0;
const NO_GZIP = haveTool('gzip') ? false : 'the gzip command is not installed';
const NO_ZSTD = haveTool('zstd') ? false : 'the zstd command is not installed (Debian package zstd)';
for (const reason of [NO_GZIP, NO_ZSTD]) if (reason) console.warn(`compressed captures: skipping tests: ${reason}`);

const LAB = join(ROOT, 'pcaps/lab');
const CAPTURES = [
  ...readdirSync(LAB).filter((f) => f.endsWith('.pcap')).map((f) => join(LAB, f)),
  ...readdirSync(join(ROOT, 'test/regressions')).filter((f) => /\.pcap(ng)?$/.test(f)).map((f) => join(ROOT, 'test/regressions', f)),
];

/** Runs a compression tool on `file`, writing `file + suffix` in `dir`. */
function compress(tool: 'gzip' | 'zstd', file: string, dir: string): string {
  const out = join(dir, `${file.split('/').pop()}.${tool === 'gzip' ? 'gz' : 'zst'}`);
  const r = spawnSync(tool, ['-c', '-q', file], { maxBuffer: 256 << 20 });
  expect(r.status, String(r.stderr)).toBe(0);
  writeFileSync(out, r.stdout);
  return out;
}

interface Seen {
  frames: string[];
  format: string | undefined;
}

async function frames(source: string | AsyncIterable<Uint8Array>): Promise<Seen> {
  const frames: string[] = [];
  const hex = (f: Frame) => Buffer.from(f.data).toString('hex');
  const r = await readCapture(source, (f) => void frames.push(`${f.record} ${f.ts} ${f.linkType} ${f.origLen} ${hex(f)}`));
  return { frames, format: r.format };
}

/** A byte stream in pieces of `size`, as a pipe might hand it over. */
function pieces(bytes: Uint8Array, size: number): AsyncIterable<Uint8Array> {
  return Readable.from((function* () {
    for (let at = 0; at < bytes.length; at += size) yield bytes.subarray(at, at + size);
  })());
}

let dir: string;
beforeAll(() => {
  dir = tempDir();
});

describe.each([
  ['gzip', NO_GZIP],
  ['zstd', NO_ZSTD],
] as const)('%s-compressed committed captures', (tool, skip) => {
  it.skipIf(skip)('give the same frames as the file itself, by path and as a stream in small pieces', async () => {
    for (const file of CAPTURES) {
      const plain = await frames(file);
      expect(plain.frames.length, file).toBeGreaterThan(0);
      const packed = compress(tool, file, dir);
      expect(await frames(packed), packed).toEqual(plain);
      expect(await frames(pieces(readFileSync(packed), 3)), `${packed} in 3-byte pieces`).toEqual(plain);
    }
  });

  it.skipIf(skip)('give byte-identical output through the command, by path and on stdin', () => {
    const chosen = ['failover-crash.pcap', 'vrrp3-ipv6.pcap', 'unicast-reject-unreach.pcap'].map((f) => join(LAB, f));
    chosen.push(join(ROOT, 'test/regressions/explain-huge-timestamp.pcapng'));
    for (const file of chosen) {
      const packed = compress(tool, file, dir);
      for (const flags of [[], ['--json']]) {
        const want = runCli(['read', file, ...flags]);
        expect(want.stdout.length, file).toBeGreaterThan(0);
        expect(runCli(['read', packed, ...flags]), `${packed} ${flags}`).toEqual(want);
        const piped = runCli(['read', '-', ...flags], { input: readFileSync(packed) });
        expect(piped.stdout, `stdin ${packed} ${flags}`).toBe(want.stdout);
        expect(piped.code).toBe(want.code);
      }
    }
  });
});

/** A capture of `n` distinct adverts (so every line differs). */
function adverts(n: number): Uint8Array {
  const records = Array.from({ length: n }, (_, i) => ({
    seconds: 1_700_000_000 + i,
    fraction: 0,
    data: vrrpFrame({ vrrp: { version: 2, vrid: 7, priority: 1 + (i % 250), addrs: ['10.0.0.100'] }, ip: { family: 'ipv4', src: '10.0.0.1' } }).data,
  }));
  return pcapFile({ records }).bytes;
}

/**
 * Far below the gigabyte a bomb inflates to, as test/hostile/files.test.ts bounds every hostile
 * file: what is left is Node, the worker thread and garbage not yet collected.
 */
const BOMB_RSS_LIMIT_KB = 250 * 1024;

const lines = (s: string) => s.split('\n').filter(Boolean);
const advertLines = (s: string) => lines(s).filter((l) => / VRRPv2 vrid 7 /.test(l));

describe('damaged compressed captures: what came before, one line, exit 2', () => {
  // 20,000 adverts: several gzip output pieces and zstd blocks, so the damage is well inside.
  const capture = adverts(20_000);
  const cases = [
    ['gzip', NO_GZIP, (b: Uint8Array) => zlib.gzipSync(b)],
    ['zstd', NO_ZSTD, (b: Uint8Array) => spawnSync('zstd', ['-c', '-q'], { input: b, maxBuffer: 64 << 20 }).stdout as Uint8Array],
  ] as const;

  it.each(cases)('%s cut in the middle, by path and on stdin', (tool, skip, pack) => {
    if (skip) return void console.warn(`skipped: ${skip}`);
    const packed = pack(capture);
    const cut = packed.subarray(0, Math.floor(packed.length / 2));
    const path = join(dir, `cut.${tool}`);
    writeFileSync(path, cut);
    for (const r of [runCli(['read', path]), runCli(['read', '-'], { input: cut })]) {
      expect(r.code, r.stderr).toBe(2);
      expect(lines(r.stderr)).toHaveLength(1);
      expect(r.stderr).toMatch(new RegExp(`^vrrpscope: (${path.replace(/[/.]/g, '\\$&')}|stdin): ${tool} data ends early: the compressed file is truncated, after \\d+ bytes of capture \\(\\d+ frames\\)\\n$`));
      // Everything decompressed before the cut was analysed and printed, with the summary.
      const shown = advertLines(r.stdout).length;
      expect(shown).toBeGreaterThan(1000);
      expect(shown).toBeLessThan(20_000);
      expect(r.stdout).toContain(`capture: ${shown} frames`);
    }
  });

  it.each(cases)('%s with bytes overwritten in the middle', (tool, skip, pack) => {
    if (skip) return void console.warn(`skipped: ${skip}`);
    const packed = Uint8Array.from(pack(capture));
    packed.fill(0x55, packed.length >> 1, (packed.length >> 1) + 64);
    const path = join(dir, `corrupt.${tool}`);
    writeFileSync(path, packed);
    const r = runCli(['read', path, '-q']);
    expect(r.code, r.stderr).toBe(2);
    expect(lines(r.stderr)).toHaveLength(1);
    // Either the decompressor finds the damage, or it inflates garbage that the capture parser refuses.
    expect(r.stderr).toMatch(new RegExp(`^vrrpscope: .*: (${tool} data (is corrupt: .+|ends early: .+), after \\d+ bytes of capture \\(\\d+ frames\\)|record \\d+ at byte offset \\d+: .+)\\n$`));
  });
});

describe('zstd streams of several frames', () => {
  it.skipIf(NO_ZSTD)('skippable frames, several zstd frames and frames cut at every byte read as the capture', async () => {
    const file = join(LAB, 'failover-crash.pcap');
    const plain = await frames(file);
    const bytes = readFileSync(file);
    const half = bytes.length >> 1;
    const zstd = (b: Uint8Array) => spawnSync('zstd', ['-c', '-q', '--no-check'], { input: b }).stdout as Uint8Array;
    // RFC 8878 §3.1.2: magic 0x184D2A5?, a 4-byte length, then that many bytes to ignore.
    const skippable = Uint8Array.of(0x50, 0x2a, 0x4d, 0x18, 5, 0, 0, 0, 1, 2, 3, 4, 5);
    const packed = Buffer.concat([skippable, zstd(bytes.subarray(0, half)), skippable, zstd(bytes.subarray(half)), skippable]);
    expect(await frames(pieces(packed, 1)), 'in 1-byte pieces').toEqual(plain);
    const path = join(dir, 'frames.pcap.zst');
    writeFileSync(path, packed);
    const want = runCli(['read', file]);
    expect(runCli(['read', path])).toEqual(want);
  });
});

describe('zstd frames that ask too much', () => {
  it('a 2 GiB window is refused before anything is allocated, by path and on stdin', () => {
    // Magic, descriptor 0 (window descriptor follows, no content size), window 2^(10+21), one raw block.
    const frame = Uint8Array.of(0x28, 0xb5, 0x2f, 0xfd, 0x00, 21 << 3, 0x21, 0x00, 0x00, 1, 2, 3, 4);
    const path = join(dir, 'huge-window.zst');
    writeFileSync(path, frame);
    for (const r of [runMeasured(['read', path]), runMeasured(['read', '-'], { input: frame })]) {
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toMatch(/^vrrpscope: .*: zstd data is corrupt or unsupported: a frame needs a 2147483648-byte window, more than the 134217728 zstd allows by default, after 0 bytes of capture \(0 frames\)\n$/);
      if (r.maxRssKb !== null) expect(r.maxRssKb).toBeLessThan(BOMB_RSS_LIMIT_KB);
    }
  });
});

describe('decompression bombs', () => {
  // One megabyte of 1,500-byte UDP frames, compressed once; the bomb repeats that compressed piece.
  // Both formats allow concatenation (gzip members, RFC 1952 §2.2; zstd frames, RFC 8878 §3.1), so
  // a file of a few hundred kilobytes inflates to gigabytes of valid capture.
  const udp = ipOtherFrame({ ip: { family: 'ipv4', src: '10.0.0.9', dst: '10.0.0.10' }, protocol: 17, payload: new Uint8Array(1458) }).data;
  const records = (n: number) => Array.from({ length: n }, () => ({ seconds: 1_700_000_100, fraction: 0, data: udp }));
  const body = pcapFile({ records: records(680) }).bytes.subarray(24);
  const advertsHead = adverts(5);

  function bomb(pack: (b: Uint8Array) => Uint8Array, copies: number): Buffer {
    const piece = pack(body);
    return Buffer.concat([pack(advertsHead), ...Array.from({ length: copies }, () => piece)]);
  }

  it('gzip inflating to 1 GB: -q reads it all in bounded memory; -c 3 stops at once', () => {
    const file = join(dir, 'bomb.pcap.gz');
    const packed = bomb((b) => zlib.gzipSync(b, { level: 9 }), 1000);
    writeFileSync(file, packed);
    expect(packed.length).toBeLessThan(4 << 20);
    const all = runMeasured(['read', file, '-q'], { timeoutMs: 120_000 });
    expect(all.code, all.stderr).toBe(0);
    expect(all.stdout).toContain(`capture: ${5 + 680 * 1000} frames`);
    if (HAVE_GNU_TIME) expect(all.maxRssKb!).toBeLessThan(BOMB_RSS_LIMIT_KB);
    else console.warn('no /usr/bin/time: peak RSS of the bomb not checked');
    const few = runMeasured(['read', file, '-c', '3']);
    expect(few.code, few.stderr).toBe(0);
    expect(advertLines(few.stdout)).toHaveLength(3);
    expect(few.wallMs).toBeLessThan(5_000);
  }, 180_000);

  it.skipIf(NO_ZSTD)('zstd inflating to 1 GB: -q reads it all in bounded memory; -c 3 stops at once, by path and on stdin', () => {
    const file = join(dir, 'bomb.pcap.zst');
    const zstd = (b: Uint8Array) => spawnSync('zstd', ['-c', '-q', '-19'], { input: b, maxBuffer: 64 << 20 }).stdout as Uint8Array;
    const packed = bomb(zstd, 1000);
    writeFileSync(file, packed);
    const all = runMeasured(['read', file, '-q'], { timeoutMs: 120_000 });
    expect(all.code, all.stderr).toBe(0);
    expect(all.stdout).toContain(`capture: ${5 + 680 * 1000} frames`);
    if (HAVE_GNU_TIME) expect(all.maxRssKb!).toBeLessThan(BOMB_RSS_LIMIT_KB);
    // The worker is stopped with pieces on their way: nothing more is printed, and the run ends.
    for (const few of [runMeasured(['read', file, '-c', '3']), runMeasured(['read', '-', '-c', '3'], { input: packed })]) {
      expect(few.code, few.stderr).toBe(0);
      expect(advertLines(few.stdout)).toHaveLength(3);
      expect(few.stdout).toContain('capture: 3 frames');
      expect(few.wallMs).toBeLessThan(5_000);
    }
  }, 180_000);

  it('an endless gzip stream on stdin stops at -c 3', async () => {
    // Compressed on the fly and never ended: only -c can finish the run.
    const child = spawn(process.execPath, [CLI, 'read', '-', '-c', '3'], { env: { ...process.env, TZ: 'UTC', NO_COLOR: '1' } });
    const gzip = zlib.createGzip();
    gzip.pipe(child.stdin);
    child.stdin.on('error', () => {});
    let stdout = '';
    child.stdout.on('data', (d) => (stdout += d));
    let stop = false;
    const feed = async () => {
      gzip.write(advertsHead);
      while (!stop) {
        if (!gzip.write(body)) await new Promise((resolve) => gzip.once('drain', resolve));
      }
    };
    const done = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    void feed();
    const code = await Promise.race([done, new Promise((resolve) => setTimeout(() => resolve('timeout'), 10_000))]);
    stop = true;
    gzip.destroy();
    child.kill();
    expect(code).toBe(0);
    expect(advertLines(stdout)).toHaveLength(3);
  }, 20_000);
});
