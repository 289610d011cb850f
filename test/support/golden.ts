// Golden outputs: what `vrrpscope read` printed for every capture we know, in every output mode,
// recorded by scripts/golden.ts (`npm run golden:update`) and compared by test/golden/golden.test.ts.
// Like tcpdump's tests/*.out: output is a contract, and a change that alters the output for a
// capture that did not need it is a bug.
//
// One file per capture, test/golden/<collection>/<file>.json.gz: pretty JSON with stdout as an
// array of lines, so `git diff` (with the gzip textconv README names) shows changed lines.
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { ROOT, SHARED_PCAPS } from './shared.js';

export const GOLDEN_DIR = join(ROOT, 'test/golden');
export const CLI = join(ROOT, 'dist/cli.js');

/** The modes of issue 13's proof: text, -v, NDJSON, --explain, summary. */
export const MODES = {
  text: [],
  verbose: ['-v'],
  json: ['--json'],
  explain: ['--explain'],
  quiet: ['-q'],
} as const satisfies Record<string, readonly string[]>;
export type ModeName = keyof typeof MODES;
export const MODE_NAMES = Object.keys(MODES) as ModeName[];

/** The same environment for recording and checking: times in UTC, no colour. */
export const GOLDEN_ENV = { TZ: 'UTC', NO_COLOR: '1' } as const;

/** Where captures come from. `shared` is the reference folder, compared only when present. */
export const COLLECTIONS = {
  lab: join(ROOT, 'pcaps/lab'),
  regressions: join(ROOT, 'test/regressions'),
  shared: SHARED_PCAPS,
} as const;
export type CollectionName = keyof typeof COLLECTIONS;

export interface Capture {
  collection: CollectionName;
  /** Path inside the collection's folder; the command runs there with this argument, so no output depends on where the checkout is. */
  file: string;
}

export interface Run {
  exit: number;
  stderr: string;
  stdout: string;
}

export interface Golden {
  capture: string;
  modes: Record<ModeName, { args: string[]; exit: number; stderr: string; stdout: string[] }>;
}

const CAPTURE_FILE = /\.pcap(ng)?$/;

/** Every pcap/pcapng file of a collection (recursively), sorted; none when the folder is absent. */
export function capturesOf(collection: CollectionName): Capture[] {
  const dir = COLLECTIONS[collection];
  if (!existsSync(dir)) return [];
  return (readdirSync(dir, { recursive: true }) as string[])
    .filter((f) => CAPTURE_FILE.test(f))
    .sort()
    .map((file) => ({ collection, file }));
}

export const captureName = (c: Capture): string => `${c.collection}/${c.file}`;
export const capturePath = (c: Capture): string => join(COLLECTIONS[c.collection], c.file);
export const goldenPath = (c: Capture): string => join(GOLDEN_DIR, `${captureName(c)}.json.gz`);

/** Golden files present for a collection, as capture names (to find goldens of removed captures). */
export function goldensOf(collection: CollectionName): string[] {
  const dir = join(GOLDEN_DIR, collection);
  if (!existsSync(dir)) return [];
  return (readdirSync(dir, { recursive: true }) as string[])
    .filter((f) => f.endsWith('.json.gz'))
    .map((f) => `${collection}/${f.slice(0, -'.json.gz'.length)}`)
    .sort();
}

export function readGolden(c: Capture): Golden {
  return JSON.parse(gunzipSync(readFileSync(goldenPath(c))).toString('utf8')) as Golden;
}

export function encodeGolden(c: Capture, runs: Record<ModeName, Run>): Buffer {
  const modes = Object.fromEntries(
    MODE_NAMES.map((m) => [m, { args: [...MODES[m]], exit: runs[m].exit, stderr: runs[m].stderr, stdout: runs[m].stdout.split('\n') }]),
  );
  const golden: Golden = { capture: captureName(c), modes: modes as Golden['modes'] };
  // level 9 and zlib's fixed header (no time, no name): the same content gives the same bytes.
  return gzipSync(JSON.stringify(golden, null, 1) + '\n', { level: 9 });
}

/** The recorded run of one mode. */
export function expected(g: Golden, mode: ModeName): Run {
  const m = g.modes[mode];
  return { exit: m.exit, stderr: m.stderr, stdout: m.stdout.join('\n') };
}

/** `node dist/cli.js read FILE ARGS...` in the capture's folder. */
export function runCliAsync(c: Capture, mode: ModeName): Promise<Run> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [CLI, 'read', c.file, ...MODES[mode]], {
      cwd: COLLECTIONS[c.collection],
      env: { ...process.env, ...GOLDEN_ENV },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (code === null) return reject(new Error(`${captureName(c)} ${mode}: killed by ${signal}`));
      resolvePromise({ exit: code, stdout: utf8(Buffer.concat(out), 'stdout'), stderr: utf8(Buffer.concat(err), 'stderr') });
    });
  });
}

/** Bytes as text, refusing anything that would not survive the round trip (so comparing text is comparing bytes). */
export function utf8(bytes: Buffer, what: string): string {
  const s = bytes.toString('utf8');
  if (!Buffer.from(s, 'utf8').equals(bytes)) throw new Error(`${what} is not valid UTF-8`);
  return s;
}

/** A short, readable account of where two outputs part: the first differing line with context. */
export function describeDifference(want: string, got: string, context = 3): string {
  const a = want.split('\n');
  const b = got.split('\n');
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  const from = Math.max(0, i - context);
  const show = (lines: string[], sign: string) =>
    lines
      .slice(from, i + context + 1)
      .map((l, k) => `${from + k === i ? sign : ' '} ${String(from + k + 1).padStart(5)} | ${JSON.stringify(l).slice(1, -1)}`)
      .join('\n');
  return [
    `first difference at line ${i + 1} (golden has ${a.length} lines, output ${b.length})`,
    `golden:\n${show(a, '-')}`,
    `output:\n${show(b, '+')}`,
  ].join('\n');
}

/** For messages: a path relative to the checkout when inside it. */
export function shown(path: string): string {
  const r = relative(ROOT, resolve(path));
  return r.startsWith('..') ? path : r;
}
