// Hostile and broken capture files through the built command. Every one must end the same way:
// the packets before the bad spot printed, one line on stderr, exit code 2, quickly, and without
// reading or buffering more than it needs. Bounds are generous (5 s, 250 MB) so a loaded machine
// does not fail them; the measured figures are printed at the end.

import { closeSync, openSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PcapngSection, concat, pcapFile } from '../support/capfile.js';
import { tempDir } from '../support/cli.js';
import { vrrpFrame } from '../support/encode.js';
import { NO_GNU_TIME, cpuSecondsOf, runMeasured, sleep, startCli, type Measured, type Running } from '../support/measure.js';
import { named, skipping } from '../support/skip.js';

const WALL_LIMIT_MS = 5_000;
const RSS_LIMIT_KB = 250 * 1024;
const ADVERT = / VRRPv2 vrid 7 /;

let dir: string;
const figures: string[] = [];
/** Every measured run, for the peak-memory check at the end. */
const peaks: { name: string; maxRssKb: number | null }[] = [];
beforeAll(() => {
  dir = tempDir();
});
afterAll(() => {
  const rss = NO_GNU_TIME ? ' (peak RSS not measured: no GNU time)' : '';
  console.info(`hostile input (wall ms / cpu ms / peak RSS MB)${rss}:\n${figures.join('\n')}`);
});

const lines = (s: string) => s.split('\n').filter(Boolean);

function advert(i: number): Uint8Array {
  return vrrpFrame({ vrrp: { version: 2, vrid: 7, priority: 100 + i, addrs: ['10.0.0.100'] }, ip: { family: 'ipv4', src: '10.0.0.1' } }).data;
}
const goodRecords = (n: number) => Array.from({ length: n }, (_, i) => ({ seconds: 1_700_000_000 + i, fraction: 0, data: advert(i) }));

/** A pcapng section with one interface and `n` good packets; `then` appends the hostile part. */
function pcapng(n: number, then: (s: PcapngSection) => void = () => {}): Uint8Array {
  const s = new PcapngSection();
  s.idb({ linkType: 1 });
  for (let i = 0; i < n; i++) s.epb({ iface: 0, units: BigInt(1_700_000_000 + i) * 1_000_000n, data: advert(i) });
  then(s);
  return s.finish();
}

const fullPcap = () => pcapFile({ records: goodRecords(3) }).bytes;

function record(name: string, r: Measured): void {
  const cpu = r.cpuMs === null ? '-' : r.cpuMs.toFixed(0);
  const rss = r.maxRssKb === null ? '-' : (r.maxRssKb / 1024).toFixed(0);
  figures.push(`  ${name.padEnd(40)} ${r.wallMs.toFixed(0).padStart(5)} / ${cpu.padStart(5)} / ${rss.padStart(4)}`);
  peaks.push({ name, maxRssKb: r.maxRssKb });
}

/** The shared verdict: `before` packets printed, one stderr line matching `message`, exit 2, fast, small. */
function expectCleanFailure(name: string, r: Measured, before: number, message: RegExp): void {
  record(name, r);
  expect(r.code, r.stderr).toBe(2);
  expect(lines(r.stderr), r.stderr).toHaveLength(1);
  expect(r.stderr).toMatch(/^vrrpscope: /);
  expect(r.stderr).toMatch(message);
  expect(r.stderr).not.toMatch(/\bat .*\.js:\d+|internal error/);
  expect(lines(r.stdout).filter((l) => ADVERT.test(l))).toHaveLength(before);
  expect(r.wallMs).toBeLessThan(WALL_LIMIT_MS);
}

function readFile(name: string, bytes: Uint8Array | string): Measured {
  const path = join(dir, name);
  writeFileSync(path, bytes);
  return runMeasured(['read', path]);
}

describe('broken capture files: exit 2 with one line, after printing what came before', () => {
  const cases: { name: string; bytes: () => Uint8Array | string; before: number; message: RegExp }[] = [
    {
      name: 'pcap record with caplen 0xFFFFFFFF',
      bytes: () => pcapFile({ records: [...goodRecords(3), { seconds: 1_700_000_010, fraction: 0, data: advert(0), caplen: 0xffffffff }, ...goodRecords(2)] }).bytes,
      before: 3,
      message: /record 4 at byte offset \d+: captured length 4294967295 exceeds/,
    },
    {
      name: 'pcapng block of length 0',
      bytes: () => pcapng(3, (s) => s.epb({ iface: 0, units: 0n, data: advert(9) }, { length: 0 })),
      before: 3,
      message: /block length 0 is below the 32-byte minimum/,
    },
    {
      name: 'pcapng block of unaligned length',
      bytes: () => pcapng(3, (s) => s.epb({ iface: 0, units: 0n, data: advert(9) }, { length: 63 })),
      before: 3,
      message: /block length 63 is not a multiple of 4/,
    },
    {
      name: 'pcapng packet block of length 0xFFFFFFF0',
      bytes: () => pcapng(3, (s) => s.epb({ iface: 0, units: 0n, data: advert(9) }, { length: 0xfffffff0 })),
      before: 3,
      message: /block length 4294967280 exceeds/,
    },
    {
      name: 'pcapng statistics block of length 2 GiB',
      bytes: () => pcapng(3, (s) => s.block(5, (b) => b.u32(0), { length: 0x7ffffffc })),
      before: 3,
      message: /block length 2147483644 exceeds the 16777216-byte limit/,
    },
    {
      // Within the limit, so the reader waits for 16 MiB that never come: it must not have sized anything past that.
      name: 'pcapng block claiming 16 MiB, file ends',
      bytes: () => pcapng(3, (s) => s.block(5, (b) => b.u32(0), { length: 16 * 1024 * 1024 })),
      before: 3,
      message: /file ends inside the block \(needs 16777216 bytes/,
    },
    {
      name: 'pcapng trailing length disagrees',
      bytes: () => pcapng(3, (s) => s.epb({ iface: 0, units: 0n, data: advert(9) }, { trailer: 4 })),
      before: 3,
      message: /trailing block length 4 does not match/,
    },
    {
      name: 'pcapng section with unknown byte order',
      bytes: () => concat(pcapng(2), new PcapngSection(true, { byteOrderMagic: 0x11223344 }).finish()),
      before: 2,
      message: /unknown byte-order magic 0x11223344/,
    },
    {
      name: 'pcapng packet on an undescribed interface',
      bytes: () => pcapng(3, (s) => s.epb({ iface: 5, units: 0n, data: advert(9) })),
      before: 3,
      message: /refers to interface 5, but this section describes only interface 0/,
    },
    {
      name: 'pcapng packet before any interface',
      bytes: () => new PcapngSection().spb(60, advert(0)).finish(),
      before: 0,
      message: /refers to interface 0, but this section describes no interfaces/,
    },
    {
      // A new section numbers interfaces afresh: the old interface 0 is gone.
      name: 'pcapng interface of an earlier section',
      bytes: () => concat(pcapng(2), new PcapngSection().epb({ iface: 0, units: 0n, data: advert(9) }).finish()),
      before: 2,
      message: /describes no interfaces/,
    },
    { name: 'ends inside the pcap file header', bytes: () => fullPcap().subarray(0, 10), before: 0, message: /file ends inside the file header \(needs 24 bytes, 10 left\)/ },
    { name: 'ends inside a pcap record header', bytes: () => { const b = fullPcap(); return b.subarray(0, b.length - advert(2).length - 8); }, before: 2, message: /record 3 at byte offset \d+: file ends inside the record \(needs 16 bytes, 8 left\)/ },
    { name: 'ends inside a pcap record', bytes: () => fullPcap().subarray(0, fullPcap().length - 5), before: 2, message: /record 3 at byte offset \d+: file ends inside the record/ },
    { name: 'ends inside a pcapng block header', bytes: () => concat(pcapng(3), Uint8Array.of(6, 0, 0, 0, 0x20)), before: 3, message: /file ends inside the block \(needs 8 bytes, 5 left\)/ },
    { name: 'ends inside a pcapng block', bytes: () => { const b = pcapng(3); return b.subarray(0, b.length - 7); }, before: 2, message: /record 3 \(block 5, enhanced packet\) at byte offset \d+: file ends inside the block/ },
    { name: 'ends inside the pcapng section header', bytes: () => pcapng(0).subarray(0, 20), before: 0, message: /file ends inside the block/ },
    { name: 'empty file', bytes: () => new Uint8Array(0), before: 0, message: /empty file/ },
    // Read as gzip since compressed captures are opened: the deflate data is not deflate.
    { name: 'gzip header over plain capture bytes', bytes: () => Uint8Array.of(0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, ...fullPcap().subarray(0, 40)), before: 0, message: /gzip data is corrupt: / },
    { name: 'text file', bytes: () => '21:55:06.745865 IP 10.0.0.91 > 224.0.0.18: VRRPv2, Advertisement\n', before: 0, message: /looks like text/ },
    { name: 'pcap version 1.0', bytes: () => pcapFile({ version: [1, 0], records: goodRecords(2) }).bytes, before: 0, message: /unsupported pcap version 1\.0/ },
  ];

  for (const c of cases) {
    it(c.name, () => {
      expectCleanFailure(c.name, readFile(`${c.name.replace(/\W+/g, '-')}.cap`, c.bytes()), c.before, c.message);
    });
  }

  it('the same breakage read from standard input', () => {
    const bytes = pcapFile({ records: [...goodRecords(3), { seconds: 1_700_000_010, fraction: 0, data: advert(0), caplen: 0xffffffff }] }).bytes;
    expectCleanFailure('caplen 0xFFFFFFFF on stdin', runMeasured(['read', '-'], { input: bytes }), 3, /^vrrpscope: stdin: record 4 /);
  });

  it('--json: the records before the bad spot are complete NDJSON lines', () => {
    const path = join(dir, 'json-cut.pcap');
    const b = fullPcap();
    writeFileSync(path, b.subarray(0, b.length - 5));
    const r = runMeasured(['read', path, '--json']);
    record('--json, ends inside a record', r);
    expect(r.code).toBe(2);
    const recs = lines(r.stdout).map((l) => JSON.parse(l));
    expect(recs.filter((x) => x.type === 'vrrp')).toHaveLength(2);
    expect(recs[recs.length - 1].type).toBe('summary');
  });

  it('a directory', () => {
    const r = runMeasured(['read', dir]);
    expectCleanFailure('a directory', r, 0, /is a directory/);
  });

  it('a pcapng file of nothing but interface descriptions (each a new link type)', () => {
    // Was quadratic (a linear scan of the link types seen per description) and kept every
    // description in memory: 200,000 of them took 12 s. Now refused past 65,536 per section.
    const s = new PcapngSection();
    for (let i = 0; i < 70_000; i++) s.idb({ linkType: i & 0xffff });
    s.epb({ iface: 0, units: 0n, data: advert(0) });
    expectCleanFailure('70,000 interface descriptions', readFile('idb-flood.pcapng', s.finish()), 0, /more than 65536 interfaces described in one section/);
  });
});

describe('endless and idle input', () => {
  it('50 MB of zero bytes on standard input: refused at the first bytes, the rest never read', () => {
    // PIPESTATUS[0] 141 = head died of SIGPIPE: vrrpscope stopped reading long before 50 MB.
    const r = runMeasured([], { shell: 'head -c 50000000 /dev/zero | eval "$VRRPSCOPE read -"; echo "pipe ${PIPESTATUS[0]}" >&2' });
    const [message, pipe] = lines(r.stderr);
    record('50 MB of zeros on stdin', { ...r, stderr: message });
    expect(message).toBe('vrrpscope: stdin: not a pcap or pcapng file (first bytes 00 00 00 00)');
    expect(pipe).toBe('pipe 141');
    expect(r.wallMs).toBeLessThan(WALL_LIMIT_MS);
    });

  it('/dev/zero as the file', () => {
    expectCleanFailure('/dev/zero', runMeasured(['read', '/dev/zero']), 0, /\/dev\/zero: not a pcap or pcapng file \(first bytes 00 00 00 00\)/);
  });

  it('a valid header and then endless zeros on stdin: reads on without growing', () => {
    // A pcap header followed by zeros is a stream of empty records: legal, so it is read, but in
    // constant memory. 20 MB of it must neither take long nor grow the process.
    const header = Buffer.from(pcapFile({ records: [] }).bytes).toString('hex').replace(/(..)/g, '\\x$1');
    const r = runMeasured([], { shell: `{ printf '${header}'; head -c 20000000 /dev/zero; } | eval "$VRRPSCOPE read - -q"` });
    record('pcap header + 20 MB of zeros on stdin', r);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/capture: 1250000 frames/);
    expect(r.wallMs).toBeLessThan(30_000);
    });

  /**
   * Lets a command wait on input that has no data for 2 s, measuring its CPU time, then ends the
   * input and expects the empty-input error. Spinning would use the whole 2 s; an idle wait uses
   * nothing measurable.
   */
  async function expectIdleWait(name: string, run: Running, end: () => void, error: string): Promise<void> {
    try {
      await sleep(1500);
      const a = cpuSecondsOf(run.pid);
      await sleep(2000);
      const b = cpuSecondsOf(run.pid);
      figures.push(`  ${name.padEnd(40)} ${a === null || b === null ? '-' : ((b - a) * 1000).toFixed(0)} ms of CPU in 2 s`);
      if (a !== null && b !== null) expect(b - a).toBeLessThan(0.3);
    } finally {
      end();
    }
    const r = await Promise.race([run.result, sleep(WALL_LIMIT_MS).then(() => null)]);
    if (r === null) run.kill();
    expect(r).not.toBeNull();
    expect(r!.code).toBe(2);
    expect(lines(r!.stderr)).toEqual([error]);
  }

  it('a FIFO that stays open with no data: waits without spinning, then "empty file" when closed', async () => {
    const fifo = join(dir, 'idle.fifo');
    execFileSync('mkfifo', [fifo]);
    // Opened read-write it needs no reader, and keeps a writer so the command sees no end of file.
    const hold = openSync(fifo, 'r+');
    await expectIdleWait('idle FIFO', startCli(['read', fifo]), () => closeSync(hold), `vrrpscope: ${fifo}: empty file`);
  });

  it('standard input that stays open with no data: waits without spinning', async () => {
    const run = startCli(['read', '-'], { stdin: 'pipe' });
    await expectIdleWait('idle stdin', run, () => run.stdin?.end(), 'vrrpscope: stdin: empty file');
  });
});

// Last in the file: every run above was recorded (record()). Without GNU time this is skipped with
// its reason, never passed without measuring.
const noRss = skipping(NO_GNU_TIME, 'peak-memory check');
describe.skipIf(noRss)(named('peak memory', noRss), () => {
  it(`every measured run above stayed under ${RSS_LIMIT_KB / 1024} MB of peak RSS`, () => {
    expect(peaks.length).toBeGreaterThan(0);
    for (const { name, maxRssKb } of peaks) {
      expect(maxRssKb, `${name}: peak RSS measured`).not.toBeNull();
      expect(maxRssKb!, `${name}: peak RSS in kB`).toBeLessThan(RSS_LIMIT_KB);
    }
  });
});
