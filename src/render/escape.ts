// Everything that came off the wire is escaped before it reaches a terminal: a password field
// may hold ANSI/OSC escape sequences, NUL or bytes that are not UTF-8.

/** Printable ASCII stays; backslash, double quote and everything else become \\, \" and \xNN. */
export function escapeText(s: string): string {
  let safe = true;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c > 0x7e || c === 0x5c || c === 0x22) {
      safe = false;
      break;
    }
  }
  if (safe) return s;
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x5c) out += '\\\\';
    else if (c === 0x22) out += '\\"';
    else if (c >= 0x20 && c <= 0x7e) out += s[i];
    else if (c <= 0xff) out += '\\x' + c.toString(16).padStart(2, '0');
    else out += '\\u' + c.toString(16).padStart(4, '0');
  }
  return out;
}

/** A quoted, escaped string as shown in text output: "pass\x1b[31m". */
export function quote(s: string): string {
  return '"' + escapeText(s) + '"';
}

/**
 * For messages composed by us that embed wire text: keep ordinary punctuation and quotes,
 * escape only what a terminal would interpret (C0/C1 controls, DEL, non-ASCII).
 */
export function escapeControls(s: string): string {
  // eslint-disable-next-line no-control-regex
  if (!/[\x00-\x1f\x7f-\uffff]/.test(s)) return s;
  // eslint-disable-next-line no-control-regex
  return s.replace(/[\x00-\x1f\x7f-\uffff]/g, (ch) => {
    const c = ch.charCodeAt(0);
    return c <= 0xff ? '\\x' + c.toString(16).padStart(2, '0') : '\\u' + c.toString(16).padStart(4, '0');
  });
}
