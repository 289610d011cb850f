// Per-packet cost of each stage, in process, on frames already in memory:
//
//   npx tsx bench/micro.ts [--frames 500000] [--rounds 3] [--reps 3] [--dist dist[,other-build]] [--only decode,...]
//
//   decode         decodeFrame alone
//   ingest         Analyzer.ingest alone, on packets decoded beforehand (the analyzer's own cost)
//   decode+ingest  decodeFrame then Analyzer.ingest
//   live           what live capture pays per packet before any output (the "< 1 µs" target): the
//                  pipeline's decoder (repeated frames answered from memory), then Analyzer.ingest
//   pipeline -q    Pipeline.frame with nothing printed (read -q without the file reading)
//   pipeline text  ... with one line per packet to /dev/null
//   pipeline json  ... with one NDJSON record per packet to /dev/null
//   read -q        the capture's bytes (in memory) through CaptureParser in 1 MiB chunks into Pipeline.frame,
//                  nothing printed: read -q without the system calls and start-up
//   read only      ... the records alone (one refilled frame each, as `read` does)
//   read+decode    ... and the pipeline's Decoder, no analysis
//
// The modules come from the compiled build (--dist), as the CLI runs them; several builds can be
// compared side by side. The machine is shared, so only ratios between stages and builds are solid.

import { spawnSync } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Frame } from '../src/frame.js';
import type { Decoded } from '../src/decode/types.js';
import { arg, median } from './run.js';

interface Modules {
  CaptureParser: typeof import('../src/capture/file.js').CaptureParser;
  decodeFrame: typeof import('../src/decode/index.js').decodeFrame;
  decodedFrame: typeof import('../src/decode/index.js').decodedFrame;
  Decoder: typeof import('../src/decode/decoder.js').Decoder;
  Analyzer: typeof import('../src/analyze/analyzer.js').Analyzer;
  Pipeline: typeof import('../src/pipeline.js').Pipeline;
  Output: typeof import('../src/render/output.js').Output;
}

async function load(dist: string): Promise<Modules> {
  const mod = (p: string) => import(pathToFileURL(resolve(dist, p)).href);
  const [file, decode, decoder, analyzer, pipeline, output] = await Promise.all([
    mod('capture/file.js'),
    mod('decode/index.js'),
    mod('decode/decoder.js'),
    mod('analyze/analyzer.js'),
    mod('pipeline.js'),
    mod('render/output.js'),
  ]);
  return {
    CaptureParser: file.CaptureParser,
    decodeFrame: decode.decodeFrame,
    decodedFrame: decode.decodedFrame,
    Decoder: decoder.Decoder,
    Analyzer: analyzer.Analyzer,
    Pipeline: pipeline.Pipeline,
    Output: output.Output,
  };
}

/** The first `max` frames of `path`, as views into one buffer that stays alive. */
function loadFrames(m: Modules, bytes: Uint8Array, max: number): Frame[] {
  const frames: Frame[] = [];
  const parser = new m.CaptureParser((f) => void frames.push(f), { maxFrames: max });
  parser.push(bytes);
  return frames;
}

export interface StageResult {
  stage: string;
  nsPerFrame: number;
  minNs: number;
  maxNs: number;
}

export async function micro(opts: { dist: string; file: string; frames: number; reps: number; only?: string[] }): Promise<StageResult[]> {
  const m = await load(opts.dist);
  const fileBytes = new Uint8Array(readFileSync(opts.file));
  const frames = loadFrames(m, fileBytes, opts.frames);
  const n = frames.length;
  const devnull = openSync('/dev/null', 'w');
  // ingest alone needs the packets decoded up front; they stay in memory for the whole run.
  let packets: Decoded[] | null = null;
  const stages: Record<string, () => void> = {
    decode: () => {
      let kinds = 0;
      for (let i = 0; i < n; i++) kinds += m.decodeFrame(frames[i]).kind.length;
      if (kinds === 0) throw new Error('nothing decoded');
    },
    ingest: () => {
      packets ??= frames.map((f) => m.decodedFrame(f));
      const a = new m.Analyzer({ onAlert: () => {} });
      for (let i = 0; i < n; i++) a.ingest(packets[i]);
      a.finish();
    },
    'decode+ingest': () => {
      const a = new m.Analyzer({ onAlert: () => {} });
      for (let i = 0; i < n; i++) a.ingest(m.decodedFrame(frames[i]));
      a.finish();
    },
    live: () => {
      const a = new m.Analyzer({ onAlert: () => {} });
      const d = new m.Decoder();
      for (let i = 0; i < n; i++) a.ingest(d.decode(frames[i]));
      a.finish();
    },
    'pipeline -q': () => runPipeline({ quiet: true }),
    'pipeline text': () => runPipeline({}),
    'pipeline json': () => runPipeline({ json: true }),
    'read -q': () => {
      const p = new m.Pipeline({ quiet: true }, null);
      stream((f) => p.frame(f));
      p.finish();
    },
    'read only': () => {
      let odd = 0;
      stream((f) => void (odd += f.record & 1));
      if (odd === 0) throw new Error('nothing read');
    },
    'read+decode': () => {
      const d = new m.Decoder();
      let kinds = 0;
      stream((f) => void (kinds += d.decode(f).packet.kind.length));
      if (kinds === 0) throw new Error('nothing decoded');
    },
  };
  /** The first n frames of the file's bytes through a CaptureParser, 1 MiB at a time, as `read` gets them. */
  function stream(sink: (f: Frame) => void): void {
    const parser = new m.CaptureParser(sink, { maxFrames: n, reuseFrame: true });
    for (let at = 0; at < fileBytes.length && !parser.stopped; at += 1 << 20) parser.push(fileBytes.subarray(at, at + (1 << 20)));
  }
  function runPipeline(o: { quiet?: boolean; json?: boolean }): void {
    const out = new m.Output(devnull);
    const p = new m.Pipeline(o, out);
    for (let i = 0; i < n; i++) p.frame(frames[i]);
    p.finish();
  }
  const names = Object.keys(stages).filter((s) => !opts.only || opts.only.includes(s));
  const times = new Map<string, number[]>(names.map((s) => [s, []]));
  try {
    for (let rep = 0; rep <= opts.reps; rep++) {
      for (const s of names) {
        const t0 = process.hrtime.bigint();
        stages[s]();
        const ns = Number(process.hrtime.bigint() - t0) / n;
        if (rep > 0) times.get(s)!.push(ns);
      }
    }
  } finally {
    closeSync(devnull);
  }
  return names.map((stage) => {
    const xs = times.get(stage)!;
    return { stage, nsPerFrame: median(xs), minNs: Math.min(...xs), maxNs: Math.max(...xs) };
  });
}

/**
 * Every (build, stage) pair runs in a process of its own, pairs taking turns over the rounds: a
 * stage that leaves a big heap behind (JSON) must not slow the next one down.
 */
async function main(): Promise<void> {
  const file = arg('--file') ?? 'bench/out/vrrp-2m.pcap';
  const frames = Number(arg('--frames') ?? 500_000);
  const reps = Number(arg('--reps') ?? 3);
  if (process.argv.includes('--child')) {
    const [r] = await micro({ dist: arg('--dist')!, file, frames, reps, only: [arg('--stage')!] });
    process.stdout.write(JSON.stringify(r) + '\n');
    return;
  }
  const dists = (arg('--dist') ?? 'dist').split(',');
  const rounds = Number(arg('--rounds') ?? 3);
  const stages = arg('--only')?.split(',') ?? ['decode', 'ingest', 'decode+ingest', 'live', 'pipeline -q', 'pipeline text', 'pipeline json', 'read only', 'read+decode', 'read -q'];
  const samples = new Map<string, number[]>();
  for (let round = 0; round < rounds; round++) {
    for (const stage of stages) {
      for (const dist of dists) {
        const r = spawnSync(process.execPath, [...process.execArgv, process.argv[1], '--child', '--dist', dist, '--stage', stage, '--file', file, '--frames', String(frames), '--reps', String(reps)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
        if (r.status !== 0) throw new Error(`${dist} ${stage}: exit ${r.status}`);
        const key = `${dist}\t${stage}`;
        samples.set(key, [...(samples.get(key) ?? []), (JSON.parse(r.stdout) as StageResult).nsPerFrame]);
      }
    }
  }
  process.stdout.write(`${frames} frames of ${file}; per (build, stage): ${rounds} processes x median of ${reps} reps after 1 warm-up; median, min-max\n`);
  for (const stage of stages) {
    const base = median(samples.get(`${dists[0]}\t${stage}`)!);
    for (const dist of dists) {
      const xs = samples.get(`${dist}\t${stage}`)!;
      const med = median(xs);
      const vs = dist === dists[0] ? '' : `  ${(med / base).toFixed(2)}x of ${dists[0]}`;
      process.stdout.write(
        `${stage.padEnd(14)} ${(med / 1000).toFixed(3)} µs/frame (${(Math.min(...xs) / 1000).toFixed(3)}-${(Math.max(...xs) / 1000).toFixed(3)}) ` +
          `${(1e3 / med).toFixed(2)} M/s  ${dist}${vs}\n`,
      );
    }
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
