// The wall clock stepping under a running `monitor` (NTP at boot, `date -s`): one log line per step,
// vrrpscope_clock_steps_total, and no alert the wire did not cause. The machine's clock cannot be
// stepped by a test, so the clock is injected (MonitorOptions.clock) and so is the capture
// (MonitorOptions.openCapture): the kernel stamps frames with that same realtime clock, so frames
// from a real libpcap would not step with the injected one. Everything after the frame is the real
// monitor: its wiring, pipeline, analyzer, ticks, metrics endpoint, log and NDJSON files.

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { LiveCapture, LiveEnd, LiveOptions } from '../../src/capture/live.js';
import type { Frame } from '../../src/frame.js';
import { runMonitor } from '../../src/monitor.js';
import { SteadyClock, type ClockSource } from '../../src/steady-clock.js';
import { vrrpFrame } from '../support/encode.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vrrpscope-clock-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The machine's clocks, with the wall clock stepped by `offsetMs`. */
class SteppedClock implements ClockSource {
  offsetMs = 0;
  wallMs(): number {
    return Date.now() + this.offsetMs;
  }
  monoMs(): number {
    return performance.now();
  }
}

/** Two VRIDs in both families, each advertising every 100 ms (master down after ~0.36 s). */
const ADVERTS = [1, 2].flatMap((v) => [
  vrrpFrame({ vrrp: { version: 3, vrid: v, priority: 100, addrs: [`10.${v}.0.1`], intervalCs: 10 }, ip: { family: 'ipv4', src: `10.${v}.0.2` } }).data,
  vrrpFrame({ vrrp: { version: 3, vrid: v, priority: 100, addrs: [`fe80::${v}:1`], intervalCs: 10 }, ip: { family: 'ipv6', src: `fe80::${v}:2` } }).data,
]);

/**
 * A capture of ADVERTS every 100 ms, stamped as the kernel would (by the stepped wall clock at
 * capture) and held as in the kernel's ring until read: by a timer, or by drain() before a tick. So a
 * loaded test machine delays frames, as a real ring does, but does not lose their time.
 */
function fakeCapture(clock: SteppedClock): (o: LiveOptions) => LiveCapture {
  return (o) => {
    let settle: (end: LiveEnd) => void = () => {};
    let frames = 0;
    let sent = 0;
    const startMono = performance.now();
    const read = (): void => {
      const nowMono = performance.now();
      for (; startMono + sent * 100 <= nowMono; sent++) {
        const ts = (clock.wallMs() - (nowMono - (startMono + sent * 100))) / 1000;
        for (const data of ADVERTS) o.onFrame({ ts, linkType: 1, data, origLen: data.length, record: ++frames, offset: -1 } satisfies Frame);
      }
    };
    const timer = setInterval(read, 100);
    return {
      iface: o.iface, linkType: 1, filter: '', warnings: [],
      get frames() {
        return frames;
      },
      ended: new Promise<LiveEnd>((r) => (settle = r)),
      stats: () => ({ received: frames, dropped: 0, ifDropped: 0 }),
      close: () => {
        clearInterval(timer);
        settle({ reason: 'closed' });
      },
      drain: read,
    };
  };
}

/** Value of one series by name and a subset of its labels. */
function value(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    const m = /^([a-z_:]+)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    if (Object.entries(labels).every(([k, v]) => (m[2] ?? '').includes(`${k}="${v}"`))) return Number(m[3]);
  }
  return undefined;
}

interface Run {
  log: string;
  alerts: { kind: string; status: string; ts: number }[];
  scrapes: string[];
  clock: SteppedClock;
}

/** Runs the monitor for three phases of `phaseMs`, stepping the wall clock by `steps[i]` ms before phase i+1. */
async function monitorWith(name: string, steps: number[], phaseMs = 1200): Promise<Run> {
  const clock = new SteppedClock();
  const logFile = path.join(dir, `${name}.log`);
  const ndjsonFile = path.join(dir, `${name}.ndjson`);
  const done = runMonitor({
    ifaces: ['fake0'], listen: { host: '127.0.0.1', port: 0 }, filterWords: '', promisc: true, user: null,
    logFile, ndjsonFile, clock, openCapture: fakeCapture(clock),
  });
  let port = 0;
  for (let i = 0; i < 100 && !port; i++) {
    await sleep(20);
    port = Number(/metrics on http:\/\/127\.0\.0\.1:(\d+)\//.exec(fs.existsSync(logFile) ? fs.readFileSync(logFile, 'utf8') : '')?.[1] ?? 0);
  }
  expect(port).toBeGreaterThan(0);
  const scrapes: string[] = [];
  await sleep(phaseMs);
  for (const step of steps) {
    clock.offsetMs += step;
    await sleep(phaseMs);
    scrapes.push(await (await fetch(`http://127.0.0.1:${port}/metrics`)).text());
  }
  process.emit('SIGTERM');
  expect(await done).toBe(0);
  const alerts = fs.readFileSync(ndjsonFile, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
  return { log: fs.readFileSync(logFile, 'utf8'), alerts, scrapes, clock };
}

describe('monitor across wall clock steps', () => {
  it('logs and counts each step, and raises no alert the wire did not cause', async () => {
    const control = await monitorWith('control', [0, 0]);
    const stepped = await monitorWith('stepped', [3_600_000, -7_200_000]);

    const lines = [...stepped.log.matchAll(/vrrpscope: wall clock stepped (forward|back) by (\d+\.\d{3}) s \(now \d{4}-\d\d-\d\dT[\d:.]+Z\); analysis time kept continuous\n/g)];
    expect(lines.map((m) => m[1])).toEqual(['forward', 'back']);
    expect(Number(lines[0][2])).toBeCloseTo(3600, 1);
    expect(Number(lines[1][2])).toBeCloseTo(7200, 1);
    expect(stepped.log.match(/wall clock stepped/g)).toHaveLength(2);
    expect(control.log).not.toMatch(/wall clock stepped/);
    expect(value(stepped.scrapes[0], 'vrrpscope_clock_steps_total')).toBe(1);
    expect(value(stepped.scrapes[1], 'vrrpscope_clock_steps_total')).toBe(2);
    expect(value(control.scrapes[1], 'vrrpscope_clock_steps_total')).toBe(0);

    // The same alerts as without steps (an hour's silence would be missed-advert and no master).
    const kinds = (r: Run) => r.alerts.map((a) => `${a.kind} ${a.status}`).sort();
    expect(kinds(stepped)).toEqual(kinds(control));
    expect(kinds(stepped)).not.toContain('missed-advert raised');
    // Every gap between adverts the analysis saw is about the 100 ms interval: none of an hour.
    const vr = { family: 'ipv4', vrid: '1' };
    for (const text of stepped.scrapes) {
      expect(value(text, 'vrrpscope_vr_has_master', vr)).toBe(1);
      expect(value(text, 'vrrpscope_vr_advert_gap_seconds_bucket', { ...vr, le: '1.1' })).toBe(value(text, 'vrrpscope_vr_advert_gap_seconds_count', vr));
    }
    // Timestamps shown are on the wall clock of now, the stepped one.
    const lastAdvert = value(stepped.scrapes[1], 'vrrpscope_vr_last_advert_timestamp_seconds', vr)!;
    expect(Math.abs(lastAdvert - stepped.clock.wallMs() / 1000)).toBeLessThan(2);
  }, 30_000);
});

describe('SteadyClock', () => {
  /** A clock whose readings the test sets. */
  const manual = () => {
    const c = { wall: 1_000_000, mono: 5000, spread: 0, reads: 0 };
    const source: ClockSource = { wallMs: () => c.wall, monoMs: () => c.mono + (c.reads++ % 2 ? c.spread : 0) };
    return { c, source };
  };

  it('takes steps out of frame times and puts them back for display', () => {
    const { c, source } = manual();
    const steps: number[] = [];
    const clock = new SteadyClock((s) => steps.push(s.seconds), source);
    expect(clock.frameTs(999.5)).toBe(999.5);
    c.wall += 1000;
    c.mono += 1000;
    clock.look();
    expect(clock.frameTs(1000.9)).toBeCloseTo(1000.9, 9);
    c.wall += 60_000; // stepped forward a minute
    clock.look();
    expect(clock.frameTs(1061)).toBeCloseTo(1001, 9);
    expect(steps).toEqual([60]);
    expect(clock.toWall(1001)).toBeCloseTo(1061, 9);
    // Slewing moves both clocks: no step.
    c.wall += 1001;
    c.mono += 1000;
    expect(clock.now()).toBeCloseTo(1002.001, 6);
    expect(steps).toEqual([60]);
  });

  it('keeps a frame stamped just before a step in the time before it', () => {
    const { c, source } = manual();
    const clock = new SteadyClock(() => {}, source);
    c.wall -= 30_000; // stepped back 30 s
    clock.look();
    // Stamped 50 ms before the step, delivered after it: it belongs before the step.
    expect(clock.frameTs(999.95)).toBeCloseTo(999.95, 9);
    expect(clock.frameTs(970.01)).toBeCloseTo(1000.01, 9);
    c.mono += 5000; // long after the step, every frame is of the new time
    c.wall += 5000;
    clock.look();
    expect(clock.frameTs(974.99)).toBeCloseTo(1004.99, 9);
  });

  it('does not take a slow reading of the two clocks for a step', () => {
    const { c, source } = manual();
    const steps: number[] = [];
    const clock = new SteadyClock((s) => steps.push(s.seconds), source);
    c.spread = 40; // preempted between the readings each time it tried: not judged
    c.wall += 20;
    c.mono += 20;
    expect(clock.now()).toBeCloseTo(1000.02, 9);
    c.spread = 0;
    c.wall += 20;
    c.mono += 20;
    clock.now();
    expect(steps).toEqual([]);
    c.wall += 20; // a real step of 20 ms, read cleanly
    clock.now();
    expect(steps).toHaveLength(1);
    expect(steps[0]).toBeCloseTo(0.02, 9);
  });
});
