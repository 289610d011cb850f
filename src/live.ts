// Wiring for `vrrpscope live`: libpcap frames -> optional -w file -> the same Pipeline as `read`,
// plus the 100 ms ticks that let timed alerts fire when nothing arrives, privilege drop, and a
// clean stop on -c, --duration, signals or a vanished interface. No protocol logic lives here.
import * as fs from 'node:fs';
import { interfaceAddresses, listInterfaces } from './capture/interfaces.js';
import { LiveCaptureError, openLive, type LiveCapture } from './capture/live.js';
import { dropPrivileges } from './capture/privileges.js';
import type { Frame } from './frame.js';
import { PcapWriter } from './capture/writer.js';
import { EXIT, Pipeline, type RunOptions } from './pipeline.js';
import { escapeControls } from './render/escape.js';
import { Output } from './render/output.js';
import { LiveReport } from './report.js';
import { AlertSinks } from './sinks.js';
import { startLiveTui, terminalProblem } from './tui.js';

export interface LiveRunOptions extends RunOptions {
  iface: string;
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
  const localAddrs = interfaceAddresses(o.iface);
  // With extra filter words, ARP / IGMP / ICMP may be filtered away: absence is then no evidence.
  const out = o.tui ? null : new Output(1);
  const report = o.listen ? new LiveReport({ ...o, localAddrs }) : null;
  let sinks: AlertSinks | null = null;
  const pipeline = new Pipeline({ ...o, defaultLiveFilter: o.filterWords.trim() === '', localAddrs }, out, (a) => {
    report?.alert(a);
    sinks?.alert(a);
  }, report?.packet);
  let writer: PcapWriter | null = null;
  let capture: LiveCapture;
  if (report) {
    report.attach(pipeline);
    // Bound before the capture opens: what follows up to the privilege drop stays synchronous.
    try {
      const url = await report.listen(o.listen!, () => capture?.stats() ?? {});
      process.stderr.write(`vrrpscope: report at ${escapeControls(url)}\n`);
    } catch (err) {
      process.stderr.write(`vrrpscope: --listen ${escapeControls(o.listen!)}: ${escapeControls((err as Error).message)}\n`);
      return EXIT.ERROR;
    }
  }
  const onFrame = (f: Frame): void => {
    writer?.write(f);
    sinks?.frame(f);
    pipeline.frame(f);
    if (pipeline.done) stop('count');
  };
  try {
    capture = openLive({ iface: o.iface, filter: o.filterWords, promisc: o.promisc, bufferSize: o.bufferBytes, onFrame });
  } catch (err) {
    report?.close();
    return failLine(err);
  }
  try {
    if (o.write) writer = new PcapWriter(o.write, { linkType: capture.linkType });
    if (o.alertmanager || o.evidence) {
      // The dashboard owns the terminal: delivery and evidence lines would tear it.
      const log = o.tui ? () => {} : (line: string) => process.stderr.write(`vrrpscope: ${escapeControls(line)}\n`);
      sinks = new AlertSinks({
        alertmanager: o.alertmanager, evidence: o.evidence, evidenceSeconds: o.evidenceSeconds, evidenceMaxBytes: o.evidenceMaxBytes,
        segment: o.iface, linkType: capture.linkType, log,
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
      process.stderr.write(`vrrpscope: listening on ${escapeControls(o.iface)}, link type ${capture.linkType}${o.write ? `, writing ${escapeControls(o.write)}` : ''}${who}\n`);
    }
  } catch (err) {
    capture.close();
    report?.close();
    return failLine(err);
  }

  let stopping = false;
  let finished = false;
  let resolveDone: (code: number) => void = () => {};
  const done = new Promise<number>((r) => (resolveDone = r));
  const stats = () => capture.stats();
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
    capture.close();
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
      iface: o.iface, filter: o.filterWords, pipeline, stats, mono: o.mono, localAddrs,
      onQuit: () => stop('quit'),
    });
  }
  void capture.ended.then((end) => {
    if (end.reason === 'gone') endError = `${end.error.message}; capture stopped, ${o.write ? `${o.write} is complete` : 'summary follows'}`;
    else if (end.reason === 'failed') endError = `capture failed: ${(end.error as Error)?.message ?? String(end.error)}`;
    stop(end.reason);
  });
  return done;
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
