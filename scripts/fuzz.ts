// Mutation fuzzer for the whole read path: capture reader -> decodeFrame -> Analyzer -> every
// renderer. Run with `npm run fuzz -- --frames N --seconds S [--seed X] [--out DIR]`.
//
// Seeds are the real captures (pcaps/lab/*.pcap and ../shared/pcaps/**/*.pcap, read in place and
// never copied), plus pcapng and pcap variants rebuilt from their frames so whole-file mutations
// reach both readers. Mutations are structure-aware where that finds more: they know where the
// IP, VRRP, ARP and neighbor-advertisement length and count fields sit, because random bit flips
// alone almost never produce a consistent-but-lying length.
//
// A finding is any of: an exception (decoders promise never to throw; the reader may only throw
// CaptureError), a frame that takes too long, analyzer state past its documented bounds, heap
// growth across epochs, a text line with a raw control or non-ASCII character, a JSON line that
// does not parse or carries a raw C0/C1 control, an HTML report with a script, comment or element
// that came from the wire, or a reader whose result depends on how the input was chunked. Findings are saved as tiny .pcap files under --out for regression tests.
//
// Deterministic for a given --seed (except for time-bounded runs, which stop wherever the clock
// says): a finding prints the seed and the iteration that reproduces it.

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import type { Alert } from '../src/analyze/alerts.js';
import { CaptureParser } from '../src/capture/file.js';
import { CaptureError, MAX_SNAPLEN } from '../src/capture/types.js';
import { type Frame } from '../src/frame.js';
import { decodedFrame } from '../src/decode/index.js';
import { MONO } from '../src/render/color.js';
import { alertRecord, packetJsonLine, packetRecord, summaryRecord, toJsonLine } from '../src/render/json.js';
import { alertLine, packetLine } from '../src/render/line.js';
import { Output } from '../src/render/output.js';
import { summaryText } from '../src/render/summary.js';
import { diagnose } from '../src/analyze/diagnose.js';
import { ReportCollector } from '../src/render/report/collect.js';
import { reportHtml } from '../src/render/report/html.js';
import { Pipeline, type RunOptions } from '../src/pipeline.js';
import { PcapngSection, pcapFile } from '../test/support/capfile.js';
import { prng } from '../test/support/prng.js';

// ---- options ---------------------------------------------------------------------------------

const { values: argv } = parseArgs({
  options: {
    frames: { type: 'string', default: '1000000' },
    seconds: { type: 'string', default: '600' },
    seed: { type: 'string' },
    out: { type: 'string', default: path.join(os.tmpdir(), 'vrrpscope-fuzz') },
    /** Frames per analyzer lifetime (one simulated capture file). */
    epoch: { type: 'string', default: '50000' },
    quiet: { type: 'boolean', default: false },
  },
});
const MAX_FRAMES = Number(argv.frames);
const MAX_SECONDS = Number(argv.seconds);
const SEED = argv.seed !== undefined ? Number(argv.seed) >>> 0 : (Date.now() ^ (process.pid << 16)) >>> 0;
const OUT_DIR = argv.out!;
const EPOCH_FRAMES = Number(argv.epoch);
/** A single frame slower than this (through decode, analysis and all renderers) is reported. */
const SLOW_FRAME_MS = 100;
/** Documented bounds of the analyzer (analyzer.ts DEFAULTS and history lengths). */
const BOUNDS = { routersPerVrid: 64, masterChanges: 200, spells: 200, priorityHistory: 32, recentAlerts: 500, malformedSeen: 4096, vipIndex: 65_536 };

const ROOT = path.resolve(import.meta.dirname, '..');

// ---- deterministic randomness ----------------------------------------------------------------

const random = prng(SEED);
const rand32 = (): number => Math.floor(random() * 4294967296) >>> 0;
/** Integer in [0, n). */
const rnd = (n: number): number => (n <= 0 ? 0 : Math.floor(random() * n));
const chance = (p: number): boolean => random() < p;
const pick = <T>(xs: readonly T[]): T => xs[rnd(xs.length)];

// ---- seeds -----------------------------------------------------------------------------------

interface SeedFrame {
  linkType: number;
  data: Uint8Array;
  ts: number;
}

function pcapPaths(): string[] {
  const found: string[] = [];
  const lab = path.join(ROOT, 'pcaps/lab');
  if (fs.existsSync(lab)) for (const f of fs.readdirSync(lab)) if (f.endsWith('.pcap')) found.push(path.join(lab, f));
  const shared = path.resolve(ROOT, '../shared/pcaps');
  if (fs.existsSync(shared)) {
    for (const f of fs.readdirSync(shared, { recursive: true }) as string[]) if (f.endsWith('.pcap')) found.push(path.join(shared, f));
  }
  return found.sort();
}

/** Frames of one file; a file being re-recorded may be cut short, so whatever was read counts. */
function framesOf(bytes: Uint8Array, limit: number): SeedFrame[] {
  const out: SeedFrame[] = [];
  const parser = new CaptureParser((f) => {
    out.push({ linkType: f.linkType, data: f.data.slice(), ts: f.ts });
    return out.length < limit;
  });
  try {
    parser.push(bytes);
    parser.end();
  } catch (err) {
    if (!(err instanceof CaptureError)) throw err;
  }
  return out;
}

const seedFiles: { name: string; bytes: Uint8Array }[] = [];
const seeds: SeedFrame[] = [];
for (const p of pcapPaths()) {
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(fs.readFileSync(p));
  } catch {
    continue;
  }
  const frames = framesOf(bytes, 4000);
  seeds.push(...frames);
  // Whole-file mutations stay fast on a prefix: the reader's state is the same after any record.
  seedFiles.push({ name: path.relative(ROOT, p), bytes: bytes.subarray(0, Math.min(bytes.length, 256 * 1024)) });
}
if (seeds.length === 0) {
  console.error('fuzz: no seed frames found under pcaps/lab or ../shared/pcaps');
  process.exit(2);
}

/** The same frames rewritten in other containers: pcapng (both byte orders), nanosecond and modified pcap. */
function rebuiltFile(): Uint8Array {
  const n = 1 + rnd(24);
  const start = rnd(seeds.length);
  const frames = Array.from({ length: n }, (_, i) => seeds[(start + i) % seeds.length]);
  const kind = rnd(3);
  if (kind === 0) {
    const s = new PcapngSection(chance(0.5));
    const types = [...new Set(frames.map((f) => f.linkType))];
    for (const t of types) s.idb({ linkType: t, snapLen: chance(0.2) ? 64 : 0, tsresol: chance(0.3) ? 9 : undefined });
    for (const f of frames) {
      const iface = types.indexOf(f.linkType);
      const units = BigInt(Math.round(f.ts * 1e6));
      const r = rnd(6);
      if (r === 0 && iface === 0) s.spb(f.data.length, f.data);
      else if (r === 1) s.pb({ iface, units, data: f.data });
      else s.epb({ iface, units, data: f.data });
      if (chance(0.1)) s.block(pick([4, 5, 0xbad, 0x40000bad, 9, 10, 0x12345678]), (b) => b.u32(rand32()).u32(rand32()));
    }
    return s.finish();
  }
  return pcapFile({
    littleEndian: chance(0.5),
    nanos: kind === 1,
    modified: kind === 2,
    snapLen: chance(0.2) ? 64 : 65535,
    linkType: frames[0].linkType,
    records: frames.filter((f) => f.linkType === frames[0].linkType).map((f) => ({
      seconds: Math.max(0, Math.floor(f.ts)),
      fraction: kind === 1 ? Math.round((f.ts % 1) * 1e9) : Math.round((f.ts % 1) * 1e6),
      data: f.data,
    })),
  }).bytes;
}

// ---- frame layout and mutations -------------------------------------------------------------

/** Where things sit in a frame, found leniently (the mutator may be looking at garbage). */
interface Layout {
  netOff: number;
  etherTypeOff: number;
  net: 'ipv4' | 'ipv6' | 'arp' | 'none';
  l4Off: number;
  protocol: number;
}

function layout(linkType: number, b: Uint8Array): Layout {
  let off = -1;
  let etOff = -1;
  let et = -1;
  const be16 = (o: number) => (o + 2 <= b.length ? (b[o] << 8) | b[o + 1] : -1);
  if (linkType === 1) {
    etOff = 12;
    off = 14;
  } else if (linkType === 113) {
    etOff = 14;
    off = 16;
  } else if (linkType === 276) {
    etOff = 0;
    off = 20;
  } else if (linkType === 0 || linkType === 108) {
    off = 4;
  } else if ([101, 12, 14, 228, 229].includes(linkType)) {
    off = 0;
  }
  if (etOff >= 0) {
    et = be16(etOff);
    while ((et === 0x8100 || et === 0x88a8 || et === 0x9100) && off + 4 <= b.length) {
      etOff = off + 2;
      et = be16(etOff);
      off += 4;
    }
  }
  const l: Layout = { netOff: off, etherTypeOff: etOff, net: 'none', l4Off: -1, protocol: -1 };
  if (off < 0 || off >= b.length) return l;
  const version = b[off] >> 4;
  if (et === 0x0806) l.net = 'arp';
  else if (version === 4 && (et < 0 || et === 0x0800)) {
    l.net = 'ipv4';
    l.l4Off = off + (b[off] & 0x0f) * 4;
    l.protocol = off + 9 < b.length ? b[off + 9] : -1;
  } else if (version === 6 && (et < 0 || et === 0x86dd)) {
    l.net = 'ipv6';
    l.l4Off = off + 40;
    l.protocol = off + 6 < b.length ? b[off + 6] : -1;
  }
  return l;
}

const INTERESTING8 = [0, 1, 2, 3, 4, 7, 8, 15, 16, 0x1f, 0x20, 0x3f, 0x40, 0x7f, 0x80, 0x81, 0xfe, 0xff];
const INTERESTING16 = [0, 1, 7, 8, 19, 20, 21, 39, 40, 41, 0x7fff, 0x8000, 0xfffe, 0xffff];
/** Auth data and other bytes that must never reach a terminal raw: CSI, OSC with BEL, NUL, C1 CSI, invalid UTF-8. */
const HOSTILE_BYTES = [
  [0x1b, 0x5b, 0x32, 0x4a, 0x1b, 0x5b, 0x48, 0x00],
  [0x1b, 0x5d, 0x30, 0x3b, 0x70, 0x77, 0x07, 0x00],
  [0x9b, 0x33, 0x31, 0x6d, 0xff, 0xfe, 0xc3, 0x28],
  [0x07, 0x08, 0x7f, 0x0d, 0x0a, 0x09, 0x85, 0x8d],
];

function set16(b: Uint8Array, o: number, v: number): void {
  if (o >= 0 && o + 2 <= b.length) {
    b[o] = (v >> 8) & 0xff;
    b[o + 1] = v & 0xff;
  }
}
function set8(b: Uint8Array, o: number, v: number): void {
  if (o >= 0 && o < b.length) b[o] = v & 0xff;
}
function insertAt(b: Uint8Array, o: number, bytes: Uint8Array): Uint8Array {
  const at = Math.max(0, Math.min(o, b.length));
  const out = new Uint8Array(b.length + bytes.length);
  out.set(b.subarray(0, at), 0);
  out.set(bytes, at);
  out.set(b.subarray(at), at + bytes.length);
  return out;
}
function randomBytes(n: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = rand32() & 0xff;
  return out;
}
/** A 16-bit length near the truth, or an interesting one. */
function lengthNear(truth: number): number {
  return chance(0.5) ? (truth + rnd(17) - 8) & 0xffff : pick(INTERESTING16);
}

/** A header field and the values worth trying in it: offset from the header, width, a value. */
type FieldEdit = readonly [offset: number, width: 1 | 2, value: (b: Uint8Array, at: number) => number];

/** VRRP: count, version/type, VRID, priority, auth type, interval (v3: reserved bits too). */
const VRRP_FIELDS: readonly FieldEdit[] = [
  [3, 1, (b, at) => pick([0, 1, 2, 3, 16, 127, 128, 255, ((b[at] ?? 0) + rnd(5) - 2) & 0xff])],
  [0, 1, () => (pick([2, 3, 0, 1, 4, 15]) << 4) | pick([1, 1, 0, 2, 15])],
  [1, 1, () => pick([0, 1, 255, rnd(256)])],
  [2, 1, () => pick([0, 1, 100, 254, 255])],
  [4, 1, () => pick([0, 1, 2, 3, 255])],
  [4, 2, () => pick([0, 1, 0x0fff, 0xf000, 0xffff, rand32() & 0xffff])],
];

/** ARP: hardware / protocol lengths, operation, hardware type. */
const ARP_FIELDS: readonly FieldEdit[] = [
  [4, 1, () => pick([0, 6, 8, 16, 255])],
  [5, 1, () => pick([0, 4, 6, 16, 255])],
  [6, 2, () => pick([0, 1, 2, 3, 4, 8, 9, 0xffff])],
  [0, 2, () => pick([1, 6, 0x800, 0xffff])],
];

function editField(b: Uint8Array, base: number, fields: readonly FieldEdit[]): void {
  const [offset, width, value] = pick(fields);
  const at = base + offset;
  if (width === 1) set8(b, at, value(b, at));
  else set16(b, at, value(b, at));
}

/** One mutation; returns the (maybe new) bytes. */
function mutateOnce(linkType: number, input: Uint8Array): Uint8Array {
  let b = input;
  const l = layout(linkType, b);
  switch (rnd(17)) {
    case 16:
      if (l.net === 'ipv4' || l.net === 'ipv6') {
        // An ICMP error quoting this packet (someone rejecting VRRP), itself open to the other mutations.
        const v4 = l.net === 'ipv4';
        const quoted = b.subarray(l.netOff, Math.min(b.length, l.netOff + (chance(0.5) ? 28 : 48 + rnd(64))));
        const icmp = new Uint8Array(8 + quoted.length);
        icmp[0] = v4 ? pick([3, 3, 11, 5]) : pick([1, 1, 4, 2]);
        icmp[1] = rnd(chance(0.5) ? 4 : 16);
        icmp.set(quoted, 8);
        const head = b.slice(0, l.netOff + (v4 ? 20 : 40));
        if (v4) {
          head[l.netOff] = 0x45;
          set8(head, l.netOff + 9, 1);
          set16(head, l.netOff + 2, 20 + icmp.length);
        } else {
          set8(head, l.netOff + 6, 58);
          set16(head, l.netOff + 4, icmp.length);
        }
        return insertAt(head, head.length, icmp);
      }
      return b;
    case 0: {
      // Bit flips anywhere.
      for (let i = 1 + rnd(8); i > 0 && b.length; i--) b[rnd(b.length)] ^= 1 << rnd(8);
      return b;
    }
    case 1: {
      if (b.length) b[rnd(b.length)] = pick(INTERESTING8);
      return b;
    }
    case 2:
      // Truncate (a snap length, or a file cut mid-record).
      return b.subarray(0, rnd(b.length + 1));
    case 3:
      // Trailing bytes: Ethernet padding, or a lying length.
      return insertAt(b, b.length, chance(0.5) ? new Uint8Array(1 + rnd(64)) : randomBytes(1 + rnd(64)));
    case 4: {
      // Insert or delete a few bytes in the middle, shifting every later field.
      const at = rnd(b.length + 1);
      if (chance(0.5)) return insertAt(b, at, randomBytes(1 + rnd(16)));
      const n = 1 + rnd(16);
      const out = new Uint8Array(Math.max(0, b.length - n));
      out.set(b.subarray(0, at).subarray(0, out.length));
      if (at < out.length) out.set(b.subarray(at + n), at);
      return out;
    }
    case 5: {
      // Splice: this frame's head with another's tail.
      const other = pick(seeds).data;
      const cutA = rnd(b.length + 1);
      const cutB = rnd(other.length + 1);
      const out = new Uint8Array(cutA + other.length - cutB);
      out.set(b.subarray(0, cutA));
      out.set(other.subarray(cutB), cutA);
      return out;
    }
    case 6:
      if (l.net === 'ipv4') {
        // IHL: any nibble, including < 5 and past the frame.
        set8(b, l.netOff, 0x40 | rnd(16));
      } else if (l.net === 'ipv6') {
        set16(b, l.netOff + 4, lengthNear(b.length - l.netOff - 40));
      }
      return b;
    case 7:
      if (l.net === 'ipv4') set16(b, l.netOff + 2, lengthNear(b.length - l.netOff));
      else if (l.net === 'ipv6') set8(b, l.netOff + 6, pick([0, 43, 44, 51, 60, 59, 58, 112, 17, rnd(256)]));
      return b;
    case 8:
      if (l.net === 'ipv6') {
        // An extension header chain in front of the upper layer, with a length byte that may lie.
        const kind = pick([0, 43, 60, 44, 51]);
        const ext = new Uint8Array(8 * (1 + rnd(3)));
        ext[0] = l.protocol & 0xff;
        ext[1] = chance(0.7) ? (kind === 51 ? ext.length / 4 - 2 : ext.length / 8 - 1) : rnd(256);
        if (kind === 44 && chance(0.5)) set16(ext, 2, rand32() & 0xfff9);
        b = insertAt(b, l.netOff + 40, ext);
        set8(b, l.netOff + 6, kind);
        if (chance(0.8)) set16(b, l.netOff + 4, ((b[l.netOff + 4] << 8) | b[l.netOff + 5]) + ext.length);
      } else if (l.net === 'ipv4') {
        // Fragment fields and protocol.
        if (chance(0.5)) set16(b, l.netOff + 6, rand32() & 0xffff);
        else set8(b, l.netOff + 9, pick([112, 112, 1, 2, 17, rnd(256)]));
      }
      return b;
    case 9:
    case 10:
      if (l.l4Off >= 0 && (l.protocol === 112 || chance(0.2))) {
        if (chance(1 / 7)) {
          // Auth data that tries to reach the terminal.
          const o = l.l4Off;
          const count = b[o + 3] ?? 0;
          const at = o + 8 + count * (l.net === 'ipv6' ? 16 : 4);
          const hostile = pick(HOSTILE_BYTES);
          for (let i = 0; i < 8; i++) set8(b, at + i, hostile[i]);
          set8(b, o + 4, 1);
        } else editField(b, l.l4Off, VRRP_FIELDS);
      }
      return b;
    case 11:
      if (l.net === 'arp') {
        editField(b, l.netOff, ARP_FIELDS);
      } else if (l.net === 'ipv6' && l.protocol === 58 && l.l4Off >= 0) {
        // Neighbor advertisement: type, code, option lengths.
        const o = l.l4Off;
        if (chance(0.3)) set8(b, o, 136);
        else if (chance(0.3)) set8(b, o + 1, rnd(256));
        else set8(b, o + 24 + 1, pick([0, 1, 2, 255]));
      }
      return b;
    case 12:
      if (l.etherTypeOff >= 0) {
        // EtherType games: VLAN stacks, ARP, IPv4 <-> IPv6 confusion.
        if (chance(0.5)) {
          const tag = new Uint8Array(4 * (1 + rnd(3)));
          for (let i = 0; i < tag.length; i += 4) set16(tag, i, pick([0x8100, 0x88a8, 0x9100]));
          set16(tag, 2, rand32() & 0xffff);
          // Tags go before the current EtherType; the last one must point at it.
          b = insertAt(b, l.etherTypeOff, tag);
          for (let i = 0; i + 4 < tag.length; i += 4) set16(b, l.etherTypeOff + i + 2, rand32() & 0xffff);
        } else set16(b, l.etherTypeOff, pick([0x0800, 0x86dd, 0x0806, 0x8100, 0x88a8, 0x9100, 0x0000, 0xffff]));
      }
      return b;
    case 13:
      // Random bytes in the network header region, where lengths live.
      if (l.netOff >= 0) for (let i = 1 + rnd(4); i > 0; i--) set8(b, l.netOff + rnd(48), rand32());
      return b;
    case 14:
      // A whole run of random bytes or zeros.
      if (b.length) {
        const at = rnd(b.length);
        const n = Math.min(b.length - at, 1 + rnd(32));
        const fill = chance(0.5) ? randomBytes(n) : new Uint8Array(n).fill(pick([0, 0xff]));
        b.set(fill, at);
      }
      return b;
    default:
      // Duplicate a chunk (repeated headers, repeated addresses).
      if (b.length) {
        const at = rnd(b.length);
        const n = Math.min(b.length - at, 1 + rnd(48));
        return insertAt(b, rnd(b.length + 1), b.slice(at, at + n));
      }
      return b;
  }
}

const LINK_TYPES = [1, 1, 1, 113, 276, 101, 12, 14, 228, 229, 0, 108, 147, 0xffff];

function mutatedFrame(): { linkType: number; data: Uint8Array } {
  const seed = pick(seeds);
  let linkType = seed.linkType;
  let data: Uint8Array = seed.data.slice();
  // Unmutated frames keep real state building up in the analyzer (masters, changes, claims).
  if (chance(0.15)) return { linkType, data };
  if (chance(0.03)) linkType = pick(LINK_TYPES);
  for (let n = 1 + rnd(chance(0.3) ? 8 : 3); n > 0; n--) data = mutateOnce(linkType, data);
  if (data.length > MAX_SNAPLEN) data = data.subarray(0, MAX_SNAPLEN);
  return { linkType, data };
}

// ---- checks on output -----------------------------------------------------------------------

interface Finding {
  kind: string;
  detail: string;
  iteration: number;
  saved?: string;
}
const findings = new Map<string, Finding>();
let iteration = 0;
let currentFrames: { linkType: number; data: Uint8Array; ts: number }[] = [];

function report(kind: string, detail: string, dedupe: string, save?: () => string): void {
  const key = `${kind}:${dedupe}`;
  if (findings.has(key)) return;
  const f: Finding = { kind, detail, iteration };
  try {
    if (save) f.saved = save();
  } catch (err) {
    f.detail += ` (could not save: ${(err as Error).message})`;
  }
  findings.set(key, f);
  if (!argv.quiet) console.error(`fuzz: FINDING ${kind} at iteration ${iteration} (seed ${SEED}): ${detail}${f.saved ? ` -> ${f.saved}` : ''}`);
}

/** Text output (no colour) must be printable ASCII: escapeText / escapeControls make it so. */
// eslint-disable-next-line no-control-regex
const UNSAFE_TEXT = /[^\x20-\x7e]/;
/** JSON escapes C0 itself; DEL and C1 (U+0080-U+009F, which terminals may act on) must be escaped too. */
// eslint-disable-next-line no-control-regex
const UNSAFE_JSON = /[\x00-\x1f\x7f-\x9f]/;

function checkText(s: string, where: string): void {
  if (UNSAFE_TEXT.test(s)) {
    const c = s.charCodeAt(s.search(UNSAFE_TEXT));
    report('unsafe-text', `${where}: raw character U+${c.toString(16).padStart(4, '0')} in ${JSON.stringify(s.slice(0, 200))}`, `${where}:${c}`, saveContext);
  }
}

/** The report's own two scripts and nothing else: wire text never opens or closes markup that runs. */
function checkHtml(html: string): void {
  const opened = html.match(/<script/gi)?.length ?? 0;
  const closed = html.match(/<\/script/gi)?.length ?? 0;
  if (opened !== 2 || closed !== 2 || html.includes('<!--') || /<(img|iframe|svg|object|embed)\b/i.test(html)) {
    report('html-breakout', `reportHtml: ${opened} <script, ${closed} </script, or a comment or element from the wire`, 'reportHtml', saveContext);
  }
}

function checkJson(s: string, where: string): void {
  if (UNSAFE_JSON.test(s)) {
    const c = s.charCodeAt(s.search(UNSAFE_JSON));
    report('unsafe-json', `${where}: raw character U+${c.toString(16).padStart(4, '0')} in a JSON line`, `${where}:${c > 0x7e ? 'c1' : c}`, saveContext);
  }
  // Parsing every line would cost more than producing it; a sample finds the same bugs.
  if ((rand32() & 7) !== 0) return;
  try {
    JSON.parse(s);
  } catch (err) {
    report('bad-json', `${where}: ${(err as Error).message}`, where, saveContext);
  }
}

/**
 * Output that checks every line instead of writing it. Structurally what Pipeline uses of Output
 * (write, line, flush, closed, and the byte writers); not a subclass, so Output's private buffers stay its own business.
 */
class CheckingOutput {
  chars = 0;
  closed = false;
  constructor(private readonly json: boolean) {}
  write(s: string): void {
    this.chars += s.length;
    if (this.json) {
      for (const line of s.split('\n')) if (line) checkJson(line, 'pipeline json');
    } else {
      for (const line of s.split('\n')) checkText(line, 'pipeline text');
    }
  }
  line(s: string): void {
    if (s.includes('\n')) report('multi-line', `a single record spans lines: ${JSON.stringify(s.slice(0, 120))}`, 'line', saveContext);
    this.write(s);
  }
  flush(): void {}
  // The byte writers of Output's fast paths: the line is assembled as text and checked like the others.
  private current = '';
  begin(): boolean {
    this.current = '';
    return true;
  }
  putAscii(s: string): void {
    this.current += s;
  }
  putBytes(b: Uint8Array): void {
    this.current += Buffer.from(b.buffer, b.byteOffset, b.length).toString('utf8');
  }
  putDigits(n: number, width: number): void {
    this.current += String(n).padStart(width, '0');
  }
  putInt(n: number): void {
    this.current += String(n);
  }
  endLine(): void {
    this.line(this.current);
  }
  asOutput(): Output {
    return this as unknown as Output;
  }
}

// ---- saving findings ------------------------------------------------------------------------

let saved = 0;
function writePcap(frames: { linkType: number; data: Uint8Array; ts: number }[], name: string): string {
  fs.mkdirSync(OUT_DIR, { recursive: true });
  // One link type per classic file: the most common one in the context.
  const linkType = frames.length ? frames[frames.length - 1].linkType : 1;
  const records = frames
    .filter((f) => f.linkType === linkType)
    .map((f) => {
      const ts = Number.isFinite(f.ts) && f.ts >= 0 && f.ts < 4294967296 ? f.ts : 0;
      return { seconds: Math.floor(ts), fraction: Math.round((ts % 1) * 1e6) % 1_000_000, data: f.data };
    });
  const file = path.join(OUT_DIR, name);
  fs.writeFileSync(file, pcapFile({ records, linkType, snapLen: MAX_SNAPLEN }).bytes);
  return file;
}
/** The last frames of the current simulated capture: analyzer findings depend on what came before. */
function saveContext(): string {
  return writePcap(currentFrames.slice(-200), `finding-${SEED}-${++saved}.pcap`);
}

// ---- the harness ----------------------------------------------------------------------------

const OPTION_SETS: RunOptions[] = [
  {},
  { verbose: true },
  { json: true },
  { authPass: 'secret', verbose: true },
  { vrid: new Set([1, 2, 42, 43, 51, 100, 200, 255]) },
  { json: true, authPass: 'abcdefgh' },
  { quiet: true },
  { explain: true },
  { json: true, explain: true, vrid: new Set([1, 42, 51]) },
];

let pipeline: Pipeline;
/** The HTML report's sink on the same run. */
let collector: ReportCollector;
let longestAlert = 0;
let out: CheckingOutput;
let epochFrames = 0;
let epochIndex = 0;
let clock = 1_700_000_000;
/** How the current pipeline renders packets itself; the harness renders the other modes. */
let currentMode: 'text' | 'verbose' | 'json' | 'quiet' = 'text';

function newEpoch(): void {
  const o = OPTION_SETS[epochIndex++ % OPTION_SETS.length];
  currentMode = o.quiet ? 'quiet' : o.json ? 'json' : o.verbose ? 'verbose' : 'text';
  out = new CheckingOutput(!!o.json);
  pipeline = new Pipeline(o, out.asOutput(), (a: Alert) => {
    if (a.message.length > longestAlert) longestAlert = a.message.length;
    // The pipeline renders alerts in its own mode; render the other one here.
    if (o.json) checkText(alertLine(a, MONO), 'alertLine');
    else checkJson(toJsonLine(alertRecord(a)), 'alertRecord');
    collector.alert(a);
  }, (pkt) => collector.packet(pkt));
  const p = pipeline;
  collector = new ReportCollector((addr) => p.analyzer.claimedBy(addr));
  epochFrames = 0;
  currentFrames = [];
  clock = 1_700_000_000 + rnd(1e8);
}

function nextTs(): number {
  // Mostly advancing like a capture; sometimes backwards, far ahead, or at the edges of the
  // reader's range (pcapng's if_tsoffset and 64-bit counts allow negative and huge times).
  const r = rnd(1000);
  if (r < 900) clock += rnd(2_000_000) / 1e6;
  else if (r < 960) clock -= rnd(10_000_000) / 1e6;
  else if (r < 985) clock += rnd(1e6);
  else if (r < 990) return pick([0, -1, 4294967295.999999, 1.8e13, -9.2e12]);
  return clock;
}

interface StateSizes {
  vrs: number;
  vipIndex: number;
  claims: number;
  malformedSeen: number;
  maxRouters: number;
  conditions: number;
  maxSources: number;
  maxChanges: number;
  maxSpells: number;
  maxPriorityHistory: number;
  recentAlerts: number;
  /** Characters of alert text the analyzer holds (recent alerts and open conditions). */
  alertChars: number;
}
const maxSizes: StateSizes = { vrs: 0, vipIndex: 0, claims: 0, malformedSeen: 0, maxRouters: 0, conditions: 0, maxSources: 0, maxChanges: 0, maxSpells: 0, maxPriorityHistory: 0, recentAlerts: 0, alertChars: 0 };

/** Sizes of every growing structure inside the analyzer (private fields, read for the check only). */
function stateSizes(p: Pipeline): StateSizes {
  type Internals = {
    vrs: Map<string, { routers: Map<string, { priorityHistory: unknown[] }>; conditions: Map<string, { alert: Alert }>; changes: unknown[]; spells: unknown[] }>;
    vipIndex?: Map<string, unknown>;
    claims?: Map<string, unknown>;
    malformedSeen?: Set<string>;
    alerts: { recent: Alert[] };
  };
  // The analyzer's state object (analyze/state.ts).
  const a = (p.analyzer as unknown as { st: Internals }).st;
  const s: StateSizes = {
    vrs: a.vrs.size,
    vipIndex: a.vipIndex?.size ?? 0,
    claims: a.claims?.size ?? 0,
    malformedSeen: a.malformedSeen?.size ?? 0,
    maxRouters: 0,
    conditions: 0,
    maxSources: 0,
    maxChanges: 0,
    maxSpells: 0,
    maxPriorityHistory: 0,
    recentAlerts: a.alerts.recent.length,
    alertChars: 0,
  };
  for (const x of a.alerts.recent) s.alertChars += x.message.length;
  for (const vr of a.vrs.values()) {
    s.maxRouters = Math.max(s.maxRouters, vr.routers.size);
    s.conditions += vr.conditions.size;
    for (const c of vr.conditions.values()) {
      s.maxSources = Math.max(s.maxSources, c.alert.sources.length);
      s.alertChars += c.alert.message.length;
    }
    s.maxChanges = Math.max(s.maxChanges, vr.changes?.length ?? 0);
    s.maxSpells = Math.max(s.maxSpells, vr.spells?.length ?? 0);
    for (const r of vr.routers.values()) s.maxPriorityHistory = Math.max(s.maxPriorityHistory, r.priorityHistory?.length ?? 0);
  }
  for (const k of Object.keys(s) as (keyof StateSizes)[]) maxSizes[k] = Math.max(maxSizes[k], s[k]);
  return s;
}

function checkBounds(s: StateSizes): void {
  const over = (what: string, value: number, bound: number) => {
    if (value > bound) report('unbounded-state', `${what} = ${value}, above its bound ${bound}`, what, saveContext);
  };
  over('routers per VRID', s.maxRouters, BOUNDS.routersPerVrid);
  over('master changes kept', s.maxChanges, BOUNDS.masterChanges);
  over('master spells kept', s.maxSpells, BOUNDS.spells);
  over('priority history', s.maxPriorityHistory, BOUNDS.priorityHistory);
  over('recent alerts', s.recentAlerts, BOUNDS.recentAlerts);
  over('malformed sources remembered', s.malformedSeen, BOUNDS.malformedSeen);
  over('virtual address index', s.vipIndex, BOUNDS.vipIndex);
  over('address claims', s.claims, BOUNDS.vipIndex);
  // Two families x 256 VRIDs; open conditions are per VRID and per condition key.
  over('virtual routers', s.vrs, 512);
  over('sources of one open alert', s.maxSources, BOUNDS.routersPerVrid * 4);
  over('open conditions', s.conditions, 512 * 64);
  // 500 recent alerts of a few hundred characters each; far more means messages embed unbounded lists.
  over('alert text held', s.alertChars, 4 * 1024 * 1024);
}

/** Snapshot, summary and every summary renderer, as the end of `read` does. */
function summarize(final: boolean): void {
  try {
    summarizeOnce(final);
  } catch (err) {
    const e = err as Error;
    const top = (e?.stack ?? '').split('\n').slice(0, 3).join(' | ');
    report('exception', `at the summary: ${e?.name}: ${e?.message} ${top}`, `${e?.message}@${top}`, saveContext);
  }
}

function summarizeOnce(final: boolean): void {
  const p = pipeline;
  if (final) p.finish();
  else p.analyzer.finish();
  const snap = p.analyzer.snapshot();
  const totals = { frames: p.frames };
  checkText(summaryText(snap, totals, p.firstTs, MONO).replace(/\n/g, ''), 'summaryText');
  checkJson(toJsonLine(summaryRecord(snap, totals, p.firstTs)), 'summaryRecord');
  if (final) checkHtml(reportHtml(collector.build(snap, diagnose(snap), {
    files: ['fuzz'], frames: p.frames, firstTs: p.firstTs, lastTs: Number.isFinite(snap.ts) ? snap.ts : null,
  })));
  checkBounds(stateSizes(p));
}

let slowest = 0;
let slowPipelineFrames = 0;
let frameCount = 0;

/** One frame through the pipeline and every per-packet renderer. */
function runFrame(frame: Frame): void {
  currentFrames.push({ linkType: frame.linkType, data: frame.data.slice(), ts: frame.ts });
  if (currentFrames.length > 400) currentFrames = currentFrames.slice(-200);
  const t0 = performance.now();
  let tPipeline = 0;
  try {
    pipeline.frame(frame);
    tPipeline = performance.now() - t0;
    // The renderings the pipeline did not produce in its own mode.
    const pkt = decodedFrame(frame);
    const mode = currentMode;
    if (mode !== 'text') {
      const a = packetLine(pkt, { verbose: false, palette: MONO });
      if (a !== null) checkText(a, 'packetLine');
    }
    if (mode !== 'verbose') {
      const b = packetLine(pkt, { verbose: true, palette: MONO });
      if (b !== null) checkText(b, 'packetLine -v');
    }
    // The hand-built JSON line of the hot path must equal the general one, byte for byte.
    const rec = packetRecord(pkt);
    const general = rec === null ? null : toJsonLine(rec);
    const fast = packetJsonLine(pkt);
    if (fast !== general) {
      report('json-mismatch', `packetJsonLine differs from toJsonLine(packetRecord): ${JSON.stringify(fast?.slice(0, 160))} vs ${JSON.stringify(general?.slice(0, 160))}`, pkt.packet.kind, saveContext);
    }
    if (mode !== 'json' && general !== null) checkJson(general, 'packetRecord');
    if (chance(0.01)) pipeline.analyzer.tick(frame.ts + rnd(10_000) / 1000);
  } catch (err) {
    const e = err as Error;
    const top = (e?.stack ?? '').split('\n').slice(0, 3).join(' | ');
    report('exception', `${e?.name}: ${e?.message} ${top}`, `${e?.message}@${top}`, () => writePcap([currentFrames[currentFrames.length - 1]], `crash-${SEED}-${++saved}.pcap`));
    // The analyzer may be half-updated: start a fresh one.
    newEpoch();
  }
  const dt = performance.now() - t0;
  if (dt > slowest) slowest = dt;
  if (dt > SLOW_FRAME_MS) {
    // One stall is not a finding: a GC pause or another process on the machine causes those. The
    // renderers can be timed again on the same frame; the analyzer cannot (its state moved on), so
    // a slow pipeline counts only when it happens again and again.
    const t1 = performance.now();
    const pkt = decodedFrame(frame);
    packetLine(pkt, { verbose: true, palette: MONO });
    const rec = packetRecord(pkt);
    if (rec) toJsonLine(rec);
    const again = performance.now() - t1;
    if (tPipeline > SLOW_FRAME_MS) slowPipelineFrames++;
    if (again > SLOW_FRAME_MS || slowPipelineFrames >= 5) {
      report('slow-frame', `${dt.toFixed(1)} ms for one frame (${tPipeline.toFixed(1)} ms in the pipeline, ${again.toFixed(1)} ms to decode and render it again; ` +
        `${slowPipelineFrames} slow pipeline frames so far; longest alert ${longestAlert} chars)`, `slow:${again > SLOW_FRAME_MS ? 'render' : 'pipeline'}`, saveContext);
    }
  }
  frameCount++;
  epochFrames++;
}

let record = 0;
function frameOf(linkType: number, data: Uint8Array): Frame {
  return { ts: nextTs(), linkType, data, origLen: data.length + (chance(0.05) ? rnd(1000) : 0), record: ++record, offset: -1 };
}

// ---- whole files through the reader ---------------------------------------------------------

/** Mutates a capture file where its structure lives: file header, record and block headers. */
function mutateFile(input: Uint8Array): Uint8Array {
  let b = input.slice();
  const put32 = (o: number, v: number, le = chance(0.5)) => {
    if (o >= 0 && o + 4 <= b.length) new DataView(b.buffer, b.byteOffset, b.length).setUint32(o, v >>> 0, le);
  };
  for (let n = 1 + rnd(3); n > 0; n--) {
    switch (rnd(8)) {
      case 0:
        // The file header: magic, version, snap length, link type.
        for (let i = 1 + rnd(3); i > 0; i--) if (b.length) b[rnd(Math.min(b.length, 28))] ^= 1 << rnd(8);
        break;
      case 1: {
        // A length field somewhere in the first records / blocks set to a hostile value.
        const o = rnd(Math.min(b.length, 4096)) & ~3;
        put32(o, pick([0, 1, 3, 4, 7, 8, 12, 13, 16, 28, 31, 32, 0x7fffffff, 0xffffffff, MAX_SNAPLEN, MAX_SNAPLEN + 1, 16 * 1024 * 1024 + 4, rand32()]));
        break;
      }
      case 2:
        b = b.subarray(0, rnd(b.length + 1));
        break;
      case 3:
        for (let i = 1 + rnd(16); i > 0; i--) if (b.length) b[rnd(b.length)] ^= 1 << rnd(8);
        break;
      case 4: {
        // Splice two files: a second header in the middle, or a record from elsewhere.
        const other = pick(seedFiles).bytes;
        const a = rnd(b.length + 1);
        const c = rnd(Math.min(other.length, 8192) + 1);
        const joined = new Uint8Array(a + (other.length - c));
        joined.set(b.subarray(0, a));
        joined.set(other.subarray(c), a);
        b = joined;
        break;
      }
      case 5:
        // Zeros where a block or record header should be.
        if (b.length > 32) b.fill(0, 24 + rnd(b.length - 32), Math.min(b.length, 24 + rnd(b.length - 32) + 16));
        break;
      case 6: {
        // A pcapng byte-order magic or version gone wrong.
        const o = 8;
        put32(o, pick([0x1a2b3c4d, 0x4d3c2b1a, 0, 0xffffffff, rand32()]), true);
        break;
      }
      default:
        if (b.length >= 24) put32(20, pick([0, 1, 101, 113, 228, 229, 276, 0xfc000001, rand32()]), true);
    }
  }
  return b;
}

interface ParseOutcome {
  frames: { record: number; offset: number; ts: number; linkType: number; origLen: number; length: number; sum: number }[];
  error: string | null;
}

/** Runs the push parser over `bytes` in the given chunk sizes; frames also go through the pipeline when `feed`. */
function parseFile(bytes: Uint8Array, chunk: () => number, feed: boolean): ParseOutcome {
  const frames: ParseOutcome['frames'] = [];
  const parser = new CaptureParser((f) => {
    let sum = 0;
    for (let i = 0; i < f.data.length; i += 7) sum = (sum * 31 + f.data[i]) | 0;
    frames.push({ record: f.record, offset: f.offset, ts: f.ts, linkType: f.linkType, origLen: f.origLen, length: f.data.length, sum });
    if (f.data.length > MAX_SNAPLEN) report('reader', `frame of ${f.data.length} bytes, above MAX_SNAPLEN`, 'snaplen');
    // The run stops at exactly --frames: a seed file may hold more frames than are left.
    if (feed && frameCount < MAX_FRAMES) runFrame(f);
  });
  let error: string | null = null;
  try {
    for (let at = 0; at < bytes.length; ) {
      const n = Math.max(1, chunk());
      parser.push(bytes.subarray(at, at + n));
      at += n;
    }
    parser.end();
  } catch (err) {
    if (!(err instanceof CaptureError)) {
      const e = err as Error;
      report('reader-exception', `${e?.name}: ${e?.message} ${(e?.stack ?? '').split('\n')[1] ?? ''}`, `${e?.message}`, () => {
        fs.mkdirSync(OUT_DIR, { recursive: true });
        const file = path.join(OUT_DIR, `reader-crash-${SEED}-${++saved}.pcap`);
        fs.writeFileSync(file, bytes);
        return file;
      });
      error = `non-CaptureError: ${e?.message}`;
    } else {
      error = err.message;
    }
  }
  const carry = (parser as unknown as { carry?: Uint8Array }).carry;
  if (carry && carry.length > 17 * 1024 * 1024) report('reader', `carry buffer of ${carry.length} bytes kept`, 'carry');
  return { frames, error };
}

let files = 0;
function runFile(): void {
  files++;
  const base = chance(0.5) ? pick(seedFiles).bytes : rebuiltFile();
  const bytes = mutateFile(base);
  // The reader's answer may not depend on how its input was chunked: compare one push with random chunks.
  const whole = parseFile(bytes, () => bytes.length, false);
  const style = rnd(4);
  const chunked = parseFile(bytes, () => (style === 0 ? 1 : style === 1 ? 1 + rnd(16) : style === 2 ? 1 + rnd(4096) : 1 + rnd(bytes.length)), true);
  const same =
    whole.error === chunked.error &&
    whole.frames.length === chunked.frames.length &&
    whole.frames.every((f, i) => {
      const g = chunked.frames[i];
      return f.record === g.record && f.offset === g.offset && f.ts === g.ts && f.linkType === g.linkType && f.origLen === g.origLen && f.length === g.length && f.sum === g.sum;
    });
  if (!same) {
    report('reader-chunking', `whole: ${whole.frames.length} frames, ${whole.error}; chunked: ${chunked.frames.length} frames, ${chunked.error}`,
      `${whole.error}|${chunked.error}`, () => {
        fs.mkdirSync(OUT_DIR, { recursive: true });
        const file = path.join(OUT_DIR, `reader-chunking-${SEED}-${++saved}.pcap`);
        fs.writeFileSync(file, bytes);
        return file;
      });
  }
}

// ---- watchdog: a hang inside one frame never returns to the loop ----------------------------

const heartbeat = new Int32Array(new SharedArrayBuffer(8));
const { Worker } = await import('node:worker_threads');
const watchdog = new Worker(
  `const { workerData } = require('node:worker_threads');
   const beat = new Int32Array(workerData.buffer);
   let last = -1, since = Date.now();
   setInterval(() => {
     const now = Atomics.load(beat, 0);
     if (now !== last) { last = now; since = Date.now(); return; }
     if (Date.now() - since > workerData.limitMs) {
       process.stderr.write('fuzz: HANG: no progress for ' + workerData.limitMs + ' ms at iteration ' + now + ' (seed ' + workerData.seed + '); rerun with --seed ' + workerData.seed + ' --frames ' + (now + 1) + '\\n');
       process.kill(process.pid, 'SIGKILL');
     }
   }, 500).unref();`,
  { eval: true, workerData: { buffer: heartbeat.buffer, limitMs: 15_000, seed: SEED } },
);
watchdog.unref();

// ---- main loop ------------------------------------------------------------------------------

const gc = (globalThis as { gc?: () => void }).gc;
function heapMb(): number {
  gc?.();
  return process.memoryUsage().heapUsed / 1048576;
}

console.error(`fuzz: seed ${SEED}, ${seeds.length} seed frames from ${seedFiles.length} files, up to ${MAX_FRAMES} frames / ${MAX_SECONDS} s${gc ? '' : ' (run node with --expose-gc for exact heap figures)'}`);
const heapStart = heapMb();
const heapByEpoch: number[] = [];
const rssStart = process.memoryUsage().rss / 1048576;
let rssMax = rssStart;
const started = performance.now();
const deadline = started + MAX_SECONDS * 1000;
newEpoch();

while (frameCount < MAX_FRAMES && performance.now() < deadline) {
  iteration++;
  Atomics.store(heartbeat, 0, iteration);
  if (iteration % 256 === 0) {
    runFile();
  } else {
    const { linkType, data } = mutatedFrame();
    runFrame(frameOf(linkType, data));
  }
  if (epochFrames >= EPOCH_FRAMES) {
    summarize(true);
    heapByEpoch.push(heapMb());
    rssMax = Math.max(rssMax, process.memoryUsage().rss / 1048576);
    newEpoch();
  } else if (iteration % 5000 === 0) {
    summarize(false);
    rssMax = Math.max(rssMax, process.memoryUsage().rss / 1048576);
  }
}
summarize(true);
const seconds = (performance.now() - started) / 1000;
const heapEnd = heapMb();
await watchdog.terminate();

// Heap after the first few epochs should be flat: each epoch starts a fresh analyzer.
const settled = heapByEpoch.slice(2);
if (settled.length >= 4) {
  const first = settled[0];
  const last = settled[settled.length - 1];
  if (last - first > 64) report('heap-growth', `heap grew from ${first.toFixed(1)} MB to ${last.toFixed(1)} MB across epochs`, 'heap');
}

const summary = {
  seed: SEED,
  frames: frameCount,
  files,
  seconds: Number(seconds.toFixed(1)),
  framesPerSecond: Math.round(frameCount / seconds),
  slowestFrameMs: Number(slowest.toFixed(2)),
  slowPipelineFrames,
  heapMb: { start: Number(heapStart.toFixed(1)), end: Number(heapEnd.toFixed(1)), epochs: heapByEpoch.map((h) => Number(h.toFixed(1))) },
  rssMb: { start: Number(rssStart.toFixed(1)), max: Number(rssMax.toFixed(1)) },
  maxState: maxSizes,
  longestAlertChars: longestAlert,
  findings: [...findings.values()],
};
console.log(JSON.stringify(summary, null, 2));
process.exitCode = findings.size > 0 ? 1 : 0;
