// Buffered, synchronous output to a file descriptor: one write per 64 KiB instead of one per line,
// and a reader that goes away (`vrrpscope read F | head`) ends output quietly instead of an EPIPE trace.
import { writeSync } from 'node:fs';

const FLUSH_AT = 64 * 1024;

export class Output {
  private buf = '';
  /** Set when the reader went away (EPIPE): callers stop producing output. */
  closed = false;

  constructor(private readonly fd: number) {}

  write(s: string): void {
    if (this.closed) return;
    this.buf += s;
    if (this.buf.length >= FLUSH_AT) this.flush();
  }

  line(s: string): void {
    this.write(s + '\n');
  }

  flush(): void {
    if (this.closed || this.buf.length === 0) return;
    const data = Buffer.from(this.buf, 'utf8');
    this.buf = '';
    let off = 0;
    while (off < data.length) {
      try {
        off += writeSync(this.fd, data, off, data.length - off);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code === 'EAGAIN') {
          // A non-blocking pipe is full: wait a little for the reader instead of spinning.
          Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 5);
          continue;
        }
        if (code === 'EPIPE') {
          this.closed = true;
          return;
        }
        throw err;
      }
    }
  }
}
