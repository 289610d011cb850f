// The reader as a stream: chunk boundaries, files, stdin, stopping early, and broken input.

import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { CaptureParser, readCapture } from '../../src/capture/file.js';
import { CaptureError, MAX_SNAPLEN } from '../../src/capture/types.js';
import { type Frame } from '../../src/frame.js';
import { concat, parseBytes, payload, pcapFile, twoSectionPcapng, type PcapRecordSpec } from '../support/capfile.js';

const records: PcapRecordSpec[] = Array.from({ length: 6 }, (_, i) => ({
  seconds: 1_700_000_000 + i,
  fraction: i * 1000,
  data: payload(i * 13, i),
}));

const samples: Array<[string, Uint8Array]> = [
  ['pcap, little endian', pcapFile({ records }).bytes],
  ['pcap, big endian, nanoseconds', pcapFile({ littleEndian: false, nanos: true, records }).bytes],
  ['modified pcap', pcapFile({ modified: true, records }).bytes],
  ['pcapng, two sections', twoSectionPcapng().bytes],
];

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'vrrpscope-capture-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

function tempFile(name: string, bytes: Uint8Array): string {
  const file = path.join(tmp, name);
  fs.writeFileSync(file, bytes);
  return file;
}

describe('chunk boundaries', () => {
  for (const [what, bytes] of samples) {
    it(`gives the same frames for every chunk size: ${what}`, () => {
      const whole = parseBytes(bytes);
      expect(whole.error).toBeUndefined();
      for (let size = 1; size <= bytes.length; size++) {
        const chunked = parseBytes(bytes, { chunkSize: size });
        expect({ size, ...chunked }).toEqual({ size, ...whole });
      }
    });

    it(`gives the same frames and error for every chunk size when the file is cut: ${what}`, () => {
      const cut = bytes.subarray(0, bytes.length - 3);
      const whole = parseBytes(cut);
      expect(whole.error).toBeInstanceOf(CaptureError);
      for (let size = 1; size <= cut.length; size++) {
        const chunked = parseBytes(cut, { chunkSize: size });
        expect({ size, frames: chunked.frames, error: chunked.error?.message }).toEqual({
          size,
          frames: whole.frames,
          error: whole.error?.message,
        });
      }
    });
  }

  it('gives the same frames for any split into uneven chunks', () => {
    const [, bytes] = samples[3];
    const whole = parseBytes(bytes).frames;
    fc.assert(
      fc.property(fc.uniqueArray(fc.integer({ min: 1, max: bytes.length - 1 }), { maxLength: 40 }), (cuts) => {
        const frames: Frame[] = [];
        const parser = new CaptureParser((f) => {
          frames.push({ ...f, data: f.data.slice() });
        });
        let at = 0;
        for (const cut of [...cuts.sort((a, b) => a - b), bytes.length]) {
          parser.push(bytes.subarray(at, cut));
          at = cut;
        }
        parser.end();
        expect(frames).toEqual(whole);
      }),
    );
  });

  it('delivers views into the chunk, not copies', () => {
    const { bytes, offsets } = pcapFile({ records });
    const seen: Uint8Array[] = [];
    const parser = new CaptureParser((f) => {
      seen.push(f.data);
    });
    parser.push(bytes);
    expect(seen[2].buffer).toBe(bytes.buffer);
    expect(seen[2].byteOffset).toBe(offsets[2] + 16);
    expect(seen[2].constructor).toBe(Uint8Array);
  });

  it('with reuseFrame, refills one frame object: each delivery reads as a fresh frame would', () => {
    for (const [name, bytes] of samples) {
      const fresh: Frame[] = [];
      new CaptureParser((f) => void fresh.push({ ...f, data: f.data.slice() })).push(bytes);
      const objects = new Set<Frame>();
      const reused: Frame[] = [];
      // Tiny chunks: frames come from the carry buffer and from chunks in turn.
      const parser = new CaptureParser((f) => {
        objects.add(f);
        reused.push({ ...f, data: f.data.slice() });
      }, { reuseFrame: true });
      for (let at = 0; at < bytes.length; at += 7) parser.push(bytes.subarray(at, at + 7));
      parser.end();
      expect(reused, name).toEqual(fresh);
      expect(fresh.length, name).toBeGreaterThan(3);
      expect(objects.size, name).toBe(1);
    }
  });

  it('never holds more than one record when fed a long file in small chunks', () => {
    // 16 MB of 1016-byte records through 64 KiB chunks that cut them anywhere: between pushes the
    // parser keeps only its carry buffer, one record at most.
    const one = pcapFile({ records: [{ seconds: 1, fraction: 0, data: payload(1000) }] }).bytes.subarray(24);
    const template = concat(...Array.from({ length: 70 }, () => one));
    let frames = 0;
    const parser = new CaptureParser(() => {
      frames++;
    });
    parser.push(pcapFile({ records: [] }).bytes);
    let streamed = 0;
    while (streamed < 16e6) {
      const from = streamed % one.length;
      parser.push(template.subarray(from, from + 65536));
      streamed += 65536;
      expect((parser as unknown as { carry: Uint8Array }).carry.length).toBeLessThanOrEqual(one.length);
    }
    expect(frames).toBe(Math.floor(streamed / one.length));
  });
});

describe('stopping early', () => {
  const { bytes } = pcapFile({ records });

  it('stops after maxFrames, and does not mind a broken rest', () => {
    const { frames, error, result } = parseBytes(bytes.subarray(0, bytes.length - 1), { maxFrames: 2 });
    expect([frames.length, error, result.stopped]).toEqual([2, undefined, true]);
  });

  it('stops when the sink returns false', () => {
    const seen: number[] = [];
    const parser = new CaptureParser((f) => {
      seen.push(f.record);
      return f.record < 3;
    });
    parser.push(bytes);
    parser.push(bytes); // ignored
    parser.end();
    expect(seen).toEqual([1, 2, 3]);
    expect(parser.result().bytes).toBe(24 + 3 * 16 + 0 + 13 + 26);
  });

  it('stops when stop() is called from the sink', () => {
    const seen: number[] = [];
    const parser: CaptureParser = new CaptureParser((f) => {
      seen.push(f.record);
      parser.stop();
    });
    parser.push(bytes);
    expect(seen).toEqual([1]);
  });
});

describe('readCapture', () => {
  const { bytes } = pcapFile({ records });
  const expected = parseBytes(bytes).frames;

  async function collect(
    source: Parameters<typeof readCapture>[0],
    options?: Parameters<typeof readCapture>[2],
  ): Promise<{ frames: Frame[]; result: Awaited<ReturnType<typeof readCapture>> }> {
    const frames: Frame[] = [];
    const result = await readCapture(source, (f) => {
      frames.push({ ...f, data: f.data.slice() });
    }, options);
    return { frames, result };
  }

  it('reads a file, in chunks large or tiny', async () => {
    const file = tempFile('six.pcap', bytes);
    for (const chunkBytes of [undefined, 7, 1]) {
      const { frames, result } = await collect(file, { chunkBytes });
      expect(frames).toEqual(expected);
      expect(result).toMatchObject({ format: 'pcap', frames: 6, bytes: bytes.length, linkTypes: [1], stopped: false });
    }
  });

  it('names the file in errors, after delivering what came before', async () => {
    const file = tempFile('cut.pcap', bytes.subarray(0, bytes.length - 1));
    const frames: number[] = [];
    const failed = readCapture(file, (f) => {
      frames.push(f.record);
    });
    const offset = bytes.length - 81;
    await expect(failed).rejects.toThrow(
      new CaptureError(`${file}: record 6 at byte offset ${offset}: file ends inside the record (needs 81 bytes, 80 left)`, 6, offset),
    );
    expect(frames).toEqual([1, 2, 3, 4, 5]);
  });

  it('reports an empty file', async () => {
    const file = tempFile('empty.pcap', new Uint8Array(0));
    await expect(readCapture(file, () => undefined)).rejects.toThrow(`${file}: empty file`);
  });

  it('passes file system errors through', async () => {
    await expect(readCapture(path.join(tmp, 'missing.pcap'), () => undefined)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('reads a stream of chunks', async () => {
    const chunks = [bytes.subarray(0, 5), bytes.subarray(5, 100), bytes.subarray(100)].map((c) => Buffer.from(c));
    const { frames, result } = await collect(Readable.from(chunks));
    expect(frames).toEqual(expected);
    expect(result.frames).toBe(6);
  });

  it('names the stream "stdin" in errors', async () => {
    await expect(readCapture(Readable.from([Buffer.from('hello')]), () => undefined)).rejects.toThrow(/^stdin: not a pcap/);
  });

  it('stops after maxFrames', async () => {
    const { frames, result } = await collect(tempFile('max.pcap', bytes), { maxFrames: 4 });
    expect([frames.length, result.stopped, result.frames]).toEqual([4, true, 4]);
  });

  it('returns at once for an aborted signal', async () => {
    const { frames, result } = await collect(tempFile('abort.pcap', bytes), { signal: AbortSignal.abort() });
    expect([frames.length, result.stopped]).toEqual([0, true]);
  });

  it('stops at once when the signal aborts, even in the middle of a chunk', async () => {
    const controller = new AbortController();
    const frames: number[] = [];
    const result = await readCapture(
      tempFile('abort2.pcap', bytes),
      (f) => {
        frames.push(f.record);
        controller.abort();
      },
      { signal: controller.signal },
    );
    expect(frames).toEqual([1]);
    expect(result.stopped).toBe(true);
  });

  it('stops an idle stream when the signal aborts', async () => {
    const stream = new PassThrough();
    stream.write(Buffer.from(bytes.subarray(0, 60))); // a header and one record, then nothing
    const controller = new AbortController();
    const frames: number[] = [];
    const reading = readCapture(stream, (f) => {
      frames.push(f.record);
      setTimeout(() => controller.abort(), 10);
    }, { signal: controller.signal });
    const result = await reading;
    expect(frames).toEqual([1]);
    expect(result.stopped).toBe(true);
  });

  it('reads standard input for "-"', () => {
    const script = [
      "import { readCapture } from './src/capture/file.ts';",
      'let n = 0;',
      'const r = await readCapture("-", (f) => { n += f.data.length; });',
      'console.log(JSON.stringify({ ...r, n }));',
    ].join('\n');
    const child = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: path.resolve(import.meta.dirname, '../..'),
      input: bytes,
      encoding: 'utf8',
    });
    expect(child.stderr).toBe('');
    const sum = records.reduce((n, r) => n + r.data.length, 0);
    expect(JSON.parse(child.stdout)).toEqual({
      format: 'pcap',
      frames: 6,
      bytes: bytes.length,
      linkTypes: [1],
      trimmedFrames: 0,
      stopped: false,
      n: sum,
    });
  });
});

describe('broken input', () => {
  it('either reads or throws CaptureError, never anything else, for any mutation of a good file', () => {
    const bases = samples.map(([, b]) => b);
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: bases.length - 1 }),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 8 }),
        fc.nat(),
        fc.integer({ min: 1, max: 64 }),
        (which, edits, cutAt, chunkSize) => {
          const bytes = bases[which].slice();
          for (const [at, value] of edits) bytes[at % bytes.length] = value;
          const input = bytes.subarray(0, bytes.length - (cutAt % 8));
          const { frames } = parseBytes(input, { chunkSize });
          for (const f of frames) {
            expect(f.data.length).toBeLessThanOrEqual(Math.min(MAX_SNAPLEN, input.length));
            expect(f.offset).toBeLessThan(input.length);
          }
        },
      ),
      { numRuns: 2000 },
    );
  });
});
