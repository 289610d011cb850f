// A virtual router is (segment, family, VRID): VLANs and capture interfaces keep unrelated virtual
// routers apart; copies of one advert (`-i any` on a bridge host) count once; routers that
// advertise different VRRP versions are named as the cause.

import { describe, expect, it } from 'vitest';
import type { Alert } from '../../src/analyze/alerts.js';
import { diagnose } from '../../src/analyze/diagnose.js';
import type { Frame } from '../../src/frame.js';
import { Pipeline } from '../../src/pipeline.js';
import { COLOR } from '../../src/render/color.js';
import { alertLine } from '../../src/render/line.js';
import { summaryText } from '../../src/render/summary.js';
import { vrrpFrame, type LinkSpec, type VrrpSpec } from '../support/encode.js';
import { sameVip } from '../support/trunk.js';

const T0 = 1_700_000_000;

interface Send {
  ts: number;
  src: string;
  vrrp: VrrpSpec;
  /** Where it is seen: each link spec gives one frame (copies of one advert). */
  seen: LinkSpec[];
  /** IPv4 identification; default: a new one per send, as keepalived does. */
  id?: number;
  mac?: string;
}

let nextId = 1;

function frames(sends: Send[]): Frame[] {
  const out: Frame[] = [];
  let record = 0;
  for (const s of sends.sort((a, b) => a.ts - b.ts)) {
    const id = s.id ?? nextId++;
    s.seen.forEach((link, i) => {
      const l = link.kind === 'ethernet' ? { ...link, src: s.mac ?? link.src } : link.kind === 'sll2' ? { ...link, src: s.mac ?? link.src } : link;
      out.push(vrrpFrame({ vrrp: s.vrrp, ip: { family: 'ipv4', src: s.src, v4: { id } }, link: l, frame: { ts: s.ts + i * 0.00002, record: ++record } }));
    });
  }
  return out;
}

function run(fs: Frame[]): { alerts: Alert[]; p: Pipeline } {
  const alerts: Alert[] = [];
  const p = new Pipeline({}, null, (a) => alerts.push({ ...a }));
  for (const f of fs) p.frame(f);
  p.analyzer.finish();
  return { alerts, p };
}

/** Adverts of `src` every second in [from, to), each seen at every place of `seen`. */
function every(src: string, from: number, to: number, vrrp: VrrpSpec, seen: LinkSpec[], mac?: string): Send[] {
  const out: Send[] = [];
  for (let t = from; t < to; t += 1) out.push({ ts: T0 + t, src, vrrp, seen, mac });
  return out;
}

const eth = (vlans: number[] = []): LinkSpec => ({ kind: 'ethernet', src: '02:00:00:00:00:01', dst: '01:00:5e:00:00:12', vlans });
const sll2 = (ifindex: number, packetType: number): LinkSpec => ({ kind: 'sll2', src: '02:00:00:00:00:01', ifindex, packetType });

describe('segments: VLANs', () => {
  it('the same VRID on two VLANs is two virtual routers: no clash, no split brain, a failover in one VLAN only', () => {
    const v10 = { version: 2, vrid: 51, priority: 150, addrs: ['10.77.0.100'] };
    const v20 = { version: 2, vrid: 51, priority: 150, addrs: ['10.78.0.100'] };
    const v20b = { ...v20, priority: 100 };
    const { alerts, p } = run(frames([
      ...every('10.77.0.11', 0, 30, v10, [eth([10])], '02:77:00:00:00:11'),
      ...every('10.78.0.11', 0.3, 12, v20, [eth([20])], '02:78:00:00:00:11'),
      // VLAN 20's master crashes; its backup takes over after Master_Down_Interval.
      ...every('10.78.0.12', 15.6, 30, v20b, [eth([20])], '02:78:00:00:00:12'),
    ]));
    const kinds = alerts.filter((a) => a.status !== 'cleared').map((a) => a.kind);
    expect(kinds).not.toContain('vrid-clash');
    expect(kinds).not.toContain('duplicate-master');
    const snap = p.analyzer.snapshot();
    expect(snap.vrids.map((v) => [v.vrid, v.segment, v.routers.length, v.masterChangeCount])).toEqual([
      [51, 'vlan 10', 1, 0],
      [51, 'vlan 20', 2, 1],
    ]);
    const change = alerts.find((a) => a.kind === 'master-change')!;
    expect(change).toMatchObject({ vrid: 51, segment: 'vlan 20', from: '10.78.0.11', to: '10.78.0.12' });
    expect(change.message).toContain('VRID 51 vlan 20');
    expect(alertLine(change, COLOR)).toContain('vrid 51 vlan 20:');
    expect(summaryText(snap, { frames: 0 }, T0, COLOR)).toContain('VRID 51 vlan 20');
    expect(diagnose(snap).map((d) => d.segment)).toEqual(['vlan 10', 'vlan 20']);
  });

  it('a capture of one tagged segment names no segment', () => {
    const v = { version: 2, vrid: 7, priority: 100, addrs: ['192.0.2.7'] };
    const { alerts, p } = run(frames(every('192.0.2.1', 0, 10, v, [eth([10])])));
    expect(p.analyzer.snapshot().vrids.map((x) => x.segment)).toEqual([null]);
    expect(alerts.every((a) => a.segment === undefined)).toBe(true);
  });
});

describe('copies: -i any on a bridge host', () => {
  // In on the master's port, in on the bridge, out on the backup's port: three frames per advert.
  const places = [sll2(3, 0), sll2(2, 0), sll2(4, 4)];

  it('each advert counts once, intervals are the real ones, a resignation is raised once, the interfaces are one segment', () => {
    const v = { version: 2, vrid: 51, priority: 150, addrs: ['10.77.0.100'] };
    const { alerts, p } = run(frames([
      ...every('10.77.0.11', 0, 10, v, places, '02:77:00:00:00:11'),
      { ts: T0 + 10, src: '10.77.0.11', vrrp: { ...v, priority: 0 }, seen: places, mac: '02:77:00:00:00:11' },
    ]));
    const snap = p.analyzer.snapshot();
    expect(snap.vrids).toHaveLength(1);
    const v51 = snap.vrids[0];
    expect(v51.segment).toBeNull();
    const r = v51.routers[0];
    expect([r.adverts, r.copies]).toEqual([11, 22]);
    expect(r.observed.p50Ms).toBeCloseTo(1000, 0);
    expect(alerts.filter((a) => a.kind === 'master-resigned')).toHaveLength(1);
    expect(snap.segmentMerges.map((m) => [m.into, m.joined])).toEqual([['if3', 'if2'], ['if3', 'if4']]);
    expect(summaryText(snap, { frames: 0 }, T0, COLOR)).toContain('segment if3: joined if2');
  });

  it('a router answering at once with a new IPv4 identification is no copy, even within a millisecond', () => {
    const v = { version: 2, vrid: 51, priority: 150, addrs: ['10.77.0.100'] };
    const sends = every('10.77.0.11', 0, 5, v, [eth()], '02:77:00:00:00:11');
    sends.push({ ts: T0 + 2.0004, src: '10.77.0.11', vrrp: v, seen: [eth()], mac: '02:77:00:00:00:11' });
    const { p } = run(frames(sends));
    const r = p.analyzer.snapshot().vrids[0].routers[0];
    expect([r.adverts, r.copies]).toEqual([6, 0]);
  });

  it('the same frame twice in one place with the same identification is a copy; another source MAC never is', () => {
    const v = { version: 2, vrid: 51, priority: 150, addrs: ['10.77.0.100'] };
    const dup: Send = { ts: T0 + 1, src: '10.77.0.11', vrrp: v, seen: [eth(), eth()], mac: '02:77:00:00:00:11' };
    const other: Send = { ts: T0 + 2, src: '10.77.0.11', vrrp: v, seen: [eth()], mac: '02:77:00:00:00:11', id: 500 };
    const forged: Send = { ts: T0 + 2.0001, src: '10.77.0.11', vrrp: v, seen: [eth()], mac: '02:66:00:00:00:66', id: 500 };
    const { p } = run(frames([dup, other, forged]));
    const r = p.analyzer.snapshot().vrids[0].routers[0];
    expect([r.adverts, r.copies]).toEqual([3, 1]);
  });
});

describe('copies: -i any through Linux cooked v1 (what libpcap gives live), IPv6', () => {
  // v1 tells direction, not interface: the copy on the sender's port and the one on the bridge are
  // both "multicast, in", tens of microseconds apart; IPv6 has no identification to tell them by.
  const mac = '02:77:00:00:00:11';
  const advert = (ts: number, packetType: number, record: number, priority = 150): Frame =>
    vrrpFrame({
      vrrp: { version: 3, vrid: 51, priority, addrs: ['fe80::100'] },
      ip: { family: 'ipv6', src: 'fe80::11' },
      link: { kind: 'sll', src: mac, packetType },
      frame: { ts, record },
    });

  it('each advert counts once (in on the port, out of the other port, in on the bridge); the intervals are the real ones', () => {
    const fs: Frame[] = [];
    for (let t = 0; t < 10; t++) fs.push(advert(T0 + t, 2, fs.length + 1), advert(T0 + t + 0.000025, 4, fs.length + 2), advert(T0 + t + 0.00004, 2, fs.length + 3));
    const { p } = run(fs);
    const r = p.analyzer.snapshot().vrids[0].routers[0];
    expect([r.adverts, r.copies]).toEqual([10, 20]);
    expect(r.observed.p50Ms).toBeCloseTo(1000, 0);
  });

  it('the same advert again in the same place after a few milliseconds is a new advert, not a copy', () => {
    // A router answering a rival at once (keepalived in a split brain) resends its advert; seen
    // 3 ms later it is counted, as an Ethernet capture counts it.
    const fs = [advert(T0, 2, 1), advert(T0 + 0.003, 2, 2), advert(T0 + 1, 2, 3)];
    const { p } = run(fs);
    const r = p.analyzer.snapshot().vrids[0].routers[0];
    expect([r.adverts, r.copies]).toEqual([3, 0]);
  });
});

describe('version-mismatch', () => {
  it('a VRRPv2 and a VRRPv3 router on one VRID: raised naming both, and the first cause of the split brain', () => {
    const { alerts, p } = run(frames([
      ...every('10.77.0.11', 0, 20, { version: 2, vrid: 51, priority: 150, addrs: ['10.77.0.100'] }, [eth()], '02:77:00:00:00:11'),
      ...every('10.77.0.12', 4.5, 20, { version: 3, vrid: 51, priority: 100, addrs: ['10.77.0.100'] }, [eth()], '02:77:00:00:00:12'),
    ]));
    const vm = alerts.find((a) => a.kind === 'version-mismatch')!;
    expect(vm).toMatchObject({ severity: 'critical', status: 'raised', sources: ['10.77.0.11', '10.77.0.12'] });
    expect(vm.message).toContain('10.77.0.11 has VRRPv2');
    expect(vm.message).toContain('10.77.0.12 has VRRPv3');
    const d = diagnose(p.analyzer.snapshot())[0];
    expect(d.causes[0].id).toBe('version-mismatch');
    expect(d.causes.map((c) => c.id)).not.toContain('host-discards-adverts');
  });
});

describe('the lab recordings of issue 16', () => {
  const LAB = new URL('../../pcaps/lab/', import.meta.url).pathname;

  async function analyse(name: string): Promise<{ alerts: Alert[]; p: Pipeline }> {
    const { readCapture } = await import('../../src/capture/file.js');
    const alerts: Alert[] = [];
    const p = new Pipeline({}, null, (a) => alerts.push({ ...a }));
    await readCapture(LAB + name, (f) => p.frame(f));
    p.analyzer.finish();
    return { alerts, p };
  }

  it('trunk-two-vlans: two virtual routers, one master change, in VLAN 20 only', async () => {
    const { alerts, p } = await analyse('trunk-two-vlans.pcap');
    const snap = p.analyzer.snapshot();
    expect(snap.vrids.map((v) => [v.segment, v.routers.length, v.masterChangeCount])).toEqual([['vlan 10', 1, 0], ['vlan 20', 2, 1]]);
    expect(alerts.filter((a) => a.kind === 'master-change').map((a) => a.segment)).toEqual(['vlan 20']);
  });

  it('trunk-two-vlans with one private VIP on both VLANs: claims are per segment, no vip-conflict, no garp-missing', async () => {
    // The lab's trunk, with VLAN 20's VIP 10.78.0.100 rewritten to VLAN 10's 10.77.0.100 in its
    // adverts (VRRP checksum recomputed) and gratuitous ARPs: two unrelated pairs, one address.
    const { readCapture } = await import('../../src/capture/file.js');
    const alerts: Alert[] = [];
    const p = new Pipeline({}, null, (a) => alerts.push({ ...a }));
    let rewritten = 0;
    await readCapture(LAB + 'trunk-two-vlans.pcap', (f) => {
      const d = f.data.slice();
      if (d[12] === 0x81 && d[13] === 0x00 && (((d[14] << 8) | d[15]) & 0xfff) === 20) rewritten += sameVip(d);
      p.frame({ ...f, data: d });
    });
    p.analyzer.finish();
    expect(rewritten).toBeGreaterThan(10);
    const snap = p.analyzer.snapshot();
    expect(snap.vrids.map((v) => [v.segment, v.routers[0].addrs])).toEqual([['vlan 10', ['10.77.0.100']], ['vlan 20', ['10.77.0.100']]]);
    expect(alerts.map((a) => `${a.kind} ${a.segment}`)).toEqual(['master-resigned vlan 20', 'master-change vlan 20']);
  });

  it('any-bridge-host: each advert three times, counted once; the bridge ports and br0 are one segment', async () => {
    const { alerts, p } = await analyse('any-bridge-host.pcap');
    const truth = JSON.parse((await import('node:fs')).readFileSync(LAB + 'any-bridge-host.truth.json', 'utf8'));
    const snap = p.analyzer.snapshot();
    expect(snap.vrids.map((v) => v.segment)).toEqual([null]);
    const adverts = Object.fromEntries(snap.vrids[0].routers.map((r) => [r.src, [r.adverts, r.copies]]));
    expect(adverts).toEqual({ '10.77.0.11': [truth.facts.advertsSent.n1, 2 * truth.facts.advertsSent.n1], '10.77.0.12': [truth.facts.advertsSent.n2, 2 * truth.facts.advertsSent.n2] });
    expect(alerts.filter((a) => a.kind === 'master-resigned')).toHaveLength(1);
    expect(snap.segmentMerges).toHaveLength(2);
  });

  it('version-mismatch: named, and the first cause --explain gives', async () => {
    const { alerts, p } = await analyse('version-mismatch.pcap');
    expect(alerts.find((a) => a.kind === 'version-mismatch')?.sources).toEqual(['10.77.0.11', '10.77.0.12']);
    expect(diagnose(p.analyzer.snapshot())[0].causes[0].id).toBe('version-mismatch');
  });
});
