// Throughput and memory of `vrrpscope read` against tcpdump and tshark on the same capture.
//
//   npx tsx bench/run.ts [--runs 5] [--memory] [--only a,b] [--dist DIR] [--json FILE] [--write]
//                        [--compare label=DIR:q,text,json,q20m ...]
//   npx tsx bench/run.ts --from bench/out/results.json --write     (re-render a saved run)
//
// Every command runs --runs times, the commands taking turns (round 1 runs each once, then
// round 2, ...): on a shared, noisy machine a slow spell then hits every command alike instead
// of all the runs of one, so the ratios hold even when absolute times drift. hyperfine runs all
// runs of one command back to back, which is why it is not used for the table.
//
// Wall time is measured around the child; peak RSS comes from GNU time (%M, the child's
// ru_maxrss). --memory adds the 20,000,000-frame file (generated on demand, ~1.6 GB) for the
// "same memory whatever the file size" check. --write puts the results between the markers in
// BENCHMARKS.md; the rest of that file (the change log) is written by hand.

import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { generate, generateAny, generateMixed, label } from './generate.js';

const OUT = 'bench/out';
const SMALL = 200_000;
const MAIN = 2_000_000;
const BIG = 20_000_000;
const DEVNULL = '/dev/null';

export interface Command {
  name: string;
  argv: string[];
  /** Frames in the file it reads, for frames/s. */
  frames: number;
  /** Times are multiplied by this (tshark runs on a prefix of the file). */
  scale?: number;
  env?: Record<string, string>;
  note?: string;
}

export interface Sample {
  seconds: number;
  /** User + system CPU time of the child: less disturbed than wall time by other load on the machine. */
  cpuS: number;
  rssKb: number;
  status: number;
}

export interface Result {
  name: string;
  cmd: string;
  frames: number;
  scale: number;
  note?: string;
  samples: Sample[];
  medianS: number;
  minS: number;
  maxS: number;
  medianCpuS: number;
  /** Median of the scaled times: what the command would take on the 2M file. */
  medianScaledS: number;
  framesPerS: number;
  rssMb: number;
}

export function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** The dense capture (or the mixed one, or the dense one as `-i any` sees it) of `frames` frames, generated on demand. */
function capture(frames: number, kind: 'vrrp' | 'mixed' | 'any' = 'vrrp'): string {
  const path = `${OUT}/${kind}-${label(frames)}.pcap`;
  if (!existsSync(path)) {
    process.stderr.write(`generating ${path} ...\n`);
    (kind === 'mixed' ? generateMixed : kind === 'any' ? generateAny : generate)(path, frames);
  }
  return path;
}

/** `file` compressed by the real tool at its default level, made once. */
function compressed(file: string, tool: 'gzip' | 'zstd'): string {
  const path = `${file}.${tool === 'gzip' ? 'gz' : 'zst'}`;
  if (!existsSync(path)) {
    process.stderr.write(`compressing ${path} ...\n`);
    const r = spawnSync('bash', ['-c', `${tool} -c -q '${file}' > '${path}.tmp' && mv '${path}.tmp' '${path}'`], { stdio: 'inherit' });
    if (r.status !== 0) throw new Error(`${tool} failed`);
  }
  return path;
}

/** A shell pipeline, timed as one command (GNU time reports the largest child's peak RSS). */
const shell = (line: string): string[] => ['bash', '-c', line];

function runOnce(c: Command, scratch: string): Sample {
  const rssFile = join(scratch, 'rss');
  const out = openSync(DEVNULL, 'w');
  try {
    const t0 = process.hrtime.bigint();
    const r = spawnSync('/usr/bin/time', ['-f', '%M %U %S', '-o', rssFile, ...c.argv], {
      stdio: ['ignore', out, 'ignore'],
      env: { ...process.env, ...c.env },
    });
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    // GNU time prints "Command exited with non-zero status N" first when it did.
    const [rss, user, sys] = readFileSync(rssFile, 'utf8').trim().split('\n').pop()!.split(' ').map(Number);
    return { seconds, cpuS: user + sys, rssKb: rss, status: r.status ?? -1 };
  } finally {
    closeSync(out);
  }
}

/** Runs the commands `runs` times each, taking turns. */
export function measure(commands: Command[], runs: number, log = true): Result[] {
  const scratch = mkdtempSync(join(tmpdir(), 'vrrpscope-bench-'));
  const samples = commands.map(() => [] as Sample[]);
  try {
    for (let round = 1; round <= runs; round++) {
      commands.forEach((c, i) => {
        const s = runOnce(c, scratch);
        samples[i].push(s);
        if (log) {
          process.stderr.write(`[${round}/${runs}] ${c.name}: ${s.seconds.toFixed(3)} s (cpu ${s.cpuS.toFixed(2)} s), ${(s.rssKb / 1024).toFixed(1)} MB${s.status ? ` (exit ${s.status})` : ''}\n`);
        }
      });
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  return commands.map((c, i) => {
    const xs = samples[i].map((s) => s.seconds);
    const scale = c.scale ?? 1;
    const medianS = median(xs);
    return {
      name: c.name,
      cmd: c.argv.join(' ') + (c.env ? ` (${Object.entries(c.env).map(([k, v]) => `${k}=${v}`).join(' ')})` : ''),
      frames: c.frames,
      scale,
      note: c.note,
      samples: samples[i],
      medianS,
      minS: Math.min(...xs),
      maxS: Math.max(...xs),
      medianCpuS: median(samples[i].map((s) => s.cpuS)),
      medianScaledS: medianS * scale,
      framesPerS: c.frames / medianS,
      rssMb: median(samples[i].map((s) => s.rssKb)) / 1024,
    };
  });
}

function firstLine(cmd: string, args: string[]): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  return `${r.stdout ?? ''}${r.stderr ?? ''}`.split('\n').find((l) => l.trim() !== '')?.trim() ?? '?';
}

export function machine(): Record<string, string> {
  const cpuinfo = readFileSync('/proc/cpuinfo', 'utf8');
  const model = /^model name\s*:\s*(.*)$/m.exec(cpuinfo)?.[1] ?? cpus()[0]?.model ?? '?';
  const git = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).stdout.trim();
  const dirty = spawnSync('git', ['status', '--porcelain', '--', 'src'], { encoding: 'utf8' }).stdout.trim() !== '';
  return {
    date: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
    cpu: `${model}, ${cpus().length} cores (shared)`,
    memory: `${(totalmem() / 2 ** 30).toFixed(0)} GiB`,
    kernel: firstLine('uname', ['-sr']),
    node: process.version,
    tcpdump: `${firstLine('tcpdump', ['--version'])}, ${spawnSync('tcpdump', ['--version'], { encoding: 'utf8' }).stdout.split('\n')[1] ?? ''}`.trim(),
    tshark: firstLine('tshark', ['--version']),
    vrrpscope: `git ${git}${dirty ? ' + uncommitted changes in src/' : ''}`,
  };
}

/** Another build to time beside `dist`: its name in the table, its directory, which modes. */
export interface Compare {
  label: string;
  dist: string;
  modes: string[];
}

export function commands(dist: string, withMemory: boolean, compare: Compare[] = []): Command[] {
  const f = capture(MAIN);
  const small = capture(SMALL);
  const cli = ['node', `${dist}/cli.js`, 'read'];
  const list: Command[] = [
    { name: 'vrrpscope -q', argv: [...cli, f, '-q'], frames: MAIN, note: 'decode + full analysis, summary only' },
    { name: 'vrrpscope text', argv: [...cli, f], frames: MAIN, note: 'one line per packet' },
    { name: 'vrrpscope --json', argv: [...cli, f, '--json'], frames: MAIN, note: 'one NDJSON record per packet' },
    { name: 'tcpdump -nn', argv: ['tcpdump', '-nn', '-r', f], frames: MAIN, note: 'TZ unset: glibc stats /etc/localtime per packet' },
    { name: 'tcpdump -nn -v', argv: ['tcpdump', '-nn', '-v', '-r', f], frames: MAIN, note: 'TZ unset' },
    { name: 'tcpdump -nn (TZ set)', argv: ['tcpdump', '-nn', '-r', f], frames: MAIN, env: { TZ: ':/etc/localtime' }, note: 'tcpdump at its best' },
    { name: 'tcpdump -nn -v (TZ set)', argv: ['tcpdump', '-nn', '-v', '-r', f], frames: MAIN, env: { TZ: ':/etc/localtime' } },
    { name: 'libpcap floor', argv: ['tcpdump', '-r', f, '-w', DEVNULL, 'ip proto 112 or ip6 proto 112 or arp'], frames: MAIN, note: 'read + BPF filter + write, no decoding' },
    { name: 'tshark -Y vrrp', argv: ['tshark', '-r', small, '-Y', 'vrrp'], frames: SMALL, scale: MAIN / SMALL, note: `first ${SMALL / 1000}k frames, time x${MAIN / SMALL}` },
    { name: 'vrrpscope text (200k)', argv: [...cli, small], frames: SMALL, scale: MAIN / SMALL, note: 'same file as tshark' },
    { name: 'vrrpscope -v', argv: [...cli, f, '-v'], frames: MAIN, note: 'one line per packet with MACs, TTL, checksum' },
    { name: 'tshark -T ek -Y vrrp', argv: ['tshark', '-r', small, '-T', 'ek', '-Y', 'vrrp'], frames: SMALL, note: `first ${SMALL / 1000}k frames: tshark's JSON` },
    { name: 'vrrpscope --json (200k)', argv: [...cli, small, '--json'], frames: SMALL, note: 'same file as tshark -T ek' },
  ];
  // The capture users have: a busy segment with 1.2% VRRP (bench/generate.ts --mixed).
  const mixed = capture(MAIN, 'mixed');
  list.push(
    { name: 'mixed: libpcap floor', argv: ['tcpdump', '-r', mixed, '-w', DEVNULL, 'ip proto 112 or ip6 proto 112 or arp'], frames: MAIN, note: 'read + BPF filter + write' },
    { name: 'mixed: tcpdump -nn (TZ set)', argv: ['tcpdump', '-nn', '-r', mixed, 'ip proto 112 or ip6 proto 112 or arp'], frames: MAIN, env: { TZ: ':/etc/localtime' }, note: 'filtered to VRRP and ARP' },
    { name: 'mixed: vrrpscope -q', argv: [...cli, mixed, '-q'], frames: MAIN },
    { name: 'mixed: vrrpscope text', argv: [...cli, mixed], frames: MAIN },
  );
  // The dense segment through a bridge host's `-i any` (bench/generate.ts --any): every frame three times.
  const any = capture(MAIN, 'any');
  list.push(
    { name: 'any: libpcap floor', argv: ['tcpdump', '-r', any, '-w', DEVNULL, 'ip proto 112 or ip6 proto 112 or arp'], frames: MAIN, note: 'read + BPF filter + write' },
    { name: 'any: tcpdump -nn (TZ set)', argv: ['tcpdump', '-nn', '-r', any], frames: MAIN, env: { TZ: ':/etc/localtime' } },
    { name: 'any: vrrpscope -q', argv: [...cli, any, '-q'], frames: MAIN, note: 'copies counted once' },
    { name: 'any: vrrpscope text', argv: [...cli, any], frames: MAIN },
  );
  // Compressed copies of the dense capture, made by the real tools.
  const gz = compressed(f, 'gzip');
  const zst = compressed(f, 'zstd');
  const smallGz = compressed(small, 'gzip');
  list.push(
    { name: 'gzip: vrrpscope -q F.gz', argv: [...cli, gz, '-q'], frames: MAIN },
    { name: 'gzip: zcat F.gz | vrrpscope -q -', argv: shell(`zcat '${gz}' | ${cli.join(' ')} - -q`), frames: MAIN, note: 'decompression in another process' },
    { name: 'gzip: tshark -r F.gz', argv: ['tshark', '-r', smallGz], frames: SMALL, scale: MAIN / SMALL, note: `first ${SMALL / 1000}k frames, time x${MAIN / SMALL}` },
    { name: 'zstd: vrrpscope -q F.zst', argv: [...cli, zst, '-q'], frames: MAIN },
    { name: 'zstd: zstd -dc F.zst | vrrpscope -q -', argv: shell(`zstd -dc -q '${zst}' | ${cli.join(' ')} - -q`), frames: MAIN, note: 'decompression in another process' },
  );
  const big = withMemory ? capture(BIG) : '';
  if (withMemory) {
    list.push(
      // -c stops after that many packets shown: the peak RSS part way through the same file.
      { name: 'vrrpscope -q (first 5M)', argv: [...cli, big, '-q', '-c', '5000000'], frames: 5_000_000, note: 'memory over time' },
      { name: 'vrrpscope -q (first 10M)', argv: [...cli, big, '-q', '-c', '10000000'], frames: 10_000_000, note: 'memory over time' },
      { name: 'vrrpscope -q (20M)', argv: [...cli, big, '-q'], frames: BIG, note: 'memory check' },
      { name: 'vrrpscope --json (20M)', argv: [...cli, big, '--json'], frames: BIG, note: 'memory check' },
    );
  }
  for (const c of compare) {
    const other = ['node', `${c.dist}/cli.js`, 'read'];
    const note = `${c.label}: ${c.dist}`;
    if (c.modes.includes('q')) list.push({ name: `vrrpscope -q [${c.label}]`, argv: [...other, f, '-q'], frames: MAIN, note });
    if (c.modes.includes('text')) list.push({ name: `vrrpscope text [${c.label}]`, argv: [...other, f], frames: MAIN, note });
    if (c.modes.includes('json')) list.push({ name: `vrrpscope --json [${c.label}]`, argv: [...other, f, '--json'], frames: MAIN, note });
    if (c.modes.includes('q20m') && withMemory) list.push({ name: `vrrpscope -q (20M) [${c.label}]`, argv: [...other, big, '-q'], frames: BIG, note });
  }
  return list;
}

function fmtRate(fps: number): string {
  return fps >= 1e6 ? `${(fps / 1e6).toFixed(2)} M/s` : `${(fps / 1e3).toFixed(0)} k/s`;
}

export function table(results: Result[]): string {
  const rows = [
    '| command | median s | min-max s | cpu s | frames/s | peak RSS MB | note |',
    '|---|---:|---:|---:|---:|---:|---|',
  ];
  for (const r of results) {
    const scaled = r.scale !== 1 ? ` (x${r.scale}: ${r.medianScaledS.toFixed(2)})` : '';
    rows.push(
      `| ${r.name} | ${r.medianS.toFixed(3)}${scaled} | ${r.minS.toFixed(3)}-${r.maxS.toFixed(3)} | ${r.medianCpuS.toFixed(2)} | ${fmtRate(r.framesPerS)} | ${r.rssMb.toFixed(1)} | ${r.note ?? ''} |`,
    );
  }
  return rows.join('\n');
}

/** The targets of the issue, judged on these results. */
export function verdicts(results: Result[]): string {
  const by = (n: string) => results.find((r) => r.name === n);
  const lines: string[] = [];
  const q = by('vrrpscope -q');
  const text = by('vrrpscope text');
  const json = by('vrrpscope --json');
  const floor = by('libpcap floor');
  const td = [by('tcpdump -nn'), by('tcpdump -nn (TZ set)')].filter((x): x is Result => !!x);
  const tshark = by('tshark -Y vrrp');
  const text200 = by('vrrpscope text (200k)');
  const yes = (ok: boolean) => (ok ? '**met**' : '**not met**');
  lines.push(...roundFourVerdicts(by, yes));
  if (q) lines.push(`- read -q >= 3,000,000 frames/s: ${fmtRate(q.framesPerS)} ${yes(q.framesPerS >= 3e6)}`);
  if (q && floor) lines.push(`- read -q within 3x of the libpcap floor: ${(q.medianS / floor.medianS).toFixed(1)}x ${yes(q.medianS <= 3 * floor.medianS)}`);
  if (text && td.length) {
    const best = td.reduce((a, b) => (a.medianS < b.medianS ? a : b));
    for (const t of td) lines.push(`- text vs ${t.name}: ratio ${(text.medianS / t.medianS).toFixed(2)} (target < 0.5)${t === best ? ` ${yes(text.medianS / t.medianS < 0.5)}` : ''}`);
  }
  if (json) lines.push(`- JSON >= 1,000,000 records/s: ${fmtRate(json.framesPerS)} ${yes(json.framesPerS >= 1e6)}`);
  if (tshark && text200) {
    const same = tshark.medianS / text200.medianS;
    lines.push(`- vs tshark on the same 200k frames: vrrpscope text is ${same.toFixed(1)}x faster ${yes(same >= 20)}`);
  }
  if (tshark && text) lines.push(`- vs tshark scaled to 2M (startup scaled too, favours us): ${(tshark.medianScaledS / text.medianS).toFixed(1)}x`);
  const mems = results.filter((r) => r.name.startsWith('vrrpscope') && !r.name.endsWith(']'));
  if (mems.length) {
    const peak = Math.max(...mems.map((r) => r.rssMb));
    lines.push(`- peak RSS < 120 MB: highest vrrpscope median ${peak.toFixed(1)} MB ${yes(peak < 120)}`);
  }
  for (const [small, big] of [['vrrpscope -q', 'vrrpscope -q (20M)'], ['vrrpscope --json', 'vrrpscope --json (20M)']]) {
    const a = by(small);
    const b = by(big);
    if (a && b) lines.push(`- ${small}: 2M ${a.rssMb.toFixed(1)} MB, 20M ${b.rssMb.toFixed(1)} MB: ${(((b.rssMb - a.rssMb) / a.rssMb) * 100).toFixed(1)}% ${yes(Math.abs(b.rssMb - a.rssMb) <= 0.1 * a.rssMb)}`);
  }
  const labels = [...new Set(results.map((r) => /\[(.+)\]$/.exec(r.name)?.[1]).filter((x): x is string => !!x))];
  for (const label of labels) {
    const cq = by(`vrrpscope -q [${label}]`);
    const ctext = by(`vrrpscope text [${label}]`);
    const cjson = by(`vrrpscope --json [${label}]`);
    const cbig = by(`vrrpscope -q (20M) [${label}]`);
    const parts: string[] = [];
    if (cq) parts.push(`-q ${fmtRate(cq.framesPerS)}${floor ? ` (${(cq.medianS / floor.medianS).toFixed(1)}x the floor)` : ''}, ${cq.rssMb.toFixed(1)} MB`);
    if (ctext && td.length) parts.push(`text ratio ${(ctext.medianS / td.reduce((a, b) => (a.medianS < b.medianS ? a : b)).medianS).toFixed(2)} vs the faster tcpdump`);
    if (cjson) parts.push(`JSON ${fmtRate(cjson.framesPerS)}`);
    if (cq && cbig) parts.push(`RSS 2M ${cq.rssMb.toFixed(1)} MB, 20M ${cbig.rssMb.toFixed(1)} MB (${(((cbig.rssMb - cq.rssMb) / cq.rssMb) * 100).toFixed(1)}%)`);
    if (parts.length) lines.push(`- [${label}]: ${parts.join('; ')}`);
  }
  return lines.join('\n');
}

/** The fourth round's targets (issue 17), each a ratio of two commands timed in the same run. */
function roundFourVerdicts(by: (n: string) => Result | undefined, yes: (ok: boolean) => string): string[] {
  const lines: string[] = [];
  const ratio = (a: string, b: string, target: number, what: string, atLeast = false): void => {
    const x = by(a);
    const y = by(b);
    if (!x || !y) return;
    const r = x.medianScaledS / y.medianScaledS;
    lines.push(atLeast ? `- ${what}: ${(1 / r).toFixed(1)}x (target >= ${target}x) ${yes(1 / r >= target)}` : `- ${what}: ${r.toFixed(2)}x (target <= ${target}x) ${yes(r <= target)}`);
  };
  ratio('mixed: vrrpscope -q', 'mixed: libpcap floor', 1.1, 'mixed: read -q / libpcap floor');
  ratio('mixed: vrrpscope text', 'mixed: libpcap floor', 1.1, 'mixed: read / libpcap floor');
  ratio('vrrpscope -q', 'libpcap floor', 2, 'dense: read -q / libpcap floor');
  ratio('any: vrrpscope -q', 'any: libpcap floor', 2, '-i any: read -q / libpcap floor');
  ratio('any: vrrpscope text', 'any: tcpdump -nn (TZ set)', 0.4, '-i any: read / tcpdump -nn (TZ set)');
  ratio('vrrpscope text', 'tcpdump -nn (TZ set)', 0.4, 'dense: read / tcpdump -nn (TZ set)');
  ratio('vrrpscope -v', 'tcpdump -nn -v (TZ set)', 0.5, 'dense: read -v / tcpdump -nn -v (TZ set)');
  ratio('vrrpscope --json (200k)', 'tshark -T ek -Y vrrp', 20, 'dense 200k: read --json faster than tshark -T ek -Y vrrp', true);
  ratio('gzip: vrrpscope -q F.gz', 'gzip: zcat F.gz | vrrpscope -q -', 1.1, 'gzip: read -q F.gz / zcat F.gz | read -q -');
  ratio('zstd: vrrpscope -q F.zst', 'zstd: zstd -dc F.zst | vrrpscope -q -', 1.1, 'zstd: read -q F.zst / zstd -dc F.zst | read -q -');
  const tg = by('gzip: tshark -r F.gz');
  const vg = by('gzip: vrrpscope -q F.gz');
  if (tg && vg) lines.push(`- gzip: tshark -r F.gz (200k, x10) / read -q F.gz: ${(tg.medianScaledS / vg.medianS).toFixed(1)}x`);
  return lines;
}

const START = '<!-- bench:start (written by bench/run.ts --write) -->';
const END = '<!-- bench:end -->';

function writeBenchmarks(section: string): void {
  const file = 'BENCHMARKS.md';
  const old = existsSync(file) ? readFileSync(file, 'utf8') : `# Benchmarks\n\n${START}\n${END}\n`;
  const a = old.indexOf(START);
  const b = old.indexOf(END);
  if (a < 0 || b < a) throw new Error(`${file}: markers not found`);
  writeFileSync(file, old.slice(0, a + START.length) + '\n' + section + '\n' + old.slice(b));
}

function render(m: Record<string, string>, runs: number, results: Result[]): string {
  return [
    `Measured ${m.date}, ${runs} runs per command, commands alternating.`,
    '',
    ...Object.entries(m).map(([k, v]) => `- ${k}: ${v}`),
    '',
    table(results),
    '',
    verdicts(results),
  ].join('\n');
}

function main(): void {
  const from = arg('--from');
  if (from) {
    // Re-render a saved run (bench/out/results.json) into BENCHMARKS.md without measuring again.
    const saved = JSON.parse(readFileSync(from, 'utf8')) as { machine: Record<string, string>; runs: number; results: Result[] };
    const section = render(saved.machine, saved.runs, saved.results);
    process.stdout.write(section + '\n');
    if (process.argv.includes('--write')) writeBenchmarks(section);
    return;
  }
  const runs = Number(arg('--runs') ?? 5);
  const dist = arg('--dist') ?? 'dist';
  if (!existsSync(`${dist}/cli.js`)) throw new Error(`${dist}/cli.js not found: run npm run build first`);
  const only = arg('--only')?.split(',');
  // --compare label=DIR:q,text,json,q20m (repeatable): the same modes timed with another build.
  const compare: Compare[] = process.argv.flatMap((a, i) => {
    if (a !== '--compare') return [];
    const m = /^([^=]+)=([^:]+)(?::(.*))?$/.exec(process.argv[i + 1] ?? '');
    if (!m) throw new Error('--compare label=DIR[:q,text,json,q20m]');
    return [{ label: m[1], dist: m[2], modes: (m[3] ?? 'q,text,json').split(',') }];
  });
  let list = commands(dist, process.argv.includes('--memory'), compare);
  if (only) list = list.filter((c) => only.some((o) => c.name === o));
  const m = machine();
  const results = measure(list, runs);
  const jsonOut = arg('--json') ?? `${OUT}/results.json`;
  writeFileSync(jsonOut, JSON.stringify({ machine: m, runs, results }, null, 2));
  const section = render(m, runs, results);
  process.stdout.write(section + '\n');
  if (process.argv.includes('--write')) writeBenchmarks(section);
}

if (import.meta.url === `file://${process.argv[1]}`) main();
