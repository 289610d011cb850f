// NDJSON records. Field names are stable and documented in README.md ("JSON format"); names follow
// the protocol's vocabulary (Wireshark's vrrp.* fields in spirit).
//
// A packet record is driven by one field table per packet kind (Wireshark's hf[] idea): name,
// type and value. The same table gives the object (packetRecord), the text (packetJsonLine) and
// the bytes written per packet (writePacketJson), so the three cannot disagree, and a new field is
// one line. test/render/json-line.test.ts holds text and object equal on every capture we have.
import type { Alert } from '../analyze/alerts.js';
import type { AnalyzerSnapshot, RouterSnapshot, VridSnapshot } from '../analyze/analyzer.js';
import type { CaptureTotals } from '../capture/types.js';
import { ARP_OP_NAMES } from '../decode/names.js';
import type { Decoded, Packet, Problem, VrrpPacket } from '../decode/types.js';
import { keptBytes, KeptPerSource, type KeptText } from './kept.js';
import type { Output } from './output.js';
import { sixDigits } from './time.js';

export function alertRecord(a: Alert): Record<string, unknown> {
  return { type: 'alert', ...a };
}

export function routerRecord(r: RouterSnapshot): Record<string, unknown> {
  const { recentIntervalsMs: _drop, copies, seenAt, ...rest } = r;
  // Copies and places only where there were any: a capture of one place reads as it always did.
  return { ...rest, ...(copies === 0 ? {} : { copies }), ...(seenAt === null ? {} : { seenAt }) };
}

export function vridRecord(v: VridSnapshot): Record<string, unknown> {
  return {
    vrid: v.vrid,
    family: v.family,
    ...(v.segment === null ? {} : { segment: v.segment }),
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
    ...(s.segmentMerges.length === 0 ? {} : { segmentMerges: s.segmentMerges }),
    ...(s.clocks.length === 0 ? {} : { clocks: s.clocks }),
  };
}


// ---- values as JSON text -------------------------------------------------------------------

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
 * (digits, hex, '.', ':'), and the fixed words of the Packet types. Scanning them is a large part of
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


// ---- packet records ----------------------------------------------------------------------------

/**
 * How a field's value is written. `plain`: a string that needs no escaping by construction
 * (addresses and MACs as the decoders format them, the fixed words of the Packet types); `text`:
 * wire text (passwords, reasons), always escaped; `value`: anything else, through JSON.stringify.
 */
type FieldType =
  | 'plain' | 'plainOrNull' | 'text' | 'textOrNull' | 'num' | 'numOrNull' | 'bool' | 'boolOrNull'
  | 'plains' | 'problems' | 'nameOrNum' | 'value';

interface Field<P> {
  readonly name: string;
  readonly type: FieldType;
  readonly get: (p: P) => unknown;
  /** `,"name":`, as written before the value. */
  readonly key: string;
}

interface RecordTable<P> {
  readonly fields: readonly Field<P>[];
  /** Every field can be written as bytes without escaping (see putFields). */
  readonly bytesOk: boolean;
  /**
   * Most bytes putFields writes for a packet of this kind without problems, when no field is a list
   * of addresses: every value is then a number, a word or an address (IPv6 at most 45 characters);
   * each problem id adds PROBLEM_MAX_BYTES. Null: count them (tailBytes).
   */
  readonly maxBytes: number | null;
}

/** A value that is no list is at most this long: a number, a word, an address. */
const SCALAR_MAX_BYTES = 64;
/** The link addresses, up to two VLAN tags, direction and interface index before the fields. */
const LINK_MAX_BYTES = 160;
/** A problem id in a list: the longest id, quoted, with its comma. */
const PROBLEM_MAX_BYTES = 24;

function table<P>(fields: [name: string, type: FieldType, get: (p: P) => unknown][]): RecordTable<P> {
  const built = fields.map(([name, type, get]) => ({ name, type, get, key: ',"' + name + '":' }));
  const lists = fields.some(([, type]) => type === 'plains');
  return {
    fields: built,
    bytesOk: fields.every(([, type]) => type !== 'text' && type !== 'textOrNull' && type !== 'value'),
    maxBytes: lists ? null : LINK_MAX_BYTES + built.reduce((n, f) => n + f.key.length + SCALAR_MAX_BYTES, 1),
  };
}

type Of<K extends Packet['kind']> = Extract<Packet, { kind: K }>;

/** The fields after the link addresses, per kind. Kinds without a table (other) have no record. */
const RECORDS: { readonly [K in Packet['kind']]?: RecordTable<Of<K>> } = {
  vrrp: table<VrrpPacket>([
    ['family', 'plain', (p) => p.ip.family],
    ['src', 'plain', (p) => p.ip.src],
    ['dst', 'plain', (p) => p.ip.dst],
    ['ttl', 'num', (p) => p.ip.ttl],
    ['version', 'num', (p) => p.version],
    ['vrrpType', 'num', (p) => p.type],
    ['vrid', 'num', (p) => p.vrid],
    ['priority', 'num', (p) => p.priority],
    ['addrCount', 'num', (p) => p.addrCount],
    ['addrs', 'plains', (p) => p.addrs],
    ['intervalMs', 'num', (p) => p.intervalMs],
    ['authType', 'numOrNull', (p) => p.authType],
    ['authPass', 'textOrNull', (p) => p.authPass],
    ['checksum', 'plain', (p) => p.checksumStatus],
    ['checksumValue', 'num', (p) => p.checksum],
    ['checksumVariant', 'plainOrNull', (p) => p.checksumVariant],
    ['checksumExpected', 'numOrNull', (p) => p.checksumExpected],
    ['vmac', 'bool', (p) => p.vmac],
    ['vmacMatches', 'boolOrNull', (p) => p.vmacMatches],
    ['truncated', 'bool', (p) => p.truncated],
    ['problems', 'problems', (p) => p.problems],
  ]),
  carp: table<Of<'carp'>>([
    ['family', 'plain', (p) => p.ip.family],
    ['src', 'plain', (p) => p.ip.src],
    ['dst', 'plain', (p) => p.ip.dst],
    ['ttl', 'num', (p) => p.ip.ttl],
    ['version', 'num', (p) => p.version],
    ['vhid', 'num', (p) => p.vhid],
    ['advbase', 'num', (p) => p.advbase],
    ['advskew', 'num', (p) => p.advskew],
    ['problems', 'problems', (p) => p.problems],
  ]),
  arp: table<Of<'arp'>>([
    ['src', 'plain', (p) => p.senderIp],
    ['dst', 'plain', (p) => p.targetIp],
    ['ttl', 'numOrNull', () => null],
    ['op', 'nameOrNum', (p) => (ARP_OP_NAMES as Record<number, string>)[p.op] ?? p.op],
    ['senderMac', 'plain', (p) => p.senderMac],
    ['senderIp', 'plain', (p) => p.senderIp],
    ['targetMac', 'plain', (p) => p.targetMac],
    ['targetIp', 'plain', (p) => p.targetIp],
    ['gratuitous', 'bool', (p) => p.gratuitous],
    ['problems', 'problems', (p) => p.problems],
  ]),
  na: table<Of<'na'>>([
    ['family', 'plain', () => 'ipv6'],
    ['src', 'plain', (p) => p.ip.src],
    ['dst', 'plain', (p) => p.ip.dst],
    ['ttl', 'num', (p) => p.ip.ttl],
    ['target', 'plain', (p) => p.target],
    ['targetMac', 'plainOrNull', (p) => p.targetMac],
    ['router', 'bool', (p) => p.router],
    ['solicited', 'bool', (p) => p.solicited],
    ['override', 'bool', (p) => p.override],
    ['unsolicited', 'bool', (p) => p.unsolicited],
    ['problems', 'problems', (p) => p.problems],
  ]),
  'icmp-error': table<Of<'icmp-error'>>([
    ['family', 'plain', (p) => p.ip.family],
    ['src', 'plain', (p) => p.ip.src],
    ['dst', 'plain', (p) => p.ip.dst],
    ['ttl', 'num', (p) => p.ip.ttl],
    ['icmpType', 'num', (p) => p.icmpType],
    ['icmpCode', 'num', (p) => p.icmpCode],
    ['reason', 'text', (p) => p.reason],
    ['quoted', 'value', (p) => p.quoted],
    ['problems', 'problems', (p) => p.problems],
  ]),
  group: table<Of<'group'>>([
    ['family', 'plain', (p) => p.ip.family],
    ['src', 'plain', (p) => p.ip.src],
    ['dst', 'plain', (p) => p.ip.dst],
    ['ttl', 'num', (p) => p.ip.ttl],
    ['protocol', 'plain', (p) => p.protocol],
    ['version', 'num', (p) => p.version],
    ['op', 'plain', (p) => p.op],
    ['joins', 'plains', (p) => p.joins],
    ['leaves', 'plains', (p) => p.leaves],
    ['group', 'plainOrNull', (p) => p.group],
    ['problems', 'problems', (p) => p.problems],
  ]),
  malformed: table<Of<'malformed'>>([
    ['family', 'plainOrNull', (p) => p.ip?.family ?? null],
    ['src', 'plainOrNull', (p) => p.ip?.src ?? null],
    ['dst', 'plainOrNull', (p) => p.ip?.dst ?? null],
    ['ttl', 'numOrNull', (p) => p.ip?.ttl ?? null],
    ['claimed', 'plain', (p) => p.claimed],
    ['reason', 'text', (p) => p.reason],
    ['offset', 'num', (p) => p.offset],
    ['problems', 'problems', (p) => p.problems],
  ]),
};

function tableOf<P extends Packet>(p: P): RecordTable<P> | undefined {
  return RECORDS[p.kind] as RecordTable<P> | undefined;
}

/** The value a field holds in the record object (what JSON.stringify is given). */
function objectValue(type: FieldType, v: unknown): unknown {
  return type === 'problems' ? (v as readonly Problem[]).map((x) => x.id) : v;
}

/** The JSON record for a decoded frame, or null for packets we do not report (other protocols). */
export function packetRecord(decoded: Decoded): Record<string, unknown> | null {
  const p = decoded.packet;
  const t = tableOf(p);
  if (t === undefined) return null;
  const rec: Record<string, unknown> = { type: p.kind, ts: decoded.ts, record: decoded.record };
  // What the capture tells of the interface, only where it tells it.
  if (decoded.iface !== '') rec.ifName = decoded.iface;
  rec.srcMac = p.link.srcMac;
  rec.dstMac = p.link.dstMac;
  if (p.link.vlans.length) rec.vlans = p.link.vlans;
  if (p.link.direction !== undefined) rec.direction = p.link.direction;
  if (p.link.ifIndex !== undefined) rec.ifIndex = p.link.ifIndex;
  for (const f of t.fields) rec[f.name] = objectValue(f.type, f.get(p));
  return rec;
}

/** A field's value as JSON text, exactly as toJsonLine would write it. */
function valueText(type: FieldType, v: unknown): string {
  switch (type) {
    case 'plain':
      return plain(v as string);
    case 'plainOrNull':
      return plainOrNull(v as string | null);
    case 'text':
      return jsonStr(v as string);
    case 'textOrNull':
      return v === null ? 'null' : jsonStr(v as string);
    case 'num':
      return jsonNum(v as number);
    case 'numOrNull':
      return jsonNumOrNull(v as number | null);
    case 'bool':
    case 'boolOrNull':
      return String(v);
    case 'plains':
      return plainArray(v as readonly string[]);
    case 'problems':
      return jsonProblems(v as readonly Problem[]);
    case 'nameOrNum':
      return typeof v === 'string' ? plain(v) : jsonNum(v as number);
    case 'value':
      return toJsonLine(v as Record<string, unknown>);
  }
}

/** The record from the link addresses on: `,"srcMac":...,"problems":[...]}`. */
function recordTail<P extends Packet>(p: P, t: RecordTable<P>): string {
  let s = jsonLink(p);
  for (const f of t.fields) s += f.key + valueText(f.type, f.get(p));
  return s + '}';
}

/** Every field of the record tail is the same in `a` and `b` (sources are equal by the map key). */
function sameTail<P extends Packet>(t: RecordTable<P>, a: P, b: P): boolean {
  const x = a.link;
  const y = b.link;
  if (x.srcMac !== y.srcMac || x.dstMac !== y.dstMac || !sameItems(x.vlans, y.vlans) || x.direction !== y.direction || x.ifIndex !== y.ifIndex) return false;
  for (const f of t.fields) {
    const x = f.get(a);
    const y = f.get(b);
    if (x === y) continue;
    if (!Array.isArray(x) || !Array.isArray(y) || f.type === 'problems' || !sameItems(x, y)) return false;
  }
  // Problems are kept only when there are none: their messages are not in the record.
  return a.problems.length === 0 && b.problems.length === 0;
}

function sameItems(a: readonly unknown[], b: readonly unknown[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

const VRRP = RECORDS.vrrp!;

/** Advert records from the link addresses on, kept per source. */
const vrrpTails = new KeptPerSource((a, b) => sameTail(VRRP, a, b));

function keptVrrpTail(p: VrrpPacket): KeptText {
  return vrrpTails.lookup(p) ?? vrrpTails.keep(p, recordTail(p, VRRP));
}

/** toJsonLine(packetRecord(d)), built from the kind's table; null for packets we do not report. */
export function packetJsonLine(decoded: Decoded): string | null {
  const p = decoded.packet;
  const t = tableOf(p);
  if (t === undefined) return null;
  const tail = p.kind === 'vrrp' ? keptVrrpTail(p).text : recordTail(p, t);
  const head = '{"type":"' + p.kind + '","ts":' + jsonTs(decoded.ts) + ',"record":' + jsonNum(decoded.record);
  return decoded.iface === '' ? head + tail : head + ',"ifName":' + jsonStr(decoded.iface) + tail;
}

/**
 * Writes packetJsonLine(decoded) to `out` (nothing for packets we do not report). Adverts go out as
 * bytes: the head, the time and record number, then the bytes kept for their source; kinds whose
 * table needs no escaping (ARP, NA, ...) are written field by field; the rest as a string.
 */
export function writePacketJson(out: Output, decoded: Decoded): void {
  const p = decoded.packet;
  const t = tableOf(p);
  if (t === undefined) return;
  // An interface name is text from the file: such records take the string path.
  if (digitsFit(decoded) && decoded.iface === '') {
    if (p.kind === 'vrrp') {
      const bytes = keptBytes(keptVrrpTail(p));
      // head 20 + seconds <= 11 + "." + 6 + key 10 + record <= 16
      if (out.begin(64 + bytes.length)) {
        putHead(out, p.kind, decoded);
        out.putBytes(bytes);
        out.endLine();
        return;
      }
      if (out.closed) return;
    } else if (t.bytesOk && out.begin(64 + maxTailBytes(p, t))) {
      putHead(out, p.kind, decoded);
      putFields(out, p, t);
      out.endLine();
      return;
    } else if (out.closed) return;
  }
  const line = packetJsonLine(decoded);
  if (line !== null) out.line(line);
}

/** At most how many bytes putFields writes for `p`: from the table when it can tell, else counted. */
function maxTailBytes<P extends Packet>(p: P, t: RecordTable<P>): number {
  return t.maxBytes !== null && p.link.vlans.length <= 2 ? t.maxBytes + PROBLEM_MAX_BYTES * p.problems.length : tailBytes(p, t);
}

/** At most how many bytes putFields writes for `p`, counted. */
function tailBytes<P extends Packet>(p: P, t: RecordTable<P>): number {
  const l = p.link;
  let n = 96 + (l.srcMac?.length ?? 0) + (l.dstMac?.length ?? 0) + 8 * l.vlans.length;
  for (const f of t.fields) {
    n += f.key.length;
    const v = f.get(p);
    if (typeof v === 'string') n += v.length + 2;
    else if (Array.isArray(v)) for (const x of v) n += (typeof x === 'string' ? x.length : (x as Problem).id.length) + 3;
    else n += 24;
  }
  return n + 2;
}

/** The record tail as bytes, for a table with bytesOk: plain strings are ASCII as the decoders format them. */
function putFields<P extends Packet>(out: Output, p: P, t: RecordTable<P>): void {
  const l = p.link;
  out.putAscii(',"srcMac":');
  putPlainOrNull(out, l.srcMac);
  out.putAscii(',"dstMac":');
  putPlainOrNull(out, l.dstMac);
  if (l.vlans.length) out.putAscii(',"vlans":[' + l.vlans.join(',') + ']');
  if (l.direction !== undefined) out.putAscii(',"direction":"' + l.direction + '"');
  if (l.ifIndex !== undefined) out.putAscii(',"ifIndex":' + l.ifIndex);
  for (const f of t.fields) {
    out.putAscii(f.key);
    const v = f.get(p);
    switch (f.type) {
      case 'plain':
      case 'plainOrNull':
        putPlainOrNull(out, v as string | null);
        break;
      case 'num':
      case 'numOrNull':
        if (v === null) out.putAscii('null');
        else if (Number.isSafeInteger(v) && (v as number) >= 0) out.putInt(v as number);
        else out.putAscii(jsonNum(v as number));
        break;
      case 'nameOrNum':
        if (typeof v === 'string') putPlainOrNull(out, v);
        else out.putAscii(jsonNum(v as number));
        break;
      default:
        out.putAscii(valueText(f.type, v));
    }
  }
  out.putAscii('}');
}

/** The frame's time and record number can be written as digits, the way jsonTs and jsonNum print them. */
function digitsFit(decoded: Decoded): boolean {
  if (!(decoded.ts >= 0 && decoded.ts < 2 ** 33 && Number.isSafeInteger(decoded.record) && decoded.record >= 0)) return false;
  // jsonTs's digits: whole seconds, then the microseconds without trailing zeros, for a time that is a whole number of microseconds.
  return Math.round(decoded.ts * 1e6) / 1e6 === decoded.ts;
}

/** `{"type":"kind","ts":` + the time as jsonTs prints it + `,"record":` + the record number (see digitsFit). */
function putHead(out: Output, kind: string, decoded: Decoded): void {
  const micros = Math.round(decoded.ts * 1e6);
  const second = Math.floor(micros / 1e6);
  let frac = micros - second * 1e6;
  out.putAscii('{"type":"');
  out.putAscii(kind);
  out.putAscii('","ts":');
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
  out.putAscii(',"record":');
  out.putInt(decoded.record);
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

function plainArray(xs: readonly string[]): string {
  if (xs.length === 0) return '[]';
  let s = '["' + xs[0];
  for (let i = 1; i < xs.length; i++) s += '","' + xs[i];
  return s + '"]';
}

function jsonProblems(ps: readonly Problem[]): string {
  if (ps.length === 0) return '[]';
  let s = '["' + ps[0].id;
  for (let i = 1; i < ps.length; i++) s += '","' + ps[i].id;
  return s + '"]';
}

/** `,"srcMac":..,"dstMac":..[,"vlans":[..]][,"direction":..][,"ifIndex":..]` */
function jsonLink(p: Packet): string {
  const l = p.link;
  let s = ',"srcMac":' + plainOrNull(l.srcMac) + ',"dstMac":' + plainOrNull(l.dstMac);
  if (l.vlans.length) s += ',"vlans":[' + l.vlans.join(',') + ']';
  if (l.direction !== undefined) s += ',"direction":"' + l.direction + '"';
  if (l.ifIndex !== undefined) s += ',"ifIndex":' + l.ifIndex;
  return s;
}
