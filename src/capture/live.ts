// Live capture through libpcap (node_pcap's binding): frames with the kernel's receive timestamps
// and libpcap's drop counters, which is why this stack was chosen. Nothing here reads the clock.
//
// What the binding does (pcap_session.cc, pcap 3.1.0) and what that means here:
// - It never calls pcap_set_tstamp_precision(), so timestamps are microseconds. It copies the
//   low 4 bytes of tv_sec and tv_usec, then caplen and len, into a 16-byte header buffer in host
//   byte order, and the packet into one buffer that every packet reuses.
// - It reads only when libuv says the socket is readable. When the interface goes down, libuv
//   sees POLLERR and stops that watcher for good, so after a link flap nothing would be read
//   again: a timer calls dispatch too (DISPATCH_FALLBACK_MS), and it is also what notices an
//   interface that went away.
// - close() is only pcap_breakloop(); the handle is freed, and the watcher stopped, by the next
//   dispatch that returns -2, which on Linux needs a packet. Until one arrives after close(), the
//   watcher keeps the event loop alive: a program that wants to exit must call process.exit().
// - Throwing inside its callbacks is a fatal exception, so nothing may escape ours.

import * as fs from 'node:fs';
import * as os from 'node:os';
import { ARPHRD_ETHER, ARPHRD_LOOPBACK, captureDeviceNames, interfaceExists, netdevType } from './interfaces.js';
import { LiveCaptureError, errorText, filterError, loadPcapBinding, type NativeSession, type NativeStats, type PcapBinding } from './pcap-native.js';
import { MAX_SNAPLEN, type FrameSink } from './types.js';
import { BufferFrame, LinkType } from '../frame.js';

export { LiveCaptureError, type LiveErrorCode } from './pcap-native.js';

/**
 * What vrrpscope reads: VRRP over IPv4 and IPv6 (tcpdump's `vrrp` keyword is IPv4 only), ARP
 * (gratuitous ARP on takeover), ICMP and ICMPv6 (neighbor advertisements, errors), IGMP, and IPv6
 * packets that open with a hop-by-hop header, which is how MLD arrives (RFC 2710 §3). Plain `icmp6`
 * instead of `ip6[40] == 136`, which misses packets with extension headers: the decoder discards.
 */
export const DEFAULT_FILTER = 'ip proto 112 or ip6 proto 112 or arp or icmp or igmp or icmp6 or ip6 proto 0';

/** Kernel ring size: VRRP is a trickle, but the same filter also takes in ARP and ICMP floods. */
export const DEFAULT_BUFFER_BYTES = 32 << 20;

/** Bounds how late a frame is handed over, without giving up block delivery (see bufferTimeoutMs). */
export const DEFAULT_BUFFER_TIMEOUT_MS = 10;

/** How often the fallback timer reads the ring (see the header comment). */
const DISPATCH_FALLBACK_MS = 50;

export interface LiveOptions {
  /** Device name as libpcap knows it; "any" captures on all interfaces (Linux cooked headers). */
  iface: string;
  /** Extra filter words, ANDed with DEFAULT_FILTER. */
  filter?: string;
  /** Default true. Ignored by libpcap on "any". */
  promisc?: boolean;
  /** Bytes kept of each packet; default MAX_SNAPLEN, as tcpdump. */
  snaplen?: number;
  /** Kernel ring buffer in bytes; default DEFAULT_BUFFER_BYTES. */
  bufferSize?: number;
  /**
   * libpcap's packet buffer timeout: how long the kernel may hold packets to hand them over in
   * blocks (TPACKET_V3); default DEFAULT_BUFFER_TIMEOUT_MS. 0 is immediate mode: each packet as it
   * arrives, but libpcap then falls back to fixed-size ring slots and a wakeup per packet, which
   * lost a third of a 100,000-frame burst where 10 ms lost none (test/live/burst.test.ts).
   * Timestamps are the kernel's either way; this only bounds how late a frame reaches onFrame.
   */
  bufferTimeoutMs?: number;
  /**
   * The Frame.iface of every frame: a capture among several names its interface, so the analyzer
   * tells their segments apart as in a pcapng of several interfaces. Default '' (one capture: the
   * frames name no interface, and output is as it always was).
   */
  name?: string;
  /** Called once per frame; `frame.data` is valid only until it returns. */
  onFrame: FrameSink;
  /** Test hook: load the native binding from here (see loadPcapBinding). */
  bindingPath?: string;
}

/** libpcap's counters since the capture opened (pcap_stats; 32-bit, they wrap). */
export interface LiveStats {
  /** Packets that passed the filter, including those dropped for lack of ring space (Linux). */
  received: number;
  /** Packets the kernel dropped because the ring was full. */
  dropped: number;
  /** Packets the interface or its driver dropped (Linux: rx_dropped growth since open). */
  ifDropped: number;
}

export type LiveEnd =
  | { reason: 'closed' }
  | { reason: 'gone'; error: LiveCaptureError }
  /** A read error libpcap did not explain, or `error` thrown by onFrame. */
  | { reason: 'failed'; error: unknown };

export interface LiveCapture {
  readonly iface: string;
  /** LINKTYPE_ value of the frames. */
  readonly linkType: number;
  /** The filter expression libpcap compiled. */
  readonly filter: string;
  /** libpcap's non-fatal notes (e.g. "no IPv4 address assigned"); never printed here. */
  readonly warnings: readonly string[];
  /** Frames delivered so far. */
  readonly frames: number;
  /** Settles, never rejects, when the capture stops: close(), the interface vanished, or a failure. */
  readonly ended: Promise<LiveEnd>;
  /** Counters now; after the end, as they were at the end. */
  stats(): LiveStats;
  /** Stops delivering frames at once; idempotent, and safe inside onFrame or a signal handler. */
  close(): void;
}

/**
 * The expression handed to libpcap: DEFAULT_FILTER ANDed with the user's words, and the same again
 * behind `vlan` for tagged frames. The `vlan` branch comes last because `vlan` moves the offsets of
 * everything after it in the expression (pcap-filter(7)). Linux strips the tag before its filter
 * runs, so there the first branch already matches tagged frames; BSDs need the second.
 */
export function captureFilter(userWords?: string, opts: { vlan: boolean } = { vlan: true }): string {
  const words = userWords?.trim();
  const wanted = words ? `(${DEFAULT_FILTER}) and (${words})` : DEFAULT_FILTER;
  return opts.vlan ? `(${wanted}) or (vlan and (${wanted}))` : wanted;
}

export function openLive(opts: LiveOptions): LiveCapture {
  const settings = {
    iface: opts.iface,
    promisc: opts.promisc ?? true,
    snaplen: opts.snaplen ?? MAX_SNAPLEN,
    bufferSize: opts.bufferSize ?? DEFAULT_BUFFER_BYTES,
    bufferTimeoutMs: opts.bufferTimeoutMs ?? DEFAULT_BUFFER_TIMEOUT_MS,
  };
  if (typeof settings.iface !== 'string' || settings.iface === '') throw new LiveCaptureError('bad-option', 'no interface given to capture on');
  checkInteger('snap length', settings.snaplen, 1, MAX_SNAPLEN);
  checkInteger('buffer size', settings.bufferSize, 65_536, 2 ** 31 - 1);
  checkInteger('buffer timeout', settings.bufferTimeoutMs, 0, 60_000);

  const binding = loadPcapBinding(opts.bindingPath);
  const expected = expectedLink(settings.iface);
  let vlan = expected.vlan;
  let problem = filterError(binding, captureFilter(opts.filter, { vlan }), expected.linkType);
  if (problem !== undefined && vlan && /vlan/i.test(problem)) {
    vlan = false;
    problem = filterError(binding, captureFilter(opts.filter, { vlan }), expected.linkType);
  }
  if (problem !== undefined) {
    const words = opts.filter?.trim();
    throw new LiveCaptureError('bad-filter', words ? `bad capture filter "${words}": ${problem}` : `the capture filter does not compile on ${settings.iface}: ${problem}`);
  }

  const capture = new LibpcapCapture(binding, settings, opts.onFrame, opts.name ?? '');
  try {
    capture.start(captureFilter(opts.filter, { vlan }));
  } catch (e) {
    // Where sysfs could not tell the link type, the guess may have allowed `vlan` wrongly.
    if (!(vlan && /vlan/i.test(errorText(e)))) throw e;
    capture.start(captureFilter(opts.filter, { vlan: false }));
  }
  return capture;
}

/** The link type libpcap will pick, as far as Linux tells, and whether `vlan` compiles on it. */
function expectedLink(iface: string): { linkType: number; vlan: boolean } {
  if (iface === 'any') return { linkType: LinkType.LINUX_SLL, vlan: false };
  const type = netdevType(iface);
  // libpcap captures Linux loopback as Ethernet (pcap-linux.c map_arphrd_to_dlt).
  if (type === undefined || type === ARPHRD_ETHER || type === ARPHRD_LOOPBACK) return { linkType: LinkType.ETHERNET, vlan: true };
  // Everything else becomes raw IP or cooked headers, neither of which carries tags in line.
  return { linkType: LinkType.LINUX_SLL, vlan: false };
}

// The names pcap_session.cc gives the DLT_ values it knows; pcap files want LINKTYPE_ values.
const LINK_TYPE_NAMES: Record<string, number> = {
  LINKTYPE_NULL: LinkType.NULL,
  LINKTYPE_ETHERNET: LinkType.ETHERNET,
  LINKTYPE_IEEE802_11_RADIO: 127,
  LINKTYPE_RAW: LinkType.RAW, // DLT_RAW is 12 or 14 depending on the OS; LINKTYPE_RAW is 101 everywhere
  LINKTYPE_LINUX_SLL: LinkType.LINUX_SLL,
};

function linkTypeNumber(name: string, iface: string): number {
  const known = LINK_TYPE_NAMES[name];
  if (known !== undefined) return known;
  // Any other DLT_ value is given as "Unknown linktype N"; from 104 up DLT_ and LINKTYPE_ agree.
  const other = /^Unknown linktype (\d+)$/.exec(name);
  if (other) return Number(other[1]);
  throw new LiveCaptureError('failed', `cannot tell the link type of ${iface}: the pcap binding said "${name}"`);
}

// A session's libuv poll handle is stopped but never uv_close()d, so the object that holds it must
// never be garbage-collected, or libuv's handle list would point into freed memory.
const pinned = new Set<NativeSession>();

const hostLittleEndian = os.endianness() === 'LE';

/** pcap_session.cc writes the pcap_pkthdr fields into the header buffer in host byte order. */
function u32(b: Buffer, at: number): number {
  return hostLittleEndian ? b.readUInt32LE(at) : b.readUInt32BE(at);
}

interface Settings {
  iface: string;
  promisc: boolean;
  snaplen: number;
  bufferSize: number;
  bufferTimeoutMs: number;
}

class LibpcapCapture implements LiveCapture {
  readonly iface: string;
  linkType = -1;
  filter = '';
  readonly warnings: string[] = [];
  frames = 0;
  readonly ended: Promise<LiveEnd>;

  /** Undefined once the binding has freed the handle: dispatch() would then dereference null. */
  private native: NativeSession | undefined;
  /** Delivering frames; false from the end on. */
  private open = false;
  private timer: NodeJS.Timeout | undefined;
  private lastStats: LiveStats = { received: 0, dropped: 0, ifDropped: 0 };
  private settle: (end: LiveEnd) => void = () => {};
  // The binding copies every packet into `buf` and its header into `header`.
  private readonly buf: Buffer;
  private readonly bytes: Uint8Array;
  private readonly view: DataView;
  private readonly header = Buffer.alloc(16);

  constructor(
    private readonly binding: PcapBinding,
    private readonly settings: Settings,
    private readonly onFrame: FrameSink,
    private readonly name: string,
  ) {
    this.iface = settings.iface;
    this.buf = Buffer.alloc(settings.snaplen);
    this.bytes = new Uint8Array(this.buf.buffer, this.buf.byteOffset, this.buf.length);
    this.view = new DataView(this.bytes.buffer, this.bytes.byteOffset, this.bytes.length);
    this.ended = new Promise((resolve) => (this.settle = resolve));
  }

  start(filter: string): void {
    const { iface, bufferSize, snaplen, bufferTimeoutMs, promisc } = this.settings;
    const session = new this.binding.PcapSession();
    let linkTypeName: string;
    try {
      linkTypeName = session.open_live(iface, filter, bufferSize, snaplen, '', this.onPacket, false, bufferTimeoutMs, this.onWarning, promisc);
    } catch (e) {
      throw openError(iface, errorText(e), this.binding);
    }
    pinned.add(session);
    this.linkType = linkTypeNumber(linkTypeName, iface);
    this.filter = filter;
    this.native = session;
    this.open = true;
    session.read_callback = this.poll;
    session.start_polling();
    this.timer = setInterval(this.poll, DISPATCH_FALLBACK_MS);
  }

  stats(): LiveStats {
    if (this.open) this.lastStats = this.readStats();
    return { ...this.lastStats };
  }

  close(): void {
    this.finish({ reason: 'closed' });
  }

  private readonly onWarning = (message: string): void => {
    this.warnings.push(errorText(message));
  };

  private readonly onPacket = (): void => {
    if (!this.open) return;
    const h = this.header;
    const caplen = Math.min(u32(h, 8), this.bytes.length);
    const frame = new BufferFrame(u32(h, 0), u32(h, 4), this.linkType, this.bytes, this.view, 0, caplen, u32(h, 12), ++this.frames, -1);
    frame.iface = this.name;
    try {
      this.onFrame(frame);
    } catch (e) {
      this.finish({ reason: 'failed', error: e });
    }
  };

  /** The binding's read_callback, and the fallback timer's. */
  private readonly poll = (): void => {
    const native = this.native;
    if (!native) return;
    try {
      const result = native.dispatch(this.buf, this.header);
      if (result === -2) {
        this.native = undefined;
        delete native.read_callback;
      } else if (result < 0 && this.open) {
        this.readFailed();
      }
    } catch (e) {
      this.finish({ reason: 'failed', error: e });
    }
  };

  private readFailed(): void {
    // pcap_dispatch() said -1; the binding keeps libpcap's text ("The interface disappeared") to itself.
    const record = this.frames + 1;
    if (interfaceExists(this.iface, this.binding) === false) {
      this.finish({ reason: 'gone', error: new LiveCaptureError('gone', `interface ${this.iface} went away during the capture`, record) });
    } else {
      this.finish({ reason: 'failed', error: new LiveCaptureError('failed', `capture on ${this.iface} failed: libpcap reported a read error`, record) });
    }
  }

  private finish(end: LiveEnd): void {
    if (!this.open) return;
    this.lastStats = this.readStats();
    this.open = false;
    clearInterval(this.timer);
    this.native?.close();
    this.settle(end);
  }

  private readStats(): LiveStats {
    let s: NativeStats;
    try {
      if (!this.native) return this.lastStats;
      s = this.native.stats();
    } catch {
      return this.lastStats;
    }
    return { received: s.ps_recv, dropped: s.ps_drop, ifDropped: s.ps_ifdrop };
  }
}

/** One line saying what went wrong in opening, and what to do about it. */
function openError(iface: string, message: string, binding: PcapBinding): LiveCaptureError {
  if (/permission|not permitted|access denied/i.test(message)) {
    const remedy =
      process.platform === 'linux'
        ? `run as root, or give node the capture capabilities (every script it runs gets them) with: setcap cap_net_raw,cap_net_admin=eip ${realExecPath()}`
        : 'run as root';
    return new LiveCaptureError('permission', `no permission to capture on ${iface} (${message}): ${remedy}`);
  }
  if (/no such device|does ?n[o']t exist/i.test(message) || interfaceExists(iface, binding) === false) {
    let names: string;
    try {
      names = captureDeviceNames(binding).join(', ') || 'none';
    } catch {
      names = 'unknown (libpcap cannot list them)';
    }
    return new LiveCaptureError('no-such-device', `no interface "${iface}" to capture on; there are: ${names}`);
  }
  if (/not up|network is down/i.test(message)) {
    return new LiveCaptureError('interface-down', `interface ${iface} is down (${message}): bring it up and try again`);
  }
  return new LiveCaptureError('failed', `cannot capture on ${iface}: ${message}`);
}

/** setcap needs the binary itself: process.execPath may be a symlink (nvm, alternatives). */
function realExecPath(): string {
  try {
    return fs.realpathSync(process.execPath);
  } catch {
    return process.execPath;
  }
}

function checkInteger(what: string, value: number, min: number, max: number): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new LiveCaptureError('bad-option', `${what} must be a whole number from ${min} to ${max}, not ${value}`);
  }
}
