// Test-only: a private pair of network namespaces joined by a veth, the capture fixture run inside
// one of them, and frames sent from the other. Nothing here touches the host's own interfaces:
// every link is created in the namespaces, named after this process, and removed with them.

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import * as readline from 'node:readline';
import type { Frame } from '../../src/frame.js';
import { loadPcapBinding } from '../../src/capture/pcap-native.js';
import type { Config } from './fixtures/capture.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const TSX = path.join(ROOT, 'node_modules/.bin/tsx');
const CLI = path.join(ROOT, 'dist/cli.js');
const CAPTURE = path.join(import.meta.dirname, 'fixtures/capture.ts');
const SEND = path.join(import.meta.dirname, 'fixtures/send.py');

/** Why the live tests cannot run here, or undefined when they can. */
export function liveSkipReason(): string | undefined {
  if (process.getuid?.() !== 0) return 'live capture tests need root (network namespaces, raw sockets)';
  try {
    loadPcapBinding();
  } catch (e) {
    return `live capture tests need the pcap binding: ${(e as Error).message}`;
  }
  if (spawnSync('ip', ['-V']).status !== 0) return 'live capture tests need iproute2 (ip)';
  if (spawnSync('python3', ['-c', '1']).status !== 0) return 'live capture tests need python3 to send frames';
  return undefined;
}

/**
 * Why the capture fixture cannot run as `user`, or undefined: a checkout in a folder other users
 * may not enter (`mktemp -d` makes one) keeps them from loading it.
 */
export function notRunnableAs(user: string): string | undefined {
  const group = user === 'nobody' ? 'nogroup' : user;
  const r = spawnSync('setpriv', [`--reuid=${user}`, `--regid=${group}`, '--clear-groups', 'test', '-r', CAPTURE], { timeout: 5_000 });
  return r.status === 0 ? undefined : `${user} cannot read ${CAPTURE} (a folder above the checkout keeps other users out)`;
}

function run(cmd: string, args: string[]): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 10_000 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${r.stderr || r.error?.message}`);
  return r.stdout;
}

/** Two namespaces, `capture` and `sender`, with links named vsl<pid><letter> between them. */
export class Netns {
  readonly tag = `vsl${process.pid}`;
  readonly capture = `${this.tag}n1`;
  readonly sender = `${this.tag}n2`;
  private readonly children = new Set<ChildProcess>();

  setUp(): void {
    this.tearDown();
    run('ip', ['netns', 'add', this.capture]);
    run('ip', ['netns', 'add', this.sender]);
    for (const ns of [this.capture, this.sender]) {
      run('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
      // No IPv6 on the links to come: no DAD, router solicitations or MLD reports among the frames
      // the tests count. (They carry no IPv4 address either, so no ARP or IGMP of their own.)
      run('ip', ['netns', 'exec', ns, 'sysctl', '-qw', 'net.ipv6.conf.default.disable_ipv6=1', 'net.ipv6.conf.all.disable_ipv6=1']);
    }
  }

  /** A veth from `capture` (vsl<pid><here>) to `sender` (vsl<pid><there>), both up. */
  addLink(here: string, there: string): { here: string; there: string } {
    const link = { here: `${this.tag}${here}`, there: `${this.tag}${there}` };
    run('ip', ['link', 'add', link.here, 'netns', this.capture, 'type', 'veth', 'peer', 'name', link.there, 'netns', this.sender]);
    this.ip(this.capture, 'link', 'set', link.here, 'up');
    this.ip(this.sender, 'link', 'set', link.there, 'up');
    return link;
  }

  ip(ns: string, ...args: string[]): string {
    return run('ip', ['-n', ns, ...args]);
  }

  tearDown(): void {
    for (const child of this.children) killGroup(child);
    this.children.clear();
    // Deleting a namespace destroys the veth ends inside it.
    for (const ns of [this.capture, this.sender]) spawnSync('ip', ['netns', 'del', ns], { timeout: 10_000 });
  }

  /** Starts the capture fixture in the capture namespace, optionally as another user. */
  startCapture(config: Config, opts: { asUser?: string } = {}): CaptureRun {
    const prefix = opts.asUser ? ['setpriv', `--reuid=${opts.asUser}`, `--regid=${opts.asUser === 'nobody' ? 'nogroup' : opts.asUser}`, '--clear-groups'] : [];
    const child = spawn('ip', ['netns', 'exec', this.capture, ...prefix, TSX, CAPTURE, JSON.stringify({ maxMs: 20_000, ...config })], {
      cwd: ROOT,
      detached: true, // its own process group, so a stuck run can be killed with everything it started
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    this.children.add(child);
    child.on('exit', () => this.children.delete(child));
    return new CaptureRun(child);
  }

  /** Runs the built `vrrpscope live ARGS` in the capture namespace, collecting its output. */
  live(args: string[]): LiveRun {
    const child = spawn('ip', ['netns', 'exec', this.capture, process.execPath, CLI, 'live', ...args], {
      env: { ...process.env, TZ: 'UTC', NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exit = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    const listening = async () => {
      for (let i = 0; i < 100 && !stderr.includes('listening on'); i++) await new Promise((r) => setTimeout(r, 50));
    };
    return { child, exit, listening, out: () => stdout, err: () => stderr };
  }

  /** Sends frames from the sender namespace; see fixtures/send.py. */
  send(iface: string, frames: Frame[], opts: { sequence?: number[]; repeat?: number } = {}): SendResult {
    const input = JSON.stringify({ iface, frames: frames.map((f) => Buffer.from(f.data).toString('hex')), ...opts });
    const r = spawnSync('ip', ['netns', 'exec', this.sender, 'python3', SEND], { input, encoding: 'utf8', timeout: 60_000 });
    if (r.status !== 0) throw new Error(`send.py: ${r.stderr || r.error?.message}`);
    return JSON.parse(r.stdout) as SendResult;
  }
}

export interface LiveRun {
  child: ChildProcess;
  exit: Promise<number | null>;
  /** Resolves once the "listening on" line is out (or after 5 s). */
  listening: () => Promise<void>;
  out: () => string;
  err: () => string;
}

export interface SendResult {
  t0: number;
  t1: number;
  sent: number;
  errors: number;
}

export interface Event {
  event: string;
  [field: string]: unknown;
}

export interface FrameEvent extends Event {
  ts: number;
  len: number;
  origLen: number;
  linkType: number;
  record: number;
  offset: number;
  hex?: string;
}

/** One run of fixtures/capture.ts: its JSON lines as they come, and how it ended. */
export class CaptureRun {
  readonly events: Event[] = [];
  stderr = '';
  readonly exit: Promise<number | null>;
  private waiters: { match: (e: Event) => boolean; resolve: (e: Event) => void }[] = [];

  constructor(private readonly child: ChildProcess) {
    child.stderr!.on('data', (chunk: Buffer) => (this.stderr += chunk.toString()));
    readline.createInterface({ input: child.stdout! }).on('line', (line) => {
      const event = JSON.parse(line) as Event;
      this.events.push(event);
      const ready = this.waiters.filter((w) => w.match(event));
      this.waiters = this.waiters.filter((w) => !w.match(event));
      for (const w of ready) w.resolve(event);
    });
    this.exit = new Promise((resolve) => child.on('exit', (code) => resolve(code)));
  }

  /** The first event named one of `names`, waiting up to `timeoutMs` for it. */
  waitFor(names: string[], timeoutMs = 10_000): Promise<Event> {
    const match = (e: Event): boolean => names.includes(e.event);
    const seen = this.events.find(match);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no ${names.join('/')} event in ${timeoutMs} ms; stderr: ${this.stderr}`)), timeoutMs);
      this.waiters.push({
        match,
        resolve: (e) => {
          clearTimeout(timer);
          resolve(e);
        },
      });
    });
  }

  command(line: string): void {
    this.child.stdin!.write(`${line}\n`);
  }

  /** Stops once `quietMs` pass without a frame; resolves with the end event. */
  async drain(quietMs = 300): Promise<Event> {
    this.command(`drain ${quietMs}`);
    const end = await this.waitFor(['end']);
    await this.exit;
    return end;
  }

  frames(): FrameEvent[] {
    return this.events.filter((e): e is FrameEvent => e.event === 'frame');
  }
}

function killGroup(child: ChildProcess): void {
  if (child.exitCode !== null || child.pid === undefined) return;
  try {
    process.kill(-child.pid, 'SIGKILL');
  } catch {
    // Already gone.
  }
}
