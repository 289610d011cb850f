// Compressed captures: a pcap or pcapng file that was gzip'ed or zstd'ed on its way off a
// production box. file.ts tells them by their magic (compressionOf), never by the file name, and
// imports this module only then: `read` of a plain capture loads no decompressor.
//
// Decompression is a stream in front of the capture parser: each decompressed piece is pushed to
// the parser as it comes out and nothing else is kept, so a small file that inflates without end
// (a decompression bomb) is read in the memory of one piece and stops at `-c N` like any capture.
// gzip runs in Node's zlib, on libuv's thread pool, so inflating overlaps with parsing. Node 20's
// zlib has no zstd (it came in Node 22.15), so zstd is decoded on a worker thread by the reference
// zstd library through the optional zstd-napi, or by fzstd (pure JavaScript) where that did not
// build: see zstd-decoders.ts.

import { Readable } from 'node:stream';
import { MessageChannel, Worker } from 'node:worker_threads';
import * as zlib from 'node:zlib';
import { CaptureError } from './types.js';
import { openZstdDecoder, ZSTD_PIECE_BYTES, ZstdDamage } from './zstd-decoders.js';

export type Compression = 'gzip' | 'zstd';

/** Where decompressed bytes go: the capture parser. */
export interface ByteSink {
  push(chunk: Uint8Array): void;
  readonly stopped: boolean;
  /** Decompressed bytes pushed so far, and the frames delivered from them (for the error line). */
  readonly receivedBytes: number;
  readonly frames: number;
}

/** Output piece of the gzip stream: large enough that per-piece costs vanish next to parsing. */
const GZIP_CHUNK_BYTES = 256 * 1024;
/** Input slice per decoder push: bounds how long one push runs before a stop is seen. */
const ZSTD_SLICE_BYTES = 64 * 1024;

/**
 * Decompresses `input` (the whole compressed stream, from its first byte) into `sink` until the
 * input ends or the sink stops. Rejects with CaptureError naming the damage when the compressed
 * data is truncated or corrupt; everything decompressed before it has reached the sink.
 */
export async function decompressInto(kind: Compression, input: AsyncIterable<Uint8Array>, sink: ByteSink, name: string): Promise<void> {
  try {
    if (kind === 'gzip') await gunzipInto(input, sink);
    else await unzstdInto(input, sink);
  } catch (err) {
    if (err instanceof CaptureError) throw err;
    const damage = describeDamage(kind, err);
    if (damage === undefined) throw err;
    const record = sink.frames + 1;
    throw new CaptureError(`${name}: ${damage}, after ${sink.receivedBytes} bytes of capture (${sink.frames} frames)`, record, sink.receivedBytes);
  }
}

async function gunzipInto(input: AsyncIterable<Uint8Array>, sink: ByteSink): Promise<void> {
  const gunzip = zlib.createGunzip({ chunkSize: GZIP_CHUNK_BYTES });
  const source = Readable.from(input, { objectMode: false });
  // An error reading the input ends the decompressor with it, so the loop below sees it.
  source.on('error', (err) => gunzip.destroy(err));
  source.pipe(gunzip);
  try {
    for await (const piece of gunzip) {
      sink.push(piece as Uint8Array);
      if (sink.stopped) return;
    }
  } finally {
    source.destroy();
    gunzip.destroy();
  }
}

/** Thrown from the decoder's output callback to end a push early once the sink has stopped. */
const STOP = Symbol('stop');

async function unzstdInto(input: AsyncIterable<Uint8Array>, sink: ByteSink): Promise<void> {
  // The worker is the built zstd-worker.js beside this module; run from TypeScript sources (the
  // tests), there is none, and zstd is decompressed on this thread instead, with the same walk.
  if (import.meta.url.endsWith('.ts')) return unzstdHere(input, sink);
  return unzstdInWorker(input, sink);
}

async function unzstdHere(input: AsyncIterable<Uint8Array>, sink: ByteSink): Promise<void> {
  // One buffer: the parser is done with a piece when push returns.
  const buffer = new Uint8Array(ZSTD_PIECE_BYTES);
  const zstd = openZstdDecoder({
    take: () => buffer,
    emit(piece) {
      sink.push(piece);
      if (sink.stopped) throw STOP;
    },
  });
  try {
    for await (const chunk of input) {
      for (let at = 0; at < chunk.length; at += ZSTD_SLICE_BYTES) {
        zstd.push(chunk.subarray(at, at + ZSTD_SLICE_BYTES));
        // Lets a timer or signal handler run between slices of a long synchronous inflate.
        await new Promise<void>((resolve) => setImmediate(resolve));
      }
    }
    zstd.end();
  } catch (err) {
    if (err !== STOP) throw err;
  }
}

/** Buffers of decompressed capture (128 KiB each) between the worker and the parser. */
const ZSTD_PIECES = 5;
/** Compressed chunks handed to the worker and not yet used up, of ZSTD_INPUT_BYTES at most. */
const ZSTD_CHUNKS_AHEAD = 2;
const ZSTD_INPUT_BYTES = 64 * 1024;

function unzstdInWorker(input: AsyncIterable<Uint8Array>, sink: ByteSink): Promise<void> {
  // Parsed pieces go back to the worker on `returns`, counted in `returned` (zstd-worker.ts).
  const returned = new Int32Array(new SharedArrayBuffer(4));
  const { port1: returns, port2: workerReturns } = new MessageChannel();
  const worker = new Worker(new URL('./zstd-worker.js', import.meta.url), {
    workerData: { returned, returns: workerReturns, pieces: ZSTD_PIECES },
    transferList: [workerReturns],
    // The worker makes little garbage (fzstd's, one block at a time): a small young generation keeps its RSS down.
    resourceLimits: { maxYoungGenerationSizeMb: 4, maxOldGenerationSizeMb: 48 },
  });
  let settled = false;
  let inFlight = 0;
  // Input buffers the worker is done with. Each chunk is copied into one and moved there, and moved
  // back with `took`: a copy made by postMessage would be the worker's garbage, and the worker makes
  // so little else that megabytes of it wait for a collection.
  const spare: ArrayBuffer[] = [];
  let wake: (() => void) | null = null;
  return new Promise<void>((resolve, reject) => {
    const finish = (err?: unknown): void => {
      if (settled) return;
      settled = true;
      returns.close();
      void worker.terminate();
      wake?.();
      if (err === undefined) resolve();
      else reject(err);
    };
    worker.on('message', (m: Uint8Array<ArrayBuffer> | { took?: ArrayBuffer; done?: true; damage?: string; error?: string }) => {
      if (settled) return;
      if (m instanceof Uint8Array) {
        try {
          sink.push(m);
        } catch (err) {
          return finish(err);
        }
        if (sink.stopped) return finish();
        // The parser is done with the piece (a capture's bytes are a window valid during push).
        returns.postMessage(m.buffer, [m.buffer]);
        Atomics.add(returned, 0, 1);
        Atomics.notify(returned, 0);
      } else if (m.took) {
        spare.push(m.took);
        inFlight--;
        wake?.();
      } else if (m.done) {
        finish();
      } else if (m.damage !== undefined) {
        finish(new ZstdDamage(m.damage));
      } else if (m.error !== undefined) {
        finish(new Error(m.error));
      }
    });
    worker.on('error', finish);
    void (async () => {
      try {
        for await (const chunk of input) {
          for (let at = 0; at < chunk.length && !settled; at += ZSTD_INPUT_BYTES) {
            const part = chunk.subarray(at, at + ZSTD_INPUT_BYTES);
            const copy = new Uint8Array(spare.pop() ?? new ArrayBuffer(ZSTD_INPUT_BYTES), 0, part.length);
            copy.set(part);
            worker.postMessage(copy, [copy.buffer]);
            inFlight++;
            while (inFlight >= ZSTD_CHUNKS_AHEAD && !settled) await new Promise<void>((w) => (wake = w));
            wake = null;
          }
          if (settled) return;
        }
        if (!settled) worker.postMessage({ end: true });
      } catch (err) {
        finish(err);
      }
    })();
  });
}

/** One phrase for what is wrong with the compressed data, or undefined for an error that is not about it. */
function describeDamage(kind: Compression, err: unknown): string | undefined {
  if (!(err instanceof Error)) return undefined;
  const code = (err as { code?: unknown }).code;
  if (kind === 'gzip') {
    // zlib's Z_BUF_ERROR at the end of input: the deflate stream or its trailer is incomplete.
    if (code === 'Z_BUF_ERROR') return 'gzip data ends early: the compressed file is truncated';
    if (code === 'Z_DATA_ERROR' || code === 'Z_STREAM_ERROR') return `gzip data is corrupt: ${err.message}`;
    return undefined;
  }
  return err instanceof ZstdDamage ? err.message : undefined;
}
