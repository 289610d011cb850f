// Size of the HTML report of a capture and how fast headless Chromium shows it.
//
//   npm run build && npx tsx bench/report-paint.ts [--runs 5] [bench/out/vrrp-2m.pcap]
//
// Writes the report with the built command (as a user runs it), then opens it RUNS times in a
// fresh page of Debian's chromium and reports the median of: first paint and first contentful
// paint (the browser's paint timing) and the time until the inlined script has drawn the open
// charts (`data-rendered` set on <html>), all from navigation start.

import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromiumMissing, launchChromium } from '../test/support/chromium.js';

const args = process.argv.slice(2);
const runsAt = args.indexOf('--runs');
const runs = runsAt >= 0 ? Number(args.splice(runsAt, 2)[1]) : 5;
const capture = args[0] ?? 'bench/out/vrrp-2m.pcap';
const missing = chromiumMissing();
if (missing) {
  console.error(`report-paint: ${missing}`);
  process.exit(2);
}
if (!fs.existsSync(capture)) {
  console.error(`report-paint: ${capture} is missing (npm run bench:generate)`);
  process.exit(2);
}

const out = path.join('bench', 'out', path.basename(capture).replace(/\.pcap(ng)?$/, '') + '.report.html');
const t0 = process.hrtime.bigint();
const made = spawnSync(process.execPath, ['dist/cli.js', 'report', capture, '-o', out], { stdio: 'inherit' });
const writeS = Number(process.hrtime.bigint() - t0) / 1e9;
if (made.status !== 0) process.exit(2);
const bytes = fs.statSync(out).size;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const browser = await launchChromium();
type Sample = { fp: number; fcp: number; drawn: number };
const samples: Sample[] = [];
try {
  for (let i = 0; i < runs; i++) {
    const page = await browser.context.newPage();
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.goto(pathToFileURL(path.resolve(out)).href);
    await page.waitForSelector('html[data-rendered]');
    // A string, not a function: tsx would wrap a named inner function in a helper the page lacks.
    samples.push(await page.evaluate<Sample>(`(() => {
      const at = (list) => (list[0] ? list[0].startTime : NaN);
      return {
        fp: at(performance.getEntriesByName('first-paint')),
        fcp: at(performance.getEntriesByName('first-contentful-paint')),
        drawn: at(performance.getEntriesByName('report-drawn')),
      };
    })()`));
    await page.close();
  }
} finally {
  await browser.close();
}
const ms = (x: number) => `${Math.round(x)} ms`;
console.log(`${out}: ${(bytes / 1e6).toFixed(2)} MB, written in ${writeS.toFixed(2)} s`);
console.log(`median of ${runs}: first paint ${ms(median(samples.map((s) => s.fp)))}, ` +
  `first contentful paint ${ms(median(samples.map((s) => s.fcp)))}, charts drawn ${ms(median(samples.map((s) => s.drawn)))}`);
