// Deterministic benchmark capture: a busy VRRP segment, written as classic pcap.
//
//   npx tsx bench/generate.ts [--frames N] [--out FILE] [--mixed | --any]
//
// --mixed writes the mixed capture instead (see generateMixed below): the same VRRP segment
// inside a busy one's TCP and UDP, 1.2% VRRP.
// --any writes the dense segment as `tcpdump -i any` sees it on a bridge host (see generateAny):
// Linux cooked v2 frames, every frame three times (in on the sender's port, out on the other
// port, in on the bridge).
//
// 250 virtual routers on one Ethernet segment (VRID 1-250), a quarter each of VRRPv2 without
// authentication, VRRPv2 with a PASS password, VRRPv3 over IPv4 and VRRPv3 over IPv6. Each has a
// primary (priority 150) and a backup (priority 100); the master advertises every second with a
// few milliseconds of timer jitter that accumulates, as a real timer does. Every 15 minutes of
// capture time one virtual router fails over (its master resigns or goes silent), the backup takes
// over with gratuitous ARPs / unsolicited neighbor advertisements, and three minutes later the
// primary comes back and preempts. Around it, hosts ARP for their gateway and for each other, and
// a fifth of the virtual routers refresh their gratuitous ARP every minute: about 10% of frames.
//
// Same seed, same bytes: a file of N frames is the first N frames of any longer one, so the short
// tshark file is a prefix of the big one. The schedule depends on capture time only, never on N.
//
// Frames are built once per distinct content with the test encoder (test/support/encode.ts, which
// computes every checksum independently of src/decode) and then only re-stamped: generation runs
// at disk speed, not encoder speed.

import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { PcapWriter } from '../src/capture/writer.js';
import {
  arpFrame,
  concat,
  encodeIpv4,
  encodeIpv6,
  encodeLink,
  ETHERTYPE_IPV4,
  ETHERTYPE_IPV6,
  internetChecksum,
  ipv4Bytes,
  ipv6Bytes,
  naFrame,
  vmac,
  vrrpFrame,
  type LinkSpec,
} from '../test/support/encode.js';
import { prng } from '../test/support/prng.js';

export const VIRTUAL_ROUTERS = 250;
/** 2023-11-14 22:13:20 UTC: the capture crosses hour boundaries, as a long one does. */
export const START_TS = 1_700_000_000;
const SEED = 0x5eed_0112;
const FAILOVER_EVERY_S = 900;
const FIRST_FAILOVER_S = 300;
const PREEMPT_AFTER_S = 180;
const GARP_REFRESH_S = 60;
const HOSTS_PER_SUBNET = 8;

type Kind = 'v2' | 'v2-pass' | 'v3-ipv4' | 'v3-ipv6';

interface Router {
  src: string;
  mac: string;
  priority: number;
  advert: Uint8Array;
  resign: Uint8Array;
  /** Gratuitous ARPs (IPv4) or unsolicited NAs (IPv6), one per virtual address. */
  announce: Uint8Array[];
}

interface VirtualRouter {
  index: number;
  vrid: number;
  kind: Kind;
  /** Source MAC of adverts and ARP answers: the VMAC with keepalived's use_vmac, else the router's own. */
  useVmac: boolean;
  vips: string[];
  routers: [Router, Router];
  /** Which router is master now; -1 while none is (between a crash and the takeover). */
  master: number;
  nextAdvertTs: number;
  refreshGarp: boolean;
}

interface Event {
  ts: number;
  data: Uint8Array;
}

const MAC_BCAST = 'ff:ff:ff:ff:ff:ff';
const MAC_ZERO = '00:00:00:00:00:00';

function hex2(n: number): string {
  return n.toString(16).padStart(2, '0');
}

function buildVirtualRouter(i: number, rng: () => number): VirtualRouter {
  const vrid = i + 1;
  const kind = (['v2', 'v2-pass', 'v3-ipv4', 'v3-ipv6'] as const)[i % 4];
  const v6 = kind === 'v3-ipv6';
  const family = v6 ? 'ipv6' : 'ipv4';
  const useVmac = i % 2 === 1;
  const vips = v6
    ? [`fe80::1:${vrid.toString(16)}`, ...(i % 3 === 0 ? [`2001:db8:${i.toString(16)}::1`] : [])]
    : [`10.20.${i}.1`, ...(i % 3 === 0 ? [`10.20.${i}.254`] : [])];
  const router = (n: 0 | 1): Router => {
    const src = v6 ? `fe80::${n === 0 ? 'a' : 'b'}:${vrid.toString(16)}` : `10.20.${i}.${2 + n}`;
    const ownMac = `02:00:0a:14:${hex2(i)}:${hex2(2 + n)}`;
    const mac = useVmac ? vmac(family, vrid) : ownMac;
    const priority = n === 0 ? 150 : 100;
    const link: LinkSpec = { kind: 'ethernet', src: mac, dst: v6 ? '33:33:00:00:00:12' : '01:00:5e:00:00:12' };
    const ip = { family, src } as const;
    const advertWith = (prio: number): Uint8Array => {
      const vrrp =
        kind === 'v2'
          ? { version: 2, vrid, priority: prio, addrs: vips, intervalS: 1 }
          : kind === 'v2-pass'
            ? { version: 2, vrid, priority: prio, addrs: vips, intervalS: 1, password: `pw${vrid}`.slice(0, 8) }
            : { version: 3, vrid, priority: prio, addrs: vips, intervalCs: 100 };
      return vrrpFrame({ vrrp, ip, link }).data;
    };
    const announce = vips.map((vip) =>
      v6
        ? naFrame({
            na: { target: vip, override: true, router: true, targetMac: mac },
            ip: { src, dst: 'ff02::1' },
            link: { kind: 'ethernet', src: mac, dst: '33:33:00:00:00:01' },
          }).data
        : arpFrame({ arp: { op: 1, senderMac: mac, senderIp: vip, targetMac: MAC_ZERO, targetIp: vip } }).data,
    );
    return { src, mac, priority, advert: advertWith(priority), resign: advertWith(0), announce };
  };
  return {
    index: i,
    vrid,
    kind,
    useVmac,
    vips,
    routers: [router(0), router(1)],
    master: 0,
    // Start phases spread over the first second, away from its edges.
    nextAdvertTs: START_TS + 0.005 + rng() * 0.99,
    refreshGarp: i % 5 === 0 && !v6,
  };
}

/** Timer jitter: a sum of uniforms (roughly normal), at most ±6 ms. */
function jitter(rng: () => number): number {
  return (rng() + rng() + rng() - 1.5) * 0.004;
}

/** Skew_Time for the backup's priority (RFC 3768 §6.1; RFC 9568 §6.1 with a 1 s interval). */
function skewS(priority: number): number {
  return (256 - priority) / 256;
}

class Scenario {
  private readonly rng = prng(SEED);
  readonly vrs: VirtualRouter[] = [];
  /** One-off frames scheduled ahead (GARP bursts, takeover adverts), drained into the second they fall in. */
  private pending: Event[] = [];
  /** Failover number k happens at START_TS + FIRST_FAILOVER_S + k * FAILOVER_EVERY_S. */
  private failovers = 0;
  private readonly arpCache = new Map<string, Uint8Array>();

  constructor() {
    for (let i = 0; i < VIRTUAL_ROUTERS; i++) this.vrs.push(buildVirtualRouter(i, this.rng));
  }

  /** Every frame with a timestamp in [from, from + 1), in time order. */
  second(from: number): Event[] {
    const until = from + 1;
    const out: Event[] = [];
    const rng = this.rng;
    const failoverTs = START_TS + FIRST_FAILOVER_S + this.failovers * FAILOVER_EVERY_S;
    if (failoverTs >= from && failoverTs < until) {
      this.failover(this.vrs[(37 + this.failovers * 101) % VIRTUAL_ROUTERS], this.failovers % 2 === 0);
      this.failovers++;
    }
    for (const vr of this.vrs) {
      while (vr.master >= 0 && vr.nextAdvertTs < until) {
        out.push({ ts: vr.nextAdvertTs, data: vr.routers[vr.master].advert });
        vr.nextAdvertTs += 1 + jitter(rng);
      }
    }
    // ARP chatter: 12-15 requests a second, half for a gateway address, one in eight unanswered.
    const requests = 12 + Math.floor(rng() * 4);
    for (let n = 0; n < requests; n++) {
      const ts = from + 0.001 + rng() * 0.99;
      const subnet = Math.floor(rng() * VIRTUAL_ROUTERS);
      const host = Math.floor(rng() * HOSTS_PER_SUBNET);
      const vr = this.vrs[subnet];
      const toGateway = rng() < 0.5 && vr.kind !== 'v3-ipv6' && vr.master >= 0;
      const peer = (host + 1 + Math.floor(rng() * (HOSTS_PER_SUBNET - 1))) % HOSTS_PER_SUBNET;
      const target = toGateway ? vr.vips[0] : hostIp(subnet, peer);
      out.push({ ts, data: this.arp('req', subnet, host, target, MAC_ZERO) });
      if (rng() < 0.875) {
        const answerMac = toGateway ? vr.routers[vr.master].mac : hostMac(subnet, peer);
        out.push({ ts: ts + 0.0001 + rng() * 0.0004, data: this.arp('reply', subnet, host, target, answerMac) });
      }
    }
    const refreshDue = Math.floor(from - START_TS) % GARP_REFRESH_S === 30;
    if (refreshDue) {
      for (const vr of this.vrs) {
        if (!vr.refreshGarp || vr.master < 0) continue;
        const ts = from + 0.002 + rng() * 0.99;
        for (const a of vr.routers[vr.master].announce) out.push({ ts, data: a });
      }
    }
    if (this.pending.length) {
      const later: Event[] = [];
      for (const e of this.pending) (e.ts < until ? out : later).push(e);
      this.pending = later;
    }
    // Stable order for equal timestamps (a GARP burst shares one): sort is stable in V8.
    out.sort((a, b) => a.ts - b.ts);
    return out;
  }

  /**
   * The master of `vr` goes away: it resigns (priority 0, keepalived stopping) or goes silent
   * (crash, link down). The backup takes over after Skew_Time or Master_Down_Interval, announces
   * the virtual addresses (keepalived: 5 GARPs at once, 5 more after garp_master_delay 5 s), and
   * after PREEMPT_AFTER_S the primary returns and preempts it.
   */
  private failover(vr: VirtualRouter, resign: boolean): void {
    if (vr.master !== 0) return;
    const primary = vr.routers[0];
    const backup = vr.routers[1];
    const lastTs = vr.nextAdvertTs;
    let takeoverTs: number;
    if (resign) {
      this.pending.push({ ts: lastTs, data: primary.resign });
      takeoverTs = lastTs + skewS(backup.priority) + 0.0021;
    } else {
      // The last advert went out a second before lastTs: Master_Down_Interval counts from it.
      takeoverTs = lastTs - 1 + 3 + skewS(backup.priority) + 0.0017;
    }
    this.announce(backup, takeoverTs);
    this.pending.push({ ts: takeoverTs, data: backup.advert });
    // The backup is master from its first advert on, and its timer runs from there.
    vr.master = 1;
    vr.nextAdvertTs = takeoverTs + 1 + jitter(this.rng);
    this.preempts.push({ vr, ts: takeoverTs + PREEMPT_AFTER_S + 0.3 });
  }

  /**
   * The primary comes back with preemption: it discards the backup's lower-priority adverts, so
   * after its Master_Down_Interval it advertises, and the backup falls silent on hearing it.
   * Applied before the adverts of the second that contains the preempt are drawn.
   */
  private readonly preempts: { vr: VirtualRouter; ts: number }[] = [];

  applyPreempts(from: number): void {
    const until = from + 1;
    for (let k = 0; k < this.preempts.length; k++) {
      const p = this.preempts[k];
      if (p.ts >= until) continue;
      const vr = p.vr;
      const primary = vr.routers[0];
      // The backup's last advert before the switch stays; later ones are never sent.
      while (vr.nextAdvertTs < p.ts) {
        this.pending.push({ ts: vr.nextAdvertTs, data: vr.routers[1].advert });
        vr.nextAdvertTs += 1 + jitter(this.rng);
      }
      this.pending.push({ ts: p.ts, data: primary.advert });
      this.announce(primary, p.ts);
      vr.master = 0;
      vr.nextAdvertTs = p.ts + 1 + jitter(this.rng);
      this.preempts.splice(k--, 1);
    }
  }

  private announce(r: Router, ts: number): void {
    for (let burst = 0; burst < 2; burst++) {
      for (let n = 0; n < 5; n++) {
        for (const a of r.announce) this.pending.push({ ts: ts + burst * 5 + 0.0005 + n * 0.001, data: a });
      }
    }
  }

  private arp(what: 'req' | 'reply', subnet: number, host: number, target: string, answerMac: string): Uint8Array {
    const key = `${what}/${subnet}/${host}/${target}/${answerMac}`;
    let data = this.arpCache.get(key);
    if (!data) {
      const ip = hostIp(subnet, host);
      const mac = hostMac(subnet, host);
      data =
        what === 'req'
          ? arpFrame({ arp: { op: 1, senderMac: mac, senderIp: ip, targetMac: MAC_ZERO, targetIp: target } }).data
          : arpFrame({
              arp: { op: 2, senderMac: answerMac, senderIp: target, targetMac: mac, targetIp: ip },
              link: { kind: 'ethernet', src: answerMac, dst: mac },
            }).data;
      this.arpCache.set(key, data);
    }
    return data;
  }
}

function hostIp(subnet: number, host: number): string {
  return `10.20.${subnet}.${100 + host}`;
}

function hostMac(subnet: number, host: number): string {
  return `02:a0:00:00:${hex2(subnet)}:${hex2(host)}`;
}

/** Writes the first `frames` frames of the scenario to `path`; returns the capture's duration in seconds. */
export function generate(path: string, frames: number): { frames: number; seconds: number } {
  return writeSeconds(path, frames, (events) => events);
}

/**
 * Writes to `path` the first `frames` frames that `framesOf` makes of each second's scenario
 * events, second by second; returns the count and the capture's duration in seconds. A frame is
 * written before the next is asked for, so `framesOf` may hand out one buffer restamped.
 */
function writeSeconds(path: string, frames: number, framesOf: (events: Event[], second: number) => Iterable<Event>, linkType = LINKTYPE_ETHERNET): { frames: number; seconds: number } {
  mkdirSync(dirname(path), { recursive: true });
  const writer = new PcapWriter(path, { linkType, snapLen: 65535 });
  const scenario = new Scenario();
  let written = 0;
  let second = START_TS;
  let lastTs = START_TS;
  try {
    while (written < frames) {
      scenario.applyPreempts(second);
      for (const e of framesOf(scenario.second(second), second)) {
        writer.write(e);
        lastTs = e.ts;
        if (++written === frames) break;
      }
      second++;
    }
  } finally {
    writer.close();
  }
  return { frames: written, seconds: lastTs - START_TS };
}

// ---- the mixed capture: what a user most often hands over ---------------------------------------
//
// A full capture of a busy segment (tcpdump -w on a node, a SPAN port): the dense scenario's VRRP
// and ARP at their own times, under TCP and UDP of mixed sizes (ACKs, requests, full segments),
// a fifth of it IPv6 and a sixth VLAN-tagged, and more hosts ARPing. About 20,800 frames a
// second, so VRRP (250 adverts a second) is 1.2% of the frames and ARP 0.3%. Every IPv4 packet
// carries the next identification of its flow, as real stacks do (so no two frames of a flow
// repeat byte for byte), with its header checksum recomputed; TCP and UDP checksums are correct.

const MIXED_SEED = 0x6d1_0ed;
/** VRRP adverts a second (one per virtual router) divided by the share of VRRP wanted. */
const MIXED_FRAMES_PER_S = Math.round(VIRTUAL_ROUTERS / 0.012);
/** ARP a second beyond the scenario's (about 26): together 0.3% of the frames. */
const MIXED_EXTRA_ARP_PER_S = 36;
const MIXED_FLOWS = 96;
/** Frame sizes on the wire (with the Ethernet header) and how often each comes. */
const MIXED_SIZES: ReadonlyArray<readonly [bytes: number, weight: number]> = [
  [60, 0.47], // TCP ACKs, padded to the Ethernet minimum
  [66, 0.12], // ACKs with timestamps, small UDP
  [90, 0.06], // DNS queries
  [150, 0.05],
  [300, 0.05],
  [576, 0.06],
  [1000, 0.04],
  [1514, 0.15], // full segments
];

interface Flow {
  v6: boolean;
  vlan: number | null;
  /** One frame per entry of MIXED_SIZES. */
  frames: Uint8Array[];
  /** Where the IPv4 header starts in each frame (-1 for IPv6). */
  ipOffset: number;
  nextId: number;
}

function be16(n: number): Uint8Array {
  return Uint8Array.of((n >> 8) & 0xff, n & 0xff);
}

/** A TCP (ACK) or UDP segment with its checksum over the pseudo-header (RFC 793 §3.1, RFC 768, RFC 8200 §8.1). */
function transport(tcp: boolean, v6: boolean, src: string, dst: string, sport: number, dport: number, payloadBytes: number, seed: number): Uint8Array {
  const header = new Uint8Array(tcp ? 20 : 8);
  header.set(be16(sport), 0);
  header.set(be16(dport), 2);
  if (tcp) {
    header.set(Uint8Array.of(seed >>> 24, (seed >>> 16) & 0xff, (seed >>> 8) & 0xff, seed & 0xff), 4);
    header[12] = 5 << 4;
    header[13] = 0x10; // ACK
    header.set(be16(502), 14);
  } else {
    header.set(be16(8 + payloadBytes), 4);
  }
  const payload = new Uint8Array(payloadBytes);
  for (let i = 0; i < payloadBytes; i++) payload[i] = (seed + i * 31) & 0xff;
  const segment = concat(header, payload);
  const addrs = v6 ? concat(ipv6Bytes(src), ipv6Bytes(dst)) : concat(ipv4Bytes(src), ipv4Bytes(dst));
  const pseudo = v6
    ? concat(addrs, Uint8Array.of(0, 0, segment.length >> 8, segment.length & 0xff, 0, 0, 0, tcp ? 6 : 17))
    : concat(addrs, Uint8Array.of(0, tcp ? 6 : 17), be16(segment.length));
  const sum = internetChecksum(pseudo, segment);
  segment.set(be16(!tcp && sum === 0 ? 0xffff : sum), tcp ? 16 : 6);
  return segment;
}

function buildFlow(k: number, rng: () => number): Flow {
  const v6 = k % 5 === 0;
  const vlan = k % 6 === 1 ? 100 + (k % 4) : null;
  const tcp = k % 4 !== 3;
  const host = 1 + (k % 200);
  const src = v6 ? `2001:db8:5::${host.toString(16)}` : `10.5.${k % 7}.${host}`;
  const dst = v6 ? `2001:db8:9::${(k * 7 + 1).toString(16)}` : `192.0.2.${1 + ((k * 7) % 250)}`;
  const sport = 32768 + Math.floor(rng() * 28000);
  const dport = [443, 80, 53, 8080, 5432, 22][k % 6];
  const link: LinkSpec = { kind: 'ethernet', src: `02:b0:00:00:${hex2(k)}:01`, dst: `02:c0:00:00:00:${hex2(k % 3)}`, ...(vlan === null ? {} : { vlans: [vlan] }) };
  const linkBytes = 14 + (vlan === null ? 0 : 4);
  const ipBytes = v6 ? 40 : 20;
  const frames = MIXED_SIZES.map(([bytes]) => {
    const payloadBytes = Math.max(0, bytes - linkBytes - ipBytes - (tcp ? 20 : 8));
    const segment = transport(tcp, v6, src, dst, sport, dport, payloadBytes, Math.floor(rng() * 2 ** 32));
    const packet = v6 ? encodeIpv6({ src, dst, nextHeader: tcp ? 6 : 17, hopLimit: 64 }, segment) : encodeIpv4({ src, dst, protocol: tcp ? 6 : 17, ttl: 64 }, segment);
    const frame = encodeLink(link, v6 ? ETHERTYPE_IPV6 : ETHERTYPE_IPV4, packet).bytes;
    // Ethernet pads short frames to 60 bytes (IEEE 802.3 minimum without FCS).
    return frame.length >= 60 ? frame : concat(frame, new Uint8Array(60 - frame.length));
  });
  return { v6, vlan, frames, ipOffset: v6 ? -1 : linkBytes, nextId: Math.floor(rng() * 65536) };
}

/** Sets the next IPv4 identification of the flow in `frame` and recomputes the header checksum (RFC 791 §3.1). */
function stampIpv4Id(frame: Uint8Array, off: number, id: number): void {
  frame[off + 4] = id >> 8;
  frame[off + 5] = id & 0xff;
  frame[off + 10] = 0;
  frame[off + 11] = 0;
  let sum = 0;
  for (let i = off; i < off + 20; i += 2) sum += (frame[i] << 8) | frame[i + 1];
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  const check = ~sum & 0xffff;
  frame[off + 10] = check >> 8;
  frame[off + 11] = check & 0xff;
}

/** Writes the first `frames` frames of the mixed capture to `path`. */
export function generateMixed(path: string, frames: number): { frames: number; seconds: number } {
  const rng = prng(MIXED_SEED);
  const flows = Array.from({ length: MIXED_FLOWS }, (_, k) => buildFlow(k, rng));
  const cumulative: number[] = [];
  let acc = 0;
  for (const [, weight] of MIXED_SIZES) cumulative.push((acc += weight));
  const hostArp = Array.from({ length: 64 }, (_, h) =>
    arpFrame({ arp: { op: 1, senderMac: `02:b1:00:00:00:${hex2(h)}`, senderIp: `10.5.9.${h + 1}`, targetMac: MAC_ZERO, targetIp: `10.5.9.${((h * 5) % 64) + 1}` } }).data,
  );
  /** The frame of one background slot: a flow's frame of a drawn size, with the flow's next IPv4 identification. */
  const background = (): Uint8Array => {
    const flow = flows[Math.floor(rng() * flows.length)];
    const r = rng();
    let size = 0;
    while (size < cumulative.length - 1 && r >= cumulative[size]) size++;
    const frame = flow.frames[size];
    if (flow.ipOffset >= 0) stampIpv4Id(frame, flow.ipOffset, (flow.nextId = (flow.nextId + 1) & 0xffff));
    return frame;
  };
  return writeSeconds(path, frames, function* (events, second) {
    const count = MIXED_FRAMES_PER_S - events.length - MIXED_EXTRA_ARP_PER_S;
    // Background and extra ARP as slots at random times in the second, merged with the scenario.
    const slots: { ts: number; arp: boolean }[] = [];
    for (let n = 0; n < count; n++) slots.push({ ts: second + rng(), arp: false });
    for (let n = 0; n < MIXED_EXTRA_ARP_PER_S; n++) slots.push({ ts: second + rng(), arp: true });
    slots.sort((a, b) => a.ts - b.ts);
    let e = 0;
    for (const slot of slots) {
      while (e < events.length && events[e].ts <= slot.ts) yield events[e++];
      yield { ts: slot.ts, data: slot.arp ? hostArp[Math.floor(rng() * hostArp.length)] : background() };
    }
    while (e < events.length) yield events[e++];
  });
}

// ---- the -i any capture: one segment seen through a bridge host's every interface ---------------
//
// `tcpdump -i any` (and `vrrpscope live -i any`) on a host whose bridge (ifindex 2) joins two ports
// (3 and 4) sees each frame three times within microseconds, as pcaps/lab/any-bridge-host.pcap
// shows: coming in on the port of its sender (multicast or broadcast), going out of the other port
// (outgoing), and coming in on the bridge. Half the senders sit on each port (by source MAC). The
// link layer is LINUX_SLL2 (what libpcap gives for `any`): interface index and packet type per frame.

const LINKTYPE_ETHERNET = 1;
const LINKTYPE_LINUX_SLL2 = 276;
const BRIDGE_IFINDEX = 2;
/** SLL2 packet types (Linux PACKET_*): broadcast, multicast, outgoing. */
const PACKET_BROADCAST = 1;
const PACKET_MULTICAST = 2;
const PACKET_OUTGOING = 4;
/** The copies' delays after the first sighting, in seconds (as measured on the lab's bridge host). */
const OUT_DELAY_S = 0.000025;
const BRIDGE_DELAY_S = 0.00003;

/** An untagged Ethernet frame as one SLL2 frame seen on `ifindex` with `packetType`, from its sender. */
function sll2(eth: Uint8Array, ifindex: number, packetType: number): Uint8Array {
  const src = [...eth.subarray(6, 12)].map(hex2).join(':');
  return encodeLink({ kind: 'sll2', src, ifindex, packetType }, (eth[12] << 8) | eth[13], eth.subarray(14)).bytes;
}

/** Writes the first `frames` frames of the dense capture as `-i any` on a bridge host sees it. */
export function generateAny(path: string, frames: number): { frames: number; seconds: number } {
  return writeSeconds(path, frames, function* (events) {
    for (const e of events) {
      const eth = e.data;
      const port = 3 + (eth[11] & 1);
      const inType = (eth[0] & eth[1] & eth[2] & eth[3] & eth[4] & eth[5]) === 0xff ? PACKET_BROADCAST : PACKET_MULTICAST;
      yield { ts: e.ts, data: sll2(eth, port, inType) };
      yield { ts: e.ts + OUT_DELAY_S, data: sll2(eth, port === 3 ? 4 : 3, PACKET_OUTGOING) };
      yield { ts: e.ts + BRIDGE_DELAY_S, data: sll2(eth, BRIDGE_IFINDEX, inType) };
    }
  }, LINKTYPE_LINUX_SLL2);
}

function main(): void {
  const args = process.argv.slice(2);
  const opt = (name: string): string | undefined => {
    const i = args.indexOf(name);
    return i >= 0 ? args[i + 1] : undefined;
  };
  const frames = Number(opt('--frames') ?? 2_000_000);
  if (!Number.isInteger(frames) || frames <= 0) throw new Error('--frames must be a positive whole number');
  const kind = args.includes('--mixed') ? 'mixed' : args.includes('--any') ? 'any' : 'vrrp';
  const out = opt('--out') ?? `bench/out/${kind}-${label(frames)}.pcap`;
  const t0 = performance.now();
  const r = (kind === 'mixed' ? generateMixed : kind === 'any' ? generateAny : generate)(out, frames);
  const s = ((performance.now() - t0) / 1000).toFixed(1);
  process.stdout.write(`${out}: ${r.frames} frames, ${(r.seconds / 3600).toFixed(2)} h of capture, written in ${s} s\n`);
}

/** 2000000 -> "2m", 200000 -> "200k". */
export function label(frames: number): string {
  if (frames % 1_000_000 === 0) return `${frames / 1_000_000}m`;
  if (frames % 1000 === 0) return `${frames / 1000}k`;
  return String(frames);
}

if (import.meta.url === `file://${process.argv[1]}`) main();
