// Bounded state: whatever arrives, the analyzer keeps a bounded amount of it. A flood of forged
// sources is capped per VRID (oldest silent routers evicted, one state-limit alert), and a long
// run of ordinary traffic keeps only bounded histories. scripts/memory.ts measures the heap for
// the same traffic (test/support/flood.ts); here the structures themselves are checked.

import { describe, expect, it } from 'vitest';
import type { Alert } from '../../src/analyze/alerts.js';
import { Analyzer, type AnalyzerSnapshot } from '../../src/analyze/analyzer.js';
import { Pipeline } from '../../src/pipeline.js';
import { naFrame, vrrpFrame } from '../support/encode.js';
import { floodFrames, weekPackets } from '../support/flood.js';

const MAX_ROUTERS = 64;

function expectBoundedSnapshot(s: AnalyzerSnapshot): void {
  expect(s.recentAlerts.length).toBeLessThanOrEqual(500);
  for (const v of s.vrids) {
    expect(v.routers.length).toBeLessThanOrEqual(MAX_ROUTERS);
    expect(v.masterChanges.length).toBeLessThanOrEqual(200);
    expect(v.history.length).toBeLessThanOrEqual(200);
    for (const r of v.routers) {
      expect(r.priorityHistory.length).toBeLessThanOrEqual(32);
      expect(r.recentIntervalsMs.length).toBeLessThanOrEqual(256);
    }
  }
}

describe('a flood of forged advertisements', () => {
  it('100,000 random sources over all 256 VRIDs: at most 64 routers per VRID, one state-limit alert', () => {
    const alerts: Alert[] = [];
    const pipeline = new Pipeline({}, null, (a) => alerts.push(a));
    let frames = 0;
    for (const f of floodFrames({ sources: 100_000, advertsPerSource: 1 })) {
      pipeline.frame(f);
      frames++;
    }
    pipeline.analyzer.finish();
    const s = pipeline.analyzer.snapshot();
    expect(frames).toBe(100_000);
    expect(s.vrids).toHaveLength(256);
    expectBoundedSnapshot(s);
    expect(s.vrids.every((v) => v.routers.length === MAX_ROUTERS)).toBe(true);
    const limits = alerts.filter((a) => a.kind === 'state-limit');
    expect(limits).toHaveLength(1);
    expect(limits[0].message).toMatch(/more than 64 routers advertise VRID \d+: forgetting the longest-silent ones/);
    // Eviction takes the longest-silent router but never the master: the others kept on VRID 0 are
    // its last 64 senders (one every 256 frames of 10 µs).
    const v = s.vrids[0];
    const oldest = Math.min(...v.routers.filter((r) => r.role !== 'master').map((r) => r.lastSeenTs));
    expect(s.ts - oldest).toBeLessThan((MAX_ROUTERS + 2) * 256 * 1e-5);
  }, 120_000);

  // Structures keyed by wire data that a flood could grow: each must stay bounded.
  it('with --auth-pass, open auth-mismatch conditions stay bounded (one per forged source ever seen today)', () => {
    // 2,000 sources on one VRID with the wrong password: each opens an auth-expected condition,
    // which must close when its router is evicted.
    const pipeline = new Pipeline({ authPass: 'secret' }, null);
    for (const f of floodFrames({ sources: 2_000, advertsPerSource: 1, vrids: 1 })) pipeline.frame(f);
    const [v] = pipeline.analyzer.snapshot().vrids;
    // One per router kept, plus the handful of per-VRID conditions.
    expect(v.openAlerts.length).toBeLessThanOrEqual(MAX_ROUTERS + 8);
  });

  it('an open split brain lists a bounded number of sources (every contender ever seen today)', () => {
    const pipeline = new Pipeline({}, null);
    // 3,000 sources, all on VRID 0: each advertises twice, so each joins the split brain.
    for (const f of floodFrames({ sources: 3_000, advertsPerSource: 2, vrids: 1 })) pipeline.frame(f);
    const longest = Math.max(...pipeline.analyzer.snapshot().vrids.flatMap((v) => v.openAlerts.map((a) => a.sources.length)), 0);
    expect(longest).toBeLessThanOrEqual(MAX_ROUTERS);
  });

  it('after a flood, a real takeover elsewhere is still judged right (no false garp-missing)', () => {
    // The flood must not fill the virtual-address index for good (evicted routers' addresses are
    // pruned), or the neighbor advertisements of a real IPv6 takeover would not count as claims.
    const alerts: Alert[] = [];
    const pipeline = new Pipeline({}, null, (a) => a.family === 'ipv6' && alerts.push(a));
    let ts = 0;
    for (const f of floodFrames({ sources: 40_000, advertsPerSource: 1 })) {
      pipeline.frame(f);
      ts = f.ts;
    }
    ts = Math.ceil(ts) + 100;
    const A = { src: 'fe80::2', mac: '02:00:00:00:77:02' };
    const B = { src: 'fe80::3', mac: '02:00:00:00:77:03' };
    const advert = (r: typeof A, priority: number, t: number) =>
      vrrpFrame({ vrrp: { version: 3, vrid: 100, priority, addrs: ['fe80::100', '2001:db8::100'] }, ip: { family: 'ipv6', src: r.src }, link: { kind: 'ethernet', src: r.mac }, frame: { ts: t } });
    const na = (r: typeof A, target: string, t: number) =>
      naFrame({ na: { target, override: true, targetMac: r.mac }, ip: { src: r.src }, link: { kind: 'ethernet', src: r.mac, dst: '33:33:00:00:00:01' }, frame: { ts: t } });
    for (let i = 0; i < 5; i++) pipeline.frame(advert(A, 200, ts + i));
    pipeline.frame(advert(A, 0, ts + 5));
    pipeline.frame(advert(B, 100, ts + 5.5));
    pipeline.frame(na(B, 'fe80::100', ts + 5.6));
    pipeline.frame(na(B, '2001:db8::100', ts + 5.6));
    for (let i = 0; i < 10; i++) pipeline.frame(advert(B, 100, ts + 6.5 + i));
    pipeline.analyzer.finish();
    expect(alerts.map((a) => a.kind)).not.toContain('garp-missing');
  }, 60_000);
});

describe('a long run of ordinary traffic', () => {
  it('255 VRIDs for six hours of packet time: histories stay within their caps, heap stays flat', () => {
    const analyzer = new Analyzer({});
    const heap: number[] = [];
    let packets = 0;
    let hour = -1;
    for (const p of weekPackets({ routers: 255, days: 0.25 })) {
      analyzer.ingest(p);
      packets++;
      const h = Math.floor((p.ts - 1_700_000_000) / 3600);
      if (h !== hour) {
        hour = h;
        heap.push(process.memoryUsage().heapUsed);
      }
    }
    analyzer.finish();
    expect(packets).toBeGreaterThan(255 * 6 * 3600);
    const s = analyzer.snapshot();
    expectBoundedSnapshot(s);
    expect(s.vrids).toHaveLength(255);
    // A backup is heard only once it has taken over (handovers are spread over the first eight hours).
    expect(s.vrids.every((v) => v.routers.length >= 1 && v.routers.length <= 2)).toBe(true);
    expect(s.vrids.some((v) => v.masterChangeCount > 0)).toBe(true);
    // Without a forced GC this is noisy; it only has to rule out growth per packet (5.5 million of them).
    expect(Math.max(...heap.slice(1)) - heap[1]).toBeLessThan(64 * 1024 * 1024);
  }, 120_000);
});
