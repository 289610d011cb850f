import { describe, expect, it } from 'vitest';
import { Analyzer } from '../../src/analyze/analyzer.js';
import type { Alert } from '../../src/analyze/alerts.js';
import { masterDownIntervalMs, skewTimeMs } from '../../src/analyze/timers.js';
import type { ArpPacket, Decoded, GroupPacket, IcmpErrorPacket, Problem, VrrpPacket } from '../../src/decode/types.js';

/** A frame at `ts` as the decoder hands it on. */
function at<P extends Decoded['packet']>(ts: number, packet: P): Decoded<P> {
  return { ts, record: 0, iface: '', ipId: -1, repeat: false, packet };
}

interface AdvertSpec {
  ts: number;
  src: string;
  vrid?: number;
  prio?: number;
  intervalMs?: number;
  addrs?: string[];
  pass?: string | null;
  mac?: string;
  dst?: string;
  ttl?: number;
  problems?: Problem[];
}

function advert(s: AdvertSpec): Decoded<VrrpPacket> {
  return at(s.ts, {
    kind: 'vrrp',
    link: { srcMac: s.mac ?? `02:00:00:00:00:${s.src.split('.').pop()!.padStart(2, '0')}`, dstMac: '01:00:5e:00:00:12', vlans: [] },
    problems: s.problems ?? [],
    ip: { family: 'ipv4', src: s.src, dst: s.dst ?? '224.0.0.18', ttl: s.ttl ?? 255, protocol: 112, headerChecksumOk: true, fragment: false, payloadOffset: 34, payloadLength: 20 },
    version: 2,
    type: 1,
    vrid: s.vrid ?? 51,
    priority: s.prio ?? 100,
    addrCount: (s.addrs ?? ['10.0.0.100']).length,
    authType: s.pass === null ? 0 : 1,
    authPass: s.pass === null ? null : (s.pass ?? 'secret'),
    authDataHex: null,
    intervalMs: s.intervalMs ?? 1000,
    reserved: 0,
    checksum: 0,
    checksumStatus: 'ok',
    checksumVariant: 'v2',
    checksumExpected: null,
    addrs: s.addrs ?? ['10.0.0.100'],
    vmac: false,
    vmacMatches: null,
    truncated: false,
  });
}

function garp(ts: number, ip: string, mac: string): Decoded<ArpPacket> {
  return at(ts, {
    kind: 'arp', problems: [],
    link: { srcMac: mac, dstMac: 'ff:ff:ff:ff:ff:ff', vlans: [] },
    op: 1, senderMac: mac, senderIp: ip, targetMac: '00:00:00:00:00:00', targetIp: ip, gratuitous: true,
  });
}

type Pkt = Decoded<VrrpPacket | ArpPacket | IcmpErrorPacket | GroupPacket>;

function run(packets: Pkt[], opts: { authPass?: string; defaultLiveFilter?: boolean } = {}): { alerts: Alert[]; a: Analyzer } {
  const alerts: Alert[] = [];
  const a = new Analyzer({ ...opts, onAlert: (x) => alerts.push({ ...x }) });
  for (const p of packets.sort((x, y) => x.ts - y.ts)) a.ingest(p);
  a.finish();
  return { alerts, a };
}

/** Adverts from `src` every interval in [from, to). */
function stream(src: string, from: number, to: number, spec: Partial<AdvertSpec> = {}): Decoded<VrrpPacket>[] {
  const step = (spec.intervalMs ?? 1000) / 1000;
  const out: Decoded<VrrpPacket>[] = [];
  for (let t = from; t < to - 1e-9; t += step) out.push(advert({ ...spec, ts: Math.round(t * 1e6) / 1e6, src }));
  return out;
}

const kinds = (alerts: Alert[]) => alerts.filter((a) => a.status !== 'cleared').map((a) => a.kind);
const T0 = 1_700_000_000;

describe('timers (RFC 3768 §6.1, RFC 5798 §6.1)', () => {
  it('computes Skew_Time and Master_Down_Interval for both versions', () => {
    expect(skewTimeMs(2, 100, 1000)).toBeCloseTo(609.375);
    expect(masterDownIntervalMs(2, 100, 1000)).toBeCloseTo(3609.375);
    // v3: skew scales with the advertised interval (centiseconds in the RFC).
    expect(skewTimeMs(3, 100, 500)).toBeCloseTo(304.6875);
    expect(masterDownIntervalMs(3, 254, 100)).toBeCloseTo(300.78125);
  });
});

describe('Analyzer', () => {
  it('a steady master raises nothing and is reported as master with its intervals', () => {
    const { alerts, a } = run(stream('10.0.0.1', T0, T0 + 30, { prio: 150 }));
    expect(alerts).toEqual([]);
    const v = a.snapshot().vrids[0];
    expect(v.state).toBe('ok');
    expect(v.master?.src).toBe('10.0.0.1');
    expect(v.master?.observed.meanMs).toBe(1000);
    expect(v.master?.observed.count).toBe(29);
  });

  it('graceful handover: priority 0 then the backup, no missed-advert', () => {
    const pkts = [
      ...stream('10.0.0.1', T0, T0 + 10, { prio: 150 }),
      advert({ ts: T0 + 10, src: '10.0.0.1', prio: 0 }),
      ...stream('10.0.0.2', T0 + 10.61, T0 + 20, { prio: 100 }),
      garp(T0 + 10.62, '10.0.0.100', '02:00:00:00:00:02'),
    ];
    const { alerts } = run(pkts);
    expect(kinds(alerts)).toEqual(['master-resigned', 'master-change']);
    const mc = alerts.find((x) => x.kind === 'master-change')!;
    expect(mc).toMatchObject({ from: '10.0.0.1', to: '10.0.0.2', reason: 'resigned', gapMs: 610 });
  });

  it('crash: missed-advert exactly three intervals after the last advert, then master-change timeout', () => {
    const pkts = [
      ...stream('10.0.0.1', T0, T0 + 10, { prio: 150 }),
      ...stream('10.0.0.2', T0 + 9 + 3.609, T0 + 20, { prio: 100 }),
      garp(T0 + 12.7, '10.0.0.100', '02:00:00:00:00:02'),
    ];
    const { alerts } = run(pkts);
    expect(kinds(alerts)).toEqual(['missed-advert', 'master-change']);
    expect(alerts[0].ts).toBeCloseTo(T0 + 12, 6);
    expect(alerts[1]).toMatchObject({ reason: 'timeout', from: '10.0.0.1', to: '10.0.0.2', gapMs: 3609 });
    // The takeover clears the missed-advert condition.
    const cleared = alerts.find((x) => x.status === 'cleared')!;
    expect(cleared).toMatchObject({ kind: 'missed-advert', id: alerts[0].id });
  });

  it('fires missed-advert from ticks alone, with no packet after the silence', () => {
    const alerts: Alert[] = [];
    const a = new Analyzer({ onAlert: (x) => alerts.push(x) });
    for (const p of stream('10.0.0.1', T0, T0 + 5)) a.ingest(p);
    a.tick(T0 + 6.9);
    expect(alerts).toEqual([]);
    a.tick(T0 + 7.1);
    expect(kinds(alerts)).toEqual(['missed-advert']);
    expect(alerts[0].ts).toBeCloseTo(T0 + 7, 6);
  });

  it('does not invent events after the capture ends', () => {
    const { alerts } = run(stream('10.0.0.1', T0, T0 + 10));
    expect(alerts).toEqual([]);
  });

  it('preemption: the higher priority takes over at once, no duplicate-master, no missed-advert', () => {
    const pkts = [
      ...stream('10.0.0.2', T0, T0 + 10.5, { prio: 100 }),
      ...stream('10.0.0.1', T0 + 10.2, T0 + 25, { prio: 150 }),
      garp(T0 + 10.21, '10.0.0.100', '02:00:00:00:00:01'),
    ];
    const { alerts } = run(pkts);
    expect(kinds(alerts)).toEqual(['master-change']);
    expect(alerts[0]).toMatchObject({ reason: 'preempted', from: '10.0.0.2', to: '10.0.0.1' });
  });

  it('split brain: duplicate-master while both advertise, cleared after', () => {
    const pkts = [
      ...stream('10.0.0.1', T0, T0 + 30, { prio: 150 }),
      ...stream('10.0.0.2', T0 + 10.3, T0 + 20, { prio: 100 }),
    ];
    const { alerts } = run(pkts);
    expect(kinds(alerts)).toEqual(['duplicate-master']);
    // B (lower priority) advertised twice (10.3, 11.3) while master A is alive: B does not hear A.
    expect(alerts[0].ts).toBeCloseTo(T0 + 11.3, 6);
    expect(alerts[0].sources.sort()).toEqual(['10.0.0.1', '10.0.0.2']);
    const cleared = alerts.find((x) => x.status === 'cleared')!;
    expect(cleared.kind).toBe('duplicate-master');
    // Cleared when A, the highest priority, sent three adverts in a row with none from B between.
    expect(cleared.ts).toBeCloseTo(T0 + 22, 6);
  });

  it('split brain with a master that re-arms its timer on the other\'s adverts: no missed-advert, no master flapping', () => {
    // Seen with keepalived (lab capture auth-mismatch): the higher-priority master sends only
    // when the other's adverts leave it a full interval, here once every 4 s.
    const pkts = [
      ...stream('10.0.0.1', T0, T0 + 4, { prio: 150 }),
      ...stream('10.0.0.2', T0 + 4.3, T0 + 30, { prio: 100 }),
      ...stream('10.0.0.1', T0 + 8, T0 + 30, { prio: 150, intervalMs: 4000 }).map((d) => at(d.ts, { ...d.packet, intervalMs: 1000 })),
    ];
    const { alerts } = run(pkts);
    expect(kinds(alerts)).toEqual(['duplicate-master']);
  });

  it('vrid-clash shows both VIP lists', () => {
    const pkts = [
      ...stream('10.0.0.1', T0, T0 + 10, { prio: 150, addrs: ['10.0.0.100'] }),
      ...stream('10.0.0.9', T0 + 0.5, T0 + 10, { prio: 200, addrs: ['10.9.9.9', '10.9.9.8'] }),
    ];
    const { alerts } = run(pkts);
    const clash = alerts.find((x) => x.kind === 'vrid-clash')!;
    expect(clash.severity).toBe('critical');
    expect(clash.message).toContain('10.0.0.100');
    expect(clash.message).toContain('10.9.9.9 10.9.9.8');
  });

  it('auth-mismatch between peers and against --auth-pass', () => {
    const pkts = [
      ...stream('10.0.0.1', T0, T0 + 10, { prio: 150, pass: 'one' }),
      ...stream('10.0.0.2', T0 + 0.5, T0 + 10, { prio: 100, pass: 'two' }),
    ];
    expect(kinds(run(pkts).alerts)).toContain('auth-mismatch');
    const single = run(stream('10.0.0.1', T0, T0 + 5, { pass: 'wrong' }), { authPass: 'right' }).alerts;
    expect(kinds(single)).toEqual(['auth-mismatch']);
    expect(run(stream('10.0.0.1', T0, T0 + 5, { pass: 'right' }), { authPass: 'right' }).alerts).toEqual([]);
  });

  it('interval-mismatch between peers', () => {
    const pkts = [
      ...stream('10.0.0.1', T0, T0 + 20, { prio: 150, intervalMs: 1000 }),
      ...stream('10.0.0.2', T0 + 0.5, T0 + 20, { prio: 100, intervalMs: 3000 }),
    ];
    expect(kinds(run(pkts).alerts)).toContain('interval-mismatch');
  });

  it('garp-missing when the new master announces nothing within 2 s', () => {
    const whoHas = at(T0 + 1, { ...garp(T0 + 1, '10.0.0.7', '02:00:00:00:00:07').packet, gratuitous: false, targetIp: '10.0.0.1' });
    const pkts = [
      ...stream('10.0.0.1', T0, T0 + 10, { prio: 150 }),
      whoHas,
      advert({ ts: T0 + 10, src: '10.0.0.1', prio: 0 }),
      ...stream('10.0.0.2', T0 + 10.61, T0 + 20, { prio: 100 }),
    ];
    const { alerts } = run(pkts);
    const g = alerts.find((x) => x.kind === 'garp-missing')!;
    expect(g.ts).toBeCloseTo(T0 + 12.61, 6);
    expect(g.message).toContain('10.0.0.100');
  });

  it('does not judge GARPs in a capture that holds no ARP at all (filtered to VRRP)', () => {
    const pkts = [
      ...stream('10.0.0.1', T0, T0 + 10, { prio: 150 }),
      advert({ ts: T0 + 10, src: '10.0.0.1', prio: 0 }),
      ...stream('10.0.0.2', T0 + 10.61, T0 + 20, { prio: 100 }),
    ];
    const { alerts, a } = run(pkts);
    expect(kinds(alerts)).not.toContain('garp-missing');
    expect(a.snapshot().garpUnjudged).toBe(true);
  });

  it('vmac-mismatch for one VMAC from two masters at once, not for a VMAC handed over by preemption', () => {
    const vmac = '00:00:5e:00:01:33';
    const withVmac = (pkts: Decoded<VrrpPacket>[]) => pkts.map((d) => at(d.ts, { ...d.packet, vmac: true, vmacMatches: true }));
    const handover = [
      ...withVmac(stream('10.0.0.2', T0, T0 + 10.5, { prio: 100, mac: vmac })),
      ...withVmac(stream('10.0.0.1', T0 + 10.2, T0 + 25, { prio: 150, mac: vmac })),
    ];
    expect(kinds(run(handover).alerts)).toEqual(['master-change']);
    const split = [
      ...withVmac(stream('10.0.0.1', T0, T0 + 20, { prio: 150, mac: vmac })),
      ...withVmac(stream('10.0.0.2', T0 + 5.3, T0 + 20, { prio: 100, mac: vmac })),
    ];
    expect(kinds(run(split).alerts)).toEqual(['duplicate-master', 'vmac-mismatch']);
  });

  it('vip-conflict: two MACs claim a virtual address outside a takeover', () => {
    const pkts = [
      ...stream('10.0.0.1', T0, T0 + 20, { prio: 150 }),
      garp(T0 + 5, '10.0.0.100', '02:00:00:00:00:01'),
      garp(T0 + 6, '10.0.0.100', '02:00:00:00:00:77'),
    ];
    const { alerts } = run(pkts);
    expect(kinds(alerts)).toEqual(['vip-conflict']);
    expect(alerts[0].sources).toEqual(['02:00:00:00:00:01', '02:00:00:00:00:77']);
  });

  it('per-packet problems are raised once per router with a count', () => {
    const bad: Problem = { id: 'bad-ttl', message: 'TTL 64' };
    const { alerts, a } = run(stream('10.0.0.1', T0, T0 + 10, { ttl: 64, problems: [bad] }));
    expect(kinds(alerts)).toEqual(['bad-ttl']);
    expect(a.snapshot().vrids[0].routers[0].counts.badTtl).toBe(10);
  });

  it('info for unicast and custom groups', () => {
    expect(kinds(run(stream('10.0.0.1', T0, T0 + 3, { dst: '10.0.0.2' })).alerts)).toEqual(['unicast']);
    expect(kinds(run(stream('10.0.0.1', T0, T0 + 3, { dst: '224.0.0.77' })).alerts)).toEqual(['nonstandard-group']);
  });

  it('bounds the routers kept per VRID and says so once', () => {
    const alerts: Alert[] = [];
    const a = new Analyzer({ maxRoutersPerVrid: 8, onAlert: (x) => alerts.push(x) });
    for (let i = 0; i < 1000; i++) a.ingest(advert({ ts: T0 + i / 1000, src: `10.1.${i >> 8}.${i & 255}`, prio: 0 }));
    expect(a.snapshot().vrids[0].routers.length).toBe(8);
    expect(alerts.filter((x) => x.kind === 'state-limit').length).toBe(1);
  });

  it('hidden-master: a silent router of the VRID claims the VIP while the master lives', () => {
    const pkts: Pkt[] = [
      // n2 advertised at start-up, then went quiet (its adverts do not reach this capture point).
      ...stream('10.0.0.2', T0, T0 + 2, { prio: 100 }),
      ...stream('10.0.0.1', T0 + 1.5, T0 + 30, { prio: 150 }),
      garp(T0 + 20, '10.0.0.100', '02:00:00:00:00:02'),
    ];
    const { alerts } = run(pkts);
    expect(kinds(alerts)).toEqual(['master-change', 'hidden-master']);
    const h = alerts.find((a) => a.kind === 'hidden-master')!;
    expect(h.sources).toEqual(['10.0.0.1', '10.0.0.2']);
  });

  it('vip-conflict: an unknown MAC claims the VIP while the master lives', () => {
    const pkts: Pkt[] = [...stream('10.0.0.1', T0, T0 + 30, { prio: 150 }), garp(T0 + 10, '10.0.0.100', '02:00:00:00:00:99')];
    const { alerts } = run(pkts);
    expect(kinds(alerts)).toEqual(['vip-conflict']);
    expect(alerts[0].message).toContain('capture on the other node');
  });

  it('priority-change: the master lowers its priority without a takeover', () => {
    const pkts = [...stream('10.0.0.1', T0, T0 + 10, { prio: 150 }), ...stream('10.0.0.1', T0 + 10, T0 + 15, { prio: 90 })];
    const { alerts } = run(pkts);
    expect(kinds(alerts)).toEqual(['priority-change']);
    expect(alerts[0]).toMatchObject({ oldPriority: 150, newPriority: 90, severity: 'info' });
  });

  it('vrrp-rejected: an ICMP error quoting a VRRP advert names who rejects whom, once while it lasts', () => {
    const icmp = (ts: number): Decoded<IcmpErrorPacket> => at(ts, {
      kind: 'icmp-error', problems: [], link: { srcMac: null, dstMac: null, vlans: [] },
      ip: { family: 'ipv4', src: '10.0.0.2', dst: '10.0.0.1', ttl: 64, protocol: 1, headerChecksumOk: true, fragment: false, payloadOffset: 20, payloadLength: 56 },
      icmpType: 3, icmpCode: 2, reason: 'protocol-unreachable',
      quoted: { family: 'ipv4', src: '10.0.0.1', dst: '10.0.0.2', protocol: 112, vrid: 51, version: 2, priority: 150 },
    });
    const pkts: Pkt[] = [...stream('10.0.0.1', T0, T0 + 10, { prio: 150, dst: '10.0.0.2' }), icmp(T0 + 1.01), icmp(T0 + 2.01)];
    const { alerts } = run(pkts);
    const rej = alerts.filter((a) => a.kind === 'vrrp-rejected');
    expect(rej.map((a) => a.status)).toEqual(['raised']);
    expect(rej[0]).toMatchObject({ vrid: 51, severity: 'critical', sources: ['10.0.0.2', '10.0.0.1'] });
    expect(rej[0].message).toContain('no VRRP listener');
  });

  it('no-group-member for a custom group nobody else joined; silent when a peer reported membership', () => {
    const report = (ts: number, src: string, group: string): Decoded<GroupPacket> => at(ts, {
      kind: 'group', problems: [], link: { srcMac: null, dstMac: null, vlans: [] },
      ip: { family: 'ipv4', src, dst: group, ttl: 1, protocol: 2, headerChecksumOk: true, fragment: false, payloadOffset: 24, payloadLength: 8 },
      protocol: 'igmp', version: 2, op: 'report', joins: [group], leaves: [], group: null,
    });
    const adverts = stream('10.0.0.1', T0, T0 + 10, { dst: '239.1.1.18' });
    const lonely = run([...adverts, report(T0 + 1, '10.0.0.1', '239.1.1.18')]);
    expect(kinds(lonely.alerts)).toEqual(['nonstandard-group', 'no-group-member']);
    const joined = run([...adverts, report(T0 + 1, '10.0.0.2', '239.1.1.18')]);
    expect(kinds(joined.alerts)).toEqual(['nonstandard-group']);
    expect(joined.a.snapshot().groups).toEqual([{ group: '239.1.1.18', members: [{ src: '10.0.0.2', joinedTs: T0 + 1, leftTs: null, protocol: 'igmp' }] }]);
    // A capture with no IGMP at all cannot tell (filtered): no verdict, unless the filter is ours.
    expect(kinds(run(adverts).alerts)).toEqual(['nonstandard-group']);
    expect(kinds(run(adverts, { defaultLiveFilter: true }).alerts)).toEqual(['nonstandard-group', 'no-group-member']);
  });
});
