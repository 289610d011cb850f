// Traffic generated in memory for the bounded-state checks: a flood of forged advertisements, and
// a long run of an ordinary site. Shared by test/hostile/bounded-state.test.ts and scripts/memory.ts
// (which reports the heap figures), so both measure the same traffic.

import type { Frame } from '../../src/frame.js';
import { decodeFrame } from '../../src/decode/index.js';
import type { Decoded, VrrpPacket } from '../../src/decode/types.js';
import { vrrpFrame } from './encode.js';
import { prng } from './prng.js';

export interface FloodOptions {
  sources: number;
  /** Adverts each forged source sends (2 makes every one of them a split-brain contender). */
  advertsPerSource?: number;
  /** Packet-time gap between frames, seconds (default 10 µs: a 100,000 packets/s flood). */
  gapS?: number;
  t0?: number;
  seed?: number;
  /** VRIDs the sources spread over, from 0 (default all 256). */
  vrids?: number;
}

function randomIpv4(rand: () => number): string {
  const n = Math.floor(rand() * 0xfffffffe) + 1;
  return `${n >>> 24}.${(n >>> 16) & 0xff}.${(n >>> 8) & 0xff}.${n & 0xff}`;
}

function randomPassword(rand: () => number): string {
  let s = '';
  for (let i = 0; i < 8; i++) s += String.fromCharCode(0x21 + Math.floor(rand() * 94));
  return s;
}

/**
 * Forged VRRPv2 adverts from `sources` random addresses spread over all 256 VRIDs (or `vrids`), each with its
 * own priority, password and virtual addresses, as a flood tool would send them. Frames are
 * encoded once per source and re-sent with later timestamps.
 */
export function* floodFrames(o: FloodOptions): Generator<Frame> {
  const rand = prng(o.seed ?? 1);
  const per = o.advertsPerSource ?? 2;
  const gap = o.gapS ?? 1e-5;
  let ts = o.t0 ?? 1_700_000_000;
  let record = 0;
  // Each source repeats within a few frames, so its second advert falls inside the contention window.
  const window: Frame[] = [];
  for (let i = 0; i < o.sources; i++) {
    const src = randomIpv4(rand);
    const addrs = Array.from({ length: 1 + Math.floor(rand() * 3) }, () => randomIpv4(rand));
    const f = vrrpFrame({
      vrrp: { version: 2, vrid: i % (o.vrids ?? 256), priority: 1 + Math.floor(rand() * 254), addrs, password: randomPassword(rand) },
      ip: { family: 'ipv4', src },
    });
    window.push(f);
    if (window.length > 8) window.shift();
    for (let k = 0; k < per; k++) {
      const g = k === 0 ? f : window[Math.floor(rand() * window.length)];
      ts += gap;
      yield { ...g, ts, record: ++record };
    }
  }
}

export interface WeekOptions {
  routers?: number;
  days?: number;
  /** Advert interval in seconds (keepalived advert_int). */
  intervalS?: number;
  /** Mean hours between handovers of one VRID (default 8). */
  handoverHours?: number;
  /** Called at the start of every simulated day, before its first packet. */
  onDay?: (day: number) => void;
}

/**
 * A week (by default) of an ordinary site: `routers` masters, one per VRID, each with a silent
 * backup, advertising every `intervalS`. Every master hands over to its backup about every
 * `handoverHours` (eight) (resign with priority 0, takeover, gratuitous ARP), and priorities change now and
 * then. Yields decoded frames: decoding is not what is measured, so each distinct advert is
 * decoded once and re-stamped.
 */
export function* weekPackets(o: WeekOptions = {}): Generator<Decoded> {
  const routers = o.routers ?? 255;
  const days = o.days ?? 7;
  const interval = o.intervalS ?? 1;
  const rand = prng(7);
  const t0 = 1_700_000_000;
  // One decoded advert per router, re-stamped (and given its current priority) for every send:
  // the traffic generator itself must not grow, or it would blur what the analyzer keeps.
  const cache = new Map<string, VrrpPacket>();
  const advert = (vrid: number, side: 0 | 1, priority: number, ts: number, record: number): Decoded => {
    const key = `${vrid}/${side}`;
    let p = cache.get(key);
    if (!p) {
      const src = `10.${side}.${vrid >> 8}.${vrid & 0xff}`;
      p = decodeFrame(
        vrrpFrame({
          vrrp: { version: 2, vrid: vrid & 0xff, priority: 100, addrs: [`10.200.${vrid >> 8}.${vrid & 0xff}`], password: 'secret' },
          ip: { family: 'ipv4', src },
        }),
      ) as VrrpPacket;
      cache.set(key, p);
    }
    return { ts, record, iface: '', ipId: -1, repeat: false, packet: { ...p, priority } };
  };
  const master: (0 | 1)[] = Array.from({ length: routers }, () => 0);
  const prio: number[] = Array.from({ length: routers }, () => 100 + Math.floor(rand() * 100));
  // The next handover of each VRID, staggered over the first eight hours.
  const every = (o.handoverHours ?? 8) * 3600;
  const handover: number[] = Array.from({ length: routers }, () => t0 + rand() * every);
  let record = 0;
  const seconds = days * 86400;
  for (let s = 0; s < seconds; s += interval) {
    if (s % 86400 === 0) o.onDay?.(s / 86400);
    for (let v = 0; v < routers; v++) {
      // Adverts of different VRIDs spread across the interval, as independent timers are.
      const ts = t0 + s + (v / routers) * interval;
      if (ts >= handover[v]) {
        handover[v] = ts + every * (0.5 + rand());
        yield advert(v, master[v], 0, ts, ++record);
        master[v] = master[v] === 0 ? 1 : 0;
        if (rand() < 0.2) prio[v] = 100 + Math.floor(rand() * 100);
      }
      yield advert(v, master[v], prio[v], ts, ++record);
    }
  }
}
