// Heap figures for BENCHMARKS.md ("Memory"): what the analyzer keeps after a flood of forged
// sources and after a long run of ordinary traffic. Run with
//   node --expose-gc --import tsx scripts/memory.ts [--days 7] [--sources 100000]
// Heap is measured after a full GC, so the figures are what stays reachable, not garbage.

import { parseArgs } from 'node:util';
import { performance } from 'node:perf_hooks';
import type { Alert } from '../src/analyze/alerts.js';
import { Analyzer } from '../src/analyze/analyzer.js';
import { MONO } from '../src/render/color.js';
import { summaryRecord, toJsonLine } from '../src/render/json.js';
import { summaryText } from '../src/render/summary.js';
import { Pipeline } from '../src/pipeline.js';
import { floodFrames, weekPackets } from '../test/support/flood.js';

const { values } = parseArgs({
  options: {
    days: { type: 'string', default: '7' },
    sources: { type: 'string', default: '100000' },
    routers: { type: 'string', default: '255' },
    /** Mean hours between handovers per VRID; small values fill the capped histories sooner. */
    handover: { type: 'string', default: '8' },
  },
});

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) {
  console.error('memory: run node with --expose-gc (see the comment at the top)');
  process.exit(2);
}
function heapMb(): number {
  gc!();
  gc!();
  return process.memoryUsage().heapUsed / 1048576;
}
const mb = (x: number) => `${x.toFixed(1)} MB`;

/** Sizes of what a snapshot and the summaries hold: the visible part of the state. */
function snapshotFigures(a: Analyzer): Record<string, number> {
  const snap = a.snapshot();
  const text = summaryText(snap, { frames: 0 }, null, MONO);
  const json = toJsonLine(summaryRecord(snap, { frames: 0 }, null));
  let routers = 0;
  let open = 0;
  let maxRouters = 0;
  for (const v of snap.vrids) {
    routers += v.routers.length;
    maxRouters = Math.max(maxRouters, v.routers.length);
    open += v.openAlerts.length;
  }
  return { vrids: snap.vrids.length, routers, maxRoutersPerVrid: maxRouters, openAlerts: open, recentAlerts: snap.recentAlerts.length, summaryTextKb: Math.round(text.length / 1024), summaryJsonKb: Math.round(json.length / 1024) };
}

function flood(authPass: string | undefined): void {
  const sources = Number(values.sources);
  const kinds = new Map<string, number>();
  const before = heapMb();
  const pipeline = new Pipeline({ authPass }, null, (al: Alert) => {
    if (al.status !== 'cleared') kinds.set(al.kind, (kinds.get(al.kind) ?? 0) + 1);
  });
  const t = performance.now();
  let frames = 0;
  for (const f of floodFrames({ sources })) {
    pipeline.frame(f);
    frames++;
  }
  pipeline.analyzer.finish();
  const seconds = (performance.now() - t) / 1000;
  const after = heapMb();
  const figures = snapshotFigures(pipeline.analyzer);
  console.log(`flood: ${sources} forged sources over 256 VRIDs, ${frames} adverts${authPass ? `, --auth-pass ${authPass}` : ''}`);
  console.log(`  heap before ${mb(before)}, after ${mb(after)} (+${mb(after - before)}); ${Math.round(frames / seconds)} adverts/s`);
  console.log(`  ${JSON.stringify(figures)}`);
  console.log(`  alerts raised: ${JSON.stringify(Object.fromEntries([...kinds].sort()))}`);
}

function week(): void {
  const days = Number(values.days);
  const routers = Number(values.routers);
  const analyzer = new Analyzer({});
  const before = heapMb();
  const daily: string[] = [];
  let packets = 0;
  const t = performance.now();
  const handoverHours = Number(values.handover);
  for (const p of weekPackets({
    routers,
    days,
    handoverHours,
    onDay: (d) => {
      if (d > 0) daily.push(`day ${d}: ${mb(heapMb())}`);
    },
  })) {
    analyzer.ingest(p);
    packets++;
  }
  analyzer.finish();
  const seconds = (performance.now() - t) / 1000;
  const after = heapMb();
  console.log(`week: ${routers} VRIDs (master + backup each) for ${days} days at advert_int 1 s, a handover every ~${handoverHours} h per VRID, ${packets} adverts`);
  console.log(`  heap before ${mb(before)}, after ${mb(after)} (+${mb(after - before)}); ${Math.round(packets / seconds)} adverts/s`);
  console.log(`  ${daily.join(', ')}`);
  console.log(`  ${JSON.stringify(snapshotFigures(analyzer))}`);
}

console.log(`node ${process.version}, heap at start ${mb(heapMb())}`);
if (Number(values.sources) > 0) {
  flood(undefined);
  flood('secret');
}
week();
