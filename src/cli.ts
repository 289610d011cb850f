#!/usr/bin/env node
// Wiring only: capture -> decode -> analyze -> render. No protocol logic lives here.
import { Command, InvalidArgumentError, Option } from 'commander';
import type { Severity } from './analyze/alerts.js';
import { CaptureError } from './capture/types.js';
import { alertmanagerEndpoint } from './render/alertmanager.js';
import { wantColor } from './render/color.js';
import { escapeControls } from './render/escape.js';
import { Output } from './render/output.js';
import { EXIT, Pipeline, readInto, readVantages, segmentKey, vantageName, type RunOptions, type Vantage } from './pipeline.js';
import { resolve as resolvePath } from 'node:path';
import { parseSpeed } from './replay.js';

// live.js and tui.js (libpcap binding, reblessed) load only for the commands that use them, so
// `read` does not pay for them at start-up.
type LiveModule = typeof import('./live.js');
type TuiModule = typeof import('./tui.js');
type ReportModule = typeof import('./report.js');
const liveModule = (): Promise<LiveModule> => import('./live.js');
const reportModule = (): Promise<ReportModule> => import('./report.js');
const tuiModule = (): Promise<TuiModule> => import('./tui.js');

function fail(message: string): never {
  process.stderr.write(`vrrpscope: ${escapeControls(message)}\n`);
  process.exit(EXIT.ERROR);
}

/** `--vrid`: VRIDs, and those picked on some segments only (`51@vlan20`, `@vlan20` for every VRID there). */
interface VridPick {
  vrids: Set<number>;
  segments: Map<number, Set<string>>;
}

function parseVrids(spec: string): VridPick {
  const set = new Set<number>();
  const everywhere = new Set<number>();
  const segments = new Map<number, Set<string>>();
  for (const part of spec.split(',')) {
    const m = /^\s*(?:(\d+)\s*(?:-\s*(\d+)\s*)?)?(?:@(.*))?$/.exec(part);
    if (!m || (m[1] === undefined && m[3] === undefined)) throw new InvalidArgumentError(`"${part}" is not a VRID, a range like 1-20, or either on a segment like 51@vlan20`);
    const lo = m[1] === undefined ? 0 : Number(m[1]);
    const hi = m[1] === undefined ? 255 : m[2] === undefined ? lo : Number(m[2]);
    if (lo < 0 || hi > 255 || lo > hi) throw new InvalidArgumentError(`VRIDs are 0-255 (got "${part}")`);
    const segment = m[3] === undefined ? null : segmentKey(m[3]);
    if (segment === '') throw new InvalidArgumentError(`"${part}" names no segment after @ (e.g. 51@vlan20)`);
    for (let v = lo; v <= hi; v++) {
      set.add(v);
      if (segment === null) everywhere.add(v);
      else segments.set(v, (segments.get(v) ?? new Set()).add(segment));
    }
  }
  for (const v of everywhere) segments.delete(v);
  return { vrids: set, segments };
}

/** RunOptions' VRID fields from `--vrid`. */
function vridOptions(pick: VridPick | undefined): Pick<RunOptions, 'vrid' | 'vridSegments'> {
  if (pick === undefined) return { vrid: undefined };
  return { vrid: pick.vrids, ...(pick.segments.size === 0 ? {} : { vridSegments: pick.segments }) };
}

/** An option given again adds to the list (`-i eth0 -i eth1`). */
function repeatable(value: string, list: string[]): string[] {
  return [...list, value];
}

function parsePositive(s: string): number {
  const n = Number(s);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('must be a positive number');
  return n;
}

function parseAlertmanagerUrl(s: string): string {
  try {
    alertmanagerEndpoint(s);
  } catch (err) {
    throw new InvalidArgumentError((err as Error).message.replace(/^--alertmanager: /, ''));
  }
  return s;
}

function parseCount(s: string): number {
  const n = Number(s);
  if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError('must be a positive whole number');
  return n;
}

const FS_ERRORS: Record<string, string> = {
  ENOENT: 'no such file',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EISDIR: 'is a directory, not a capture file',
  EIO: 'input/output error',
};

/** Broken input and unreadable files become one line; anything else is a bug and propagates. */
function asInputError(err: unknown, file: string): CaptureError {
  if (err instanceof CaptureError) return err;
  const code = (err as NodeJS.ErrnoException)?.code;
  if (typeof code === 'string' && (code in FS_ERRORS || code.startsWith('E'))) {
    return new CaptureError(`${file}: ${FS_ERRORS[code] ?? (err as Error).message}`, 0, 0);
  }
  throw err;
}

async function runRead(file: string, o: RunOptions): Promise<number> {
  const out = new Output(1);
  const pipeline = new Pipeline(o, out);
  let error: CaptureError | null = null;
  try {
    await readInto(pipeline, file);
  } catch (err) {
    error = asInputError(err, file);
  }
  // Input that is no capture at all (text, a directory, zeros) gets its error line alone.
  if (!out.closed && !(error && pipeline.frames === 0)) pipeline.finish();
  for (const note of pipeline.notes) process.stderr.write(`vrrpscope: note: ${escapeControls(note)}\n`);
  if (error) {
    process.stderr.write(`vrrpscope: ${escapeControls(error.message)}\n`);
    return EXIT.ERROR;
  }
  return pipeline.exitCode();
}

/** The vantage point of each file: --vantage NAME=FILE, else the file's name without its extensions. */
function vantagesOf(files: string[], named: string[]): Vantage[] {
  const names = new Map<string, string>();
  for (const spec of named) {
    const eq = spec.indexOf('=');
    if (eq <= 0 || eq === spec.length - 1) fail(`--vantage wants NAME=FILE (got "${spec}")`);
    names.set(spec.slice(eq + 1), spec.slice(0, eq));
  }
  for (const file of names.keys()) if (!files.includes(file)) fail(`--vantage names ${file}, which is not among the files to read`);
  if (files.includes('-')) fail('several captures are read from files: standard input (-) cannot be one of them');
  const seen = new Set<string>();
  const out: Vantage[] = [];
  for (const file of files) {
    const key = resolvePath(file);
    if (seen.has(key)) fail(`${file} is given twice: each vantage point is one capture`);
    seen.add(key);
    out.push({ name: names.get(file) ?? vantageName(file), file });
  }
  const byName = new Set(out.map((v) => v.name));
  if (byName.size < out.length) fail('two captures have the same vantage name: name them with --vantage NAME=FILE');
  return out;
}

async function runReadVantages(vantages: Vantage[], o: RunOptions): Promise<number> {
  const out = new Output(1);
  const pipeline = new Pipeline(o, out);
  let failed = false;
  const { notes } = await readVantages(pipeline, vantages, (v, err) => {
    failed = true;
    process.stderr.write(`vrrpscope: ${escapeControls(asInputError(err, v.file).message)}\n`);
  });
  for (const note of notes) process.stderr.write(`vrrpscope: note: ${escapeControls(note)}\n`);
  if (!out.closed && pipeline.frames > 0) pipeline.finish();
  for (const note of pipeline.notes) process.stderr.write(`vrrpscope: note: ${escapeControls(note)}\n`);
  return failed ? EXIT.ERROR : pipeline.exitCode();
}

const EXIT_HELP = `
Exit codes:
  0  finished; no alert at or above --fail-on
  1  an alert at or above --fail-on was raised
  2  usage error, unreadable or broken capture file, or capture error`;

export function buildProgram(): Command {
  const program = new Command('vrrpscope')
    .description('VRRP protocol analyzer: who is master of each virtual router, and what is wrong')
    .version('0.1.0')
    .addHelpText('after', EXIT_HELP)
    .showHelpAfterError()
    .exitOverride((err) => process.exit(err.exitCode === 0 ? 0 : EXIT.ERROR));

  const common = (cmd: Command) =>
    cmd
      .option('-v, --verbose', 'show MACs, TTL, checksum variant and VMAC status')
      .option('--json', 'NDJSON output: one record per packet, alert and the summary')
      .option('-q, --quiet', 'no per-packet lines: only alerts and the summary')
      .option('--vrid <list>', 'only these VRIDs, e.g. 51,52 or 1-20; on one segment: 51@vlan20', parseVrids)
      .option('-c, --count <n>', 'stop after N packets', parseCount)
      .option('--auth-pass <password>', 'expected VRRPv2 password: other passwords raise auth-mismatch')
      .addOption(new Option('--fail-on <severity>', 'exit 1 when an alert at or above this severity is raised').choices(['critical', 'warning', 'info']))
      .option('--explain', 'at the end, a diagnosis per virtual router in Markdown (paste it into a ticket)')
      .option('--no-color', 'no ANSI colours (also NO_COLOR=1)');

  const runOptions = (opts: Record<string, unknown>): RunOptions => ({
    verbose: !!opts.verbose,
    json: !!opts.json,
    quiet: !!opts.quiet,
    ...vridOptions(opts.vrid as VridPick | undefined),
    count: opts.count as number | undefined,
    authPass: opts.authPass as string | undefined,
    failOn: opts.failOn as Severity | undefined,
    explain: !!opts.explain,
    color: !opts.json && wantColor(!!process.stdout.isTTY, opts.color === false, process.env),
  });
  const speed = (s: string) => {
    try {
      return parseSpeed(s);
    } catch (e) {
      throw new InvalidArgumentError((e as Error).message);
    }
  };

  common(program.command('read').argument('<files...>', 'pcap or pcapng file (- for standard input); several: one per vantage point, merged in time order'))
    .description('analyse a capture file, or several taken at once on several nodes')
    .option('--vantage <name=file>', 'name the vantage point of one of several files (default: the file name)', (v: string, acc: string[]) => [...acc, v], [] as string[])
    .option('--tui', 'replay the file in the full-screen dashboard')
    .option('--speed <n>', 'replay speed for --tui: 1 = real time, 10 = ten times faster, max = as fast as possible', speed, 1)
    .option('--mono', 'dashboard without colour (also NO_COLOR)')
    .option('--local-addr <addrs>', 'addresses of the host the capture was taken on (comma-separated): --explain can then say "this host"')
    .addHelpText('after', EXIT_HELP)
    .action(async (files: string[], opts: Record<string, unknown>) => {
      const o = runOptions(opts);
      if (typeof opts.localAddr === 'string') o.localAddrs = opts.localAddr.split(',').map((a) => a.trim()).filter(Boolean);
      if (files.length > 1 || (opts.vantage as string[]).length > 0) {
        if (opts.tui) fail('--tui replays one file: give one, or read several without --tui');
        process.exitCode = await runReadVantages(vantagesOf(files, opts.vantage as string[]), o);
        return;
      }
      const file = files[0];
      if (opts.tui) {
        if (o.json) fail('--tui and --json do not go together: the dashboard has no JSON output');
        const { runReplayTui } = await tuiModule();
        process.exitCode = await runReplayTui(file, { ...o, speed: opts.speed as number, mono: !!opts.mono });
        return;
      }
      process.exitCode = await runRead(file, o);
    });

  common(program.command('live').argument('[filter...]', 'extra BPF filter words, ANDed with the default (VRRP, ARP, ICMP, IGMP/MLD)'))
    .description('capture on an interface through libpcap (needs root or cap_net_raw,cap_net_admin)')
    .option('-i, --interface <iface>', 'interface to capture on (see `vrrpscope interfaces`); repeat for several, analysed together by segment', repeatable, [] as string[])
    .option('-w, --write <file>', 'also save every captured frame to this pcap file (pcapng, one interface each, with several -i)')
    .option('--duration <seconds>', 'stop after this many seconds', parsePositive)
    .option('--no-promisc', 'do not put the interface into promiscuous mode')
    .option('--no-tui', 'plain lines (or --json) even on a terminal')
    .option('--mono', 'dashboard without colour (also NO_COLOR)')
    .option('-Z, --user <name>', 'user to drop root privileges to once the interface and -w file are open', 'nobody')
    .option('--no-drop-privileges', 'keep running as root')
    .option('--buffer-size <MiB>', 'kernel capture buffer in MiB (default 32)', parsePositive)
    .option('--listen <addr>', 'also serve the HTML report at / on HOST:PORT (or PORT on 127.0.0.1), updated every second')
    .option('--alertmanager <url>', 'post alerts to this Alertmanager (API v2) as they are raised and cleared', parseAlertmanagerUrl)
    .option('--evidence <dir>', 'flight recorder: on a critical alert, write the frames around it to a pcap in this directory')
    .option('--evidence-seconds <s>', 'seconds of frames kept before and written after the alert (default 120)', parsePositive)
    .option('--evidence-max <MB>', 'most megabytes of evidence files in --evidence, oldest deleted first (default 512)', parsePositive)
    .addHelpText('after', EXIT_HELP)
    .action(async (words: string[], opts: Record<string, unknown>) => {
      const o = runOptions(opts);
      // node_pcap frees its handle only when another packet arrives after close(), so on a quiet
      // interface the event loop would stay alive: everything is written synchronously by now.
      const { runLive, wantTui } = await liveModule();
      const code = await runLive({
        ...o,
        ifaces: opts.interface as string[],
        filterWords: words.join(' '),
        promisc: opts.promisc !== false,
        write: opts.write as string | undefined,
        durationS: opts.duration as number | undefined,
        tui: wantTui(opts.tui === false, !!o.json),
        mono: !!opts.mono || opts.color === false,
        user: opts.dropPrivileges === false ? null : (opts.user as string),
        bufferBytes: opts.bufferSize === undefined ? undefined : Math.round((opts.bufferSize as number) * 1024 * 1024),
        listen: opts.listen as string | undefined,
        alertmanager: opts.alertmanager as string | undefined,
        evidence: opts.evidence as string | undefined,
        evidenceSeconds: opts.evidenceSeconds as number | undefined,
        evidenceMaxBytes: opts.evidenceMax === undefined ? undefined : Math.round((opts.evidenceMax as number) * 1024 * 1024),
      });
      process.exit(code);
    });

  program
    .command('report')
    .argument('<files...>', 'pcap or pcapng files, read one after another as one capture (give them in time order)')
    .description('write one self-contained HTML timeline of capture files: mastership, advert intervals, VIP claims, alerts')
    .requiredOption('-o, --output <file>', 'HTML file to write')
    .option('--vrid <list>', 'only these VRIDs, e.g. 51,52 or 1-20; on one segment: 51@vlan20', parseVrids)
    .option('--auth-pass <password>', 'expected VRRPv2 password: other passwords raise auth-mismatch')
    .addOption(new Option('--fail-on <severity>', 'exit 1 when an alert at or above this severity is raised').choices(['critical', 'warning', 'info']))
    .option('--local-addr <addrs>', 'addresses of the host the capture was taken on (comma-separated), for the diagnosis')
    .addHelpText('after', EXIT_HELP)
    .action(async (files: string[], opts: Record<string, unknown>) => {
      const { runReport } = await reportModule();
      const o = {
        ...vridOptions(opts.vrid as VridPick | undefined),
        authPass: opts.authPass as string | undefined,
        failOn: opts.failOn as Severity | undefined,
        localAddrs: typeof opts.localAddr === 'string' ? opts.localAddr.split(',').map((a) => a.trim()).filter(Boolean) : undefined,
        output: opts.output as string,
      };
      let result;
      try {
        result = await runReport(files, o, asInputError);
      } catch (err) {
        fail(asInputError(err, o.output).message);
      }
      if (result.error) process.stderr.write(`vrrpscope: ${escapeControls(result.error.message)}\n`);
      process.exitCode = result.code;
    });

  program
    .command('monitor')
    .description('headless probe: capture on one or more interfaces, serve Prometheus metrics, log one line per event')
    .option('-i, --interface <iface>', 'interface to capture on; repeat for several (one segment each)', repeatable, [] as string[])
    .option('--listen <[host]:port>', 'where to serve /metrics (no host: 127.0.0.1)', '127.0.0.1:9712')
    .option('--filter <words>', 'extra BPF filter words, ANDed with the default')
    .option('--no-promisc', 'do not put the interfaces into promiscuous mode')
    .option('-Z, --user <name>', 'user to drop root privileges to once everything is open', 'nobody')
    .option('--no-drop-privileges', 'keep running as root (needed to reopen a lost interface when started as root)')
    .option('--buffer-size <MiB>', 'kernel capture buffer in MiB per interface (default 8)', parsePositive)
    .option('--auth-pass <password>', 'expected VRRPv2 password: other passwords raise auth-mismatch')
    .option('--log <file>', 'event lines to this file instead of stderr (reopened on SIGHUP)')
    .option('--ndjson <file>', 'also append every alert as an NDJSON record to this file (reopened on SIGHUP)')
    .option('--alertmanager <url>', 'post alerts to this Alertmanager (v2 API), e.g. http://127.0.0.1:9093')
    .option('--evidence <dir>', 'flight recorder: on a critical alert, write a pcap of the frames before and after it here')
    .option('--evidence-seconds <n>', 'seconds of frames kept before, and written after, a critical alert', parsePositive, 120)
    .option('--evidence-max <MB>', 'most disk space for evidence pcaps; the oldest go first', parsePositive, 512)
    .addHelpText('after', `
Exit codes:
  0  stopped by SIGTERM or SIGINT
  2  configuration error (bad --listen, port in use, unknown option, bad filter, no capture binding)`)
    .action(async (opts: Record<string, unknown>) => {
      const { runMonitor, parseListen, MonitorConfigError } = await import('./monitor.js');
      const ifaces = opts.interface as string[];
      if (ifaces.length === 0) fail('monitor needs at least one -i INTERFACE');
      let listen;
      try {
        listen = parseListen(opts.listen as string);
      } catch (err) {
        if (!(err instanceof MonitorConfigError)) throw err;
        fail(err.message);
      }
      const code = await runMonitor({
        ifaces,
        listen,
        filterWords: (opts.filter as string | undefined) ?? '',
        promisc: opts.promisc !== false,
        user: opts.dropPrivileges === false ? null : (opts.user as string),
        bufferBytes: opts.bufferSize === undefined ? undefined : Math.round((opts.bufferSize as number) * 1024 * 1024),
        authPass: opts.authPass as string | undefined,
        logFile: opts.log as string | undefined,
        ndjsonFile: opts.ndjson as string | undefined,
        alertmanager: opts.alertmanager as string | undefined,
        evidence: typeof opts.evidence === 'string'
          ? { dir: opts.evidence, seconds: opts.evidenceSeconds as number, maxBytes: Math.round((opts.evidenceMax as number) * 1024 * 1024) }
          : undefined,
      });
      // The pcap binding keeps the event loop alive after close() (see live).
      process.exit(code);
    });

  program
    .command('interfaces')
    .description('list capture interfaces with their addresses (like tcpdump -D)')
    .action(async () => {
      const { interfacesText } = await liveModule();
      const { LiveCaptureError } = await import('./capture/pcap-native.js');
      try {
        process.stdout.write(interfacesText());
      } catch (err) {
        if (!(err instanceof LiveCaptureError)) throw err;
        fail(err.message);
      }
    });

  return program;
}

async function main(): Promise<void> {
  try {
    await buildProgram().parseAsync(process.argv);
  } catch (err) {
    // A bug, not bad input: still one line, with a hint to report it.
    const e = err as Error;
    fail(`internal error: ${e?.message ?? String(err)} (please report this with the capture file)`);
  }
}

void main();
