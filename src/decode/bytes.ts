// Field access and address formatting shared by every decoder.
//
// tcpdump's rule (extract.h): no field is read without checking it lies inside the
// captured bytes. Here every read names the end of the region it may touch and answers
// -1 when the field would cross it, so a decoder can never read past a short packet
// (gopacket's VRRP layer trusted the address count and did). Invariant kept by the
// callers: `end` never exceeds the array's length.
//
// Reads go straight to the Uint8Array: no DataView, no Buffer, no subarray per packet.

/** Unsigned byte at `o`, or -1 when `o` is not before `end`. */
export function u8(b: Uint8Array, o: number, end: number): number {
  return o < end ? b[o] : -1;
}

/** Unsigned big-endian 16-bit field at `o`, or -1 when it crosses `end`. */
export function u16(b: Uint8Array, o: number, end: number): number {
  return o + 2 <= end ? (b[o] << 8) | b[o + 1] : -1;
}

/** Unsigned big-endian 32-bit field at `o`, or -1 when it crosses `end`. */
export function u32(b: Uint8Array, o: number, end: number): number {
  return o + 4 <= end ? b[o] * 0x1000000 + ((b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3]) : -1;
}

/** Unsigned little-endian 32-bit field at `o` (BSD loopback family in host order), or -1. */
export function u32le(b: Uint8Array, o: number, end: number): number {
  return o + 4 <= end ? b[o + 3] * 0x1000000 + ((b[o + 2] << 16) | (b[o + 1] << 8) | b[o]) : -1;
}

/** True when `n` bytes starting at `o` lie before `end`. */
export function fits(o: number, n: number, end: number): boolean {
  return o + n <= end;
}

const DEC: readonly string[] = Array.from({ length: 256 }, (_, i) => String(i));
const HEX2: readonly string[] = Array.from({ length: 256 }, (_, i) => (i < 16 ? '0' : '') + i.toString(16));
const HEX1: readonly string[] = Array.from({ length: 256 }, (_, i) => i.toString(16));

// IPv4 strings are built once per distinct address and kept in a small direct-mapped
// cache: a VRRP capture repeats the same handful of sources, groups and virtual
// addresses, and formatting them is the largest cost per advertisement. Sized for a
// busy segment, so that ARP from a couple of thousand hosts does not keep evicting
// the entries (the tables take ~100 KB).
const V4_BITS = 13;
const V4_SLOTS = 1 << V4_BITS;
const v4Keys = new Int32Array(V4_SLOTS);
const v4Vals: (string | undefined)[] = new Array<string | undefined>(V4_SLOTS).fill(undefined);

/** Dotted-quad IPv4 address at `o`; '' when the 4 bytes are not in the array (callers check first). */
export function ipv4At(b: Uint8Array, o: number): string {
  if (o < 0 || o + 4 > b.length) return '';
  const key = (b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3];
  const slot = Math.imul(key, 0x9e3779b1) >>> (32 - V4_BITS);
  const hit = v4Vals[slot];
  if (hit !== undefined && v4Keys[slot] === key) return hit;
  const s = DEC[b[o]] + '.' + DEC[b[o + 1]] + '.' + DEC[b[o + 2]] + '.' + DEC[b[o + 3]];
  v4Keys[slot] = key;
  v4Vals[slot] = s;
  return s;
}

function group(b: Uint8Array, o: number): string {
  const hi = b[o];
  return hi === 0 ? HEX1[b[o + 1]] : HEX1[hi] + HEX2[b[o + 1]];
}

/**
 * IPv6 address at `o` as tcpdump prints it (addrtostr6): lowercase, no leading zeros,
 * the longest run of two or more zero groups (the first of equals) as "::" (RFC 5952
 * §4.2), and the last 32 bits dotted for ::a.b.c.d and ::ffff:a.b.c.d (RFC 5952 §5).
 * '' when the 16 bytes are not in the array. Cached like IPv4 (a VRRPv3 advertisement
 * carries the same link-local source and virtual addresses every second).
 */
export function ipv6At(b: Uint8Array, o: number): string {
  if (o < 0 || o + 16 > b.length) return '';
  const w0 = (b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3];
  const w1 = (b[o + 4] << 24) | (b[o + 5] << 16) | (b[o + 6] << 8) | b[o + 7];
  const w2 = (b[o + 8] << 24) | (b[o + 9] << 16) | (b[o + 10] << 8) | b[o + 11];
  const w3 = (b[o + 12] << 24) | (b[o + 13] << 16) | (b[o + 14] << 8) | b[o + 15];
  const slot = Math.imul(w0 ^ Math.imul(w1, 0x85ebca6b) ^ Math.imul(w2, 0xc2b2ae35) ^ Math.imul(w3, 0x27d4eb2f), 0x9e3779b1) >>> (32 - V6_BITS);
  const k = slot * 4;
  const hit = v6Vals[slot];
  if (hit !== undefined && v6Keys[k] === w0 && v6Keys[k + 1] === w1 && v6Keys[k + 2] === w2 && v6Keys[k + 3] === w3) return hit;
  const s = formatIpv6(b, o);
  v6Keys[k] = w0;
  v6Keys[k + 1] = w1;
  v6Keys[k + 2] = w2;
  v6Keys[k + 3] = w3;
  v6Vals[slot] = s;
  return s;
}

const V6_BITS = 11;
const V6_SLOTS = 1 << V6_BITS;
const v6Keys = new Int32Array(V6_SLOTS * 4);
const v6Vals: (string | undefined)[] = new Array<string | undefined>(V6_SLOTS).fill(undefined);

function formatIpv6(b: Uint8Array, o: number): string {
  let bestBase = -1;
  let bestLen = 0;
  let curBase = -1;
  for (let i = 0; i < 8; i++) {
    if (b[o + 2 * i] === 0 && b[o + 2 * i + 1] === 0) {
      if (curBase < 0) curBase = i;
      if (i - curBase + 1 > bestLen) {
        bestBase = curBase;
        bestLen = i - curBase + 1;
      }
    } else {
      curBase = -1;
    }
  }
  if (bestLen < 2) bestBase = -1;
  const mixed =
    bestBase === 0 && (bestLen === 6 || (bestLen === 5 && b[o + 10] === 0xff && b[o + 11] === 0xff));
  let s = '';
  for (let i = 0; i < 8; i++) {
    if (bestBase >= 0 && i >= bestBase && i < bestBase + bestLen) {
      if (i === bestBase) s += ':';
      continue;
    }
    if (i !== 0) s += ':';
    if (mixed && i === 6) return s + ipv4At(b, o + 12);
    s += group(b, o + 2 * i);
  }
  if (bestBase >= 0 && bestBase + bestLen === 8) s += ':';
  return s;
}

/** True for fe80::/10 (RFC 4291 §2.5.6), the 16 bytes at `o` (callers check the range). */
export function isLinkLocalV6At(b: Uint8Array, o: number): boolean {
  return b[o] === 0xfe && (b[o + 1] & 0xc0) === 0x80;
}

// MAC strings are cached like IPv4 ones: most frames carry the same few (the VMACs,
// the VRRP multicast MAC, the routers' own).
const MAC_BITS = 12;
const MAC_SLOTS = 1 << MAC_BITS;
const macHi = new Int32Array(MAC_SLOTS);
const macLo = new Int32Array(MAC_SLOTS);
const macVals: (string | undefined)[] = new Array<string | undefined>(MAC_SLOTS).fill(undefined);

/** MAC address at `o` as lowercase aa:bb:cc:dd:ee:ff; '' when the 6 bytes are not in the array. */
export function macAt(b: Uint8Array, o: number): string {
  if (o < 0 || o + 6 > b.length) return '';
  const hi = (b[o] << 8) | b[o + 1];
  const lo = (b[o + 2] << 24) | (b[o + 3] << 16) | (b[o + 4] << 8) | b[o + 5];
  const slot = Math.imul(lo ^ Math.imul(hi, 0x85ebca6b), 0x9e3779b1) >>> (32 - MAC_BITS);
  const hit = macVals[slot];
  if (hit !== undefined && macLo[slot] === lo && macHi[slot] === hi) return hit;
  const s =
    HEX2[b[o]] + ':' + HEX2[b[o + 1]] + ':' + HEX2[b[o + 2]] + ':' +
    HEX2[b[o + 3]] + ':' + HEX2[b[o + 4]] + ':' + HEX2[b[o + 5]];
  macHi[slot] = hi;
  macLo[slot] = lo;
  macVals[slot] = s;
  return s;
}

/** Bytes [o, end) as lowercase hex without separators. */
export function hexRange(b: Uint8Array, o: number, end: number): string {
  let s = '';
  const stop = Math.min(end, b.length);
  for (let i = Math.max(o, 0); i < stop; i++) s += HEX2[b[i]];
  return s;
}

/** Bytes [o, end) up to the first NUL, one char per byte (latin1), unescaped. */
export function latin1UntilNul(b: Uint8Array, o: number, end: number): string {
  let s = '';
  const stop = Math.min(end, b.length);
  for (let i = Math.max(o, 0); i < stop && b[i] !== 0; i++) s += String.fromCharCode(b[i]);
  return s;
}

/** 0x-prefixed 4-digit lowercase hex, as checksums are written in messages. */
export function hex16(n: number): string {
  return '0x' + HEX2[(n >>> 8) & 0xff] + HEX2[n & 0xff];
}

/** Name for `n` from an `as const` table, or `unknown (n)` (tcpdump's tok2str convention). */
export function nameOf(table: Readonly<Record<number, string>>, n: number): string {
  return table[n] ?? `unknown (${n})`;
}
