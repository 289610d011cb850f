// Test-only helpers around tcpdump: read its -v output for VRRP, and write the classic
// pcap files it reads.

import { spawnSync } from 'node:child_process';
import type { Frame } from '../../src/frame.js';

/** One packet as tcpdump -v printed it. */
export interface Printed {
  ts: number;
  src: string;
  dst: string;
  ttl: number;
  version: number;
  type: number;
  vrid: number;
  priority: number;
  authType: number | null;
  intervalMs: number;
  length: number;
  addrs: string[] | null;
  authPass: string | null;
  cut: boolean;
}

const AUTH_TYPES: Record<string, number> = { none: 0, simple: 1, ah: 2 };

function field(text: string, re: RegExp): string {
  const m = re.exec(text);
  if (!m) throw new Error(`no ${re} in ${text}`);
  return m[1];
}

/** Split tcpdump's -v output into one string per packet and read the VRRP fields. */
export function parseTcpdump(out: string): Printed[] {
  const records: string[] = [];
  for (const line of out.split('\n')) {
    if (/^\s*(\d+\s+)?\d{4}-\d\d-\d\d /.test(line)) records.push(line.trim());
    else if (line.trim() !== '') records[records.length - 1] += ' ' + line.trim();
  }
  return records.map((r) => {
    const [, date, time, micros] = /(\d{4}-\d\d-\d\d) (\d\d:\d\d:\d\d)\.(\d{6})/.exec(r) ?? [];
    const vrrpAt = r.indexOf('VRRPv');
    const head = r.slice(0, vrrpAt);
    const v = r.slice(vrrpAt);
    const [, src, dst] = /(\S+) > (\S+): $/.exec(head) ?? [];
    const typeText = field(v, /^VRRPv\d+, ([^,]+)/);
    const intvl = /intvl (\d+)(s|cs)/.exec(v);
    const addrText = /addrs(?:\(\d+\))?:(.*?)(?: auth "(.*)")?$/.exec(v);
    const addrList = addrText ? addrText[1].trim() : null;
    return {
      ts: Date.parse(`${date}T${time}Z`) / 1000 + Number(micros) / 1e6,
      src,
      dst,
      ttl: Number(field(head, /(?:ttl|hlim) (\d+)/)),
      version: Number(field(v, /^VRRPv(\d+)/)),
      type: typeText === 'Advertisement' ? 1 : Number(field(typeText, /unknown type \((\d+)\)/)),
      vrid: /vrid (\d+)/.test(v) ? Number(field(v, /vrid (\d+)/)) : NaN,
      priority: /prio (\d+)/.test(v) ? Number(field(v, /prio (\d+)/)) : NaN,
      authType: /authtype (\w+)/.test(v) ? AUTH_TYPES[field(v, /authtype (\w+)/)] : null,
      intervalMs: intvl ? Number(intvl[1]) * (intvl[2] === 's' ? 1000 : 10) : NaN,
      length: /length (\d+)/.test(v) ? Number(field(v, /length (\d+)/)) : NaN,
      addrs: addrList === null || addrList.includes('[|vrrp]') ? null : addrList === '' ? [] : addrList.split(','),
      authPass: addrText?.[2] ?? null,
      cut: v.includes('[|vrrp]'),
    };
  });
}

/** A classic little-endian microsecond pcap holding `frames` (all of one link type). */
export function pcapBytes(linkType: number, frames: Frame[]): Uint8Array {
  const size = 24 + frames.reduce((n, f) => n + 16 + f.data.length, 0);
  const out = new Uint8Array(size);
  const v = new DataView(out.buffer);
  v.setUint32(0, 0xa1b2c3d4, true);
  v.setUint16(4, 2, true);
  v.setUint16(6, 4, true);
  v.setUint32(16, 262144, true);
  v.setUint32(20, linkType, true);
  let o = 24;
  for (const f of frames) {
    const seconds = Math.floor(f.ts);
    v.setUint32(o, seconds, true);
    v.setUint32(o + 4, Math.round((f.ts - seconds) * 1e6), true);
    v.setUint32(o + 8, f.data.length, true);
    v.setUint32(o + 12, f.origLen, true);
    out.set(f.data, o + 16);
    o += 16 + f.data.length;
  }
  return out;
}

/** `tcpdump -n -v -tttt` output for a capture file (UTC), or undefined when tcpdump is not installed. */
export function tcpdumpVerbose(path: string): string | undefined {
  const r = spawnSync('tcpdump', ['-n', '-v', '-tttt', '-r', path], { encoding: 'utf8', env: { ...process.env, TZ: 'GMT0' } });
  if (r.error || r.status !== 0) return undefined;
  return r.stdout;
}

/** True when a tcpdump can be run here (tests that need one skip, visibly, otherwise). */
export function hasTcpdump(): boolean {
  return spawnSync('tcpdump', ['--version']).status === 0;
}

/** Why tests comparing with tcpdump are skipped, or false when it is installed. */
export const NO_TCPDUMP: string | false = hasTcpdump() ? false : 'tcpdump not installed (apt-get install tcpdump)';
