// What the flight recorder (--evidence) costs a probe: the copy per frame into the ring, the
// ring's memory at steady state, and the write of one evidence file when a critical alert fires.
//
//   node --expose-gc --import tsx bench/evidence.ts [--vrids 255] [--rate 1] [--seconds 120] [--hours 1]
//
// Frames: VRRPv3 adverts of N VRIDs over IPv4 and IPv6, each `--rate` times a second (the monitor
// targets of issue 14: 255 VRIDs once a second, 20 VRIDs every 10 ms), built by the test encoder; packet time runs `--hours`, so the ring is full for
// most of the run. The machine is shared: read the numbers as orders of magnitude.

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { FlightRecorder } from '../src/capture/evidence.js';
import { LinkType, type Frame } from '../src/frame.js';
import { vrrpFrame } from '../test/support/encode.js';
import { arg } from './run.js';

const vrids = Number(arg('--vrids') ?? 255);
const seconds = Number(arg('--seconds') ?? 120);
const hours = Number(arg('--hours') ?? 1);
const rate = Number(arg('--rate') ?? 1);

const frames: Frame[] = [];
for (let vrid = 1; vrid <= vrids; vrid++) {
  for (const family of ['ipv4', 'ipv6'] as const) {
    frames.push(vrrpFrame({ vrrp: { version: 3, vrid, priority: 100, addrs: [family === 'ipv4' ? '192.0.2.100' : 'fe80::100'] }, ip: { family } }));
  }
}
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vrrpscope-bench-evidence-'));
const rec = new FlightRecorder({ dir, seconds, maxBytes: 1 << 30, linkType: LinkType.ETHERNET });
const t0 = 1_700_000_000;
const total = Math.round(hours * 3600 * rate);
global.gc?.();
const memory = (): number => process.memoryUsage().heapUsed + process.memoryUsage().arrayBuffers;
const heapBefore = memory();
let n = 0;
const start = process.hrtime.bigint();
for (let s = 0; s < total; s++) {
  for (let i = 0; i < frames.length; i++) {
    const f = frames[i];
    f.ts = t0 + (s + i / frames.length) / rate;
    rec.frame(f);
    n++;
  }
}
const ns = Number(process.hrtime.bigint() - start);
global.gc?.();
const heapAfter = memory();
const tStart = process.hrtime.bigint();
const file = rec.trigger({ ts: t0 + total, segment: 'bench', vrid: 1, kind: 'duplicate-master' })!;
const triggerMs = Number(process.hrtime.bigint() - tStart) / 1e6;
await rec.close();
const size = fs.statSync(file).size;
fs.rmSync(dir, { recursive: true, force: true });

console.log(`${vrids} VRIDs x 2 families, ${rate} adverts/s each: ${frames.length * rate} frames/s, ${seconds} s ring, ${hours} h of packet time`);
console.log(`frame(): ${(ns / n).toFixed(0)} ns per frame over ${n.toLocaleString('en')} frames (${((ns / n) * frames.length * rate / 1e7).toFixed(3)}% of one core at this rate)`);
console.log(`ring at steady state: ${((heapAfter - heapBefore) / 1024 / 1024).toFixed(1)} MB of heap and array buffers${global.gc ? '' : ' (run with node --expose-gc for a settled figure)'}`);
console.log(`trigger(): ${triggerMs.toFixed(1)} ms to write the ring (${(size / 1024 / 1024).toFixed(1)} MB file)`);
