// NDJSON records. Field names are stable and documented in README.md ("JSON format"); names follow
// the protocol's vocabulary (Wireshark's vrrp.* fields in spirit).
import type { Alert } from '../analyze/alerts.js';
import type { AnalyzerSnapshot, RouterSnapshot, VridSnapshot } from '../analyze/analyzer.js';
import type { Ip, Packet, VrrpPacket } from '../decode/types.js';
import { keptBytes, KeptPerSource, type KeptText } from './kept.js';
import type { Output } from './output.js';
import { sixDigits } from './time.js';

/** The IP fields every IP-carried record starts with, in this order. */
function ipFields(ip: Ip): { family: Ip['family']; src: string; dst: string; ttl: number } {
  return { family: ip.family, src: ip.src, dst: ip.dst, ttl: ip.ttl };
}

/** The JSON record for a packet, or null for packets we do not report (other protocols). */
export function packetRecord(p: Packet): Record<string, unknown> | null {
  const base = {
    type: p.kind,
    ts: p.ts,
    record: p.record,
    srcMac: p.link.srcMac,
    dstMac: p.link.dstMac,
    ...(p.link.vlans.length ? { vlans: p.link.vlans } : {}),
  };
  const problems = p.problems.map((x) => x.id);
  switch (p.kind) {
    case 'vrrp':
      return {
        ...base,
        ...ipFields(p.ip),
        version: p.version,
        vrrpType: p.type,
        vrid: p.vrid,
        priority: p.priority,
        addrCount: p.addrCount,
        addrs: p.addrs,
        intervalMs: p.intervalMs,
        authType: p.authType,
        authPass: p.authPass,
        checksum: p.checksumStatus,
        checksumValue: p.checksum,
        checksumVariant: p.checksumVariant,
        checksumExpected: p.checksumExpected,
        vmac: p.vmac,
        vmacMatches: p.vmacMatches,
        truncated: p.truncated,
        problems,
      };
    case 'carp':
      return { ...base, ...ipFields(p.ip), version: p.version, vhid: p.vhid, advbase: p.advbase, advskew: p.advskew, problems };
    case 'arp':
      return {
        ...base,
        src: p.senderIp,
        dst: p.targetIp,
        ttl: null,
        op: p.op === 1 ? 'request' : p.op === 2 ? 'reply' : p.op,
        senderMac: p.senderMac,
        senderIp: p.senderIp,
        targetMac: p.targetMac,
        targetIp: p.targetIp,
        gratuitous: p.gratuitous,
        problems,
      };
    case 'na':
      return {
        ...base,
        family: 'ipv6',
        src: p.ip.src,
        dst: p.ip.dst,
        ttl: p.ip.ttl,
        target: p.target,
        targetMac: p.targetMac,
        router: p.router,
        solicited: p.solicited,
        override: p.override,
        unsolicited: p.unsolicited,
        problems,
      };
    case 'icmp-error':
      return {
        ...base,
        ...ipFields(p.ip),
        icmpType: p.icmpType,
        icmpCode: p.icmpCode,
        reason: p.reason,
        quoted: p.quoted,
        problems,
      };
    case 'group':
      return {
        ...base,
        ...ipFields(p.ip),
        protocol: p.protocol,
        version: p.version,
        op: p.op,
        joins: p.joins,
        leaves: p.leaves,
        group: p.group,
        problems,
      };
    case 'malformed':
      return {
        ...base,
        family: p.ip?.family ?? null,
        src: p.ip?.src ?? null,
        dst: p.ip?.dst ?? null,
        ttl: p.ip?.ttl ?? null,
        claimed: p.claimed,
        reason: p.reason,
        offset: p.offset,
        problems,
      };
    default:
      return null;
  }
}

export function alertRecord(a: Alert): Record<string, unknown> {
  return { type: 'alert', ...a };
}

export function routerRecord(r: RouterSnapshot): Record<string, unknown> {
  const { recentIntervalsMs: _drop, ...rest } = r;
  return rest;
}

export function vridRecord(v: VridSnapshot): Record<string, unknown> {
  return {
    vrid: v.vrid,
    family: v.family,
    version: v.versions.length === 1 ? v.versions[0] : v.versions,
    state: v.state,
    master: v.master ? { src: v.master.src, mac: v.master.mac, vmac: v.master.vmac, priority: v.master.priority, since: v.masterSince } : null,
    routers: v.routers.map(routerRecord),
    masterChanges: v.masterChanges,
    masterChangeCount: v.masterChangeCount,
    alerts: v.alerts,
    openAlerts: v.openAlerts.map((a) => ({ id: a.id, kind: a.kind, severity: a.severity, ts: a.ts })),
  };
}

export interface CaptureTotals {
  frames: number;
  /** libpcap counters (live only). */
  received?: number;
  dropped?: number;
  ifDropped?: number;
}

export function summaryRecord(s: AnalyzerSnapshot, capture: CaptureTotals, firstTs: number | null): Record<string, unknown> {
  return {
    type: 'summary',
    firstTs,
    lastTs: Number.isFinite(s.ts) ? s.ts : null,
    capture,
    packets: s.totals,
    vrids: s.vrids.map(vridRecord),
    groups: s.groups,
    unattributedAlerts: s.unattributedAlerts.map((a) => ({ id: a.id, kind: a.kind, severity: a.severity, ts: a.ts, sources: a.sources })),
  };
}

// JSON.stringify escapes C0 controls but writes DEL and the C1 controls (U+0080-U+009F) raw, and
// terminals act on C1 (U+009B is CSI): a VRRPv2 password off the wire could drive the terminal of
// whoever views the NDJSON. \u escapes keep the same JSON value.
// eslint-disable-next-line no-control-regex
const JSON_UNSAFE = /[\x7f-\x9f]/;
// eslint-disable-next-line no-control-regex
const JSON_UNSAFE_ALL = /[\x7f-\x9f]/g;

export function toJsonLine(rec: Record<string, unknown>): string {
  const s = JSON.stringify(rec);
  return JSON_UNSAFE.test(s) ? s.replace(JSON_UNSAFE_ALL, (c) => '\\u00' + c.charCodeAt(0).toString(16)) : s;
}

// ---- the per-packet hot path -------------------------------------------------------------------
// VRRP, ARP and NA records are nearly every line of `read --json`. Building them as spread objects
// and handing those to JSON.stringify cost ~30 µs a record (the conditional spread leaves V8 with
// dictionary-mode objects); writing the text directly is over 20x faster. The output is exactly
// toJsonLine(packetRecord(p)): same keys in the same order, same values, same escaping
// (test/render/json-line.test.ts holds the two side by side). Other kinds are rare and take the
// general path, so a field added to packetRecord for them needs nothing here.

/** A JSON string literal; anything JSON or toJsonLine would escape takes their path. */
function jsonStr(s: string): string {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    // Controls, quote, backslash, DEL/C1 (escaped by toJsonLine) and surrogates (lone ones are escaped).
    if (c < 0x20 || c === 0x22 || c === 0x5c || (c >= 0x7f && c <= 0x9f) || (c >= 0xd800 && c <= 0xdfff)) {
      const quoted = JSON.stringify(s);
      return JSON_UNSAFE.test(quoted) ? quoted.replace(JSON_UNSAFE_ALL, (x) => '\\u00' + x.charCodeAt(0).toString(16)) : quoted;
    }
  }
  return '"' + s + '"';
}

/**
 * A string that needs no escaping by construction: addresses and MACs as the decoders format them
 * (digits, hex, '.', ':'), and the fixed words of the Packet types. Scanning them was a fifth of
 * the record's cost. Wire text (passwords, reasons) always goes through jsonStr.
 */
function plain(s: string): string {
  return '"' + s + '"';
}

function plainOrNull(s: string | null): string {
  return s === null ? 'null' : '"' + s + '"';
}

/** JSON.stringify's number: NaN and the infinities become null. */
function jsonNum(n: number): string {
  return Number.isFinite(n) ? String(n) : 'null';
}

function jsonNumOrNull(n: number | null): string {
  return n === null ? 'null' : jsonNum(n);
}

let tsSecond = NaN;
let tsSecondText = '';

/**
 * jsonNum(ts) for the timestamps capture sources produce (whole microseconds, see Frame.ts),
 * without a double-to-shortest conversion per packet, the record's costliest field. Below 2^33 s
 * a double steps by less than a microsecond, so the decimal of the whole microsecond count is the
 * shortest string that reads back as ts: exactly what String(ts) prints. Anything else: jsonNum.
 */
function jsonTs(ts: number): string {
  if (ts >= 0 && ts < 2 ** 33) {
    const micros = Math.round(ts * 1e6);
    if (micros / 1e6 === ts) {
      const second = Math.floor(micros / 1e6);
      if (second !== tsSecond) {
        tsSecond = second;
        tsSecondText = String(second);
      }
      const frac = micros - second * 1e6;
      if (frac === 0) return tsSecondText;
      const six = sixDigits(frac);
      let end = 6;
      while (six.charCodeAt(end - 1) === 0x30) end--;
      return tsSecondText + '.' + (end === 6 ? six : six.slice(0, end));
    }
  }
  return jsonNum(ts);
}

function plainArray(xs: readonly string[]): string {
  if (xs.length === 0) return '[]';
  let s = '["' + xs[0];
  for (let i = 1; i < xs.length; i++) s += '","' + xs[i];
  return s + '"]';
}

function jsonProblems(p: Packet): string {
  const ps = p.problems;
  if (ps.length === 0) return '[]';
  let s = '["' + ps[0].id;
  for (let i = 1; i < ps.length; i++) s += '","' + ps[i].id;
  return s + '"]';
}

/** `,"srcMac":..,"dstMac":..[,"vlans":[..]]` */
function jsonLink(p: Packet): string {
  const l = p.link;
  const s = ',"srcMac":' + plainOrNull(l.srcMac) + ',"dstMac":' + plainOrNull(l.dstMac);
  return l.vlans.length ? s + ',"vlans":[' + l.vlans.join(',') + ']' : s;
}

/** `{"type":..,"ts":..,"record":..,"srcMac":..,"dstMac":..[,"vlans":[..]]` without the closing brace. */
function jsonBase(p: Packet): string {
  return '{"type":"' + p.kind + '","ts":' + jsonTs(p.ts) + ',"record":' + jsonNum(p.record) + jsonLink(p);
}

function sameStrings(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Every field vrrpRest() shows is the same in `a` and `b` (sources are equal by the map key). */
function sameVrrpRest(a: VrrpPacket, b: VrrpPacket): boolean {
  return (
    a.priority === b.priority && a.checksum === b.checksum && a.link.srcMac === b.link.srcMac && a.link.dstMac === b.link.dstMac &&
    a.ip.dst === b.ip.dst && a.ip.ttl === b.ip.ttl && a.ip.family === b.ip.family && a.version === b.version && a.type === b.type &&
    a.vrid === b.vrid && a.addrCount === b.addrCount && a.intervalMs === b.intervalMs && a.authType === b.authType &&
    a.authPass === b.authPass && a.checksumStatus === b.checksumStatus && a.checksumVariant === b.checksumVariant &&
    a.checksumExpected === b.checksumExpected && a.vmac === b.vmac && a.vmacMatches === b.vmacMatches && a.truncated === b.truncated &&
    a.problems.length === 0 && b.problems.length === 0 && sameStrings(a.addrs, b.addrs) && sameNumbers(a.link.vlans, b.link.vlans)
  );
}

function sameNumbers(a: readonly number[], b: readonly number[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** The VRRP record from the link addresses on: `,"srcMac":...,"problems":[...]}`. */
function vrrpRest(p: VrrpPacket): string {
  return jsonLink(p) +
    ',"family":"' + p.ip.family + '","src":"' + p.ip.src + '","dst":"' + p.ip.dst +
        '","ttl":' + p.ip.ttl + ',"version":' + p.version + ',"vrrpType":' + p.type +
        ',"vrid":' + p.vrid + ',"priority":' + p.priority + ',"addrCount":' + p.addrCount +
        ',"addrs":' + plainArray(p.addrs) + ',"intervalMs":' + jsonNum(p.intervalMs) +
        ',"authType":' + jsonNumOrNull(p.authType) + ',"authPass":' + (p.authPass === null ? 'null' : jsonStr(p.authPass)) +
        ',"checksum":"' + p.checksumStatus + '","checksumValue":' + p.checksum +
        ',"checksumVariant":' + plainOrNull(p.checksumVariant) + ',"checksumExpected":' + jsonNumOrNull(p.checksumExpected) +
        ',"vmac":' + p.vmac + ',"vmacMatches":' + p.vmacMatches + ',"truncated":' + p.truncated +
        ',"problems":' + jsonProblems(p) + '}';
}

/** Advert records from the link addresses on, kept per source. */
const vrrpRests = new KeptPerSource(sameVrrpRest);

function keptVrrpRest(p: VrrpPacket): KeptText {
  return vrrpRests.lookup(p) ?? vrrpRests.keep(p, vrrpRest(p));
}

const VRRP_HEAD = '{"type":"vrrp","ts":';
const ARP_HEAD = '{"type":"arp","ts":';
const RECORD_KEY = ',"record":';

/**
 * Writes packetJsonLine(p) to `out` (nothing for packets we do not report). An advert goes out
 * as bytes: the head, its time and record number, then the bytes kept for its source; an ARP
 * packet as bytes written field by field (no string built for it).
 */
export function writePacketJson(out: Output, p: Packet): void {
  if ((p.kind === 'vrrp' || p.kind === 'arp') && digitsFit(p)) {
    if (p.kind === 'vrrp') {
      const bytes = keptBytes(keptVrrpRest(p));
      // head 20 + seconds <= 11 + "." + 6 + key 10 + record <= 16
      if (out.begin(64 + bytes.length)) {
        putHead(out, VRRP_HEAD, p);
        out.putBytes(bytes);
        out.endLine();
        return;
      }
      if (out.closed) return;
    } else if (p.link.vlans.length === 0 && p.problems.length === 0 && (p.op === 1 || p.op === 2)) {
      const l = p.link;
      // The fixed text is under 200 bytes and each number under 20 digits; the rest is the strings.
      const max = 256 + (l.srcMac?.length ?? 0) + (l.dstMac?.length ?? 0) +
        2 * (p.senderIp.length + p.targetIp.length) + p.senderMac.length + p.targetMac.length;
      if (out.begin(max)) {
        // Addresses and MACs are ASCII as the decoders format them: written as they are.
        putHead(out, ARP_HEAD, p);
        out.putAscii(',"srcMac":');
        putPlainOrNull(out, l.srcMac);
        out.putAscii(',"dstMac":');
        putPlainOrNull(out, l.dstMac);
        out.putAscii(',"src":"');
        out.putAscii(p.senderIp);
        out.putAscii('","dst":"');
        out.putAscii(p.targetIp);
        out.putAscii(p.op === 1 ? '","ttl":null,"op":"request","senderMac":"' : '","ttl":null,"op":"reply","senderMac":"');
        out.putAscii(p.senderMac);
        out.putAscii('","senderIp":"');
        out.putAscii(p.senderIp);
        out.putAscii('","targetMac":"');
        out.putAscii(p.targetMac);
        out.putAscii('","targetIp":"');
        out.putAscii(p.targetIp);
        out.putAscii(p.gratuitous ? '","gratuitous":true,"problems":[]}' : '","gratuitous":false,"problems":[]}');
        out.endLine();
        return;
      }
      if (out.closed) return;
    }
  }
  const line = packetJsonLine(p);
  if (line !== null) out.line(line);
}

/** The packet's time and record number can be written as digits, the way jsonTs and jsonNum print them. */
function digitsFit(p: Packet): boolean {
  if (!(p.ts >= 0 && p.ts < 2 ** 33 && Number.isSafeInteger(p.record) && p.record >= 0)) return false;
  // jsonTs's digits: whole seconds, then the microseconds without trailing zeros, for a time that is a whole number of microseconds.
  return Math.round(p.ts * 1e6) / 1e6 === p.ts;
}

/** `head`, the time as jsonTs prints it, then `,"record":` and the record number (see digitsFit). */
function putHead(out: Output, head: string, p: Packet): void {
  const micros = Math.round(p.ts * 1e6);
  const second = Math.floor(micros / 1e6);
  let frac = micros - second * 1e6;
  out.putAscii(head);
  out.putInt(second);
  if (frac !== 0) {
    let width = 6;
    while (frac % 10 === 0) {
      frac /= 10;
      width--;
    }
    out.putAscii('.');
    out.putDigits(frac, width);
  }
  out.putAscii(RECORD_KEY);
  out.putInt(p.record);
}

function putPlainOrNull(out: Output, s: string | null): void {
  if (s === null) {
    out.putAscii('null');
    return;
  }
  out.putAscii('"');
  out.putAscii(s);
  out.putAscii('"');
}

/** toJsonLine(packetRecord(p)), built directly for the frequent kinds; null for packets we do not report. */
export function packetJsonLine(p: Packet): string | null {
  switch (p.kind) {
    case 'vrrp':
      return '{"type":"vrrp","ts":' + jsonTs(p.ts) + ',"record":' + jsonNum(p.record) + keptVrrpRest(p).text;
    case 'arp':
      return jsonBase(p) +
        ',"src":"' + p.senderIp + '","dst":"' + p.targetIp + '","ttl":null' +
        ',"op":' + (p.op === 1 ? '"request"' : p.op === 2 ? '"reply"' : jsonNum(p.op)) +
        ',"senderMac":"' + p.senderMac + '","senderIp":"' + p.senderIp +
        '","targetMac":"' + p.targetMac + '","targetIp":"' + p.targetIp +
        '","gratuitous":' + p.gratuitous + ',"problems":' + jsonProblems(p) + '}';
    case 'na':
      return jsonBase(p) +
        ',"family":"ipv6","src":"' + p.ip.src + '","dst":"' + p.ip.dst + '","ttl":' + p.ip.ttl +
        ',"target":"' + p.target + '","targetMac":' + plainOrNull(p.targetMac) +
        ',"router":' + p.router + ',"solicited":' + p.solicited + ',"override":' + p.override +
        ',"unsolicited":' + p.unsolicited + ',"problems":' + jsonProblems(p) + '}';
    default: {
      const rec = packetRecord(p);
      return rec === null ? null : toJsonLine(rec);
    }
  }
}
