// The Prometheus renderer on real lab recordings: the same Pipeline as `monitor`, its alerts and
// packets fed to PrometheusMetrics, and the exposition text read back as Prometheus would.
// Also the contract: names follow Prometheus conventions and every metric is documented in README.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Alert } from '../../src/analyze/alerts.js';
import { readCapture } from '../../src/capture/file.js';
import { Pipeline } from '../../src/pipeline.js';
import { labelValue, PrometheusMetrics } from '../../src/render/metrics.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const LAB = path.join(ROOT, 'pcaps/lab');

interface Run {
  metrics: PrometheusMetrics;
  pipeline: Pipeline;
  /** Exposition text at the moment an alert was raised, by alert kind. */
  during: Map<string, string>;
}

/** Reads a lab capture through a monitor-like wiring; `scrapeOn` kinds are scraped when raised. */
async function monitorFile(file: string, segment = 'br0', scrapeOn: string[] = []): Promise<Run> {
  const metrics = new PrometheusMetrics({ processMetrics: false });
  const pending: Alert[] = [];
  const pipeline = new Pipeline({ defaultLiveFilter: true }, null, (a) => {
    metrics.alert(segment, a);
    pending.push(a);
  }, (pkt) => metrics.packet(segment, pkt, pipeline.analyzer.segmentName(pkt)));
  metrics.addSegment({
    segment, iface: segment,
    brief: () => pipeline.analyzer.brief(),
    health: () => ({ up: true, received: pipeline.frames, dropped: 0, ifDropped: 0, reopens: 0, gapSeconds: 0 }),
    claimedBy: (a) => pipeline.analyzer.claimedBy(a),
  });
  const during = new Map<string, string>();
  const frames: Parameters<Pipeline['frame']>[0][] = [];
  await readCapture(path.join(LAB, file), (f) => void frames.push(f));
  for (const f of frames) {
    pipeline.frame(f);
    for (const a of pending.splice(0)) {
      if (a.status === 'raised' && scrapeOn.includes(a.kind) && !during.has(a.kind)) during.set(a.kind, await metrics.text());
    }
  }
  return { metrics, pipeline, during };
}

/** Value of one series in exposition text, by name and a subset of its labels. */
function value(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    const m = /^([a-z_:]+)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const have = Object.fromEntries([...(m[2] ?? '').matchAll(/([a-z_]+)="((?:[^"\\]|\\.)*)"/g)].map((x) => [x[1], x[2]]));
    if (Object.entries(labels).every(([k, v]) => have[k] === v)) return Number(m[3]);
  }
  return undefined;
}

const VR51 = { segment: 'br0', family: 'ipv4', vrid: '51' };

describe('metrics from the lab recordings', () => {
  it('split brain: two masters while duplicate-master is open, one after; the alert is counted', async () => {
    const { metrics, during } = await monitorFile('split-brain.pcap', 'br0', ['duplicate-master']);
    const mid = during.get('duplicate-master')!;
    expect(mid).toBeDefined();
    expect(value(mid, 'vrrpscope_vr_masters', VR51)).toBe(2);
    expect(value(mid, 'vrrpscope_vr_has_master', VR51)).toBe(1);
    expect(value(mid, 'vrrpscope_alerts_open', { ...VR51, kind: 'duplicate-master', severity: 'critical' })).toBe(1);
    const end = await metrics.text();
    expect(value(end, 'vrrpscope_vr_masters', VR51)).toBe(1);
    expect(value(end, 'vrrpscope_alerts_open', { ...VR51, kind: 'duplicate-master' })).toBeUndefined();
    expect(value(end, 'vrrpscope_alerts_total', { segment: 'br0', kind: 'duplicate-master', severity: 'critical' })).toBe(1);
    // Per-router series carry the source address; the master is a value, never a label.
    expect(value(end, 'vrrpscope_router_master', { ...VR51, source: '10.77.0.11' })).toBe(1);
    expect(value(end, 'vrrpscope_router_master', { ...VR51, source: '10.77.0.12' })).toBe(0);
    expect(value(end, 'vrrpscope_router_priority', { ...VR51, source: '10.77.0.11' })).toBe(150);
    expect(value(end, 'vrrpscope_router_advert_interval_seconds', { ...VR51, source: '10.77.0.12' })).toBe(1);
    expect(value(end, 'vrrpscope_router_adverts_received_total', { ...VR51, source: '10.77.0.11' })).toBeGreaterThan(10);
    expect(value(end, 'vrrpscope_adverts_by_checksum_variant_total', { ...VR51, variant: 'v2' })).toBeGreaterThan(10);
  });

  it('a crashed master: a timeout transition, its timestamp, and the gap in the histogram', async () => {
    const { metrics, pipeline } = await monitorFile('failover-crash.pcap');
    const text = await metrics.text();
    expect(value(text, 'vrrpscope_vr_master_transitions_total', { ...VR51, reason: 'timeout' })).toBe(1);
    const change = pipeline.analyzer.snapshot().vrids.find((v) => v.vrid === 51)!.masterSince!;
    expect(value(text, 'vrrpscope_vr_last_master_change_timestamp_seconds', VR51)).toBeCloseTo(change, 3);
    // The crashed master's last gap is not a gap (it never advertised again); the backup's first
    // adverts after taking over are. Every gap of about 1 s is at most 1.1 s; none exceed 3 s.
    const count = value(text, 'vrrpscope_vr_advert_gap_seconds_count', VR51)!;
    expect(count).toBeGreaterThan(5);
    expect(value(text, 'vrrpscope_vr_advert_gap_seconds_bucket', { ...VR51, le: '1.1' })).toBeGreaterThan(count * 0.9);
  });

  it('a graceful handover: reason resigned, a priority-0 advert, and the GARP delay observed', async () => {
    const { metrics } = await monitorFile('failover-graceful.pcap');
    const text = await metrics.text();
    expect(value(text, 'vrrpscope_vr_master_transitions_total', { ...VR51, reason: 'resigned' })).toBe(1);
    expect(value(text, 'vrrpscope_vr_priority_zero_adverts_total', VR51)).toBe(1);
    expect(value(text, 'vrrpscope_vr_garp_delay_seconds_count', VR51)).toBe(1);
    const delay = value(text, 'vrrpscope_vr_garp_delay_seconds_sum', VR51)!;
    expect(delay).toBeGreaterThanOrEqual(0);
    expect(delay).toBeLessThan(5);
  });

  it('a segment name with quotes, backslashes and controls stays one valid label value', async () => {
    const nasty = 'eth"0\\\x1b[31m\n' + 'x'.repeat(100);
    const { metrics } = await monitorFile('garp.pcap', nasty);
    const text = await metrics.text();
    for (const line of text.split('\n')) {
      if (line === '' || line.startsWith('#')) continue;
      expect(line).toMatch(/^[a-z_]+(\{([a-z_]+="([^"\\\n]|\\.)*",?)*\})? \S+$/);
    }
    expect(labelValue(nasty)).toHaveLength(64);
    expect(value(text, 'vrrpscope_vr_has_master', { segment: labelValue(nasty).replace(/\\/g, '\\\\').replace(/"/g, '\\"'), vrid: '51' })).toBe(1);
  });
});

describe('segment labels on a trunk (VLAN 10 and VLAN 20, both VRID 51: pcaps/lab/trunk-two-vlans.pcap)', () => {
  const V10 = { segment: 'eth0 vlan 10', family: 'ipv4', vrid: '51' };
  const V20 = { segment: 'eth0 vlan 20', family: 'ipv4', vrid: '51' };

  it('two series per metric, "eth0 vlan 10" and "eth0 vlan 20", each with its own master, routers and events', async () => {
    const { metrics } = await monitorFile('trunk-two-vlans.pcap', 'eth0');
    const text = await metrics.text();
    expect(value(text, 'vrrpscope_vr_has_master', V10)).toBe(1);
    expect(value(text, 'vrrpscope_vr_has_master', V20)).toBe(1);
    // Not a split brain: one master each (the same VRID on one label would have been two).
    expect(value(text, 'vrrpscope_vr_masters', V10)).toBe(1);
    expect(value(text, 'vrrpscope_vr_masters', V20)).toBe(1);
    expect(value(text, 'vrrpscope_router_master', { ...V10, source: '10.77.0.11' })).toBe(1);
    expect(value(text, 'vrrpscope_router_master', { ...V20, source: '10.78.0.12' })).toBe(1);
    expect(value(text, 'vrrpscope_router_master', { ...V10, source: '10.78.0.12' })).toBeUndefined();
    expect(value(text, 'vrrpscope_router_adverts_received_total', { ...V10, source: '10.77.0.11' })).toBe(11);
    // VLAN 20's master resigned and its backup took over, announcing the address: there only.
    expect(value(text, 'vrrpscope_vr_master_transitions_total', { ...V20, reason: 'resigned' })).toBe(1);
    expect(value(text, 'vrrpscope_vr_master_transitions_total', V10)).toBeUndefined();
    expect(value(text, 'vrrpscope_vr_priority_zero_adverts_total', V20)).toBe(1);
    expect(value(text, 'vrrpscope_vr_garp_delay_seconds_count', V20)).toBe(1);
    expect(value(text, 'vrrpscope_alerts_total', { segment: 'eth0 vlan 20', kind: 'master-resigned' })).toBe(1);
    expect(value(text, 'vrrpscope_alerts_total', { segment: 'eth0 vlan 10', kind: 'master-resigned' })).toBeUndefined();
    // No alert a trunk raises falsely, and every series is one line: no label set twice.
    expect(text).not.toMatch(/kind="(vrid-clash|duplicate-master)"/);
    const series = text.split('\n').filter((l) => l !== '' && !l.startsWith('#')).map((l) => l.slice(0, l.lastIndexOf(' ')));
    expect(new Set(series).size).toBe(series.length);
    // What the snapshot gives (state now) never has the bare interface on a trunk.
    expect(value(text, 'vrrpscope_vr_has_master', { segment: 'eth0' })).toBeUndefined();
    expect(value(text, 'vrrpscope_capture_up', { segment: 'eth0', interface: 'eth0' })).toBe(1);
  });

  it('a capture of one segment is labelled by its interface alone, as before', async () => {
    const { metrics } = await monitorFile('failover-graceful.pcap', 'eth0');
    const text = await metrics.text();
    const segments = new Set([...text.matchAll(/segment="([^"]*)"/g)].map((m) => m[1]));
    expect(segments).toEqual(new Set(['eth0']));
  });
});

describe('the metrics contract', () => {
  it('follows Prometheus naming, and README documents every metric', async () => {
    const { metrics } = await monitorFile('split-brain.pcap');
    const all = await metrics.registry.getMetricsAsJSON();
    const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
    expect(all.length).toBeGreaterThan(20);
    for (const m of all) {
      expect(m.name).toMatch(/^vrrpscope_[a-z0-9_]+$/);
      if (String(m.type) === 'counter') expect(m.name).toMatch(/_total$/);
      else expect(m.name).not.toMatch(/_total$/);
      if (/_seconds/.test(m.name)) expect(m.name).toMatch(/_seconds(_total)?$/);
      expect(readme, `README documents ${m.name}`).toContain(`\`${m.name}\``);
      for (const v of m.values) {
        expect(Object.keys(v.labels)).not.toContain('state');
        expect(Object.keys(v.labels)).not.toContain('role');
      }
    }
  });
});

describe('the exposition text', () => {
  it('is what prom-client writes for the same metrics (vrrpscope writes it faster, not differently)', async () => {
    const { metrics } = await monitorFile('failover-graceful.pcap', 'se"g\\0');
    const ours = await metrics.text();
    const theirs = await metrics.registry.metrics();
    expect(ours.length).toBeGreaterThan(2000);
    expect(ours).toBe(theirs);
  });
});

describe('the scrape buffer', () => {
  it('writes numbers as prom-client does, integers digit by digit and the rest as JavaScript prints them', async () => {
    const metrics = new PrometheusMetrics({ processMetrics: false });
    const values = [0, -0, 7, -12, 255, 999_999_999_999_999, 1e15, 2 ** 53, 1e21, 1.5, -0.001, 1764868571.123456, NaN, Infinity, -Infinity];
    values.forEach((v, i) => metrics.addScalar(`vrrpscope_test_${i}`, `value ${i}`, 'gauge', () => v));
    const ours = await metrics.text();
    expect(ours).toBe(await metrics.registry.metrics());
    expect(ours).toContain('vrrpscope_test_5 999999999999999\n');
    expect(ours).toContain('vrrpscope_test_3 -12\n');
  });

  it('leaves a scrape still being sent as it was while the next one is written', async () => {
    const metrics = new PrometheusMetrics({ processMetrics: false });
    let advertised = 1;
    metrics.addScalar('vrrpscope_test_adverts_total', 'test', 'counter', () => advertised);
    const first = await metrics.body();
    const sent = Buffer.from(first.bytes);
    advertised = 2;
    const second = await metrics.body();
    expect(first.bytes.equals(sent)).toBe(true);
    expect(second.bytes.toString()).toContain('vrrpscope_test_adverts_total 2\n');
    first.done();
    second.done();
    // Given back: the next scrape writes where the last one was.
    advertised = 3;
    const third = await metrics.body();
    expect(third.bytes.buffer).toBe(second.bytes.buffer);
    expect(third.bytes.toString()).toContain('vrrpscope_test_adverts_total 3\n');
    third.done();
  });
});
