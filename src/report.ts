// `vrrpscope report`: one pipeline run over the capture files (read one after another, as one
// capture), with the report's collector as packet and alert sink; then one HTML file. Wiring only.

import { writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Alert } from './analyze/alerts.js';
import { diagnose } from './analyze/diagnose.js';
import { CaptureError } from './capture/types.js';
import type { Decoded } from './decode/types.js';
import { EXIT, Pipeline, readInto, readVantages, vantageName, type RunOptions } from './pipeline.js';
import { ReportCollector, type ReportData } from './render/report/collect.js';
import { contentSecurityPolicy, reportHtml } from './render/report/html.js';

export interface ReportOptions extends RunOptions {
  output: string;
}

/** Analyses `files` (several: vantage points merged in time order) and returns what the page shows; `error` is the first unreadable input. */
export async function collectReport(
  files: string[],
  o: RunOptions,
  asInputError: (err: unknown, file: string) => CaptureError,
): Promise<{ data: ReportData; pipeline: Pipeline; error: CaptureError | null }> {
  let collector: ReportCollector | null = null;
  const pipeline = new Pipeline(o, null, (a, segment) => collector!.alert(a, segment), (p) => collector!.packet(p));
  collector = new ReportCollector((addr) => pipeline.analyzer.claimedBy(addr), () => pipeline.analyzer.lastSegmentLabel());
  let error: CaptureError | null = null;
  if (files.length > 1) {
    // Several captures are vantage points, merged in time order as `read N1 N2 ...` does.
    await readVantages(pipeline, files.map((file) => ({ name: vantageName(file), file })), (v, err) => {
      error ??= asInputError(err, v.file);
    });
  } else {
    try {
      await readInto(pipeline, files[0]);
    } catch (err) {
      error = asInputError(err, files[0]);
    }
  }
  pipeline.finish();
  const snap = pipeline.analyzer.snapshot();
  pipeline.pickVrids(snap);
  const diagnoses = diagnose(snap, { live: o.localAddrs ? { localAddrs: o.localAddrs } : undefined });
  const lastTs = Number.isFinite(snap.ts) ? snap.ts : null;
  const data = collector.build(snap, diagnoses, {
    files,
    frames: pipeline.frames,
    firstTs: pipeline.firstTs,
    lastTs,
    error: error?.message,
  });
  return { data, pipeline, error };
}

export async function runReport(
  files: string[],
  o: ReportOptions,
  asInputError: (err: unknown, file: string) => CaptureError,
): Promise<{ code: number; error: CaptureError | null }> {
  const { data, pipeline, error } = await collectReport(files, o, asInputError);
  // A report of what was read is still written when a later file is broken: nothing analysed is lost.
  if (error && pipeline.frames === 0) return { code: EXIT.ERROR, error };
  writeFileSync(o.output, reportHtml(data));
  return { code: error ? EXIT.ERROR : pipeline.exitCode(), error };
}

/**
 * `live --listen`: the same page, built afresh from the running analysis on every request.
 * Give `alert` and `packet` to the Pipeline, then `attach` it.
 */
export class LiveReport {
  private collector: ReportCollector | null = null;
  private pipeline: Pipeline | null = null;
  private server: Server | null = null;
  readonly alert = (a: Alert, segment?: string | null): void => this.collector?.alert(a, segment);
  readonly packet = (decoded: Decoded): void => this.collector?.packet(decoded);

  constructor(private readonly o: RunOptions & { iface: string }) {}

  attach(pipeline: Pipeline): void {
    this.pipeline = pipeline;
    this.collector = new ReportCollector((addr) => pipeline.analyzer.claimedBy(addr), () => pipeline.analyzer.lastSegmentLabel());
  }

  page(dropped?: number): string {
    const pipeline = this.pipeline!;
    const snap = pipeline.analyzer.snapshot();
    pipeline.pickVrids(snap);
    const diagnoses = diagnose(snap, { live: this.o.localAddrs ? { localAddrs: this.o.localAddrs } : undefined });
    const data = this.collector!.build(snap, diagnoses, {
      files: [`live on ${this.o.iface}`],
      frames: pipeline.frames,
      firstTs: pipeline.firstTs,
      lastTs: Number.isFinite(snap.ts) ? snap.ts : null,
      dropped,
    });
    return reportHtml(data, { live: true });
  }

  /** Binds `listen` (HOST:PORT, [v6]:PORT or PORT on 127.0.0.1) and serves the page at `/`. */
  async listen(listen: string, stats: () => { dropped?: number } = () => ({})): Promise<string> {
    const { host, port } = parseListen(listen);
    const server = createServer((req, res) => {
      const path = (req.url ?? '/').split('?')[0];
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        res.writeHead(405, { Allow: 'GET, HEAD' }).end();
      } else if (path !== '/' || !this.pipeline) {
        res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' }).end('not found: the report is at /\n');
      } else {
        const body = this.page(stats().dropped);
        res.writeHead(200, {
          'Content-Type': 'text/html; charset=utf-8',
          'Cache-Control': 'no-store',
          'X-Content-Type-Options': 'nosniff',
          'Content-Security-Policy': contentSecurityPolicy(true),
        }).end(req.method === 'HEAD' ? undefined : body);
      }
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => resolve());
    });
    this.server = server;
    const at = server.address() as AddressInfo;
    return `http://${at.family === 'IPv6' ? `[${at.address}]` : at.address}:${at.port}/`;
  }

  close(): void {
    this.server?.close();
    this.server?.closeAllConnections();
    this.server = null;
  }
}

export function parseListen(listen: string): { host: string; port: number } {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]*)):(\d+)$/.exec(listen) ?? /^()()(\d+)$/.exec(listen);
  const port = m ? Number(m[3]) : NaN;
  if (!m || !Number.isInteger(port) || port > 65535) throw new CaptureError(`--listen ${listen}: give HOST:PORT, [IPv6]:PORT or PORT`, 0, 0);
  return { host: m[1] || m[2] || '127.0.0.1', port };
}
