// Wiring for `vrrpscope live`: libpcap frames -> optional -w file -> the same Pipeline as `read`,
// plus the 100 ms ticks that let timed alerts fire when nothing arrives, privilege drop, and a
// clean stop on -c, --duration, signals or a vanished interface. Several -i feed one Pipeline,
// each frame naming its interface (Frame.iface), as the interfaces of a pcapng do for `read`: the
// analyzer then keys virtual routers by segment. No protocol logic lives here.
import * as fs from 'node:fs';
import { interfaceAddresses, listInterfaces } from './capture/interfaces.js';
import { LiveCaptureError, openLive, type LiveCapture, type LiveStats } from './capture/live.js';
import { dropPrivileges } from './capture/privileges.js';
import type { Frame } from './frame.js';
import { PcapngWriter, PcapWriter } from './capture/writer.js';
import { EXIT, Pipeline, type RunOptions } from './pipeline.js';
import { escapeControls } from './render/escape.js';
import { Output } from './render/output.js';
import { LiveReport } from './report.js';
import { AlertSinks } from './sinks.js';
import { startLiveTui, terminalProblem } from './tui.js';

export interface LiveRunOptions extends RunOptions {
  /** Interfaces to capture on (-i, repeatable); with several, every frame names its own. */
  ifaces: string[];
  /** Extra BPF words, ANDed with the default filter (tcpdump style). */
  filterWords: string;
  promisc: boolean;
  write?: string;
  durationS?: number;
  tui: boolean;
  mono: boolean;
  /** Drop root to this user once the interface and the -w file are open; null keeps root. */
  user: string | null;
  bufferBytes?: number;
  /** Serve the HTML report at / on this address (HOST:PORT or PORT), rebuilt on every request. */
  listen?: string;
  /** Alertmanager base URL: alerts are posted there as they are raised and cleared. */
  alertmanager?: string;
  /** Flight recorder directory: a critical alert writes the frames around it there. */
  evidence?: string;
  evidenceSeconds?: number;
  evidenceMaxBytes?: number;
}

/** The analyzer's clock advances every 100 ms while live, so missed-advert fires on time. */
const TICK_MS = 100;

export async function runLive(o: LiveRunOptions): Promise<number> {
  const problem = interfacesProblem(o.ifaces);
  if (problem) return failLine(Object.assign(new Error(problem), { code: 'EINVAL' }));
  const several = o.ifaces.length > 1;
  /** How the capture is named in messages, the report and the alert sinks: the interface, or all of them. */
  const iface = o.ifaces.join(', ');
  const localAddrs = o.ifaces.flatMap(interfaceAddresses);
  // With extra filter words, ARP / IGMP / ICMP may be filtered away: absence is then no evidence.
  const out = o.tui ? null : new Output(1);
  const report = o.listen ? new LiveReport({ ...o, iface, localAddrs }) : null;
  let sinks: AlertSinks | null = null;
  const pipeline = new Pipeline({ ...o, defaultLiveFilter: o.filterWords.trim() === '', localAddrs }, out, (a) => {
    report?.alert(a);
    sinks?.alert(a);
  }, report?.packet);
  let writer: PcapWriter | PcapngWriter | null = null;
  const captures: LiveCapture[] = [];
  const stats = () => sumStats(captures);
  if (report) {
    report.attach(pipeline);
    // Bound before the capture opens: what follows up to the privilege drop stays synchronous.
    try {
      const url = await report.listen(o.listen!, stats);
      process.stderr.write(`vrrpscope: report at ${escapeControls(url)}\n`);
    } catch (err) {
      process.stderr.write(`vrrpscope: --listen ${escapeControls(o.listen!)}: ${escapeControls((err as Error).message)}\n`);
      return EXIT.ERROR;
    }
  }
  // With several interfaces, records are numbered across all of them, in the order they arrive.
  let records = 0;
  const onFrameOf = (index: number) => (f: Frame): void => {
    if (several) f.record = ++records;
    if (writer instanceof PcapngWriter) writer.write(f, index);
    else writer?.write(f);
    sinks?.frame(f);
    pipeline.frame(f);
    if (pipeline.done) stop('count');
  };
  try {
    o.ifaces.forEach((name, index) => {
      captures.push(openLive({ iface: name, name: several ? name : '', filter: o.filterWords, promisc: o.promisc, bufferSize: o.bufferBytes, onFrame: onFrameOf(index) }));
    });
  } catch (err) {
    for (const c of captures) c.close();
    report?.close();
    return failLine(err);
  }
  const capture = captures[0];
  const interfaces = () => captures.map((c) => ({ name: c.iface, linkType: c.linkType }));
  try {
    // One interface: the classic pcap it always was. Several: pcapng, one interface description
    // each, so `read` of the file sees the same interfaces, hence the same segments.
    if (o.write) {
      writer = several ? new PcapngWriter(o.write, interfaces()) : new PcapWriter(o.write, { linkType: capture.linkType });
    }
    if (o.alertmanager || o.evidence) {
      // The dashboard owns the terminal: delivery and evidence lines would tear it.
      const log = o.tui ? () => {} : (line: string) => process.stderr.write(`vrrpscope: ${escapeControls(line)}\n`);
      sinks = new AlertSinks({
        alertmanager: o.alertmanager, evidence: o.evidence, evidenceSeconds: o.evidenceSeconds, evidenceMaxBytes: o.evidenceMaxBytes,
        segment: iface, linkType: capture.linkType, log,
        interfaces: several ? interfaces() : undefined,
      });
    }
    // Nothing from the wire is read before this: frames arrive only from the event loop.
    if (o.evidence) fs.mkdirSync(o.evidence, { recursive: true });
    const drop = o.user === null ? null : dropPrivileges(o.user);
    // Evidence is written long after start, as the dropped user: a directory it cannot write to is
    // a configuration error now, not a failed file at the first split brain.
    if (o.evidence && !writable(o.evidence)) {
      throw Object.assign(new Error(`--evidence ${o.evidence} is not writable${drop?.dropped ? ` by ${drop.user} (give that user the directory, or --no-drop-privileges)` : ''}`), { code: 'EACCES' });
    }
    if (!o.tui) {
      // Like tcpdump's "listening on" line: on stderr, so stdout stays lines or NDJSON.
      const who = drop?.dropped ? `, running as ${drop.user}` : o.user === null ? ', keeping root (--no-drop-privileges)' : '';
      const on = captures.map((c) => `${escapeControls(c.iface)}${several ? ` (link type ${c.linkType})` : ''}`).join(', ');
      process.stderr.write(`vrrpscope: listening on ${on}${several ? '' : `, link type ${capture.linkType}`}${o.write ? `, writing ${escapeControls(o.write)}` : ''}${who}\n`);
    }
  } catch (err) {
    for (const c of captures) c.close();
    report?.close();
    return failLine(err);
  }

  let stopping = false;
  let finished = false;
  let resolveDone: (code: number) => void = () => {};
  const done = new Promise<number>((r) => (resolveDone = r));
  const ticker = setInterval(() => {
    pipeline.analyzer.tick(Date.now() / 1000);
    // Output is buffered for speed; live readers (a pipe, jq, a log) get it within a tick.
    out?.flush();
    if (out?.closed) stop('output closed');
    writer?.flush();
  }, TICK_MS);
  const timer = o.durationS !== undefined ? setTimeout(() => stop('duration'), o.durationS * 1000) : null;
  let tui: { close(): void } | null = null;
  let endError: string | null = null;

  function stop(_why: string): void {
    if (stopping) return;
    stopping = true;
    clearInterval(ticker);
    if (timer) clearTimeout(timer);
    for (const c of captures) c.close();
    writer?.close();
    report?.close();
    if (tui) tui.close();
    else pipeline.finish(stats());
    if (endError) process.stderr.write(`vrrpscope: ${escapeControls(endError)}\n`);
    const code = endError ? EXIT.ERROR : pipeline.exitCode();
    // The evidence file is completed and what is queued for Alertmanager gets one last try.
    void (sinks?.close() ?? Promise.resolve()).finally(() => {
      finished = true;
      resolveDone(code);
    });
  }

  const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
  for (const sig of signals) {
    process.on(sig, () => {
      // A second signal while still stopping exits at once. Stopping is synchronous, so this only
      // matters if it hangs; a signal after it finished (timeout(1) forwards one to the group as
      // well) changes nothing.
      if (stopping) {
        if (!finished) process.exit(EXIT.ERROR);
        return;
      }
      stop(sig);
    });
  }
  if (o.tui) {
    tui = startLiveTui({
      iface, filter: o.filterWords, pipeline, stats, mono: o.mono, localAddrs,
      onQuit: () => stop('quit'),
    });
  }
  // The first capture to end ends them all: the analysis of the others alone would miss adverts.
  void Promise.race(captures.map((c) => c.ended)).then((end) => {
    if (end.reason === 'gone') endError = `${end.error.message}; capture stopped, ${o.write ? `${o.write} is complete` : 'summary follows'}`;
    else if (end.reason === 'failed') endError = `capture failed: ${(end.error as Error)?.message ?? String(end.error)}`;
    stop(end.reason);
  });
  return done;
}

/** Why these -i cannot be captured together, or null. */
export function interfacesProblem(ifaces: readonly string[]): string | null {
  if (ifaces.length === 0) return 'live needs an interface: -i INTERFACE (repeat for several)';
  const twice = ifaces.find((name, i) => ifaces.indexOf(name) !== i);
  if (twice !== undefined) return `-i ${twice} is given twice`;
  // "any" already holds every interface: with another, each of its frames would be seen twice.
  if (ifaces.length > 1 && ifaces.includes('any')) return '-i any captures on every interface already: give it alone';
  return null;
}

/** libpcap's counters of all the captures, summed. */
function sumStats(captures: readonly LiveCapture[]): LiveStats {
  const sum: LiveStats = { received: 0, dropped: 0, ifDropped: 0 };
  for (const c of captures) {
    const s = c.stats();
    sum.received += s.received;
    sum.dropped += s.dropped;
    sum.ifDropped += s.ifDropped;
  }
  return sum;
}

/** `live` on a terminal opens the dashboard unless --no-tui, --json or output is piped. */
export function wantTui(noTui: boolean, json: boolean): boolean {
  return !noTui && !json && terminalProblem() === null;
}

function failLine(err: unknown): number {
  if (!(err instanceof Error)) throw err;
  const known = err instanceof LiveCaptureError || err.name === 'PrivilegeError' || 'code' in err;
  if (!known) throw err;
  process.stderr.write(`vrrpscope: ${escapeControls(err.message)}\n`);
  return EXIT.ERROR;
}

function writable(dir: string): boolean {
  try {
    fs.accessSync(dir, fs.constants.W_OK | fs.constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** `vrrpscope interfaces`: like tcpdump -D, with addresses. */
export function interfacesText(): string {
  const list = listInterfaces();
  return list
    .map((i, n) => {
      const flags = [i.flags.up ? 'Up' : null, i.flags.running ? 'Running' : null, i.flags.loopback ? 'Loopback' : null, i.flags.wireless ? 'Wireless' : null]
        .filter(Boolean).join(', ');
      const addrs = i.addresses.map((a) => a.addr).join(' ');
      return `${n + 1}.${i.name}${i.description ? ` (${escapeControls(i.description)})` : ''}${flags ? ` [${flags}]` : ''}${addrs ? ` ${addrs}` : ''}`;
    })
    .join('\n') + '\n';
}
