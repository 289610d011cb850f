// Test-only encoder: builds exactly the frame a test needs (dns-packet's idea), broken ones
// included, so every decoder can be round-tripped. Also used by the benchmark generator.
// Written independently of src/decode (its own address parsing and checksum), so a bug
// on one side does not hide the same bug on the other.

import type { Frame } from '../../src/frame.js';
import type { ChecksumVariant } from '../../src/decode/types.js';

// ---------------------------------------------------------------- addresses

export function ipv4Bytes(text: string): Uint8Array {
  const parts = text.split('.').map(Number);
  if (parts.length !== 4 || parts.some((n) => !Number.isInteger(n) || n < 0 || n > 255)) throw new Error(`bad IPv4 ${text}`);
  return Uint8Array.from(parts);
}

export function ipv6Bytes(text: string): Uint8Array {
  let t = text;
  const dotted = /^(.*:)(\d+\.\d+\.\d+\.\d+)$/.exec(t);
  if (dotted) {
    const v = ipv4Bytes(dotted[2]);
    t = `${dotted[1]}${((v[0] << 8) | v[1]).toString(16)}:${((v[2] << 8) | v[3]).toString(16)}`;
  }
  const halves = t.split('::');
  if (halves.length > 2) throw new Error(`bad IPv6 ${text}`);
  const left = halves[0] ? halves[0].split(':') : [];
  const right = halves.length === 2 && halves[1] ? halves[1].split(':') : [];
  const fill = halves.length === 2 ? 8 - left.length - right.length : 0;
  const groups = [...left, ...Array<string>(Math.max(0, fill)).fill('0'), ...right];
  if (groups.length !== 8 || groups.some((g) => !/^[0-9a-f]{1,4}$/i.test(g))) throw new Error(`bad IPv6 ${text}`);
  const out = new Uint8Array(16);
  groups.forEach((g, i) => {
    const v = parseInt(g, 16);
    out[2 * i] = v >> 8;
    out[2 * i + 1] = v & 0xff;
  });
  return out;
}

export function macBytes(text: string): Uint8Array {
  const parts = text.split(':').map((h) => parseInt(h, 16));
  if (parts.length !== 6) throw new Error(`bad MAC ${text}`);
  return Uint8Array.from(parts);
}

/** RFC 5798 §7.3 virtual router MAC. */
export function vmac(family: 'ipv4' | 'ipv6', vrid: number): string {
  return `00:00:5e:00:0${family === 'ipv4' ? 1 : 2}:${vrid.toString(16).padStart(2, '0')}`;
}

// ---------------------------------------------------------------- bytes

export function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

function be16(v: number): Uint8Array {
  return Uint8Array.of((v >> 8) & 0xff, v & 0xff);
}

/** RFC 1071 checksum of the concatenated parts, folding the carry at every step. */
export function internetChecksum(...parts: Uint8Array[]): number {
  const all = concat(...parts);
  let sum = 0;
  for (let i = 0; i < all.length; i += 2) {
    sum += (all[i] << 8) + (i + 1 < all.length ? all[i + 1] : 0);
    sum = (sum & 0xffff) + (sum >>> 16);
  }
  return ~sum & 0xffff;
}

function pseudoHeader(family: 'ipv4' | 'ipv6', src: string, dst: string, protocol: number, length: number): Uint8Array {
  if (family === 'ipv4') return concat(ipv4Bytes(src), ipv4Bytes(dst), Uint8Array.of(0, protocol), be16(length));
  return concat(ipv6Bytes(src), ipv6Bytes(dst), Uint8Array.of(length >>> 24, (length >>> 16) & 0xff, (length >>> 8) & 0xff, length & 0xff, 0, 0, 0, protocol));
}

// ---------------------------------------------------------------- VRRP

export interface IpEnds {
  family: 'ipv4' | 'ipv6';
  src: string;
  dst: string;
}

export interface VrrpSpec {
  version: number;
  type?: number;
  vrid: number;
  priority: number;
  addrs: string[];
  /** Count field as sent; defaults to addrs.length. */
  addrCount?: number;
  /** v2 only; default 0, or 1 when `password` is given. */
  authType?: number;
  /** v2 simple password (padded with NUL to 8 bytes). */
  password?: string;
  /** v2 raw 8 bytes of auth data (wins over password). */
  authData?: Uint8Array;
  /** v2: leave out the 8 auth bytes (as some implementations do). */
  omitAuthData?: boolean;
  /** v2 Adver Int, seconds (default 1). */
  intervalS?: number;
  /** v3 Max Adver Int, centiseconds (default 100). */
  intervalCs?: number;
  /** v3 reserved 4 bits. */
  reserved?: number;
  /** How to compute the checksum (default: v2 for version 2, v3 otherwise), or a literal value. */
  checksum?: ChecksumVariant | number;
  /** Extra bytes after the message (inside the IP payload). */
  trailing?: Uint8Array;
}

function addrBytes(family: 'ipv4' | 'ipv6', a: string): Uint8Array {
  return family === 'ipv4' ? ipv4Bytes(a) : ipv6Bytes(a);
}

export function encodeVrrp(spec: VrrpSpec, ip: IpEnds): Uint8Array {
  const v2 = spec.version === 2;
  const authType = spec.authType ?? (spec.password !== undefined ? 1 : 0);
  const head = new Uint8Array(8);
  head[0] = ((spec.version & 0xf) << 4) | ((spec.type ?? 1) & 0xf);
  head[1] = spec.vrid;
  head[2] = spec.priority;
  head[3] = spec.addrCount ?? spec.addrs.length;
  if (v2) {
    head[4] = authType;
    head[5] = spec.intervalS ?? 1;
  } else {
    const word = (((spec.reserved ?? 0) & 0xf) << 12) | ((spec.intervalCs ?? 100) & 0xfff);
    head.set(be16(word), 4);
  }
  const parts: Uint8Array[] = [head, ...spec.addrs.map((a) => addrBytes(ip.family, a))];
  if (v2 && !spec.omitAuthData) {
    const auth = new Uint8Array(8);
    if (spec.authData) auth.set(spec.authData.subarray(0, 8));
    else if (spec.password !== undefined) auth.set([...spec.password].slice(0, 8).map((c) => c.charCodeAt(0) & 0xff));
    parts.push(auth);
  }
  // Receivers checksum the whole IP payload (RFC 3768 §7.1), trailing bytes included.
  if (spec.trailing) parts.push(spec.trailing);
  const message = concat(...parts);
  const variant = spec.checksum ?? (v2 ? 'v2' : 'v3');
  let sum: number;
  if (typeof variant === 'number') sum = variant;
  else if (variant === 'v2' || variant === 'v3-no-pseudo') sum = internetChecksum(message);
  else {
    const dst = variant === 'v3-legacy-unicast' ? '224.0.0.18' : ip.dst;
    sum = internetChecksum(pseudoHeader(ip.family, ip.src, dst, 112, message.length), message);
  }
  message.set(be16(sum), 6);
  return message;
}

// ---------------------------------------------------------------- CARP

export interface CarpSpec {
  vhid: number;
  advskew?: number;
  advbase?: number;
  demote?: number;
  version?: number;
  type?: number;
}

export function encodeCarp(spec: CarpSpec): Uint8Array {
  const m = new Uint8Array(36);
  m[0] = ((spec.version ?? 2) << 4) | (spec.type ?? 1);
  m[1] = spec.vhid;
  m[2] = spec.advskew ?? 0;
  m[3] = 7;
  m[4] = spec.demote ?? 0;
  m[5] = spec.advbase ?? 1;
  for (let i = 8; i < 36; i++) m[i] = (i * 37) & 0xff; // counter and HMAC: any bytes
  m.set(be16(internetChecksum(m)), 6);
  return m;
}

// ---------------------------------------------------------------- ARP

export interface ArpSpec {
  op: number;
  senderMac: string;
  senderIp: string;
  targetMac: string;
  targetIp: string;
  htype?: number;
  ptype?: number;
}

export function encodeArp(spec: ArpSpec): Uint8Array {
  return concat(
    be16(spec.htype ?? 1),
    be16(spec.ptype ?? 0x0800),
    Uint8Array.of(6, 4),
    be16(spec.op),
    macBytes(spec.senderMac),
    ipv4Bytes(spec.senderIp),
    macBytes(spec.targetMac),
    ipv4Bytes(spec.targetIp),
  );
}

// ---------------------------------------------------------------- ICMPv6 NA

export interface NaSpec {
  target: string;
  router?: boolean;
  solicited?: boolean;
  override?: boolean;
  /** Target link-layer address option (type 2). */
  targetMac?: string;
  code?: number;
  /** Raw option bytes appended after the target (before the TLLA option, if any). */
  options?: Uint8Array;
  /** Literal checksum instead of the correct one. */
  checksum?: number;
}

export function encodeNa(spec: NaSpec, ip: IpEnds): Uint8Array {
  const fixed = new Uint8Array(24);
  fixed[0] = 136;
  fixed[1] = spec.code ?? 0;
  fixed[4] = (spec.router ? 0x80 : 0) | (spec.solicited ? 0x40 : 0) | (spec.override ? 0x20 : 0);
  fixed.set(ipv6Bytes(spec.target), 8);
  const parts: Uint8Array[] = [fixed];
  if (spec.options) parts.push(spec.options);
  if (spec.targetMac) parts.push(concat(Uint8Array.of(2, 1), macBytes(spec.targetMac)));
  const message = concat(...parts);
  const sum = spec.checksum ?? internetChecksum(pseudoHeader('ipv6', ip.src, ip.dst, 58, message.length), message);
  message.set(be16(sum), 2);
  return message;
}

// ---------------------------------------------------------------- IP

export interface Ipv4Spec {
  src: string;
  dst: string;
  protocol: number;
  ttl?: number;
  id?: number;
  tos?: number;
  moreFragments?: boolean;
  /** Fragment offset in bytes (multiple of 8). */
  fragmentOffset?: number;
  /** Option bytes (padded to a multiple of 4). */
  options?: Uint8Array;
  /** Total length as sent, instead of the real one. */
  totalLength?: number;
  /** Header length as sent, in bytes (multiple of 4), instead of the real one. */
  headerLength?: number;
  /** Literal header checksum instead of the correct one. */
  checksum?: number;
}

export function encodeIpv4(spec: Ipv4Spec, payload: Uint8Array): Uint8Array {
  const options = spec.options ?? new Uint8Array(0);
  const optLen = Math.ceil(options.length / 4) * 4;
  const h = new Uint8Array(20 + optLen);
  const hl = spec.headerLength ?? h.length;
  h[0] = 0x40 | ((hl / 4) & 0xf);
  h[1] = spec.tos ?? 0;
  h.set(be16(spec.totalLength ?? h.length + payload.length), 2);
  h.set(be16(spec.id ?? 0), 4);
  h.set(be16((spec.moreFragments ? 0x2000 : 0) | (((spec.fragmentOffset ?? 0) / 8) & 0x1fff)), 6);
  h[8] = spec.ttl ?? 255;
  h[9] = spec.protocol;
  h.set(ipv4Bytes(spec.src), 12);
  h.set(ipv4Bytes(spec.dst), 16);
  h.set(options, 20);
  h.set(be16(spec.checksum ?? internetChecksum(h)), 10);
  return concat(h, payload);
}

export type Ipv6Extension =
  | { type: 0 | 43 | 60; length?: number }
  | { type: 44; offset?: number; more?: boolean }
  | { type: 51; length?: number };

export interface Ipv6Spec {
  src: string;
  dst: string;
  nextHeader: number;
  hopLimit?: number;
  extensions?: Ipv6Extension[];
  /** Payload length as sent, instead of the real one. */
  payloadLength?: number;
}

function encodeExtension(ext: Ipv6Extension, next: number): Uint8Array {
  if (ext.type === 44) {
    const f = new Uint8Array(8);
    f[0] = next;
    f.set(be16((ext.offset ?? 0) | (ext.more ? 1 : 0)), 2);
    return f;
  }
  if (ext.type === 51) {
    const words = ext.length ?? 6; // (Payload Len + 2) × 4 bytes: 24 bytes by default
    const a = new Uint8Array(words * 4);
    a[0] = next;
    a[1] = words - 2;
    return a;
  }
  const units = ext.length ?? 1; // (Hdr Ext Len + 1) × 8 bytes
  const e = new Uint8Array(units * 8);
  e[0] = next;
  e[1] = units - 1;
  if (e.length > 2) e[2] = 1; // a PadN option, as real headers carry
  if (e.length > 3) e[3] = e.length - 4;
  return e;
}

export function encodeIpv6(spec: Ipv6Spec, payload: Uint8Array): Uint8Array {
  const exts = spec.extensions ?? [];
  const encoded = exts.map((e, i) => encodeExtension(e, i + 1 < exts.length ? exts[i + 1].type : spec.nextHeader));
  const body = concat(...encoded, payload);
  const h = new Uint8Array(40);
  h[0] = 0x60;
  h.set(be16(spec.payloadLength ?? body.length), 4);
  h[6] = exts.length ? exts[0].type : spec.nextHeader;
  h[7] = spec.hopLimit ?? 255;
  h.set(ipv6Bytes(spec.src), 8);
  h.set(ipv6Bytes(spec.dst), 24);
  return concat(h, body);
}

// ---------------------------------------------------------------- link layers

export type LinkSpec =
  | { kind: 'ethernet'; src?: string; dst?: string; vlans?: number[]; tpids?: number[] }
  | { kind: 'sll'; src?: string | null; packetType?: number; hatype?: number; vlans?: number[] }
  | { kind: 'sll2'; src?: string | null; packetType?: number; hatype?: number; ifindex?: number; vlans?: number[] }
  | { kind: 'raw'; linkType?: 101 | 12 | 14 | 228 | 229 }
  | { kind: 'null'; littleEndian?: boolean; af6?: 24 | 28 | 30 }
  | { kind: 'loop'; af6?: 24 | 28 | 30 };

export const ETHERTYPE_IPV4 = 0x0800;
export const ETHERTYPE_IPV6 = 0x86dd;
export const ETHERTYPE_ARP = 0x0806;

function tags(vlans: number[], tpids: number[] | undefined, etherType: number): Uint8Array {
  const parts: Uint8Array[] = [];
  vlans.forEach((id, i) => parts.push(be16(tpids?.[i] ?? (i === 0 && vlans.length > 1 ? 0x88a8 : 0x8100)), be16(id)));
  parts.push(be16(etherType));
  return concat(...parts);
}

function cookedAddress(src: string | null | undefined): { len: number; bytes: Uint8Array } {
  const bytes = new Uint8Array(8);
  if (src === null) return { len: 0, bytes };
  bytes.set(macBytes(src ?? '02:00:00:00:00:01'));
  return { len: 6, bytes };
}

/** Wrap a network-layer packet in a link layer. Returns the link type and the frame bytes. */
export function encodeLink(spec: LinkSpec, etherType: number, payload: Uint8Array): { linkType: number; bytes: Uint8Array } {
  switch (spec.kind) {
    case 'ethernet': {
      const dst = macBytes(spec.dst ?? '01:00:5e:00:00:12');
      const src = macBytes(spec.src ?? '02:00:00:00:00:01');
      return { linkType: 1, bytes: concat(dst, src, tags(spec.vlans ?? [], spec.tpids, etherType), payload) };
    }
    case 'sll': {
      const a = cookedAddress(spec.src);
      const vlans = spec.vlans ?? [];
      const rest = tags(vlans.slice(1), undefined, etherType);
      const protocol = vlans.length ? concat(be16(0x8100), be16(vlans[0]), rest) : rest;
      return { linkType: 113, bytes: concat(be16(spec.packetType ?? 2), be16(spec.hatype ?? 1), be16(a.len), a.bytes, protocol, payload) };
    }
    case 'sll2': {
      const a = cookedAddress(spec.src);
      const vlans = spec.vlans ?? [];
      const first = vlans.length ? 0x8100 : etherType;
      const after = vlans.length ? concat(be16(vlans[0]), tags(vlans.slice(1), undefined, etherType)) : new Uint8Array(0);
      const ifindex = spec.ifindex ?? 2;
      const head = concat(
        be16(first),
        be16(0),
        Uint8Array.of(ifindex >>> 24, (ifindex >>> 16) & 0xff, (ifindex >>> 8) & 0xff, ifindex & 0xff),
        be16(spec.hatype ?? 1),
        Uint8Array.of(spec.packetType ?? 2, a.len),
        a.bytes,
      );
      return { linkType: 276, bytes: concat(head, after, payload) };
    }
    case 'raw':
      return { linkType: spec.linkType ?? 101, bytes: payload };
    case 'null': {
      const af = etherType === ETHERTYPE_IPV4 ? 2 : (spec.af6 ?? 24);
      const le = spec.littleEndian ?? true;
      const fam = le ? Uint8Array.of(af, 0, 0, 0) : Uint8Array.of(0, 0, 0, af);
      return { linkType: 0, bytes: concat(fam, payload) };
    }
    case 'loop': {
      const af = etherType === ETHERTYPE_IPV4 ? 2 : (spec.af6 ?? 24);
      return { linkType: 108, bytes: concat(Uint8Array.of(0, 0, 0, af), payload) };
    }
  }
}

export function makeFrame(linkType: number, data: Uint8Array, extra: Partial<Frame> = {}): Frame {
  return { ts: 1_700_000_000.25, linkType, data, origLen: data.length, record: 1, offset: -1, ...extra };
}

/** The same frame, its bytes placed `lead` bytes into a larger buffer (as a reader's chunk view would be). */
export function atOffset(frame: Frame, lead: number, fill = 0xa5): Frame {
  const buf = new Uint8Array(lead + frame.data.length + 7).fill(fill);
  buf.set(frame.data, lead);
  return { ...frame, data: buf.subarray(lead, lead + frame.data.length) };
}

/** Cut a frame's captured bytes to `length` (a snap length), keeping origLen. */
export function cut(frame: Frame, length: number): Frame {
  return { ...frame, data: frame.data.subarray(0, length), origLen: frame.data.length };
}

// ---------------------------------------------------------------- whole frames

export interface IpSpec {
  family: 'ipv4' | 'ipv6';
  src?: string;
  dst?: string;
  ttl?: number;
  /** IPv4 header fields beyond the addresses. */
  v4?: Partial<Omit<Ipv4Spec, 'src' | 'dst' | 'protocol' | 'ttl'>>;
  /** IPv6 extension headers and overrides. */
  v6?: Partial<Omit<Ipv6Spec, 'src' | 'dst' | 'nextHeader' | 'hopLimit'>>;
}

function ends(ip: IpSpec, group: { v4: string; v6: string }): IpEnds {
  return ip.family === 'ipv4'
    ? { family: 'ipv4', src: ip.src ?? '192.0.2.1', dst: ip.dst ?? group.v4 }
    : { family: 'ipv6', src: ip.src ?? 'fe80::1', dst: ip.dst ?? group.v6 };
}

function ipPacket(ip: IpSpec, e: IpEnds, protocol: number, payload: Uint8Array): Uint8Array {
  return ip.family === 'ipv4'
    ? encodeIpv4({ ...ip.v4, src: e.src, dst: e.dst, protocol, ttl: ip.ttl }, payload)
    : encodeIpv6({ ...ip.v6, src: e.src, dst: e.dst, nextHeader: protocol, hopLimit: ip.ttl }, payload);
}

function ipFrame(link: LinkSpec, ip: IpSpec, packet: Uint8Array, pad: boolean, extra: Partial<Frame>): Frame {
  const etherType = ip.family === 'ipv4' ? ETHERTYPE_IPV4 : ETHERTYPE_IPV6;
  const { linkType, bytes } = encodeLink(link, etherType, packet);
  // Ethernet pads to 60 bytes (without FCS); the decoders must take lengths from IP, not the frame.
  const data = pad && link.kind === 'ethernet' && bytes.length < 60 ? concat(bytes, new Uint8Array(60 - bytes.length)) : bytes;
  return makeFrame(linkType, data, extra);
}

const VRRP_GROUPS = { v4: '224.0.0.18', v6: 'ff02::12' };

export interface VrrpFrameSpec {
  vrrp: VrrpSpec;
  ip?: IpSpec;
  /** Default: Ethernet from the matching VMAC to the VRRP multicast MAC. */
  link?: LinkSpec;
  /** Pad Ethernet frames to 60 bytes (default true). */
  pad?: boolean;
  frame?: Partial<Frame>;
}

export function vrrpFrame(spec: VrrpFrameSpec): Frame {
  const ip = spec.ip ?? { family: 'ipv4' };
  const e = ends(ip, VRRP_GROUPS);
  const link = spec.link ?? {
    kind: 'ethernet',
    src: vmac(ip.family, spec.vrrp.vrid),
    dst: ip.family === 'ipv4' ? '01:00:5e:00:00:12' : '33:33:00:00:00:12',
  };
  return ipFrame(link, ip, ipPacket(ip, e, 112, encodeVrrp(spec.vrrp, e)), spec.pad ?? true, spec.frame ?? {});
}

export function carpFrame(spec: { carp: CarpSpec; ip?: IpSpec; link?: LinkSpec; frame?: Partial<Frame> }): Frame {
  const ip = spec.ip ?? { family: 'ipv4' };
  const e = ends(ip, VRRP_GROUPS);
  const link = spec.link ?? { kind: 'ethernet', src: vmac('ipv4', spec.carp.vhid) };
  return ipFrame(link, ip, ipPacket(ip, e, 112, encodeCarp(spec.carp)), true, spec.frame ?? {});
}

export function naFrame(spec: { na: NaSpec; ip?: Omit<IpSpec, 'family'>; link?: LinkSpec; frame?: Partial<Frame> }): Frame {
  const ip: IpSpec = { ...spec.ip, family: 'ipv6' };
  const e = ends(ip, { v4: '', v6: 'ff02::1' });
  const link = spec.link ?? { kind: 'ethernet', dst: '33:33:00:00:00:01' };
  return ipFrame(link, ip, ipPacket(ip, e, 58, encodeNa(spec.na, e)), true, spec.frame ?? {});
}

export function arpFrame(spec: { arp: ArpSpec; link?: LinkSpec; frame?: Partial<Frame> }): Frame {
  const link = spec.link ?? { kind: 'ethernet', src: spec.arp.senderMac, dst: 'ff:ff:ff:ff:ff:ff' };
  const { linkType, bytes } = encodeLink(link, ETHERTYPE_ARP, encodeArp(spec.arp));
  const data = link.kind === 'ethernet' && bytes.length < 60 ? concat(bytes, new Uint8Array(60 - bytes.length)) : bytes;
  return makeFrame(linkType, data, spec.frame ?? {});
}

/** Any IP packet (for 'other' traffic): protocol and payload as given. */
export function ipOtherFrame(spec: { ip: IpSpec; protocol: number; payload: Uint8Array; link?: LinkSpec }): Frame {
  const e = ends(spec.ip, { v4: '198.51.100.7', v6: '2001:db8::7' });
  return ipFrame(spec.link ?? { kind: 'ethernet' }, spec.ip, ipPacket(spec.ip, e, spec.protocol, spec.payload), true, {});
}
