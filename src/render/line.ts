// One tcpdump-like line per packet, and one per alert.
import type { Alert } from '../analyze/alerts.js';
import { authTypeName, PRIORITY_MEANINGS } from '../decode/names.js';
import type { ArpPacket, CarpPacket, Decoded, GroupPacket, IcmpErrorPacket, MalformedPacket, NaPacket, Packet, VrrpPacket } from '../decode/types.js';
import { fmtMs } from '../duration.js';
import type { Palette } from './color.js';
import { escapeControls, quote } from './escape.js';
import { keptBytes, KeptPerSource, type KeptText } from './kept.js';
import type { Output } from './output.js';
import { clock, splitTimeOfDay, timeOfDay } from './time.js';

export interface LineOptions {
  verbose: boolean;
  palette: Palette;
}

/** The line for a decoded frame, or null for packets we do not show (other protocols). */
export function packetLine(decoded: Decoded, o: LineOptions): string | null {
  const text = packetText(decoded.packet, o);
  return text === null ? null : timeOfDay(decoded.ts) + text;
}

/** The line after its timestamp. */
function packetText(pkt: Packet, o: LineOptions): string | null {
  switch (pkt.kind) {
    case 'vrrp':
      return keptVrrpText(pkt, o).text + problemsText(pkt, o);
    case 'arp':
      return arpText(pkt, o);
    case 'na':
      return naText(pkt, o);
    case 'carp':
      return carpText(pkt, o);
    case 'icmp-error':
      return icmpErrorText(pkt, o);
    case 'group':
      return groupText(pkt, o);
    case 'malformed':
      return malformedText(pkt, o);
    default:
      return null;
  }
}

// A segment's adverts repeat a handful of intervals and passwords: their text is kept, not
// rebuilt per packet.
const INTERVAL_TEXT = new Map<number, string>();
const INTERVAL_TEXT_MAX = 1024;

function intervalText(ms: number): string {
  let t = INTERVAL_TEXT.get(ms);
  if (t === undefined) {
    t = fmtMs(ms);
    if (INTERVAL_TEXT.size < INTERVAL_TEXT_MAX) INTERVAL_TEXT.set(ms, t);
  }
  return t;
}

let lastPass: string | null = null;
let lastQuoted = '';

function quotedPass(pass: string): string {
  if (pass !== lastPass) {
    lastPass = pass;
    lastQuoted = quote(pass);
  }
  return lastQuoted;
}

/** Every field vrrpText() shows without -v is the same in `a` and `b` (sources are equal by the map key). */
function sameVrrpText(a: VrrpPacket, b: VrrpPacket): boolean {
  if (
    a.priority !== b.priority || a.vrid !== b.vrid || a.ip.dst !== b.ip.dst || a.version !== b.version || a.type !== b.type ||
    a.intervalMs !== b.intervalMs || a.authType !== b.authType || a.authPass !== b.authPass || a.addrCount !== b.addrCount ||
    a.addrs.length !== b.addrs.length
  ) {
    return false;
  }
  for (let i = 0; i < a.addrs.length; i++) if (a.addrs[i] !== b.addrs[i]) return false;
  return true;
}

/** Non-verbose advert lines after the timestamp, before the problems, kept per source. */
const vrrpTexts = new KeptPerSource(sameVrrpText);

/**
 * Verbose advert lines (with MACs, TTL and checksum, which change with every new advert), kept per
 * source for the very packet only: a repeated frame hands over the packet decoded the first time.
 */
const verboseVrrpTexts = new KeptPerSource(() => false);

function keptVrrpText(p: VrrpPacket, o: LineOptions): KeptText {
  if (o.verbose) return verboseVrrpTexts.lookup(p) ?? verboseVrrpTexts.keep(p, vrrpText(p, o));
  return vrrpTexts.lookup(p) ?? vrrpTexts.keep(p, vrrpText(p, o));
}

/**
 * Writes the packet's line to `out` (nothing for packets we do not show). An advert without
 * problems goes out as bytes: its timestamp, then the bytes kept for its source; ARP as bytes
 * written field by field.
 */
export function writePacketLine(out: Output, decoded: Decoded, o: LineOptions): void {
  const pkt = decoded.packet;
  if (pkt.kind === 'vrrp' && pkt.problems.length === 0 && splitTimeOfDay(decoded.ts)) {
    const kept = keptVrrpText(pkt, o);
    const bytes = keptBytes(kept);
    // "HH:MM:SS." + 6 digits
    if (out.begin(15 + bytes.length)) {
      out.putAscii(clock.prefix);
      out.putDigits(clock.micros, 6);
      out.putBytes(bytes);
      out.endLine();
      return;
    }
    if (out.closed) return;
  } else if (pkt.kind === 'arp' && pkt.problems.length === 0 && (pkt.op === 1 || pkt.op === 2) && (!o.verbose || plainLink(pkt)) && splitTimeOfDay(decoded.ts)) {
    // Written field by field, no string built: addresses and MACs are ASCII as the decoders format them.
    if (out.begin(100 + 2 * (pkt.senderIp.length + pkt.targetIp.length) + pkt.senderMac.length)) {
      out.putAscii(clock.prefix);
      out.putDigits(clock.micros, 6);
      if (pkt.gratuitous || pkt.op === 2) {
        out.putAscii(!pkt.gratuitous ? ' ARP reply ' : pkt.op === 2 ? ' ARP gratuitous reply ' : ' ARP gratuitous request ');
        out.putAscii(pkt.senderIp);
        out.putAscii(' is-at ');
        out.putAscii(pkt.senderMac);
      } else {
        out.putAscii(' ARP who-has ');
        out.putAscii(pkt.targetIp);
        out.putAscii(' tell ');
        out.putAscii(pkt.senderIp);
      }
      if (o.verbose) {
        // linkText() of a frame with both MACs and no VLAN tag (plainLink)
        out.putAscii(' [');
        out.putAscii(pkt.link.srcMac!);
        out.putAscii(' > ');
        out.putAscii(pkt.link.dstMac!);
        out.putAscii(']');
      }
      out.endLine();
      return;
    }
    if (out.closed) return;
  }
  const line = packetLine(decoded, o);
  if (line !== null) out.line(line);
}

/** The advert after its timestamp, without the problems. */
function vrrpText(p: VrrpPacket, o: LineOptions): string {
  let s = ' ' + p.ip.src + ' > ' + p.ip.dst + ' VRRPv' + p.version;
  if (p.type !== 1) s += ' type ' + p.type;
  s += ' vrid ' + p.vrid + ' prio ' + p.priority + (p.priority === 0 || p.priority === 255 ? ' (' + PRIORITY_MEANINGS[p.priority].word + ')' : '');
  s += ' intvl ' + intervalText(p.intervalMs);
  if (p.authType !== null && p.authType !== 0) {
    s += p.authType === 1 && p.authPass !== null ? ' auth ' + quotedPass(p.authPass) : ' auth ' + authTypeName(p.authType);
  }
  s += ' addrs ' + (p.addrs.length ? p.addrs.join(',') : '-');
  if (p.addrCount !== p.addrs.length) s += ' (count ' + p.addrCount + ')';
  if (o.verbose) {
    s += ' [' + linkText(p) + ' ttl ' + p.ip.ttl + ' cksum 0x' + hex4(p.checksum) + ' ' + p.checksumStatus;
    if (p.checksumVariant) s += ' (' + p.checksumVariant + ')';
    if (p.checksumExpected !== null) s += ', should be 0x' + hex4(p.checksumExpected);
    if (p.vmac) s += p.vmacMatches ? ' vmac' : ' vmac-mismatch';
    s += ']';
  }
  return s;
}

function arpText(p: ArpPacket, o: LineOptions): string {
  let s = ' ARP ';
  if (p.gratuitous) s += 'gratuitous ' + (p.op === 2 ? 'reply ' : 'request ') + p.senderIp + ' is-at ' + p.senderMac;
  else if (p.op === 1) s += 'who-has ' + p.targetIp + ' tell ' + p.senderIp;
  else if (p.op === 2) s += 'reply ' + p.senderIp + ' is-at ' + p.senderMac;
  else s += 'op ' + p.op + ' ' + p.senderIp + ' > ' + p.targetIp;
  if (o.verbose) s += ' [' + linkText(p) + ']';
  return s + problemsText(p, o);
}

function naText(p: NaPacket, o: LineOptions): string {
  const flags = (p.router ? 'R' : '') + (p.solicited ? 'S' : '') + (p.override ? 'O' : '');
  let s = ' ' + p.ip.src + ' > ' + p.ip.dst + ' NA ' + (p.unsolicited ? 'unsolicited ' : '') + 'tgt ' + p.target;
  if (p.targetMac) s += ' lladdr ' + p.targetMac;
  if (flags) s += ' flags ' + flags;
  if (o.verbose) s += ' [' + linkText(p) + ' hlim ' + p.ip.ttl + ']';
  return s + problemsText(p, o);
}

function carpText(p: CarpPacket, o: LineOptions): string {
  let s = ' ' + p.ip.src + ' > ' + p.ip.dst + ' CARPv' + p.version + ' vhid ' + p.vhid + ' advbase ' + p.advbase + ' advskew ' + p.advskew;
  if (o.verbose) s += ' [' + linkText(p) + ' ttl ' + p.ip.ttl + ']';
  return s + problemsText(p, o);
}

function icmpErrorText(p: IcmpErrorPacket, o: LineOptions): string {
  const q = p.quoted;
  let s = ' ' + p.ip.src + ' > ' + p.ip.dst + ' ' + (p.ip.family === 'ipv4' ? 'ICMP' : 'ICMP6') + ' ' + p.reason +
    ' for VRRP ' + q.src + ' > ' + q.dst;
  if (q.vrid !== null) s += ' vrid ' + q.vrid;
  if (q.priority !== null) s += ' prio ' + q.priority;
  if (o.verbose) s += ' [' + linkText(p) + ' type ' + p.icmpType + ' code ' + p.icmpCode + ']';
  return s + problemsText(p, o);
}

function groupText(p: GroupPacket, o: LineOptions): string {
  let s = ' ' + p.ip.src + ' > ' + p.ip.dst + ' ' + (p.protocol === 'igmp' ? 'IGMPv' : 'MLDv') + p.version + ' ' + p.op;
  if (p.joins.length) s += ' join ' + p.joins.join(',');
  if (p.leaves.length) s += ' leave ' + p.leaves.join(',');
  if (p.op === 'query') s += ' ' + (p.group ?? 'general');
  if (o.verbose) s += ' [' + linkText(p) + ']';
  return s + problemsText(p, o);
}

function malformedText(p: MalformedPacket, o: LineOptions): string {
  const where = p.ip ? p.ip.src + ' > ' + p.ip.dst + ' ' : '';
  return ' ' + where + o.palette.severity('warning', 'malformed ' + p.claimed + ': ' + escapeControls(p.reason) + ' (offset ' + p.offset + ')');
}

/** The frame names both MACs and carries no VLAN tag: its linkText() is "SRC > DST". */
function plainLink(p: Packet): boolean {
  return !!p.link.srcMac && !!p.link.dstMac && p.link.vlans.length === 0;
}

function linkText(p: Packet): string {
  let s = p.link.srcMac ? p.link.srcMac + ' > ' + (p.link.dstMac ?? '?') : 'no link addresses';
  if (p.link.vlans.length) s += ' vlan ' + p.link.vlans.join('.');
  return s;
}

function problemsText(p: Packet, o: LineOptions): string {
  if (p.problems.length === 0) return '';
  return ' ' + o.palette.severity('warning', '[' + p.problems.map((x) => x.id + ': ' + escapeControls(x.message)).join('; ') + ']');
}

function hex4(n: number): string {
  return n.toString(16).padStart(4, '0');
}

export function alertLine(a: Alert, palette: Palette): string {
  const where = a.vrid === null ? '' : ` vrid ${a.vrid}${a.segment === undefined ? '' : ' ' + a.segment}${a.family === 'ipv6' ? ' (ipv6)' : ''}`;
  const head =
    a.status === 'cleared'
      ? palette.ok(`CLEARED ${a.kind}`)
      : palette.severity(a.severity, `${a.severity === 'info' ? 'NOTE' : 'ALERT'} ${a.severity} ${a.kind}`);
  const count = a.count !== undefined && a.count > 1 ? ` (x${a.count})` : '';
  return `${timeOfDay(a.ts)} ${head}${where}: ${escapeControls(a.message)}${count}`;
}
