// Just enough pcap and packet parsing for the lab to check its own recordings (did the capture
// really show priority 0, two masters, the VMAC, the checksum variant we meant to produce?).
// Deliberately independent of src/: the recordings are the yardstick for the real decoders, so
// they must not be validated with the code they will later test. Ethernet (with 802.1Q tags) or
// Linux cooked v1/v2 (tcpdump -i any), IPv4/IPv6 without
// extension headers, VRRP, ARP, neighbor advertisements, ICMPv4 errors quoting a packet and IGMP
// reports: exactly what the lab sends.

export interface PeekVrrp {
  version: number;
  vrid: number;
  priority: number;
  /** Advertisement interval in milliseconds. */
  intervalMs: number;
  addrs: string[];
  /** v2 simple password, null otherwise. */
  authPass: string | null;
  /** Every checksum computation the packet's checksum matches. */
  checksumVariants: ('v2' | 'v3' | 'v3-no-pseudo' | 'v3-legacy-unicast')[];
}

export interface PeekPacket {
  ts: number;
  srcMac: string;
  /** '' in Linux cooked captures, which keep only the source address. */
  dstMac: string;
  /** 802.1Q / 802.1ad VLAN IDs, outermost first (Ethernet only). */
  vlans: number[];
  /** Linux cooked v2 only: the interface index the packet was seen on. */
  ifIndex?: number;
  /** Linux cooked v1/v2: the packet type (0 host, 1 broadcast, 2 multicast, 3 other host, 4 outgoing). */
  pktType?: number;
  kind: 'vrrp' | 'arp' | 'na' | 'icmp-error' | 'igmp' | 'ip' | 'other';
  src?: string;
  dst?: string;
  ttl?: number;
  /** IP protocol / next header. */
  protocol?: number;
  vrrp?: PeekVrrp;
  arp?: { op: number; senderMac: string; senderIp: string; targetIp: string };
  na?: { target: string; solicited: boolean; override: boolean };
  /** ICMPv4 destination unreachable (type 3) with the quoted packet's IP header. */
  icmp?: { type: number; code: number; quoted: { src: string; dst: string; protocol: number } };
  /** IGMP v1/v2 report (0x12/0x16), leave (0x17), query (0x11) or v3 report (0x22) with its groups. */
  igmp?: { type: number; groups: string[] };
}

const mac = (b: Uint8Array, o: number) => Array.from(b.subarray(o, o + 6), (x) => x.toString(16).padStart(2, '0')).join(':');
const ip4 = (b: Uint8Array, o: number) => `${b[o]}.${b[o + 1]}.${b[o + 2]}.${b[o + 3]}`;

/** RFC 5952 text form (lowercase, longest run of zero groups compressed). */
export function ip6(b: Uint8Array, o: number): string {
  const g: number[] = [];
  for (let i = 0; i < 8; i++) g.push((b[o + 2 * i] << 8) | b[o + 2 * i + 1]);
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (g[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen) {
      best = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = g.map((x) => x.toString(16));
  if (best < 0) return hex.join(':');
  return `${hex.slice(0, best).join(':')}::${hex.slice(best + bestLen).join(':')}`;
}

/** One's-complement sum of the given byte ranges, folded and inverted (0 when all summed data is valid). */
function inetChecksum(parts: Uint8Array[]): number {
  let sum = 0;
  for (const p of parts) {
    for (let i = 0; i < p.length; i += 2) sum += (p[i] << 8) | (i + 1 < p.length ? p[i + 1] : 0);
  }
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

function pseudoHeader(v6: boolean, src: Uint8Array, dst: Uint8Array, len: number): Uint8Array {
  if (!v6) return Uint8Array.from([...src, ...dst, 0, 112, len >> 8, len & 0xff]);
  return Uint8Array.from([...src, ...dst, 0, 0, len >> 8, len & 0xff, 0, 0, 0, 112]);
}

function parseVrrp(b: Uint8Array, o: number, len: number, v6: boolean, src: Uint8Array, dst: Uint8Array): PeekVrrp | null {
  if (len < 8 || o + len > b.length) return null;
  const version = b[o] >> 4;
  const count = b[o + 3];
  const alen = v6 ? 16 : 4;
  const addrs: string[] = [];
  for (let i = 0; i < count && o + 8 + (i + 1) * alen <= o + len; i++) {
    const a = o + 8 + i * alen;
    addrs.push(v6 ? ip6(b, a) : ip4(b, a));
  }
  let authPass: string | null = null;
  if (version === 2 && b[o + 4] === 1) {
    const start = o + 8 + count * 4;
    const bytes = b.subarray(start, Math.min(start + 8, o + len));
    const end = bytes.indexOf(0);
    authPass = String.fromCharCode(...(end >= 0 ? bytes.subarray(0, end) : bytes));
  }
  const msg = b.subarray(o, o + len);
  const variants: PeekVrrp['checksumVariants'] = [];
  const plain = inetChecksum([msg]) === 0;
  if (version === 2) {
    if (plain) variants.push('v2');
  } else {
    if (inetChecksum([pseudoHeader(v6, src, dst, len), msg]) === 0) variants.push('v3');
    if (!v6 && plain) variants.push('v3-no-pseudo');
    // keepalived < 1.3.6 built the pseudo-header with the multicast group even for unicast adverts.
    const group = v6 ? Uint8Array.from([0xff, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x12]) : Uint8Array.from([224, 0, 0, 18]);
    if (inetChecksum([pseudoHeader(v6, src, group, len), msg]) === 0) variants.push('v3-legacy-unicast');
  }
  const intervalMs = version === 2 ? b[o + 5] * 1000 : (((b[o + 4] & 0x0f) << 8) | b[o + 5]) * 10;
  return { version, vrid: b[o + 1], priority: b[o + 2], intervalMs, addrs, authPass, checksumVariants: variants };
}

/** LINKTYPE_ETHERNET, LINKTYPE_LINUX_SLL and LINKTYPE_LINUX_SLL2: what the lab's tcpdump writes. */
export const LINKTYPES = { ethernet: 1, sll: 113, sll2: 276 } as const;

function parseFrame(ts: number, b: Uint8Array, linkType: number): PeekPacket {
  const p: PeekPacket = { ts, srcMac: '', dstMac: '', vlans: [], kind: 'other' };
  let o: number;
  let type: number;
  if (linkType === LINKTYPES.sll2) {
    // protocol (2) | reserved (2) | ifindex (4) | ARPHRD (2) | packet type (1) | addr len (1) | addr (8)
    if (b.length < 20) return p;
    type = (b[0] << 8) | b[1];
    p.ifIndex = ((b[4] << 24) | (b[5] << 16) | (b[6] << 8) | b[7]) >>> 0;
    p.pktType = b[10];
    if (b[11] === 6) p.srcMac = mac(b, 12);
    o = 20;
  } else if (linkType === LINKTYPES.sll) {
    // packet type (2) | ARPHRD (2) | addr len (2) | addr (8) | protocol (2)
    if (b.length < 16) return p;
    p.pktType = (b[0] << 8) | b[1];
    if (((b[4] << 8) | b[5]) === 6) p.srcMac = mac(b, 6);
    type = (b[14] << 8) | b[15];
    o = 16;
  } else {
    if (b.length < 14) return p;
    p.srcMac = mac(b, 6);
    p.dstMac = mac(b, 0);
    o = 12;
    type = (b[o] << 8) | b[o + 1];
    while ((type === 0x8100 || type === 0x88a8) && o + 6 <= b.length) {
      p.vlans.push(((b[o + 2] << 8) | b[o + 3]) & 0x0fff);
      o += 4;
      type = (b[o] << 8) | b[o + 1];
    }
    o += 2;
  }
  if (type === 0x0806 && o + 28 <= b.length) {
    p.kind = 'arp';
    p.arp = { op: (b[o + 6] << 8) | b[o + 7], senderMac: mac(b, o + 8), senderIp: ip4(b, o + 14), targetIp: ip4(b, o + 24) };
  } else if ((type === 0x0800 && o + 20 <= b.length) || (type === 0x86dd && o + 40 <= b.length)) {
    // Where the two IP versions keep the fields we need; everything after is family-neutral.
    const v6 = type === 0x86dd;
    const addrLen = v6 ? 16 : 4;
    const srcAt = o + (v6 ? 8 : 12);
    const dstAt = srcAt + addrLen;
    const l4 = v6 ? o + 40 : o + (b[o] & 0x0f) * 4;
    const l4len = v6 ? (b[o + 4] << 8) | b[o + 5] : ((b[o + 2] << 8) | b[o + 3]) - (l4 - o);
    const fmt = v6 ? ip6 : ip4;
    p.kind = 'ip';
    p.src = fmt(b, srcAt);
    p.dst = fmt(b, dstAt);
    p.ttl = b[o + (v6 ? 7 : 8)];
    p.protocol = b[o + (v6 ? 6 : 9)];
    if (p.protocol === 112) {
      const v = parseVrrp(b, l4, l4len, v6, b.subarray(srcAt, srcAt + addrLen), b.subarray(dstAt, dstAt + addrLen));
      if (v) {
        p.kind = 'vrrp';
        p.vrrp = v;
      }
    } else if (!v6 && p.protocol === 1 && b[l4] === 3 && l4 + 8 + 20 <= b.length) {
      const q = l4 + 8;
      p.kind = 'icmp-error';
      p.icmp = { type: b[l4], code: b[l4 + 1], quoted: { src: ip4(b, q + 12), dst: ip4(b, q + 16), protocol: b[q + 9] } };
    } else if (!v6 && p.protocol === 2 && l4 + 8 <= b.length) {
      const type = b[l4];
      const groups: string[] = [];
      if (type === 0x22) {
        // IGMPv3 report: records of type, aux length, source count, group, sources, aux data.
        let r = l4 + 8;
        for (let i = 0; i < ((b[l4 + 6] << 8) | b[l4 + 7]) && r + 8 <= b.length; i++) {
          groups.push(ip4(b, r + 4));
          r += 8 + ((b[r + 2] << 8) | b[r + 3]) * 4 + b[r + 1] * 4;
        }
      } else {
        groups.push(ip4(b, l4 + 4));
      }
      p.kind = 'igmp';
      p.igmp = { type, groups };
    } else if (v6 && p.protocol === 58 && b[l4] === 136 && l4 + 24 <= b.length) {
      p.kind = 'na';
      p.na = { target: ip6(b, l4 + 8), solicited: (b[l4 + 4] & 0x40) !== 0, override: (b[l4 + 4] & 0x20) !== 0 };
    }
  }
  return p;
}

/** One record of a classic pcap file, its timestamp as stored (seconds and µs or ns). */
export interface PcapRecord {
  sec: number;
  frac: number;
  /** Captured bytes (a view into the file). */
  data: Uint8Array;
  origLen: number;
}

/** A classic pcap file (either byte order, µs or ns timestamps): its header fields and records. */
export function readPcap(file: Uint8Array): { le: boolean; nanos: boolean; linkType: number; snapLen: number; records: PcapRecord[] } {
  const dv = new DataView(file.buffer, file.byteOffset, file.byteLength);
  if (file.length < 24) throw new Error('not a pcap file: too short');
  const magicLE = dv.getUint32(0, true);
  const magicBE = dv.getUint32(0, false);
  const le = magicLE === 0xa1b2c3d4 || magicLE === 0xa1b23c4d;
  if (!le && magicBE !== 0xa1b2c3d4 && magicBE !== 0xa1b23c4d) throw new Error('not a pcap file: bad magic');
  const nanos = (le ? magicLE : magicBE) === 0xa1b23c4d;
  const records: PcapRecord[] = [];
  for (let o = 24; o + 16 <= file.length; ) {
    const incl = dv.getUint32(o + 8, le);
    if (o + 16 + incl > file.length) break;
    records.push({ sec: dv.getUint32(o, le), frac: dv.getUint32(o + 4, le), data: file.subarray(o + 16, o + 16 + incl), origLen: dv.getUint32(o + 12, le) });
    o += 16 + incl;
  }
  return { le, nanos, linkType: dv.getUint32(20, le) & 0x0fffffff, snapLen: dv.getUint32(16, le), records };
}

/** The link type in a classic pcap file's header. */
export function pcapLinkType(file: Uint8Array): number {
  return readPcap(file).linkType;
}

/** Parse a classic pcap file of Ethernet or Linux cooked frames. */
export function peekPcap(file: Uint8Array): PeekPacket[] {
  const { nanos, linkType, records } = readPcap(file);
  if (!(Object.values(LINKTYPES) as number[]).includes(linkType)) throw new Error(`lab captures are Ethernet or Linux cooked, not linktype ${linkType}`);
  return records.map((r) => parseFrame(r.sec + r.frac / (nanos ? 1e9 : 1e6), r.data, linkType));
}
