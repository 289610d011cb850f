// Self time per function from a V8 .cpuprofile (node --cpu-prof), heaviest first.
//
//   node --cpu-prof --cpu-prof-dir=bench/out dist/cli.js read bench/out/vrrp-2m.pcap -q
//   npx tsx bench/profile.ts bench/out/CPU.*.cpuprofile [--top 30]
//
// Samples are attributed to the node on top of the stack (self time); "total" adds the time of
// everything called from it, counted once per sample even for recursive functions.

import { readFileSync } from 'node:fs';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}

interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface FunctionTime {
  name: string;
  selfMs: number;
  totalMs: number;
}

function label(f: CallFrame): string {
  const file = f.url.replace(/^file:\/\//, '').replace(/^.*\/(dist|src|node_modules)\//, '$1/');
  const name = f.functionName || '(anonymous)';
  return file ? `${name} ${file}:${f.lineNumber + 1}` : name;
}

export function summarize(profile: CpuProfile): { functions: FunctionTime[]; totalMs: number } {
  const byId = new Map<number, ProfileNode>();
  const parent = new Map<number, number>();
  for (const n of profile.nodes) {
    byId.set(n.id, n);
    for (const c of n.children ?? []) parent.set(c, n.id);
  }
  const self = new Map<string, number>();
  const total = new Map<string, number>();
  let totalUs = 0;
  profile.samples.forEach((id, i) => {
    // timeDeltas[i] is the time before sample i; the last sample's length is unknown, and
    // one sample is noise at these run lengths.
    const dt = profile.timeDeltas[i + 1] ?? 0;
    totalUs += dt;
    const node = byId.get(id)!;
    const top = label(node.callFrame);
    self.set(top, (self.get(top) ?? 0) + dt);
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const l = label(byId.get(at)!.callFrame);
      if (seen.has(l)) continue;
      seen.add(l);
      total.set(l, (total.get(l) ?? 0) + dt);
    }
  });
  const functions = [...self.keys(), ...[...total.keys()].filter((k) => !self.has(k))].map((name) => ({
    name,
    selfMs: (self.get(name) ?? 0) / 1000,
    totalMs: (total.get(name) ?? 0) / 1000,
  }));
  functions.sort((a, b) => b.selfMs - a.selfMs);
  return { functions, totalMs: totalUs / 1000 };
}

function main(): void {
  const args = process.argv.slice(2);
  const topAt = args.indexOf('--top');
  const top = topAt >= 0 ? Number(args[topAt + 1]) : 30;
  const files = args.filter((a, i) => !a.startsWith('--') && (topAt < 0 || i !== topAt + 1));
  if (files.length === 0) throw new Error('usage: profile.ts FILE.cpuprofile [--top N]');
  for (const file of files) {
    const { functions, totalMs } = summarize(JSON.parse(readFileSync(file, 'utf8')) as CpuProfile);
    process.stdout.write(`${file}: ${totalMs.toFixed(0)} ms sampled\n`);
    process.stdout.write('   self ms  self %   total ms  function\n');
    for (const f of functions.slice(0, top)) {
      process.stdout.write(
        `${f.selfMs.toFixed(0).padStart(10)}  ${((100 * f.selfMs) / totalMs).toFixed(1).padStart(5)}%  ${f.totalMs.toFixed(0).padStart(9)}  ${f.name}\n`,
      );
    }
  }
}

if (import.meta.url === `file://${process.argv[1]}`) main();
