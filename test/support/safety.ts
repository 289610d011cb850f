// What may reach a terminal from vrrpscope's stdout: checks on the raw bytes, since a decoded
// string would already have turned invalid UTF-8 into U+FFFD and hidden it.
import { expect } from 'vitest';

/** Our own colour codes (ESC [ digits ; m): the only escape sequences we write on purpose. */
// eslint-disable-next-line no-control-regex
const SGR = /\x1b\[[0-9;]*m/g;

/** Text output: printable ASCII and newlines only (after removing our colour codes when `color`). */
export function expectSafeText(out: Buffer | string, what: string, color = false): void {
  let bytes = typeof out === 'string' ? Buffer.from(out, 'utf8') : out;
  if (color) bytes = Buffer.from(bytes.toString('latin1').replace(SGR, ''), 'latin1');
  const bad = bytes.findIndex((b) => b !== 0x0a && (b < 0x20 || b > 0x7e));
  expect(bad, `${what}: byte 0x${bytes[bad]?.toString(16)} at ${bad}: ${JSON.stringify(bytes.subarray(Math.max(0, bad - 40), bad + 10).toString('latin1'))}`).toBe(-1);
}

/** NDJSON: every line parses, and no raw C0 (but newline), DEL or C1 (UTF-8 C2 80-C2 9F) anywhere. */
export function expectSafeJson(out: Buffer | string, what: string): void {
  const bytes = typeof out === 'string' ? Buffer.from(out, 'utf8') : out;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i];
    const c1 = b === 0xc2 && bytes[i + 1] >= 0x80 && bytes[i + 1] <= 0x9f;
    if ((b < 0x20 && b !== 0x0a) || b === 0x7f || c1) {
      expect.fail(`${what}: raw control 0x${(c1 ? bytes[i + 1] : b).toString(16)} at byte ${i}: ${JSON.stringify(bytes.subarray(Math.max(0, i - 40), i + 10).toString('utf8'))}`);
    }
  }
  for (const line of bytes.toString('utf8').split('\n').filter(Boolean)) expect(() => JSON.parse(line), `${what}: ${line.slice(0, 80)}`).not.toThrow();
}
