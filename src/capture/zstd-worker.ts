// zstd decompression on a worker thread, so that it overlaps with parsing and analysis on the
// main thread (on one thread, even the native decoder's time adds to the run's).
//
// Messages in: a Uint8Array of compressed input, or { end: true }. Messages out: a Uint8Array of
// decompressed capture, { took: true } when an input chunk is used up, { done: true }, or
// { damage } (what is wrong with the data) or { error } (anything else). Backpressure: `credits`
// (shared) counts the pieces the main thread will still take; at zero the worker waits inside the
// decoder's output callback, so a bomb never runs ahead of the reader.

import { parentPort, workerData } from 'node:worker_threads';
import { openZstdDecoder, ZstdDamage } from './zstd-decoders.js';

const port = parentPort!;
const credits = (workerData as { credits: Int32Array }).credits;
const zstd = openZstdDecoder((piece) => {
  while (Atomics.load(credits, 0) <= 0) Atomics.wait(credits, 0, 0, 1000);
  Atomics.sub(credits, 0, 1);
  // The piece is ours to give away (zstd-decoders.ts): moved, not copied.
  port.postMessage(piece, [piece.buffer]);
});

port.on('message', (m: Uint8Array | { end: true }) => {
  try {
    if (m instanceof Uint8Array) {
      zstd.push(m);
      port.postMessage({ took: true });
    } else {
      zstd.end();
      port.postMessage({ done: true });
    }
  } catch (err) {
    port.postMessage(err instanceof ZstdDamage ? { damage: err.message } : { error: (err as Error).message });
  }
});
