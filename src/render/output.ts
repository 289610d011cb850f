// Buffered, synchronous output to a file descriptor: one write per 64 KiB instead of one per line,
// and a reader that goes away (`vrrpscope read F | head`) ends output quietly instead of an EPIPE trace.
//
// Each string is encoded into the byte buffer as soon as it is written. Lines are built by
// concatenation, so they are ropes of many pieces; encoding a line at once flattens a small rope
// that is still in cache, where collecting 64 KiB of lines in one string would walk hundreds of
// thousands of rope nodes gone cold at flush time.
import { writeSync } from 'node:fs';

const FLUSH_AT = 64 * 1024;
/** Room for FLUSH_AT bytes plus one more string of up to 4 KiB characters at 3 UTF-8 bytes each. */
const BUFFER_BYTES = FLUSH_AT + 3 * 4096;

export class Output {
  private readonly bytes = Buffer.allocUnsafe(BUFFER_BYTES);
  private used = 0;
  /** Set when the reader went away (EPIPE): callers stop producing output. */
  closed = false;

  constructor(private readonly fd: number) {}

  write(s: string): void {
    if (this.closed) return;
    // UTF-8 takes at most 3 bytes per UTF-16 unit (a surrogate pair: 4 bytes for 2 units).
    if (this.used + 3 * s.length > BUFFER_BYTES) {
      this.flush();
      if (this.closed) return;
      if (3 * s.length > BUFFER_BYTES) {
        // A string bigger than the buffer (a long summary) goes out on its own.
        this.send(Buffer.from(s, 'utf8'));
        return;
      }
    }
    this.used += this.bytes.write(s, this.used, 'utf8');
    if (this.used >= FLUSH_AT) this.flush();
  }

  line(s: string): void {
    if (this.closed) return;
    if (this.used + 3 * s.length + 1 > BUFFER_BYTES) {
      this.write(s);
      this.write('\n');
      return;
    }
    this.used += this.bytes.write(s, this.used, 'utf8');
    this.bytes[this.used++] = 0x0a;
    if (this.used >= FLUSH_AT) this.flush();
  }

  // Byte-level writing for the per-packet fast paths (a repeated advert's line is its timestamp
  // plus bytes kept from the first time): begin(), then put*() calls writing at most the bytes
  // promised, then endLine(). Cheaper than building a string and encoding it for every packet.

  /** Makes room for a line of up to `max` bytes; false when output is closed or the line is too long (use line()). */
  begin(max: number): boolean {
    if (this.closed || max + 1 > BUFFER_BYTES) return false;
    if (this.used + max + 1 > BUFFER_BYTES) {
      this.flush();
      if (this.closed) return false;
    }
    return true;
  }

  /** Characters below 0x80 only (the caller knows). */
  putAscii(s: string): void {
    const bytes = this.bytes;
    let used = this.used;
    for (let i = 0; i < s.length; i++) bytes[used++] = s.charCodeAt(i);
    this.used = used;
  }

  putBytes(b: Uint8Array): void {
    this.bytes.set(b, this.used);
    this.used += b.length;
  }

  /** `n` (a non-negative integer) as exactly `width` digits, zero-padded. */
  putDigits(n: number, width: number): void {
    const bytes = this.bytes;
    const first = this.used;
    let i = first + width - 1;
    if (n <= 0x7fff_ffff) {
      // Below 2^31 (times in seconds until 2038, microseconds, record numbers): 32-bit integer
      // division by 10, which compiles to a multiplication, not a floating-point division.
      let x = n | 0;
      for (; i >= first; i--) {
        const q = (x / 10) | 0;
        bytes[i] = 0x30 + x - q * 10;
        x = q;
      }
    } else {
      for (; i >= first; i--) {
        const q = Math.floor(n / 10);
        bytes[i] = 0x30 + (n - q * 10);
        n = q;
      }
    }
    this.used += width;
  }

  /** A non-negative integer (below 2^53) in decimal, as String(n) writes it. */
  putInt(n: number): void {
    let width = 1;
    for (let limit = 10; n >= limit && width < 16; limit *= 10) width++;
    this.putDigits(n, width);
  }

  endLine(): void {
    this.bytes[this.used++] = 0x0a;
    if (this.used >= FLUSH_AT) this.flush();
  }

  flush(): void {
    if (this.closed || this.used === 0) return;
    const n = this.used;
    this.used = 0;
    this.send(this.bytes.subarray(0, n));
  }

  private send(data: Uint8Array): void {
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

/**
 * `s` with its characters in one piece. Concatenation builds a rope, and a rope kept to be reused
 * in every line would be walked again each time a line holding it is encoded. Reading a character
 * makes V8 flatten the rope in place, so a reused piece is cheaper to write.
 */
export function flattened(s: string): string {
  s.charCodeAt(0);
  return s;
}
