// The two zstd decoders (zstd-napi's reference library, and fzstd where that did not build) give
// the same bytes and the same words for damage, fed in any pieces. The command's tests
// (compressed.test.ts) run whichever is installed; these run both.

import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openZstdDecoder, ZSTD_PIECE_BYTES, ZstdDamage, type ZstdDecoderKind } from '../../src/capture/zstd-decoders.js';
import { ROOT } from '../support/cli.js';

const NO_ZSTD = spawnSync('zstd', ['--version'], { stdio: 'ignore' }).status === 0 ? false : 'the zstd command is not installed (Debian package zstd)';
const NO_NATIVE = (() => {
  try {
    createRequire(import.meta.url)('zstd-napi/binding');
    return false;
  } catch (err) {
    return `the optional zstd-napi did not build here (${(err as Error).message.split('\n')[0]})`;
  }
})();
for (const reason of [NO_ZSTD, NO_NATIVE]) if (reason) console.warn(`zstd decoders: skipping tests: ${reason}`);

const capture = readFileSync(join(ROOT, 'pcaps/lab/failover-crash.pcap'));
/**
 * 1 MB that zstd compresses into many blocks of several kinds: runs of a capture between stretches
 * of pseudo-random nibbles (a fixed LCG, so every run is the same).
 */
const plain = (() => {
  const out = new Uint8Array(1 << 20);
  let x = 1;
  for (let at = 0; at < out.length; ) {
    out.set(capture.subarray(0, Math.min(capture.length, out.length - at)), at);
    at += capture.length;
    for (let i = 0; i < 3000 && at < out.length; i++, at++) {
      x = (Math.imul(x, 1103515245) + 12345) >>> 0;
      out[at] = x >>> 28;
    }
  }
  return Buffer.from(out);
})();
const zstd = (b: Uint8Array, ...flags: string[]) => spawnSync('zstd', ['-c', '-q', ...flags], { input: b, maxBuffer: 64 << 20 }).stdout as Buffer;

/**
 * Everything `kind` decodes from `packed` fed in pieces of `size`, and what it threw. The output
 * buffers are lent as the worker does, from a pool of two: a decoder that wrote into a buffer it
 * had given back, or handed over a piece not at the start of the one it took, garbles the bytes;
 * so does one that kept an input chunk past its push.
 */
function decode(kind: ZstdDecoderKind, packed: Uint8Array, size: number): { out: Buffer; pieces: number[]; error?: unknown } {
  const copies: Buffer[] = [];
  const pieces: number[] = [];
  const pool = [new Uint8Array(ZSTD_PIECE_BYTES), new Uint8Array(ZSTD_PIECE_BYTES)];
  let taken: Uint8Array<ArrayBuffer> | undefined;
  const decoder = openZstdDecoder(
    {
      take() {
        expect(taken, 'a second buffer taken before the first was emitted from').toBeUndefined();
        taken = pool.shift()!;
        return taken;
      },
      emit(piece) {
        expect(piece.buffer).toBe(taken!.buffer);
        expect(piece.byteOffset).toBe(0);
        copies.push(Buffer.from(piece));
        pieces.push(piece.length);
        // Scribbled over and back in the pool: the bytes were the receiver's during emit only.
        taken!.fill(0xee);
        pool.push(taken!);
        taken = undefined;
      },
    },
    kind,
  );
  expect(decoder.kind).toBe(kind);
  let error: unknown;
  try {
    // Each input chunk is scribbled over after its push, as the worker reuses its input buffers.
    for (let at = 0; at < packed.length; at += size) {
      const chunk = new Uint8Array(packed.subarray(at, at + size));
      decoder.push(chunk);
      chunk.fill(0xee);
    }
    decoder.end();
  } catch (err) {
    error = err;
  }
  return { out: Buffer.concat(copies), pieces, error };
}

describe.each([
  ['zstd-napi', NO_NATIVE],
  ['fzstd', false],
] as const)('%s', (kind, skip) => {
  it.skipIf(skip || NO_ZSTD)('decodes a capture in any pieces, into the lent buffers, at most 128 KiB a piece', () => {
    const packed = zstd(plain);
    for (const size of [1, 7, 4096, packed.length]) {
      const { out, pieces, error } = decode(kind, packed, size);
      expect(error).toBeUndefined();
      expect(out.equals(plain), `in ${size}-byte pieces`).toBe(true);
      expect(Math.max(...pieces)).toBeLessThanOrEqual(ZSTD_PIECE_BYTES);
    }
  });

  it.skipIf(skip || NO_ZSTD)('reads skippable frames and several frames, checksummed or not', () => {
    const half = capture.length >> 1;
    const skippable = Uint8Array.of(0x50, 0x2a, 0x4d, 0x18, 3, 0, 0, 0, 1, 2, 3);
    const packed = Buffer.concat([skippable, zstd(capture.subarray(0, half)), zstd(capture.subarray(half), '--no-check'), skippable]);
    const { out, error } = decode(kind, packed, 5);
    expect(error).toBeUndefined();
    expect(out.equals(capture)).toBe(true);
  });

  it.skipIf(skip || NO_ZSTD)('a cut stream: what came before, then "ends early"', () => {
    const packed = zstd(plain);
    const { out, error } = decode(kind, packed.subarray(0, packed.length >> 1), 1000);
    expect(error).toBeInstanceOf(ZstdDamage);
    expect((error as Error).message).toBe('zstd data ends early: the compressed file is truncated');
    expect(out.length).toBeGreaterThan(0);
    expect(out.equals(plain.subarray(0, out.length))).toBe(true);
  });

  it.skipIf(skip)('the magic alone is a cut stream', () => {
    const { out, error } = decode(kind, Uint8Array.of(0x28, 0xb5, 0x2f, 0xfd), 4);
    expect(out.length).toBe(0);
    expect((error as Error).message).toBe('zstd data ends early: the compressed file is truncated');
  });

  it.skipIf(skip || NO_ZSTD)('overwritten bytes: the output before them as it was, then "corrupt"', () => {
    const packed = Uint8Array.from(zstd(plain));
    packed.fill(0x55, packed.length >> 1, (packed.length >> 1) + 64);
    const { out, error } = decode(kind, packed, 1000);
    const quarter = plain.length >> 2;
    expect(out.length).toBeGreaterThan(quarter);
    expect(out.subarray(0, quarter).equals(plain.subarray(0, quarter))).toBe(true);
    // zstd checks the frame's checksum, so garbage from a raw block never passes; fzstd does not,
    // and what it inflates is left to the capture parser (compressed.test.ts).
    if (kind === 'zstd-napi' || error !== undefined) {
      expect(error).toBeInstanceOf(ZstdDamage);
      expect((error as Error).message).toMatch(/^zstd data is corrupt/);
    }
  });

  it.skipIf(skip)('a 2 GiB window is refused in the same words by both', () => {
    const frame = Uint8Array.of(0x28, 0xb5, 0x2f, 0xfd, 0x00, 21 << 3, 0x21, 0x00, 0x00, 1, 2, 3, 4);
    const { out, error } = decode(kind, frame, frame.length);
    expect(out.length).toBe(0);
    expect((error as Error).message).toBe(
      'zstd data is corrupt or unsupported: a frame needs a 2147483648-byte window, more than the 134217728 zstd allows by default',
    );
  });

  it.skipIf(skip)('a stop thrown by the receiver ends the push as it is', () => {
    const stop = new Error('stop');
    const decoder = openZstdDecoder(
      {
        take: () => new Uint8Array(ZSTD_PIECE_BYTES),
        emit() {
          throw stop;
        },
      },
      kind,
    );
    // A raw block of 4 bytes in a single-segment frame with its content size.
    const frame = Uint8Array.of(0x28, 0xb5, 0x2f, 0xfd, 0x20, 4, 0x21, 0x00, 0x00, 1, 2, 3, 4);
    expect(() => {
      decoder.push(frame);
      decoder.end();
    }).toThrow(stop);
  });
});

it.skipIf(NO_NATIVE)('the reference library is what runs where zstd-napi built', () => {
  expect(openZstdDecoder({ take: () => new Uint8Array(ZSTD_PIECE_BYTES), emit() {} }).kind).toBe('zstd-napi');
});
