// `vrrpscope report`: one pipeline run over the capture files (read one after another, as one
// capture), with the report's collector as packet and alert sink; then one HTML file. Wiring only.

import { writeFileSync } from 'node:fs';
import { diagnose } from './analyze/diagnose.js';
import { CaptureError } from './capture/types.js';
import { EXIT, Pipeline, readInto, type RunOptions } from './pipeline.js';
import { ReportCollector, type ReportData } from './render/report/collect.js';
import { reportHtml } from './render/report/html.js';

export interface ReportOptions extends RunOptions {
  output: string;
}

/** Analyses `files` in order and returns what the page shows; `error` is the first unreadable input. */
export async function collectReport(
  files: string[],
  o: RunOptions,
  asInputError: (err: unknown, file: string) => CaptureError,
): Promise<{ data: ReportData; pipeline: Pipeline; error: CaptureError | null }> {
  let collector: ReportCollector | null = null;
  const pipeline = new Pipeline(o, null, (a) => collector!.alert(a), (p) => collector!.packet(p));
  collector = new ReportCollector((addr) => pipeline.analyzer.claimedBy(addr));
  let error: CaptureError | null = null;
  for (const file of files) {
    try {
      await readInto(pipeline, file);
    } catch (err) {
      error = asInputError(err, file);
      break;
    }
    if (pipeline.done) break;
  }
  pipeline.finish();
  const snap = pipeline.analyzer.snapshot();
  if (o.vrid) snap.vrids = snap.vrids.filter((v) => o.vrid!.has(v.vrid));
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
