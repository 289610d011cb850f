// Several captures taken at once on several nodes have a clock each (issue 16, item 4). The offset
// of each against the first is estimated from adverts seen at both and reported; times are moved
// onto the first's clock so copies and the merge order hold, and a router's intervals are measured
// on one vantage's clock only. Proof: the lab's per-node captures of one split brain, with one
// node's file shifted by a known offset, read as the unshifted pair reads.

import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readCapture } from '../../src/capture/file.js';
import { PcapWriter } from '../../src/capture/writer.js';
import { runCli, tempDir, vrrpPcap } from '../support/cli.js';
import { vrrpFrame } from '../support/encode.js';

const LAB = new URL('../../pcaps/lab/', import.meta.url).pathname;

/** A copy of `file` with every timestamp moved by `byS` seconds. */
async function shifted(file: string, byS: number): Promise<string> {
  const out = join(tempDir(), `shifted${byS}.pcap`);
  let w: PcapWriter | null = null;
  await readCapture(file, (f) => {
    w ??= new PcapWriter(out, { linkType: f.linkType });
    w.write({ ts: f.ts + byS, data: f.data, origLen: f.origLen });
  });
  w!.close();
  return out;
}

function readJson(n1: string, n2: string): { code: number | null; records: Record<string, any>[]; summary: Record<string, any>; stderr: string } {
  const r = runCli(['read', '--json', '-q', '--explain', '--vantage', `n1=${n1}`, '--vantage', `n2=${n2}`, n1, n2]);
  const records = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
  return { code: r.code, records, summary: records.at(-1)!, stderr: r.stderr };
}

/** What must not depend on the clocks: alerts (kind, status, sources, time within `toleranceMs`) and the summary's routers. */
function comparable(records: Record<string, any>[]) {
  const alerts = records.filter((r) => r.type === 'alert').map((a) => ({ kind: a.kind, status: a.status, sources: a.sources, ts: a.ts }));
  const summary = records.at(-1)!;
  const vrids = summary.vrids.map((v: any) => ({
    vrid: v.vrid, state: v.state, segment: v.segment, alerts: v.alerts,
    routers: v.routers.map((r: any) => ({ src: r.src, role: r.role, adverts: r.adverts, copies: r.copies, seenAt: r.seenAt, intervals: r.observed.count, meanMs: r.observed.meanMs, maxMs: r.observed.maxMs })),
  }));
  return { alerts, vrids, merges: (summary.segmentMerges ?? []).map((m: any) => [m.into, m.joined]) };
}

function expectSameReading(got: ReturnType<typeof comparable>, want: ReturnType<typeof comparable>, toleranceMs: number): void {
  expect(got.merges).toEqual(want.merges);
  expect(got.alerts.map(({ ts: _ts, ...a }) => a)).toEqual(want.alerts.map(({ ts: _ts, ...a }) => a));
  got.alerts.forEach((a, i) => expect(Math.abs(a.ts - want.alerts[i].ts) * 1000).toBeLessThan(toleranceMs));
  expect(got.vrids.length).toBe(want.vrids.length);
  got.vrids.forEach((v: any, i: number) => {
    const w = want.vrids[i];
    expect({ ...v, routers: v.routers.map((r: any) => ({ ...r, meanMs: 0, maxMs: 0 })) }).toEqual({ ...w, routers: w.routers.map((r: any) => ({ ...r, meanMs: 0, maxMs: 0 })) });
    v.routers.forEach((r: any, j: number) => {
      expect(Math.abs(r.meanMs - w.routers[j].meanMs)).toBeLessThan(toleranceMs);
      expect(Math.abs(r.maxMs - w.routers[j].maxMs)).toBeLessThan(toleranceMs);
    });
  });
}

describe('clock offset between captures', () => {
  for (const [scenario, byS] of [['split-brain-per-node', 0.3], ['split-brain-per-node', -0.3], ['split-brain-bridge-drop', 0.3], ['split-brain-bridge-drop', -2.5]] as const) {
    it(`${scenario}: n2's clock ${byS * 1000} ms off is estimated, reported, and changes no alert or interval`, async () => {
      const n1 = `${LAB}${scenario}.n1.pcap`;
      const n2 = `${LAB}${scenario}.n2.pcap`;
      const plain = readJson(n1, n2);
      const skewed = readJson(n1, await shifted(n2, byS));
      expect([skewed.code, skewed.stderr]).toEqual([plain.code, plain.stderr]);

      const [clock] = skewed.summary.clocks;
      expect(clock).toMatchObject({ vantage: 'n2', against: 'n1', corrected: true });
      expect(clock.matches).toBeGreaterThan(5);
      // The true offset plus what the unshifted pair shows (a one-way delay of microseconds).
      expect(Math.abs(clock.offsetMs - byS * 1000 - plain.summary.clocks[0].offsetMs)).toBeLessThan(0.5);
      expect(plain.summary.clocks[0].corrected).toBe(false);

      expectSameReading(comparable(skewed.records), comparable(plain.records), 1);
      expect(skewed.records.some((r) => r.type === 'alert' && r.kind === 'missed-advert')).toBe(false);
      const diagnosis = skewed.records.find((r) => r.type === 'diagnosis')!;
      expect(diagnosis.vrids[0].seen.join('\n')).toContain(`clock of n2: ${Math.abs(clock.offsetMs) >= 1000 ? '2.5' : '300'}`);
      expect(diagnosis.vrids[0].causes.map((c: any) => c.id)).toEqual(plain.records.find((r) => r.type === 'diagnosis')!.vrids[0].causes.map((c: any) => c.id));
    });
  }

  for (const family of ['ipv4', 'ipv6'] as const) it(`${family}: a failover seen from both nodes, one clock 300 ms ahead and adverts lost on one wire: the same master change, gap and intervals`, () => {
    // n1 (150) master, resigns at 10 s; n2 (100) takes over 0.6 s later. Each node's capture sees
    // its own adverts at once and its peer's 0.2 ms later; n2's wire lost two of n1's adverts.
    // IPv6 adverts carry no identification: they are matched to the nearest of the same content.
    const [a1, a2, vip] = family === 'ipv4' ? ['10.77.0.11', '10.77.0.12', '10.77.0.100'] : ['fe80::11', 'fe80::12', 'fe80::100'];
    const dir = tempDir();
    const n1Frames: { ts: number; data: Uint8Array }[] = [];
    const n2Frames: { ts: number; data: Uint8Array }[] = [];
    const send = (src: string, ts: number, id: number, priority: number, toN1: boolean, toN2: boolean) => {
      const f = family === 'ipv4'
        ? vrrpFrame({ vrrp: { version: 2, vrid: 51, priority, addrs: [vip] }, ip: { family, src, v4: { id } }, frame: { ts } })
        : vrrpFrame({ vrrp: { version: 3, vrid: 51, priority, addrs: [vip] }, ip: { family, src }, frame: { ts } });
      const own = src === a1;
      if (toN1) n1Frames.push({ ts: ts + (own ? 0 : 0.0002), data: f.data });
      if (toN2) n2Frames.push({ ts: ts + (own ? 0.0002 : 0), data: f.data });
    };
    const T = 1_796_000_000;
    for (let i = 0; i <= 10; i++) send(a1, T + i, 100 + i, i === 10 ? 0 : 150, true, i !== 4 && i !== 5);
    for (let i = 0; i < 10; i++) send(a2, T + 10.6 + i, 500 + i, 100, true, true);
    const write = (name: string, frames: { ts: number; data: Uint8Array }[], byS: number) => {
      const file = join(dir, name);
      const w = new PcapWriter(file, { linkType: 1 });
      for (const f of frames.sort((a, b) => a.ts - b.ts)) w.write({ ts: f.ts + byS, data: f.data });
      w.close();
      return file;
    };
    const n1 = write('n1.pcap', n1Frames, 0);
    const plain = readJson(n1, write('n2.pcap', n2Frames, 0));
    const skewed = readJson(n1, write('n2-skewed.pcap', n2Frames, 0.3));
    // By identification, every advert seen at both; to the nearest, those whose content repeats (not the resignation).
    expect(skewed.summary.clocks[0]).toMatchObject({ matches: family === 'ipv4' ? 19 : 18, matchedBy: family === 'ipv4' ? 'identification' : 'nearest', corrected: true });
    // The one-way delay of 0.2 ms each way: the median lands on one side of it.
    expect(Math.abs(skewed.summary.clocks[0].offsetMs - 300)).toBeLessThanOrEqual(0.2);
    expectSameReading(comparable(skewed.records), comparable(plain.records), 1);
    const change = skewed.records.find((r) => r.type === 'alert' && r.kind === 'master-change')!;
    expect([change.from, change.to, change.reason]).toEqual([a1, a2, 'resigned']);
    // 600 ms as sent, plus at most the delay between the nodes and the error of the estimate.
    expect(change.gapMs).toBeGreaterThanOrEqual(600);
    expect(change.gapMs).toBeLessThanOrEqual(600.4);
    expect(skewed.records.filter((r) => r.type === 'alert').map((a) => a.kind)).toEqual(['master-resigned', 'master-change']);
    // n1's intervals on its home clock (n1's capture, which lost none): ten of 1 s.
    const r11 = skewed.summary.vrids[0].routers.find((r: any) => r.src === a1);
    expect([r11.observed.count, r11.observed.minMs, r11.observed.maxMs]).toEqual([10, 1000, 1000]);
  });

  it('the summary names the offset and the clock the times are shown on', async () => {
    const n1 = `${LAB}split-brain-per-node.n1.pcap`;
    const n2 = await shifted(`${LAB}split-brain-per-node.n2.pcap`, 0.3);
    const r = runCli(['read', '-q', '--vantage', `n1=${n1}`, '--vantage', `n2=${n2}`, n1, n2]);
    expect(r.stdout).toMatch(/\n {2}clock n2: 300ms ahead of n1 \(median of \d+ adverts seen at both\): its times are shown on n1's clock\n/);
    expect(r.stdout).not.toContain('missed-advert');
  });

  it('report N1 N2: the page names the offset among the capture facts', async () => {
    const n1 = `${LAB}split-brain-per-node.n1.pcap`;
    const n2 = await shifted(`${LAB}split-brain-per-node.n2.pcap`, 0.3);
    const out = join(tempDir(), 'report.html');
    expect(runCli(['report', n1, n2, '-o', out]).code).toBe(0);
    expect(readFileSync(out, 'utf8')).toMatch(/<dt>clocks<\/dt><dd>shifted0\.3: 300ms ahead of split-brain-per-node\.n1 \(median of \d+ adverts seen at both\)/);
  });

  it('captures with no advert in common: the offset is unknown, said so, and both are still read', () => {
    const n1 = `${LAB}split-brain-per-node.n1.pcap`;
    // Another router on another VRID over the same minute: nothing to match.
    const other = vrrpPcap(join(tempDir(), 'other.pcap'), Array.from({ length: 20 }, () => ({ src: '10.99.0.1', spec: { version: 2, vrid: 7, priority: 100, addrs: ['10.99.0.100'] } })), 1796392240);
    const { code, summary, records } = readJson(n1, other);
    expect(code).toBe(0);
    expect(summary.clocks).toEqual([{ vantage: 'n2', against: 'n1', offsetMs: null, matches: 0, matchedBy: null, corrected: false }]);
    expect(summary.vrids.map((v: any) => v.vrid)).toEqual([7, 51]);
    const r7 = summary.vrids[0].routers[0];
    // Its intervals, on its own clock.
    expect([r7.adverts, r7.observed.count, r7.observed.meanMs]).toEqual([20, 19, 1000]);
    const diagnosis = records.find((r) => r.type === 'diagnosis')!;
    expect(diagnosis.vrids[0].cannotTell.join('\n')).toContain('how the clock of n2 compares with n1\'s: offset against n1 unknown (no advert seen at both)');
    const text = runCli(['read', '-q', n1, other]);
    expect(text.stdout).toContain('  clock other: offset against split-brain-per-node.n1 unknown (no advert seen at both)');
  });

  it('a first file that is no capture: the clocks are told against the first that is read', async () => {
    const junk = join(tempDir(), 'junk.pcap');
    writeFileSync(junk, 'not a capture\n');
    const n2 = await shifted(`${LAB}split-brain-per-node.n2.pcap`, 0.3);
    const r = runCli(['read', '-q', '--vantage', `n2=${n2}`, junk, `${LAB}split-brain-per-node.n1.pcap`, n2]);
    expect(r.code).toBe(2);
    expect(r.stdout).toContain('  clock n2: 300ms ahead of split-brain-per-node.n1 (');
    expect(r.stdout).not.toContain('clock junk');
  });

  it('one capture reads as before: no clock in the summary', () => {
    const r = runCli(['read', '--json', '-q', `${LAB}split-brain-per-node.n1.pcap`]);
    expect(JSON.parse(r.stdout.trim().split('\n').at(-1)!).clocks).toBeUndefined();
  });
});
