// zstd decompression on a worker thread, so that it overlaps with parsing and analysis on the
// main thread (fzstd is JavaScript: on one thread it took as long as the rest of `read -q`).
//
// Messages in: a Uint8Array of compressed input, or { end: true }. Messages out: a Uint8Array of
// decompressed capture, { took: true } when an input chunk is used up, { done: true }, or
// { error, code }. Backpressure: `credits` (shared) counts the pieces the main thread will still
// take; at zero the worker waits inside fzstd's callback, so a bomb never runs ahead of the reader.

import { parentPort, workerData } from 'node:worker_threads';
import { Decompress } from 'fzstd';
import { pushByFrame, ZstdFrameError, ZstdFrameWalker } from './zstd-frames.js';

const port = parentPort!;
const credits = (workerData as { credits: Int32Array }).credits;
const walker = new ZstdFrameWalker();
const zstd = new Decompress((piece) => {
  if (piece.length === 0) return;
  while (Atomics.load(credits, 0) <= 0) Atomics.wait(credits, 0, 0, 1000);
  Atomics.sub(credits, 0, 1);
  // A copy: fzstd copies the piece into its window after this callback returns.
  const copy = piece.slice();
  port.postMessage(copy, [copy.buffer]);
});

port.on('message', (m: Uint8Array | { end: true }) => {
  try {
    if (m instanceof Uint8Array) {
      pushByFrame(zstd, walker, m);
      port.postMessage({ took: true });
    } else {
      zstd.push(new Uint8Array(0), true);
      port.postMessage({ done: true });
    }
  } catch (err) {
    const e = err as Error & { code?: unknown };
    port.postMessage({ error: e.message, code: err instanceof ZstdFrameError ? 'frame' : e.code });
  }
});
