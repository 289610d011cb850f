// The Internet checksum (RFC 1071) and the pseudo-headers VRRP and ICMPv6 add to it.
//
// Sums are kept unfolded in a plain number: a 64 KiB message adds at most 32768 words
// of 0xffff, well inside 2^32, so folding once at the end is exact.

/** Unfolded one's-complement sum of the big-endian 16-bit words in [o, end); an odd last byte is padded with zero. */
export function onesSum(b: Uint8Array, o: number, end: number): number {
  let sum = 0;
  let i = o;
  const last = end - 1;
  for (; i < last; i += 2) sum += (b[i] << 8) | b[i + 1];
  if (i === last) sum += b[i] << 8;
  return sum;
}

/** Fold an unfolded sum to 16 bits with end-around carry. */
export function fold(sum: number): number {
  let s = sum;
  while (s > 0xffff) s = (s & 0xffff) + Math.floor(s / 0x10000);
  return s;
}

/** True when a sum that includes the transmitted checksum verifies (folds to 0xffff, RFC 1071 §1). */
export function sumVerifies(sum: number): boolean {
  return fold(sum) === 0xffff;
}

/** The checksum a sender should have put in the field, given the sum of everything else. */
export function checksumFor(sumWithoutField: number): number {
  return ~fold(sumWithoutField) & 0xffff;
}

/**
 * Pseudo-header sum for an upper-layer message: the addresses at `srcOff` / `dstOff`
 * (each `addrLen` bytes: 4 for IPv4 as in RFC 768, 16 for IPv6 as in RFC 8200 §8.1),
 * the protocol or next-header number and the upper-layer length. Both layouts add up
 * to the same words, only the field widths differ.
 */
export function pseudoHeaderSum(
  b: Uint8Array,
  srcOff: number,
  dstOff: number,
  addrLen: number,
  protocol: number,
  length: number,
): number {
  return onesSum(b, srcOff, srcOff + addrLen) + onesSum(b, dstOff, dstOff + addrLen) + protocol + (length >>> 16) + (length & 0xffff);
}

/** Words of 224.0.0.18, the VRRP group, for the keepalived < 1.3.6 unicast checksum. */
export const VRRP_GROUP_V4_SUM = 0xe000 + 0x0012;

/** Same as pseudoHeaderSum for IPv4 but with a fixed destination sum instead of the real one. */
export function pseudoHeaderSumV4WithDst(b: Uint8Array, srcOff: number, dstSum: number, protocol: number, length: number): number {
  return onesSum(b, srcOff, srcOff + 4) + dstSum + protocol + length;
}
