// The libpcap binding of the optional `pcap` package (node_pcap 3.1), loaded only when a live
// capture or the interface list is asked for: reading files must work where it never built.
//
// We call the binding (build/Release/pcap_binding.node) rather than the package's pcap.js
// because pcap.js swallows pcap_dispatch()'s error return (so a vanished interface looks like
// silence), prints libpcap warnings with console.warn, and loads its own packet decoders.

import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';
import { CaptureError, MAX_SNAPLEN } from './types.js';

export type LiveErrorCode =
  | 'binding-missing'
  | 'permission'
  | 'no-such-device'
  | 'interface-down'
  | 'bad-filter'
  | 'bad-option'
  | 'gone'
  | 'failed';

/** Why a live capture could not start or had to stop; `message` is always one line. */
export class LiveCaptureError extends CaptureError {
  constructor(
    readonly code: LiveErrorCode,
    message: string,
    /** Frames delivered before the failure, plus one (0 when opening failed). */
    record = 0,
  ) {
    super(oneLine(message), record, -1);
    this.name = 'LiveCaptureError';
  }
}

/** One address of an interface as pcap_binding.cc reports it (inet_ntop text). */
export interface NativeAddress {
  addr?: string;
  netmask?: string;
  broadaddr?: string;
  dstaddr?: string;
}

export interface NativeDevice {
  name: string;
  description?: string;
  /** Sparse: entries for non-IP address families are left as holes (pcap_binding.cc FindAllDevs). */
  addresses: (NativeAddress | undefined | null)[];
  /** Only ever 'PCAP_IF_LOOPBACK'; the binding passes on no other pcap_if_t flag. */
  flags?: string;
}

export interface NativeStats {
  ps_recv: number;
  ps_drop: number;
  ps_ifdrop: number;
}

/**
 * pcap_session.cc's PcapSession. Arguments of open_live/open_offline, in order: device (or file),
 * filter, buffer size, snap length, dump file ('' for none), packet callback, monitor mode,
 * buffer timeout in ms (<= 0 selects immediate mode), warning callback, promiscuous.
 */
export interface NativeSession {
  open_live(...args: OpenArgs): string;
  open_offline(...args: OpenArgs): string;
  /**
   * Reads what is ready, calling the packet callback once per packet after copying it into `buf`
   * and its pcap_pkthdr into `header`. Returns libpcap's last pcap_dispatch() result: 0 when
   * drained, -1 on error, -2 after close(), when the binding also pcap_close()s the handle; calling
   * dispatch again after that dereferences a null handle.
   */
  dispatch(buf: Buffer, header: Buffer): number;
  start_polling(): void;
  /** Only pcap_breakloop(): the handle is freed by the next dispatch() that returns -2. */
  close(): void;
  stats(): NativeStats;
  /** Looked up by name whenever the socket polls readable (pcap_session.cc poll_handler). */
  read_callback?: () => void;
}

type OpenArgs = [
  device: string,
  filter: string,
  bufferSize: number,
  snapLength: number,
  dumpFile: string,
  onPacket: () => void,
  monitor: boolean,
  timeoutMs: number,
  onWarning: (message: string) => void,
  promisc: boolean,
];

export interface PcapBinding {
  PcapSession: new () => NativeSession;
  findalldevs(): NativeDevice[];
  lib_version(): string;
}

const loaded = new Map<string, PcapBinding>();

/**
 * The native binding, loaded on first use. `bindingPath` is a test hook: pointing it at a file that
 * does not exist is how tests see the message a machine without a built binding gets.
 */
export function loadPcapBinding(bindingPath?: string): PcapBinding {
  const require = createRequire(import.meta.url);
  let packageDir: string | undefined;
  try {
    packageDir = path.dirname(require.resolve('pcap/package.json'));
  } catch {
    // Not installed: npm drops an optional dependency whose build failed.
  }
  const file = bindingPath ?? (packageDir && path.join(packageDir, 'build', 'Release', 'pcap_binding.node'));
  const cached = file && loaded.get(file);
  if (cached) return cached;
  try {
    if (!file) throw new Error('the pcap package is not installed');
    const binding = require(file) as Partial<PcapBinding>;
    const proto = binding.PcapSession?.prototype as Partial<NativeSession> | undefined;
    const complete =
      typeof binding.findalldevs === 'function' &&
      typeof binding.lib_version === 'function' &&
      (['open_live', 'open_offline', 'dispatch', 'start_polling', 'close', 'stats'] as const).every((m) => typeof proto?.[m] === 'function');
    if (!complete) throw new Error(`${file} is not the node_pcap 3.x binding this code was written against`);
    loaded.set(file, binding as PcapBinding);
    return binding as PcapBinding;
  } catch (e) {
    const projectDir = packageDir ? path.resolve(packageDir, '..', '..') : path.resolve(import.meta.dirname, '..', '..');
    const npm = packageDir ? 'npm rebuild pcap' : 'npm install';
    throw new LiveCaptureError(
      'binding-missing',
      `live capture needs the native part of the optional "pcap" module, which is missing or did not build (${clip(errorText(e), 160)}): ` +
        `install libpcap's development files and a C++ compiler (Debian/Ubuntu: apt-get install libpcap-dev g++ make python3; ` +
        `Fedora/RHEL: dnf install libpcap-devel gcc-c++ make), then run \`${npm}\` in ${projectDir}`,
    );
  }
}

/**
 * libpcap's compile error for `expression` on `linkType`, or undefined when it compiles. Uses an
 * offline handle on an empty capture file, so a bad filter is reported before any socket is opened
 * (node_pcap compiles only after activating a live handle, and a handle whose open failed can
 * never be freed).
 */
export function filterError(binding: PcapBinding, expression: string, linkType: number): string | undefined {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vrrpscope-bpf-'));
  const file = path.join(dir, 'empty.pcap');
  try {
    fs.writeFileSync(file, emptyPcap(linkType));
    // First without a filter: if even that fails the check cannot be made, and the session's handle
    // may be unset (the binding never initializes it), so it must not be touched.
    if (!openOffline(binding, file, '').opened) return undefined;
    const attempt = openOffline(binding, file, expression);
    return attempt.opened ? undefined : attempt.error;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function openOffline(binding: PcapBinding, file: string, expression: string): { opened: true } | { opened: false; error: string } {
  const session = new binding.PcapSession();
  let error: string | undefined;
  try {
    session.open_offline(file, expression, 0, MAX_SNAPLEN, '', noop, false, 0, noop, false);
  } catch (e) {
    error = errorText(e);
  }
  // A failure here is pcap_compile()'s (the file itself opened a moment ago), so the handle exists.
  // The savefile reader checks pcap_breakloop() before reading and returns -2, on which the binding
  // pcap_close()s the handle: the only way to free it.
  if (error === undefined || expression !== '') {
    session.close();
    session.dispatch(scratch, scratch);
  }
  return error === undefined ? { opened: true } : { opened: false, error };
}

/** A classic pcap file header with no records (draft-ietf-opsawg-pcap §4), in host byte order. */
function emptyPcap(linkType: number): Buffer {
  const header = Buffer.alloc(24);
  const le = os.endianness() === 'LE';
  const u32 = (value: number, at: number): number => (le ? header.writeUInt32LE(value, at) : header.writeUInt32BE(value, at));
  const u16 = (value: number, at: number): number => (le ? header.writeUInt16LE(value, at) : header.writeUInt16BE(value, at));
  u32(0xa1b2c3d4, 0);
  u16(2, 4);
  u16(4, 6);
  u32(MAX_SNAPLEN, 16);
  u32(linkType, 20);
  return header;
}

function noop(): void {}

/** Packet and header buffer for a dispatch() that only frees a handle: it returns before reading. */
const scratch = Buffer.alloc(16);

/** The first line of an error's message: require() appends its whole require stack. */
export function errorText(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).split('\n')[0].trim();
}

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, '; ').trim();
}

function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
