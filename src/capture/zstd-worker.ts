// zstd decompression on a worker thread, so that it overlaps with parsing and analysis on the
// main thread (on one thread, even the native decoder's time adds to the run's).
//
// Messages in: a Uint8Array of compressed input, or { end: true }. Messages out: a Uint8Array of
// decompressed capture, { took } when an input chunk is used up (its buffer, moved back for the
// next chunk), { done: true }, or { damage } (what is wrong with the data) or { error } (anything else).
//
// The pieces are written into `pieces` buffers of ZSTD_PIECE_BYTES, moved to the main thread and
// moved back on `returns` once parsed: no buffer is allocated per piece. That is the backpressure
// too: with every buffer at the main thread the worker waits (on `returned`, which the main thread
// counts up after each return) inside the decoder's output, so a bomb never runs ahead of the reader.

import { type MessagePort, parentPort, receiveMessageOnPort, workerData } from 'node:worker_threads';
import { openZstdDecoder, ZSTD_PIECE_BYTES, ZstdDamage } from './zstd-decoders.js';

const port = parentPort!;
const { returned, returns, pieces } = workerData as { returned: Int32Array; returns: MessagePort; pieces: number };
let made = 0;

const zstd = openZstdDecoder({
  take() {
    for (;;) {
      // Read before looking, so a buffer returned in between ends the wait at once.
      const seen = Atomics.load(returned, 0);
      const back = receiveMessageOnPort(returns);
      if (back) return new Uint8Array(back.message as ArrayBuffer);
      if (made < pieces) {
        made++;
        return new Uint8Array(ZSTD_PIECE_BYTES);
      }
      Atomics.wait(returned, 0, seen, 1000);
    }
  },
  emit(piece) {
    port.postMessage(piece, [piece.buffer]);
  },
});

port.on('message', (m: Uint8Array<ArrayBuffer> | { end: true }) => {
  try {
    if (m instanceof Uint8Array) {
      zstd.push(m);
      port.postMessage({ took: m.buffer }, [m.buffer]);
    } else {
      zstd.end();
      port.postMessage({ done: true });
    }
  } catch (err) {
    port.postMessage(err instanceof ZstdDamage ? { damage: err.message } : { error: (err as Error).message });
  }
});
