// A/B timing of two or more builds or commands, alternating, for the change log in BENCHMARKS.md.
//
//   npx tsx bench/ab.ts [--runs 7] -- 'node bench/out/dist-base/cli.js read F --json' 'node dist/cli.js read F --json'
//
// Each argument after -- is one command line (split on spaces, no shell); stdout goes to /dev/null.

import { measure, type Command } from './run.js';

const dash = process.argv.indexOf('--');
if (dash < 0 || dash === process.argv.length - 1) throw new Error("usage: ab.ts [--runs N] -- 'cmd A' 'cmd B' ...");
const runsAt = process.argv.indexOf('--runs');
const runs = runsAt >= 0 && runsAt < dash ? Number(process.argv[runsAt + 1]) : 7;
const list: Command[] = process.argv.slice(dash + 1).map((line, i) => ({ name: String.fromCharCode(65 + i), argv: line.split(/\s+/).filter(Boolean), frames: 1 }));
const results = measure(list, runs, false);
const first = results[0].medianS;
const firstCpu = results[0].medianCpuS;
for (const [i, r] of results.entries()) {
  process.stdout.write(
    `${r.name}: median ${r.medianS.toFixed(3)} s (${r.minS.toFixed(3)}-${r.maxS.toFixed(3)}), cpu ${r.medianCpuS.toFixed(2)} s, RSS ${r.rssMb.toFixed(1)} MB` +
      `${i ? `, ${(r.medianS / first).toFixed(3)}x of A (cpu ${(r.medianCpuS / firstCpu).toFixed(3)}x)` : ''}  ${list[i].argv.join(' ')}\n`,
  );
}
