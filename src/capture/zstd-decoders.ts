// The two zstd decoders behind compressed.ts and zstd-worker.ts, one interface:
//
// - zstd-napi: the reference zstd library (C, bundled in the package and compiled at install, as
//   the optional `pcap` is), driven through ZSTD_decompressStream straight into the receiver's
//   buffers: as fast as the zstd command, where fzstd is not (BENCHMARKS.md, sixth round).
// - fzstd: pure JavaScript, the fallback where zstd-napi did not build (no compiler at install).
//
// Both are fed through the frame walker of zstd-frames.ts, which refuses a frame whose window is
// above zstd's default limit before anything is allocated, with the same words for both, and cuts
// fzstd's input at frame ends (see there why).

import { createRequire } from 'node:module';
import { Decompress } from 'fzstd';
import { pushByFrame, ZstdFrameError, ZstdFrameWalker } from './zstd-frames.js';

export type ZstdDecoderKind = 'zstd-napi' | 'fzstd';

/** What is wrong with the compressed data, in words for the error line. */
export class ZstdDamage extends Error {}

/** The largest piece a decoder hands over: zstd's largest block, and ZSTD_DStreamOutSize. */
export const ZSTD_PIECE_BYTES = 128 * 1024;

/**
 * Where a decoder's output goes, in buffers the receiver lends: the decoder writes into the buffer
 * it took last and hands the piece over from its start, after which the buffer is the receiver's
 * again (a window valid during `emit`, as a capture's frames are). So the bytes are written once
 * and the buffers are reused, not allocated per piece.
 */
export interface ZstdOutput {
  /** A buffer of ZSTD_PIECE_BYTES, the decoder's until it emits from it. */
  take(): Uint8Array<ArrayBuffer>;
  /** A piece at the start of the buffer taken last. May throw to abandon the push. */
  emit(piece: Uint8Array<ArrayBuffer>): void;
}

export interface ZstdDecoder {
  readonly kind: ZstdDecoderKind;
  /** Decompresses `chunk`, handing every piece of output to `emit` before returning; `chunk` is the caller's again then. */
  push(chunk: Uint8Array): void;
  /** The input has ended: throws ZstdDamage if it ended inside a frame. */
  end(): void;
}

/** A decoder writing to `output`; decoding errors are thrown as ZstdDamage. */
export function openZstdDecoder(output: ZstdOutput, prefer: ZstdDecoderKind = 'zstd-napi'): ZstdDecoder {
  const native = prefer === 'zstd-napi' ? loadNative() : undefined;
  return native ? new NativeDecoder(native, output) : new JsDecoder(output);
}

/** The part of zstd-napi's binding used here (zstd-napi/binding.d.ts). */
interface NativeBinding {
  DCtx: new () => { decompressStream(dst: Uint8Array, src: Uint8Array): [number, number, number] };
}

let native: NativeBinding | null | undefined;

/** zstd-napi's binding, or undefined where it is not installed or did not build. */
function loadNative(): NativeBinding | undefined {
  if (native === undefined) {
    try {
      native = createRequire(import.meta.url)('zstd-napi/binding') as NativeBinding;
    } catch {
      native = null;
    }
  }
  return native ?? undefined;
}

class NativeDecoder implements ZstdDecoder {
  readonly kind = 'zstd-napi';
  private readonly dctx;
  private readonly walker = new ZstdFrameWalker();
  /** The buffer taken and not yet emitted from. */
  private out: Uint8Array<ArrayBuffer> | undefined;
  /** ZSTD_decompressStream's last answer: 0 when a frame has just been decoded and flushed whole. */
  private hint = 0;
  private started = false;

  constructor(
    binding: NativeBinding,
    private readonly output: ZstdOutput,
  ) {
    this.dctx = new binding.DCtx();
  }

  push(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    this.started = true;
    // The walker reads the whole chunk first; what zstd decodes before the damage still goes out.
    let refused: unknown;
    try {
      this.walker.walk(chunk);
    } catch (err) {
      refused = damage(err);
    }
    let src = chunk;
    for (;;) {
      const out = (this.out ??= this.output.take());
      let result: [number, number, number];
      try {
        result = this.dctx.decompressStream(out, src);
      } catch (err) {
        // zstd-napi throws ZSTD_getErrorName's words ("Data corruption detected", ...); the
        // walker's, where it saw the damage too, say more ("a frame needs a 2147483648-byte window").
        throw refused ?? new ZstdDamage(`zstd data is corrupt: ${(err as Error).message}`);
      }
      const [hint, produced, consumed] = result;
      // A call that moved nothing asks for the next frame's header even at a frame's end.
      if (produced > 0 || consumed > 0) this.hint = hint;
      src = src.subarray(consumed);
      // A full output buffer may hide more output with no input left: zstd's manual says call again.
      const full = produced === out.length;
      if (produced > 0) {
        this.out = undefined;
        this.output.emit(out.subarray(0, produced));
      }
      if (src.length === 0 && !full) break;
    }
    if (refused !== undefined) throw refused;
  }

  end(): void {
    if (this.started && this.hint !== 0) throw new ZstdDamage(TRUNCATED);
  }
}

class JsDecoder implements ZstdDecoder {
  readonly kind = 'fzstd';
  private readonly walker = new ZstdFrameWalker();
  private readonly zstd: Decompress;

  constructor(output: ZstdOutput) {
    // fzstd hands over a view on its own memory (a block, at most 128 KiB): copied out.
    this.zstd = new Decompress((piece) => {
      for (let at = 0; at < piece.length; ) {
        const out = output.take();
        const n = Math.min(out.length, piece.length - at);
        out.set(piece.subarray(at, at + n));
        at += n;
        output.emit(out.subarray(0, n));
      }
    });
  }

  push(chunk: Uint8Array): void {
    try {
      // A copy: fzstd keeps the input of a block that is not complete yet.
      pushByFrame(this.zstd, this.walker, new Uint8Array(chunk));
    } catch (err) {
      throw damage(err);
    }
  }

  end(): void {
    try {
      this.zstd.push(new Uint8Array(0), true);
    } catch (err) {
      throw damage(err);
    }
  }
}

const TRUNCATED = 'zstd data ends early: the compressed file is truncated';

/** The walker's and fzstd's errors in words; anything else (a stop thrown by `emit`) as it is. */
function damage(err: unknown): unknown {
  if (err instanceof ZstdFrameError) return new ZstdDamage(`zstd data is corrupt or unsupported: ${err.message}`);
  // fzstd's ZstdErrorCode: 5 is UnexpectedEOF, the others bad data or limits.
  const code = err instanceof Error ? (err as { code?: unknown }).code : undefined;
  if (typeof code !== 'number') return err;
  if (code === 5) return new ZstdDamage(TRUNCATED);
  return new ZstdDamage(`zstd data is corrupt: ${(err as Error).message}`);
}
