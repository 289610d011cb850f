// A throwaway Linux network for VRRP experiments: one "switch" namespace holding a bridge, and
// N node namespaces attached to it by veth pairs. Everything the lab creates lives inside those
// namespaces (links, addresses, nft tables, keepalived's VIPs and macvlans), so deleting the
// namespaces is a complete cleanup and nothing ever touches the host's own interfaces.
//
// Used by scripts/lab/record.ts (recorded captures with ground truth) and by the live end-to-end
// tests, which need the same setup but drive it themselves.

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/** Keeps what the analyzer looks at. `vrrp` in pcap-filter is IPv4-only, hence the protocol numbers. */
export const LAB_CAPTURE_FILTER = 'ip proto 112 or ip6 proto 112 or arp or icmp or icmp6 or igmp';

/** Namespace names are `vs<pid>-<lab seq>-<role>`; the pid lets sweepStaleLabs() spot leftovers of dead runs. */
const NS_RE = /^vs(\d+)-(\d+)-/;

/** Upper bound on the life of every process the lab starts, even if this Node process dies hard. */
const DEFAULT_MAX_LIFETIME_SEC = 900;

export interface LabOptions {
  /** Node count (named n1..nN) or explicit node names. Default 2. */
  nodes?: number | string[];
  /** First three octets of the IPv4 /24. Node i (1-based) gets .(10+i). Default '10.77.0'. */
  subnet4?: string;
  /** IPv6 /64 prefix (with trailing '::'). Node i gets <prefix>(10+i). Default 'fd77::'. */
  subnet6?: string;
  /** First four octets of the node MACs (node i gets <prefix>:00:0i). Default '02:77:00:00'. */
  macPrefix?: string;
  /** Bridge IGMP/MLD snooping. Default false (the bridge floods multicast like a dumb switch). */
  snooping?: boolean;
  /** Make the bridge an IGMP/MLD querier (only meaningful with snooping). Default false. */
  querier?: boolean;
  /** Hard bound for every daemon/capture process (seconds). Default 900. */
  maxLifetimeSec?: number;
  /** Install SIGINT/SIGTERM/SIGHUP/uncaughtException handlers that clean up. Default true. */
  signalHandlers?: boolean;
  /** Keep the temp dir (configs, pid files) after cleanup, for debugging. Default false. */
  keepTmp?: boolean;
}

export interface LabNode {
  name: string;
  /** 1-based position. */
  index: number;
  /** Network namespace name. */
  ns: string;
  /** Interface name inside the node namespace. */
  ifname: string;
  /** Bridge port name inside the switch namespace. */
  port: string;
  ip: string;
  prefix4: number;
  ip6: string;
  prefix6: number;
  /** IPv6 link-local address of ifname (EUI-64 from the fixed MAC). */
  ll6: string;
  mac: string;
}

export interface LabAction {
  /** Epoch seconds (Date.now() / 1000: the same clock as the kernel's capture timestamps). */
  ts: number;
  node: string;
  action: string;
  detail: string;
}

export interface LogLine {
  ts: number;
  node: string;
  line: string;
}

export interface StateChange {
  ts: number;
  node: string;
  instance: string;
  /** As keepalived spells it: MASTER, BACKUP, FAULT, ... */
  state: string;
}

export type KeepalivedEventKind =
  | 'state'
  | 'startup-complete'
  | 'advert-timeout'
  | 'priority0-sent'
  | 'priority0-received'
  | 'higher-prio-received'
  | 'lower-prio-received'
  | 'priority-change'
  | 'script-result'
  | 'auth-error'
  | 'interval-mismatch'
  | 'addr-mismatch'
  | 'version-mismatch'
  | 'garp-sent'
  | 'na-sent'
  | 'send-error'
  | 'stopping'
  | 'stopped'
  | 'error';

export interface KeepalivedEvent {
  ts: number;
  node: string;
  /** vrrp_instance name when the line names one. */
  instance: string | null;
  kind: KeepalivedEventKind;
  line: string;
}

export interface ExecResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface ExecOptions {
  input?: string;
  /** Kill the command after this long. Default 15 s. */
  timeoutMs?: number;
  /** Resolve instead of rejecting on a non-zero exit. */
  allowFail?: boolean;
}

export type NftFamily = 'ip' | 'ip6' | 'inet' | 'arp' | 'bridge' | 'netdev';

export interface NftTable {
  node: string;
  ns: string;
  family: NftFamily;
  name: string;
  /** The full `table ... { }` text that was loaded. */
  text: string;
}

export interface BlockVrrpOptions {
  /** Hook to filter on. Default 'input' (the node stops hearing adverts). */
  direction?: 'input' | 'output';
  /** Default 'drop'. Reject only produces ICMP for unicast adverts: the kernel never answers multicast. */
  verdict?: 'drop' | 'reject';
  /**
   * What a reject answers with (nft `reject with ...`). Default 'icmpx admin-prohibited' (ICMP type 3
   * code 13 / ICMPv6 type 1 code 1). 'icmp type prot-unreachable' answers like a host where no
   * keepalived listens; it is IPv4-only, so use it with family 'ipv4' or an IPv4 peer.
   */
  rejectWith?: string;
  /** Default 'both'. */
  family?: 'ipv4' | 'ipv6' | 'both';
  /** Only packets from / to this peer address (source on input, destination on output). */
  peer?: string;
}

export interface KeepalivedOptions {
  /** Validate the config with `keepalived --config-test` before starting. Default true. */
  configTest?: boolean;
  /** How long start() waits for "Startup complete". Default 10 s. */
  startupTimeoutMs?: number;
  /** Extra command-line options. */
  extraArgs?: string[];
}

export interface CaptureOptions {
  /** pcap file to write (absolute or relative to cwd). */
  file: string;
  /** Capture on this node's interface instead of the bridge. */
  node?: string;
  /** Interface name (default: the bridge, or the node's ifname). */
  iface?: string;
  /** pcap-filter expression. Default LAB_CAPTURE_FILTER; '' captures everything. */
  filter?: string;
  /** tcpdump -y: the link type to capture with (e.g. LINUX_SLL2 with iface 'any'). Default tcpdump's. */
  linkType?: string;
}

// ---------------------------------------------------------------------------------------------
// process helpers

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Run a host command (always one that acts inside a lab namespace) and collect its output. */
export function run(argv: string[], opts: ExecOptions = {}): Promise<ExecResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0], argv.slice(1), {
      stdio: ['pipe', 'pipe', 'pipe'],
      timeout: opts.timeoutMs ?? 15_000,
      killSignal: 'SIGKILL',
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      const res: ExecResult = { code, stdout, stderr };
      if (code === 0 || opts.allowFail) resolve(res);
      else reject(new Error(`${argv.join(' ')} failed (${code ?? signal}): ${stderr.trim() || stdout.trim()}`));
    });
    child.stdin.on('error', () => undefined); // the command may exit before reading stdin
    child.stdin.end(opts.input ?? '');
  });
}

function runSync(argv: string[]): void {
  spawnSync(argv[0], argv.slice(1), { stdio: 'ignore', timeout: 10_000 });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function signal(pid: number, sig: NodeJS.Signals): boolean {
  try {
    process.kill(pid, sig);
    return true;
  } catch {
    return false;
  }
}

/** Direct children of pid, from /proc (used to find the real daemon under the `timeout` wrapper). */
export function childPids(pid: number): number[] {
  const out: number[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      // The comm field may contain spaces and parentheses: the ppid is the 2nd field after the last ')'.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[1]) === pid) out.push(Number(entry));
    } catch {
      // the process went away while we looked
    }
  }
  return out;
}

function readPid(file: string): number | null {
  try {
    const n = Number(fs.readFileSync(file, 'utf8').trim());
    return Number.isInteger(n) && n > 0 ? n : null;
  } catch {
    return null;
  }
}

/** Splits a stream into lines, stamping each with the wall clock when its bytes arrived. */
function onLines(stream: NodeJS.ReadableStream, cb: (ts: number, line: string) => void): void {
  let buf = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    const ts = Date.now() / 1000;
    buf += chunk;
    let nl: number;
    while ((nl = buf.indexOf('\n')) >= 0) {
      cb(ts, buf.slice(0, nl));
      buf = buf.slice(nl + 1);
    }
  });
  stream.on('end', () => {
    if (buf) cb(Date.now() / 1000, buf);
    buf = '';
  });
}

// ---------------------------------------------------------------------------------------------
// global cleanup registry

const liveLabs = new Set<Lab>();
let exitHookInstalled = false;
let signalHooksInstalled = false;

/** Synchronously tear down every lab of this process. Safe to call repeatedly. */
export function cleanupAllLabs(): void {
  for (const lab of [...liveLabs]) lab.cleanup();
}

function installHooks(signals: boolean): void {
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    // 'exit' handlers must be synchronous: cleanup() only uses spawnSync and process.kill.
    process.on('exit', cleanupAllLabs);
  }
  if (signals && !signalHooksInstalled) {
    signalHooksInstalled = true;
    const codes: Record<string, number> = { SIGINT: 130, SIGTERM: 143, SIGHUP: 129 };
    for (const sig of Object.keys(codes) as NodeJS.Signals[]) {
      process.on(sig, () => {
        cleanupAllLabs();
        process.exit(codes[sig]);
      });
    }
    process.on('uncaughtException', (err) => {
      cleanupAllLabs();
      console.error(err);
      process.exit(1);
    });
  }
}

/**
 * Remove lab namespaces left behind by runs whose process no longer exists (killed with SIGKILL,
 * so no cleanup ran): kill the lab processes still inside them (keepalived, tcpdump, their
 * `timeout` wrappers; they would otherwise live until that bound) and delete the namespaces.
 * Only names matching the lab's own pattern with a dead owner pid are touched. Returns the names.
 */
export function sweepStaleLabs(): string[] {
  const res = spawnSync('ip', ['netns', 'list'], { encoding: 'utf8', timeout: 10_000 });
  const gone: string[] = [];
  for (const line of (res.stdout ?? '').split('\n')) {
    const name = line.split(' ')[0];
    const m = NS_RE.exec(name);
    if (!m || Number(m[1]) === process.pid || alive(Number(m[1]))) continue;
    const pids = spawnSync('ip', ['netns', 'pids', name], { encoding: 'utf8', timeout: 10_000 });
    for (const pid of (pids.stdout ?? '').split(/\s+/).filter(Boolean)) signal(Number(pid), 'SIGKILL');
    runSync(['ip', 'netns', 'del', name]);
    gone.push(name);
  }
  // Their temp dirs (configs, pid files, the unfinished capture) are named like the namespaces.
  for (const entry of fs.readdirSync(os.tmpdir())) {
    const m = NS_RE.exec(entry);
    if (m && Number(m[1]) !== process.pid && !alive(Number(m[1]))) {
      fs.rmSync(path.join(os.tmpdir(), entry), { recursive: true, force: true });
    }
  }
  return gone;
}

/** What is missing to run the lab here (empty when it can run). */
export function labPrerequisites(): string[] {
  const missing: string[] = [];
  if (typeof process.getuid === 'function' && process.getuid() !== 0) missing.push('root privileges');
  if (process.platform !== 'linux') missing.push('Linux');
  for (const bin of ['ip', 'keepalived', 'tcpdump', 'nft', 'timeout']) {
    const r = spawnSync('sh', ['-c', `command -v ${bin}`], { stdio: 'ignore' });
    if (r.status !== 0) missing.push(bin);
  }
  return missing;
}

/** Version of the installed keepalived, e.g. "2.2.7". */
export function keepalivedVersion(): string {
  const r = spawnSync('keepalived', ['--version'], { encoding: 'utf8', timeout: 10_000 });
  const m = /Keepalived v(\S+)/.exec(`${r.stdout ?? ''}${r.stderr ?? ''}`);
  return m ? m[1] : 'unknown';
}

// ---------------------------------------------------------------------------------------------
// keepalived log parsing

/** keepalived -l prefixes every line with ctime(): "Sun Nov 22 02:57:21 2026: ". We stamp our own. */
const KA_DATE_PREFIX = /^[A-Z][a-z]{2} [A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d \d{4}: /;

const EVENT_PATTERNS: [KeepalivedEventKind, RegExp][] = [
  ['state', /Entering \w+ STATE/],
  ['startup-complete', /^Startup complete/],
  ['advert-timeout', /Receive advertisement timeout/],
  ['priority0-sent', /sent 0 priority/],
  ['priority0-received', /received priority 0 advertisement/i],
  ['higher-prio-received', /received advert from \S+ with higher priority/i],
  ['lower-prio-received', /received lower priority/i],
  // track_script / track_interface weights: "(VI_1) Changing effective priority from 150 to 90"
  ['priority-change', /Changing effective priority from \d+ to \d+/],
  // "VRRP_Script(chk_health) succeeded" / "... failed (exited with status 1)" (not an error of keepalived's)
  ['script-result', /^VRRP_Script\(.*\) (?:succeeded|failed)/],
  ['auth-error', /passw|auth/i],
  ['interval-mismatch', /interval mismatch/i],
  ['addr-mismatch', /ip address associated|address list|addresses? .*(?:mismatch|not present)|invalid ip number count/i],
  // "(VI_1) wrong version. Received 3 and expect 2" (vrrp_version differs between the peers)
  ['version-mismatch', /wrong version/i],
  ['garp-sent', /Sending gratuitous ARP/],
  ['na-sent', /Sending unsolicited Neighbour Adverts?/i],
  // e.g. "Error 105 (No buffer space available) sending gratuitous ARP on eth0 for ..." when egress drops it
  ['send-error', /^Error \d+ .*sending/],
  ['stopping', /^Stopping$/],
  ['stopped', /^Stopped Keepalived/],
  ['error', /error|invalid|unknown keyword|fail/i],
];

/** Classify one keepalived log line (already stripped of its date prefix). */
export function parseKeepalivedLine(
  ts: number,
  node: string,
  line: string,
): { event: KeepalivedEvent | null; state: StateChange | null } {
  const inst = /^\(([^)]+)\)/.exec(line);
  const instance = inst ? inst[1] : null;
  const st = /^\(([^)]+)\) Entering (\w+) STATE/.exec(line);
  const state = st ? { ts, node, instance: st[1], state: st[2] } : null;
  for (const [kind, re] of EVENT_PATTERNS) {
    if (re.test(line)) return { event: { ts, node, instance, kind, line }, state };
  }
  return { event: null, state };
}

// ---------------------------------------------------------------------------------------------
// keepalived daemon

export class Keepalived extends EventEmitter {
  readonly configPath: string;
  readonly pidFile: string;
  readonly vrrpPidFile: string;
  readonly lines: LogLine[] = [];
  readonly states: StateChange[] = [];
  readonly events: KeepalivedEvent[] = [];
  private proc: ChildProcess | null = null;
  private exited: Promise<void> = Promise.resolve();
  /** Index in `states` where the current run began: earlier states belong to a previous process. */
  private runStart = 0;

  constructor(
    private readonly lab: Lab,
    readonly node: LabNode,
    readonly config: string,
    private readonly opts: KeepalivedOptions,
    dir: string,
  ) {
    super();
    fs.mkdirSync(dir, { recursive: true });
    this.configPath = path.join(dir, 'keepalived.conf');
    this.pidFile = path.join(dir, 'keepalived.pid');
    this.vrrpPidFile = path.join(dir, 'vrrp.pid');
    fs.writeFileSync(this.configPath, config);
  }

  /** The wrapper process is still there (keepalived may be in its shutdown). */
  get running(): boolean {
    return this.proc !== null && this.proc.exitCode === null && this.proc.signalCode === null;
  }

  /** keepalived's parent (watchdog) process. */
  get pid(): number | null {
    if (!this.running || !this.proc?.pid) return null;
    // The spawned process is `timeout`; keepalived is its only child.
    return readPid(this.pidFile) ?? childPids(this.proc.pid)[0] ?? null;
  }

  /** keepalived's VRRP child: the process that actually sends adverts. */
  get vrrpPid(): number | null {
    const parent = this.pid;
    if (parent === null) return null;
    const fromFile = readPid(this.vrrpPidFile);
    if (fromFile !== null && alive(fromFile)) return fromFile;
    return childPids(parent)[0] ?? null;
  }

  /** Latest state the running keepalived logged for the instance (or any instance); null when not running. */
  state(instance?: string): string | null {
    if (!this.running) return null;
    return this.currentState(instance)?.state ?? null;
  }

  private currentState(instance?: string): StateChange | undefined {
    for (let i = this.states.length - 1; i >= this.runStart; i--) {
      if (instance === undefined || this.states[i].instance === instance) return this.states[i];
    }
    return undefined;
  }

  async start(): Promise<void> {
    if (this.running) throw new Error(`keepalived on ${this.node.name} is already running`);
    // A crash leaves pid files behind; keepalived would read them to decide whether it is already running.
    for (const f of [this.pidFile, this.vrrpPidFile]) fs.rmSync(f, { force: true });
    if (this.opts.configTest !== false) {
      const t = await run(['keepalived', '--config-test', '-f', this.configPath, '-i', this.node.name], { allowFail: true });
      if (t.code !== 0) throw new Error(`keepalived config for ${this.node.name} rejected:\n${t.stderr}${t.stdout}`);
    }
    const argv = [
      'keepalived',
      '--dont-fork',
      '--log-console',
      '--log-detail',
      '--no-syslog',
      '--vrrp',
      '--use-file', this.configPath,
      '--pid', this.pidFile,
      '--vrrp_pid', this.vrrpPidFile,
      // Lets one config carry per-node lines ("@n1 unicast_src_ip ...") as keepalived supports.
      '--config-id', this.node.name,
      ...(this.opts.extraArgs ?? []),
    ];
    const mark = this.lines.length;
    this.runStart = this.states.length;
    const proc = this.lab.spawnIn(this.node.ns, argv);
    this.proc = proc;
    const onLine = (ts: number, raw: string) => this.ingest(ts, raw);
    onLines(proc.stdout!, onLine);
    onLines(proc.stderr!, onLine);
    this.exited = new Promise((resolve) => proc.on('close', () => resolve()));
    await this.waitForLine(/^Startup complete/, this.opts.startupTimeoutMs ?? 10_000, mark).catch(async (e: Error) => {
      const tail = this.lines.slice(mark).map((l) => l.line).join('\n');
      throw new Error(`keepalived on ${this.node.name} did not start: ${e.message}\n${tail}`);
    });
  }

  private ingest(ts: number, raw: string): void {
    const line = raw.replace(KA_DATE_PREFIX, '');
    const entry: LogLine = { ts, node: this.node.name, line };
    this.lines.push(entry);
    this.lab.log.push(entry);
    this.emit('line', entry);
    const { event, state } = parseKeepalivedLine(ts, this.node.name, line);
    if (state) {
      this.states.push(state);
      this.lab.states.push(state);
      this.emit('state', state);
    }
    if (event) {
      this.events.push(event);
      this.lab.events.push(event);
      this.emit('event', event);
    }
  }

  /** Resolve with the first line matching re at or after line index `from` (default: any line so far). */
  waitForLine(re: RegExp, timeoutMs = 10_000, from = 0): Promise<LogLine> {
    const found = this.lines.slice(from).find((l) => re.test(l.line));
    if (found) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const onLine = (l: LogLine) => {
        if (!re.test(l.line)) return;
        clearTimeout(timer);
        this.off('line', onLine);
        resolve(l);
      };
      const timer = setTimeout(() => {
        this.off('line', onLine);
        reject(new Error(`${this.node.name}: no log line matching ${re} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.on('line', onLine);
    });
  }

  /** Resolve once the instance (or any instance) is in `state`, immediately if it already is. */
  waitForState(state: string, opts: { instance?: string; timeoutMs?: number } = {}): Promise<StateChange> {
    const matches = (s: StateChange) => s.state === state && (opts.instance === undefined || s.instance === opts.instance);
    const current = this.running ? this.currentState(opts.instance) : undefined;
    if (current && matches(current)) return Promise.resolve(current);
    const timeoutMs = opts.timeoutMs ?? 15_000;
    return new Promise((resolve, reject) => {
      const onState = (s: StateChange) => {
        if (!matches(s)) return;
        clearTimeout(timer);
        this.off('state', onState);
        resolve(s);
      };
      const timer = setTimeout(() => {
        this.off('state', onState);
        reject(new Error(`${this.node.name}: not ${state} within ${timeoutMs} ms (now ${this.state(opts.instance) ?? 'unknown'})`));
      }, timeoutMs);
      this.on('state', onState);
    });
  }

  /** SIGTERM: keepalived sends priority 0 adverts, removes its VIPs and exits. */
  async stop(timeoutMs = 10_000): Promise<void> {
    const pid = this.pid;
    if (pid === null) return;
    this.lab.action(this.node.name, 'stop', `SIGTERM keepalived (pid ${pid})`);
    signal(pid, 'SIGTERM');
    const done = await Promise.race([this.exited.then(() => true), sleep(timeoutMs).then(() => false)]);
    if (!done) await this.crash();
  }

  /**
   * SIGKILL both processes so nothing more goes out: no priority 0, no VIP removal.
   * The parent is frozen first: it would respawn a dead VRRP child, and its own death would
   * deliver the child's parent-death signal (SIGTERM), which makes the child send priority 0.
   */
  async crash(): Promise<void> {
    const parent = this.pid;
    if (parent === null || !this.proc?.pid) return;
    const child = this.vrrpPid;
    this.lab.action(this.node.name, 'crash', `SIGKILL keepalived (pid ${parent}, vrrp child ${child ?? 'none'})`);
    signal(parent, 'SIGSTOP');
    if (child !== null) signal(child, 'SIGKILL');
    signal(parent, 'SIGKILL');
    signal(-this.proc.pid, 'SIGKILL');
    await Promise.race([this.exited, sleep(5_000)]);
  }

  /** Start again with the same configuration (stops gracefully first if still running). */
  async restart(): Promise<void> {
    if (this.running) await this.stop();
    this.lab.action(this.node.name, 'restart', 'start keepalived again with the same configuration');
    await this.start();
  }
}

// ---------------------------------------------------------------------------------------------
// packet capture

export class Capture {
  private exited: Promise<void>;

  constructor(
    private readonly lab: Lab,
    private readonly proc: ChildProcess,
    readonly file: string,
    readonly ns: string,
    readonly iface: string,
    readonly filter: string,
    /** Who the capture belongs to in the action list: 'switch' or a node name. */
    readonly owner: string,
  ) {
    this.exited = new Promise((resolve) => proc.on('close', () => resolve()));
  }

  get running(): boolean {
    return this.proc.exitCode === null && this.proc.signalCode === null;
  }

  /** Stop tcpdump and wait until the file is complete. */
  async stop(): Promise<void> {
    if (!this.running || !this.proc.pid) return;
    this.lab.action(this.owner, 'capture-stop', `tcpdump -i ${this.iface} -w ${path.basename(this.file)}`);
    // Signal tcpdump itself (under the timeout wrapper): it flushes and closes the file.
    const pids = childPids(this.proc.pid);
    for (const pid of pids.length ? pids : [this.proc.pid]) signal(pid, 'SIGINT');
    const done = await Promise.race([this.exited.then(() => true), sleep(5_000).then(() => false)]);
    if (!done) signal(-this.proc.pid, 'SIGKILL');
  }
}

// ---------------------------------------------------------------------------------------------
// the lab

let labSeq = 0;

export class Lab {
  readonly id: string;
  readonly switchNs: string;
  readonly bridge = 'br0';
  readonly nodes: LabNode[] = [];
  readonly tmpDir: string;
  /** Everything done to the lab, in order (what the truth files call actions). */
  readonly actions: LabAction[] = [];
  /** keepalived output of all daemons, in arrival order. */
  readonly log: LogLine[] = [];
  readonly states: StateChange[] = [];
  readonly events: KeepalivedEvent[] = [];
  readonly daemons: Keepalived[] = [];
  readonly captures: Capture[] = [];
  /** When the bridge was created (epoch seconds): its IGMP querier starts forwarding by membership 10 s later. */
  bridgeCreatedTs = 0;
  private readonly namespaces: string[] = [];
  private readonly procs = new Set<ChildProcess>();
  private nftSeq = 0;
  private cleaned = false;
  private readonly maxLifetimeSec: number;

  private constructor(private readonly opts: LabOptions) {
    this.id = `vs${process.pid}-${++labSeq}`;
    this.switchNs = `${this.id}-sw`;
    this.tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), `${this.id}-`));
    this.maxLifetimeSec = opts.maxLifetimeSec ?? DEFAULT_MAX_LIFETIME_SEC;
  }

  /** Build the namespaces, bridge and links. On failure everything created so far is removed. */
  static async create(opts: LabOptions = {}): Promise<Lab> {
    const missing = labPrerequisites();
    if (missing.length) throw new Error(`lab needs: ${missing.join(', ')}`);
    const lab = new Lab(opts);
    liveLabs.add(lab);
    installHooks(opts.signalHandlers !== false);
    try {
      await lab.build();
    } catch (e) {
      lab.cleanup();
      throw e;
    }
    return lab;
  }

  private async build(): Promise<void> {
    const names = Array.isArray(this.opts.nodes)
      ? this.opts.nodes
      : Array.from({ length: this.opts.nodes ?? 2 }, (_, i) => `n${i + 1}`);
    if (names.length < 1 || names.length > 200) throw new Error('lab needs 1..200 nodes');
    const subnet4 = this.opts.subnet4 ?? '10.77.0';
    const subnet6 = this.opts.subnet6 ?? 'fd77::';

    await this.addNamespace(this.switchNs);
    // The switch must stay silent: no IPv6 on it means no MLD/RS of its own in the captures.
    await this.sysctl(this.switchNs, {
      'net.ipv6.conf.all.disable_ipv6': 1,
      'net.ipv6.conf.default.disable_ipv6': 1,
    });
    const snoop = this.opts.snooping ? 1 : 0;
    const querier = this.opts.querier ? 1 : 0;
    await run(['ip', '-n', this.switchNs, 'link', 'add', this.bridge, 'address', '02:77:ff:00:00:00', 'type', 'bridge',
      'stp_state', '0', 'mcast_snooping', String(snoop), 'mcast_querier', String(querier)]);
    this.bridgeCreatedTs = Date.now() / 1000;

    for (const [i, name] of names.entries()) {
      const index = i + 1;
      const host = 10 + index;
      const node: LabNode = {
        name,
        index,
        ns: `${this.id}-${name}`,
        ifname: 'eth0',
        port: `p${index}`,
        ip: `${subnet4}.${host}`,
        prefix4: 24,
        ip6: `${subnet6}${host}`,
        prefix6: 64,
        ll6: '',
        mac: `${this.opts.macPrefix ?? '02:77:00:00'}:${(index >> 8).toString(16).padStart(2, '0')}:${(index & 0xff).toString(16).padStart(2, '0')}`,
      };
      await this.addNamespace(node.ns);
      // DAD would hold IPv6 addresses (and keepalived's IPv6 VIPs) tentative for a second or more;
      // router solicitations are noise nobody answers here.
      await this.sysctl(node.ns, {
        'net.ipv6.conf.all.accept_dad': 0,
        'net.ipv6.conf.default.accept_dad': 0,
        'net.ipv6.conf.all.router_solicitations': 0,
        'net.ipv6.conf.default.router_solicitations': 0,
      });
      await run(['ip', '-n', this.switchNs, 'link', 'add', node.port, 'type', 'veth', 'peer', 'name', node.ifname, 'netns', node.ns]);
      await run(['ip', '-n', this.switchNs, 'link', 'set', node.port, 'master', this.bridge, 'up']);
      await this.sysctl(node.ns, { [`net.ipv6.conf.${node.ifname}.accept_dad`]: 0 });
      await run(['ip', '-n', node.ns, 'link', 'set', node.ifname, 'address', node.mac]);
      await run(['ip', '-n', node.ns, 'link', 'set', 'lo', 'up']);
      await run(['ip', '-n', node.ns, 'addr', 'add', `${node.ip}/${node.prefix4}`, 'dev', node.ifname]);
      await run(['ip', '-n', node.ns, '-6', 'addr', 'add', `${node.ip6}/${node.prefix6}`, 'dev', node.ifname, 'nodad']);
      await run(['ip', '-n', node.ns, 'link', 'set', node.ifname, 'up']);
      this.nodes.push(node);
    }
    await run(['ip', '-n', this.switchNs, 'link', 'set', this.bridge, 'up']);
    for (const node of this.nodes) node.ll6 = await this.linkLocal(node);
  }

  private async addNamespace(ns: string): Promise<void> {
    await run(['ip', 'netns', 'add', ns]);
    this.namespaces.push(ns);
  }

  private async sysctl(ns: string, values: Record<string, number | string>): Promise<void> {
    const args = Object.entries(values).map(([k, v]) => `${k}=${v}`);
    await run(['ip', 'netns', 'exec', ns, 'sysctl', '-q', '-w', ...args]);
  }

  private async linkLocal(node: LabNode): Promise<string> {
    for (let attempt = 0; attempt < 50; attempt++) {
      const r = await run(['ip', '-n', node.ns, '-j', '-6', 'addr', 'show', 'dev', node.ifname, 'scope', 'link']);
      const info = JSON.parse(r.stdout || '[]') as { addr_info?: { local?: string; tentative?: boolean }[] }[];
      const ll = info[0]?.addr_info?.find((a) => a.local?.startsWith('fe80:') && !a.tentative)?.local;
      if (ll) return ll;
      await sleep(100);
    }
    throw new Error(`${node.name}: no IPv6 link-local address on ${node.ifname}`);
  }

  node(name: string): LabNode {
    const n = this.nodes.find((x) => x.name === name);
    if (!n) throw new Error(`no lab node ${name}`);
    return n;
  }

  /** Namespace of a node name, or the switch for 'switch'. */
  nsOf(target: string): string {
    return target === 'switch' ? this.switchNs : this.node(target).ns;
  }

  /** Record an action in the timeline (the lab records its own; scenarios add marks). */
  action(node: string, action: string, detail = '', ts = Date.now() / 1000): LabAction {
    const a = { ts, node, action, detail };
    this.actions.push(a);
    return a;
  }

  /** Run a command inside a node's namespace ('switch' for the bridge's). */
  exec(target: string, argv: string[], opts: ExecOptions = {}): Promise<ExecResult> {
    return run(['ip', 'netns', 'exec', this.nsOf(target), ...argv], opts);
  }

  /**
   * Start a long-running process in a namespace, bounded by `timeout` so it dies even if this
   * Node process is SIGKILLed, and in its own process group (detached) so a terminal Ctrl-C
   * reaches only us and cleanup() can kill the whole group.
   */
  spawnIn(ns: string, argv: string[]): ChildProcess {
    if (this.cleaned) throw new Error('lab already cleaned up');
    const proc = spawn(
      'ip',
      ['netns', 'exec', ns, 'timeout', '--kill-after=2', String(this.maxLifetimeSec), ...argv],
      { detached: true, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    this.procs.add(proc);
    proc.on('close', () => this.procs.delete(proc));
    return proc;
  }

  /** Write the config and start keepalived on the node; resolves once it logged "Startup complete". */
  async startKeepalived(nodeName: string, config: string, opts: KeepalivedOptions = {}): Promise<Keepalived> {
    const node = this.node(nodeName);
    const n = this.daemons.filter((d) => d.node.name === nodeName).length;
    const dir = path.join(this.tmpDir, n ? `${nodeName}.${n}` : nodeName);
    const ka = new Keepalived(this, node, config, opts, dir);
    this.daemons.push(ka);
    this.action(nodeName, 'start', 'start keepalived');
    await ka.start();
    return ka;
  }

  /** Load `table <family> <name> { body }` into the node's namespace. */
  async addNftTable(nodeName: string, family: NftFamily, body: string): Promise<NftTable> {
    const ns = this.nsOf(nodeName);
    const name = `vslab${++this.nftSeq}`;
    const text = `table ${family} ${name} {\n${body.trimEnd()}\n}\n`;
    // Stamp the start: the rule takes effect while nft runs, and its effects may be logged before nft returns.
    const ts = Date.now() / 1000;
    await run(['ip', 'netns', 'exec', ns, 'nft', '-f', '-'], { input: text });
    this.action(nodeName, 'nft-add', text.trim(), ts);
    return { node: nodeName, ns, family, name, text };
  }

  async removeNftTable(t: NftTable): Promise<void> {
    const ts = Date.now() / 1000;
    await run(['ip', 'netns', 'exec', t.ns, 'nft', 'delete', 'table', t.family, t.name]);
    this.action(t.node, 'nft-remove', `table ${t.family} ${t.name}`, ts);
  }

  /** Filter VRRP (IP protocol 112) on the node, e.g. to make it deaf (input) or mute (output). */
  blockVrrp(nodeName: string, opts: BlockVrrpOptions = {}): Promise<NftTable> {
    const direction = opts.direction ?? 'input';
    const verdict = opts.verdict === 'reject' ? `reject with ${opts.rejectWith ?? 'icmpx admin-prohibited'}` : 'drop';
    const fams = opts.family ?? 'both';
    const rules: string[] = [];
    if (fams !== 'ipv6') {
      const peer = opts.peer ? ` ip ${direction === 'input' ? 'saddr' : 'daddr'} ${opts.peer}` : '';
      rules.push(`    meta nfproto ipv4${peer} meta l4proto 112 ${verdict}`);
    }
    if (fams !== 'ipv4') {
      const peer = opts.peer ? ` ip6 ${direction === 'input' ? 'saddr' : 'daddr'} ${opts.peer}` : '';
      rules.push(`    meta nfproto ipv6${peer} meta l4proto 112 ${verdict}`);
    }
    // An IPv4 peer makes the IPv6 rule meaningless (and vice versa): keep only the matching one.
    const kept = opts.peer ? rules.filter((r) => (opts.peer!.includes(':') ? r.includes('ip6 ') : r.includes(' ip '))) : rules;
    const body = [
      `  chain ${direction} {`,
      `    type filter hook ${direction} priority filter; policy accept;`,
      ...kept,
      '  }',
    ].join('\n');
    return this.addNftTable(nodeName, 'inet', body);
  }

  /**
   * Drop the node's outgoing ARP announcing any of `vips` (gratuitous ARPs and replies) on its
   * lab interface. keepalived sends GARPs through a packet socket, which bypasses the arp
   * family hooks, so this uses the netdev egress hook (Linux >= 5.16).
   */
  dropGarp(nodeName: string, vips: string[]): Promise<NftTable> {
    const node = this.node(nodeName);
    const set = vips.length === 1 ? vips[0] : `{ ${vips.join(', ')} }`;
    const body = [
      '  chain egress {',
      `    type filter hook egress device "${node.ifname}" priority filter; policy accept;`,
      `    arp saddr ip ${set} drop`,
      '  }',
    ].join('\n');
    return this.addNftTable(nodeName, 'netdev', body);
  }

  /**
   * With snooping and querier on: resolve once the bridge forwards multicast by membership. Until
   * a querier is known (its own, which the kernel holds back for mcast_query_response_interval,
   * 10 s, after mcast_querier is set, or another one on the segment) a Linux bridge floods every
   * group to every port even with snooping on, so a missing report changes nothing before that.
   */
  async waitForQuerier(): Promise<void> {
    if (!this.opts.snooping || !this.opts.querier) throw new Error('waitForQuerier needs snooping and querier');
    const r = await run(['ip', '-n', this.switchNs, '-d', '-j', 'link', 'show', this.bridge]);
    const info = JSON.parse(r.stdout)[0]?.linkinfo?.info_data ?? {};
    // Netlink reports it in centiseconds (clock_t).
    const delayMs = Number(info.mcast_query_response_intvl ?? 1000) * 10;
    const wait = this.bridgeCreatedTs * 1000 + delayMs + 500 - Date.now();
    if (wait > 0) await sleep(wait);
    this.action('switch', 'querier-active', `bridge IGMP querier active (${delayMs / 1000} s after mcast_querier 1): snooping forwards groups only to ports that reported`);
  }

  /** Start tcpdump on the bridge (or a node's interface); resolves once it is listening. */
  async startCapture(opts: CaptureOptions): Promise<Capture> {
    const owner = opts.node ?? 'switch';
    const ns = this.nsOf(owner);
    const iface = opts.iface ?? (opts.node ? this.node(opts.node).ifname : this.bridge);
    const filter = opts.filter ?? LAB_CAPTURE_FILTER;
    const file = path.resolve(opts.file);
    // -Z root: Debian's tcpdump otherwise switches to user tcpdump and may not be able to write the file.
    // --immediate-mode: hand packets over at once, so none sit in the kernel ring when we stop.
    // tcpdump puts a bridge in promiscuous mode, so br0 sees unicast between nodes as well.
    const argv = ['tcpdump', '-i', iface, '-w', file, '-U', '-s', '0', '-n', '--immediate-mode', '-Z', 'root'];
    if (opts.linkType) argv.push('-y', opts.linkType);
    if (filter) argv.push(filter);
    const proc = this.spawnIn(ns, argv);
    const capture = new Capture(this, proc, file, ns, iface, filter, owner);
    this.captures.push(capture);
    const lines: string[] = [];
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`tcpdump on ${iface} did not start: ${lines.join(' | ')}`)), 10_000);
      onLines(proc.stderr!, (_ts, line) => {
        lines.push(line);
        if (/listening on/.test(line)) {
          clearTimeout(timer);
          resolve();
        }
      });
      proc.on('close', () => {
        clearTimeout(timer);
        reject(new Error(`tcpdump on ${iface} exited: ${lines.join(' | ')}`));
      });
    });
    proc.stdout!.resume();
    const y = opts.linkType ? ` -y ${opts.linkType}` : '';
    this.action(owner, 'capture-start', `tcpdump -i ${iface}${y} -w ${path.basename(file)} '${filter}'`);
    return capture;
  }

  /**
   * Tear everything down: kill every process group we started, delete our namespaces (which
   * removes their veths, bridge, macvlans, VIPs and nft tables), remove the temp dir.
   * Synchronous so it can run from an 'exit' handler; idempotent.
   */
  cleanup(): void {
    if (this.cleaned) return;
    this.cleaned = true;
    liveLabs.delete(this);
    for (const proc of this.procs) {
      if (proc.pid) signal(-proc.pid, 'SIGKILL');
    }
    this.procs.clear();
    for (const ns of [...this.namespaces].reverse()) runSync(['ip', 'netns', 'del', ns]);
    if (!this.opts.keepTmp) fs.rmSync(this.tmpDir, { recursive: true, force: true });
  }

  get isCleanedUp(): boolean {
    return this.cleaned;
  }
}
