// Facts decoded from one frame. Decoders are pure and never throw on packet data:
// anything wrong with the bytes becomes a Problem on the packet (decode liberally, judge separately).

export type Family = 'ipv4' | 'ipv6';

/** A finding about one packet. `id` is stable (used in JSON and by the analyzer). */
export interface Problem {
  readonly id: ProblemId;
  readonly message: string;
  /** Byte offset in the frame where the problem was found, when it has one. */
  readonly offset?: number;
}

export type ProblemId =
  | 'truncated' // capture (snap length) cut the packet: not a fault of the sender
  | 'malformed' // the bytes cannot be what they claim (length fields, counts, headers)
  | 'bad-version' // VRRP version not 2 or 3
  | 'bad-type' // VRRP type not 1 (advertisement)
  | 'bad-checksum' // no checksum variant matches
  | 'bad-ttl' // TTL / hop limit not 255 (RFC 3768 §7.1, RFC 5798 §7.1)
  | 'bad-ip-checksum'
  | 'fragment' // VRRP in an IP fragment
  | 'count-mismatch' // address count does not match the VRRP length
  | 'trailing-bytes' // bytes after the VRRP message inside the IP payload
  | 'vmac-mismatch' // source MAC is a VRRP VMAC for another VRID or the other family
  | 'not-link-local' // VRRPv3/IPv6 source (RFC 5798 §5.1.2.1) or first address (§5.2.9) not link-local
  | 'bad-interval' // advertisement interval 0
  | 'reserved-set' // v3 reserved bits not zero
  | 'missing-auth-data'; // VRRPv2 without the 8 bytes of authentication data (RFC 3768 §5.3.10): accepted, noted

export interface Link {
  /** Source / destination MAC as lowercase aa:bb:cc:dd:ee:ff, null when the link layer has none. */
  readonly srcMac: string | null;
  readonly dstMac: string | null;
  /** 802.1Q VLAN ids, outermost first. */
  readonly vlans: readonly number[];
  /** Linux cooked captures (SLL, SLL2: `tcpdump -i any`): which way the frame went. Absent otherwise. */
  readonly direction?: Direction;
  /** SLL2: the index of the interface the frame was seen on. Absent otherwise. */
  readonly ifIndex?: number;
}

/** The packet type of a Linux cooked capture (packet(7)): to this host, broadcast, multicast, to another host, or sent by it. */
export type Direction = 'in' | 'broadcast' | 'multicast' | 'other-host' | 'out';

export interface Ip {
  readonly family: Family;
  readonly src: string;
  readonly dst: string;
  /** TTL (IPv4) or hop limit (IPv6). */
  readonly ttl: number;
  /** Upper-layer protocol number after IPv6 extension headers. */
  readonly protocol: number;
  /** IPv4 header checksum valid (always true for IPv6, which has none). */
  readonly headerChecksumOk: boolean;
  /** IPv4: MF set or fragment offset non-zero; IPv6: fragment header present. */
  readonly fragment: boolean;
  /** Fragment offset in bytes (0 when not fragmented or the first fragment). Always set by decodeFrame. */
  readonly fragmentOffset?: number;
  /** Offset of the upper-layer payload in the frame. */
  readonly payloadOffset: number;
  /** Payload length according to the IP header (not the frame: Ethernet pads short frames). */
  readonly payloadLength: number;
}

export type ChecksumStatus = 'ok' | 'bad' | 'unverified';

/**
 * Which computation the sender's checksum matched.
 * v2: over the VRRP message only (RFC 3768 §5.3.8).
 * v3: with the IPv4/IPv6 pseudo-header (RFC 5798 §5.2.8).
 * v3-no-pseudo: v3 over IPv4 computed like v2 (Cisco IOS, keepalived vrrp_v3_checksum_as_v2).
 * v3-legacy-unicast: pseudo-header built with 224.0.0.18 instead of the unicast destination (keepalived < 1.3.6).
 */
export type ChecksumVariant = 'v2' | 'v3' | 'v3-no-pseudo' | 'v3-legacy-unicast';

interface Base {
  readonly link: Link;
  readonly problems: readonly Problem[];
}

export interface VrrpPacket extends Base {
  readonly kind: 'vrrp';
  readonly ip: Ip;
  readonly version: number;
  /** VRRP type field; 1 = advertisement. */
  readonly type: number;
  readonly vrid: number;
  readonly priority: number;
  /** Count IPvX Addr field as sent. */
  readonly addrCount: number;
  /** v2 only: 0 none, 1 simple text password, 2 IP AH (deprecated by RFC 3768); null for v3. */
  readonly authType: number | null;
  /** v2 auth type 1: the password (bytes up to the first NUL, one char per byte, unescaped). */
  readonly authPass: string | null;
  /** v2 auth data as sent (8 bytes when present), hex; null if absent. */
  readonly authDataHex: string | null;
  /** Advertisement interval in milliseconds (v2: seconds × 1000, v3: centiseconds × 10). */
  readonly intervalMs: number;
  /** v3 reserved 4 bits (0 for v2). */
  readonly reserved: number;
  readonly checksum: number;
  readonly checksumStatus: ChecksumStatus;
  readonly checksumVariant: ChecksumVariant | null;
  /** When no variant matched: what the checksum should have been for the packet's version. */
  readonly checksumExpected: number | null;
  /** Virtual addresses actually present in the packet (may be fewer than addrCount when truncated). */
  readonly addrs: readonly string[];
  /** Source MAC is the VRRP VMAC 00:00:5e:00:01:XX (IPv4) / 00:00:5e:00:02:XX (IPv6). */
  readonly vmac: boolean;
  /** VMAC whose VRID byte equals this VRID and whose family byte matches; null when not a VMAC. */
  readonly vmacMatches: boolean | null;
  /** The capture cut the VRRP message short. */
  readonly truncated: boolean;
  /**
   * VRRP bytes present in the capture (ip.payloadLength unless truncated). Fields past it
   * read as 0 (null for authType / auth data). Always set by decodeFrame.
   */
  readonly capturedLength?: number;
}

export interface CarpPacket extends Base {
  readonly kind: 'carp';
  readonly ip: Ip;
  readonly version: number;
  readonly type: number;
  readonly vhid: number;
  readonly advskew: number;
  readonly advbase: number;
  readonly truncated: boolean;
  /** Byte 4: OpenBSD's carp_demote (demotion counter), reserved (pad) in FreeBSD/NetBSD. Always set by decodeFrame. */
  readonly demote?: number;
  /** CARP bytes present in the capture (36 unless truncated). Always set by decodeFrame. */
  readonly capturedLength?: number;
}

export interface ArpPacket extends Base {
  readonly kind: 'arp';
  /** 1 request, 2 reply. */
  readonly op: number;
  readonly senderMac: string;
  readonly senderIp: string;
  readonly targetMac: string;
  readonly targetIp: string;
  /** Gratuitous: sender IP = target IP (request or reply), or a reply broadcast to ff:ff:ff:ff:ff:ff. */
  readonly gratuitous: boolean;
}

/** ICMPv6 neighbor advertisement (RFC 4861 §4.4): the IPv6 form of a gratuitous ARP when unsolicited. */
export interface NaPacket extends Base {
  readonly kind: 'na';
  readonly ip: Ip;
  readonly target: string;
  readonly router: boolean;
  readonly solicited: boolean;
  readonly override: boolean;
  /** Target link-layer address option, if present. */
  readonly targetMac: string | null;
  /** Unsolicited (S flag clear): announces an address, as keepalived does after a takeover. */
  readonly unsolicited: boolean;
  /** ICMPv6 checksum as sent. Always set by decodeFrame. */
  readonly checksum?: number;
  /** ICMPv6 checksum (with the IPv6 pseudo-header, RFC 4443 §2.3) verified; 'unverified' when truncated. Always set by decodeFrame. */
  readonly checksumStatus?: ChecksumStatus;
}

/** A frame that claimed to be one of ours (VRRP, ARP, NA, CARP) but could not be decoded. */
export interface MalformedPacket extends Base {
  readonly kind: 'malformed';
  readonly ip: Ip | null;
  /** What it claimed to be. */
  readonly claimed: 'vrrp' | 'arp' | 'na' | 'ip' | 'link';
  readonly reason: string;
  readonly offset: number;
}

/**
 * An ICMPv4 destination unreachable, or ICMPv6 destination unreachable / parameter problem, whose
 * quoted packet is VRRP (IP protocol 112): somebody rejects VRRP adverts (a REJECT rule, or no
 * VRRP listener for a unicast peer). Kernels send no ICMP errors about multicast.
 */
export interface IcmpErrorPacket extends Base {
  readonly kind: 'icmp-error';
  /** Outer header: `src` is who rejects, `dst` is whose advert was rejected. */
  readonly ip: Ip;
  readonly icmpType: number;
  readonly icmpCode: number;
  /** Stable words: 'protocol-unreachable', 'admin-prohibited', 'port-unreachable', 'host-unreachable', 'net-unreachable', 'unrecognized-next-header', ... or 'type T code C'. */
  readonly reason: string;
  /** The quoted packet's header (and VRRP fields when enough of it is quoted). */
  readonly quoted: { readonly family: Family; readonly src: string; readonly dst: string; readonly protocol: number; readonly vrid: number | null; readonly version: number | null; readonly priority: number | null };
}

/**
 * Multicast group membership: IGMP v1/v2/v3 (IPv4) and MLD v1/v2 (IPv6) reports, leaves and queries.
 * IGMPv3/MLDv2 records: MODE_IS_EXCLUDE / CHANGE_TO_EXCLUDE / ALLOW_NEW_SOURCES join, CHANGE_TO_INCLUDE
 * with no sources (and BLOCK_OLD_SOURCES emptying the list) leave.
 */
export interface GroupPacket extends Base {
  readonly kind: 'group';
  readonly ip: Ip;
  readonly protocol: 'igmp' | 'mld';
  readonly version: number;
  readonly op: 'report' | 'leave' | 'query';
  /** Groups this packet joins (reports) and leaves. */
  readonly joins: readonly string[];
  readonly leaves: readonly string[];
  /** Query: the group asked about (null for a general query). */
  readonly group: string | null;
}

/** Anything we do not analyse (other protocols). Only counted. */
export interface OtherPacket extends Base {
  readonly kind: 'other';
}

/**
 * A packet while decode/ builds and checks it. Everything downstream gets the read-only types
 * above: a packet may be shared (the Decoder hands the packet it decoded for an earlier identical
 * frame to the next one), so nobody may change one.
 */
export type Draft<P> = { -readonly [K in keyof P]: P[K] extends readonly (infer E)[] ? E[] : P[K] };

export type Packet = VrrpPacket | CarpPacket | ArpPacket | NaPacket | IcmpErrorPacket | GroupPacket | MalformedPacket | OtherPacket;

export const VRRP_PROTOCOL = 112;
export const VRRP_GROUP_V4 = '224.0.0.18';
export const VRRP_GROUP_V6 = 'ff02::12';

/**
 * One frame as it leaves decode/: when and where it was in the capture (facts of the frame,
 * never of the packet), and what it decoded to. The Decoder refills one record for every frame:
 * keep the packet or copy a field, never the record.
 */
export interface Decoded<P extends Packet = Packet> {
  /** Epoch seconds (the frame's capture time). */
  readonly ts: number;
  /** Record number in the capture (1-based). */
  readonly record: number;
  /** The capture interface (Frame.iface), '' when the capture does not name it. */
  readonly iface: string;
  /**
   * The IPv4 identification of this frame's packet, -1 for other frames. A fact of the frame, not
   * the packet: a router's next advert repeats the packet with a new identification (which tells
   * a copy of one advert, seen twice, from the next advert).
   */
  readonly ipId: number;
  /**
   * The frame repeats one the Decoder remembers (equal but for the IPv4 identification and
   * header checksum), and `packet` is the packet decoded then: whatever a consumer took from that
   * packet last time it may reuse. Always false from decodeFrame's callers that build their own.
   */
  readonly repeat: boolean;
  readonly packet: P;
}
