// The analyzer against the lab's firewall and multicast recordings (issue "Firewall and multicast
// debugging"): a host firewall that rejects or drops VRRP, an IGMP-snooping bridge, and a health
// check that lowers the master's priority. Each capture in pcaps/lab/ was recorded by
// scripts/lab/record.ts next to a truth file of what the lab did and what keepalived logged; the
// generic expect-list loop over the bridge captures is in lab.test.ts, this file covers the node
// captures and what each scenario must show in detail. Runs anywhere, without root.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Alert } from '../../src/analyze/alerts.js';
import type { AnalyzerSnapshot } from '../../src/analyze/analyzer.js';
import { diagnose } from '../../src/analyze/diagnose.js';
import { readCapture } from '../../src/capture/file.js';
import { Pipeline } from '../../src/pipeline.js';
import { ROOT, runCli } from '../support/cli.js';

const DIR = path.join(ROOT, 'pcaps/lab');

interface Truth {
  scenario: string;
  capture: { file: string };
  nodeCaptures?: { node: string; file: string }[];
  nodes: { name: string; ip: string }[];
  actions: { ts: number; node: string; action: string; detail: string }[];
  states: { ts: number; node: string; state: string }[];
  expect: {
    mustRaise: string[];
    mustNotRaise: string[];
    masterChangeReasons?: string[];
    /** Expectations of one capture, by file, where the vantage points see different things. */
    perCapture?: Record<string, { mustRaise: string[]; mustNotRaise: string[] }>;
  };
}

interface Analysis {
  alerts: Alert[];
  snapshot: AnalyzerSnapshot;
}

const cache = new Map<string, Promise<Analysis>>();

/** Every alert over the capture, in order, and the analyzer's state at its end. */
function analyse(file: string): Promise<Analysis> {
  let p = cache.get(file);
  if (!p) {
    p = (async () => {
      const alerts: Alert[] = [];
      const pipeline = new Pipeline({ quiet: true }, null, (a) => alerts.push(a));
      await readCapture(path.join(DIR, file), (f) => pipeline.frame(f));
      pipeline.finish();
      return { alerts, snapshot: pipeline.analyzer.snapshot() };
    })();
    cache.set(file, p);
  }
  return p;
}

const truthOf = (name: string): Truth => JSON.parse(fs.readFileSync(path.join(DIR, `${name}.truth.json`), 'utf8'));
const ip = (t: Truth, node: string) => t.nodes.find((n) => n.name === node)!.ip;
const action = (t: Truth, node: string, act: string) => t.actions.find((a) => a.node === node && a.action === act)!;
/** First time keepalived on `node` logged entering `state` after `after`. */
const entered = (t: Truth, node: string, state: string, after = 0) => t.states.find((s) => s.node === node && s.state === state && s.ts >= after)!;
const causeIds = (s: AnalyzerSnapshot, opts?: Parameters<typeof diagnose>[1]) => diagnose(s, opts).flatMap((d) => d.causes.map((c) => c.id));
const raisedKinds = (alerts: Alert[]) => new Set<string>(alerts.filter((a) => a.status !== 'cleared').map((a) => a.kind));

const SCENARIOS = ['unicast-reject', 'unicast-reject-unreach', 'drop-node-view', 'custom-group-snooping', 'custom-group-no-report', 'track-script-weight'];
/** Faults the diagnosis must not invent for a capture that shows none of them. */
const FAULT_CAUSES = ['icmp-reject', 'auth-mismatch', 'interval-mismatch', 'vip-list-mismatch', 'ttl', 'checksum', 'hidden-master', 'host-discards-adverts', 'master-silent', 'no-master', 'igmp-snooping', 'garp-missing', 'vmac'];

describe('lab firewall and multicast captures', () => {
  it('are all recorded', () => {
    for (const name of SCENARIOS) expect(fs.existsSync(path.join(DIR, `${name}.truth.json`)), name).toBe(true);
  });

  // lab.test.ts checks every bridge capture against its truth file; node captures show the same
  // adverts from another point, so the same expectations hold there.
  const withNodeCaptures = fs.readdirSync(DIR).filter((f) => f.endsWith('.truth.json')).map((f) => f.replace(/\.truth\.json$/, ''))
    .filter((n) => truthOf(n).nodeCaptures?.length);
  for (const name of withNodeCaptures) {
    for (const c of truthOf(name).nodeCaptures!) {
      it(`${name}: the capture on ${c.node} raises what must be raised and nothing that must not`, async () => {
        const t = truthOf(name);
        const raised = raisedKinds((await analyse(c.file)).alerts);
        const own = t.expect.perCapture?.[c.file] ?? { mustRaise: [], mustNotRaise: [] };
        expect([...t.expect.mustRaise, ...own.mustRaise].filter((k) => !raised.has(k)), 'missing').toEqual([]);
        expect([...t.expect.mustNotRaise, ...own.mustNotRaise].filter((k) => raised.has(k)), 'unwanted').toEqual([]);
      });
    }
  }

  for (const name of SCENARIOS) {
    it(`${name}: master changes after the initial election are the ones the truth file lists`, async () => {
      const t = truthOf(name);
      for (const file of [t.capture.file, ...(t.nodeCaptures ?? []).map((c) => c.file)]) {
        const { alerts } = await analyse(file);
        expect(alerts.filter((a) => a.kind === 'master-change').map((a) => a.reason), file).toEqual(t.expect.masterChangeReasons);
      }
    });
  }

  describe('unicast peer behind a REJECT rule', () => {
    const cases: [string, RegExp][] = [
      ['unicast-reject', /administratively prohibited/],
      ['unicast-reject-unreach', /protocol-unreachable/],
    ];
    for (const [name, why] of cases) {
      it(`${name}: one vrrp-rejected naming the rejecter (n2) and the rejected sender (n1), VRID 51`, async () => {
        const t = truthOf(name);
        const { alerts } = await analyse(t.capture.file);
        const rej = alerts.filter((a) => a.kind === 'vrrp-rejected');
        expect(rej).toHaveLength(1);
        const [a] = rej;
        expect(a.severity).toBe('critical');
        expect(a.status).toBe('raised');
        expect(a.vrid).toBe(51);
        expect(a.family).toBe('ipv4');
        expect(a.sources).toEqual([ip(t, 'n2'), ip(t, 'n1')]);
        expect(a.message).toMatch(why);
        // Every advert of n1 while the rule was in place (~10 s, with the extra adverts n1 sends when
        // it hears n2) drew an ICMP error: all counted on the one open condition.
        expect(a.count!).toBeGreaterThanOrEqual(8);
        // The first ICMP error answers n1's first advert after the rule, before n2 takes over.
        const block = action(t, 'n2', 'nft-add').ts;
        expect(a.ts).toBeGreaterThan(block);
        expect(a.ts - block).toBeLessThan(1.1);
        expect(a.ts).toBeLessThan(entered(t, 'n2', 'MASTER', block).ts);
      });

      it(`${name}: n2 stops hearing n1 and advertises too: duplicate-master while the rule is in place`, async () => {
        const t = truthOf(name);
        const { alerts } = await analyse(t.capture.file);
        const dup = alerts.filter((a) => a.kind === 'duplicate-master');
        expect(dup.map((a) => a.status)).toEqual(['raised', 'cleared']);
        expect([...dup[0].sources].sort()).toEqual([ip(t, 'n1'), ip(t, 'n2')]);
        expect(dup[0].ts).toBeGreaterThan(entered(t, 'n2', 'MASTER', action(t, 'n2', 'nft-add').ts).ts);
        expect(dup[1].ts).toBeGreaterThan(action(t, 'n2', 'nft-remove').ts);
      });

      it(`${name}: the diagnosis names the ICMP reject, on n2 for adverts from n1, and not a silent discard`, async () => {
        const t = truthOf(name);
        const { snapshot } = await analyse(t.capture.file);
        const [d] = diagnose(snapshot);
        expect(d.vrid).toBe(51);
        expect(d.causes[0].id).toBe('icmp-reject');
        expect(d.causes[0].fix.join(' ')).toContain(`on ${ip(t, 'n2')}: accept IP protocol 112 from ${ip(t, 'n1')}`);
        // The ICMP errors already say who discards: no "capture on each node" advice.
        expect(d.causes.map((c) => c.id)).not.toContain('host-discards-adverts');
      });
    }
  });

  describe('DROP rule on n2, captured on the bridge and on n2', () => {
    it('duplicate-master on both captures, raised and cleared at the same adverts', async () => {
      const t = truthOf('drop-node-view');
      expect(t.nodeCaptures!.map((c) => [c.node, c.file])).toEqual([['n2', 'drop-node-view.n2.pcap']]);
      const bridge = (await analyse('drop-node-view.pcap')).alerts.filter((a) => a.kind === 'duplicate-master');
      const node = (await analyse('drop-node-view.n2.pcap')).alerts.filter((a) => a.kind === 'duplicate-master');
      for (const dup of [bridge, node]) {
        expect(dup.map((a) => a.status)).toEqual(['raised', 'cleared']);
        expect([...dup[0].sources].sort()).toEqual([ip(t, 'n1'), ip(t, 'n2')]);
        expect(dup[0].ts).toBeGreaterThan(entered(t, 'n2', 'MASTER', action(t, 'n2', 'nft-add').ts).ts);
        expect(dup[1].ts).toBeGreaterThan(action(t, 'n2', 'nft-remove').ts);
      }
      // The same packets, seen a few microseconds apart at the two capture points.
      for (let i = 0; i < 2; i++) expect(Math.abs(bridge[i].ts - node[i].ts)).toBeLessThan(0.001);
    });

    it('n2\'s own capture shows n1\'s adverts arriving while n2 advertises as master', async () => {
      const t = truthOf('drop-node-view');
      const { snapshot } = await analyse('drop-node-view.n2.pcap');
      const routers = snapshot.vrids.find((v) => v.vrid === 51)!.routers;
      const n1 = routers.find((r) => r.src === ip(t, 'n1'))!;
      const n2 = routers.find((r) => r.src === ip(t, 'n2'))!;
      const from = entered(t, 'n2', 'MASTER', action(t, 'n2', 'nft-add').ts).ts;
      const to = action(t, 'n2', 'nft-remove').ts;
      expect(n1.firstSeenTs).toBeLessThan(from);
      expect(n1.lastSeenTs).toBeGreaterThan(to);
      expect(n2.firstSeenTs).toBeGreaterThanOrEqual(from - 0.025);
      expect(n2.adverts).toBeGreaterThanOrEqual(8);
    });

    it('the diagnosis says a host discards its peer\'s adverts; only n2\'s local view says which', async () => {
      const t = truthOf('drop-node-view');
      const bridge = diagnose((await analyse('drop-node-view.pcap')).snapshot)[0];
      expect(bridge.causes[0].id).toBe('host-discards-adverts');
      expect(bridge.cannotTell.join(' ')).toContain('capture on each node\'s own interface');
      const nodeSnap = (await analyse('drop-node-view.n2.pcap')).snapshot;
      expect(causeIds(nodeSnap)).toContain('host-discards-adverts');
      // Read as n2's own view (the capture was taken on n2's eth0): n2 is the host that discards.
      const local = diagnose(nodeSnap, { live: { localAddrs: [ip(t, 'n2')] } })[0];
      expect(local.causes[0].id).toBe('host-discards-adverts');
      expect(local.causes[0].evidence.join(' ')).toContain(`this host (${ip(t, 'n2')}) is one of the masters`);
      expect(local.cannotTell).toEqual([]);
    });
  });

  describe('custom group 224.1.2.3 on an IGMP-snooping bridge', () => {
    it('both membership reports seen: nonstandard-group only, no no-group-member', async () => {
      const t = truthOf('custom-group-snooping');
      const { alerts, snapshot } = await analyse(t.capture.file);
      const raised = raisedKinds(alerts);
      expect(raised.has('nonstandard-group')).toBe(true);
      expect(raised.has('no-group-member')).toBe(false);
      const group = snapshot.groups.find((g) => g.group === '224.1.2.3')!;
      expect(group.members.map((m) => m.src).sort()).toEqual([ip(t, 'n1'), ip(t, 'n2')]);
      const ids = causeIds(snapshot);
      expect(ids).not.toContain('igmp-snooping');
      expect(ids.filter((id) => FAULT_CAUSES.includes(id))).toEqual([]);
    });

    it('n2\'s report dropped: no-group-member about n1\'s adverts only, and the split brain it causes', async () => {
      const t = truthOf('custom-group-no-report');
      const { alerts, snapshot } = await analyse(t.capture.file);
      const ngm = alerts.filter((a) => a.kind === 'no-group-member');
      expect(ngm).toHaveLength(1);
      expect(ngm[0].severity).toBe('warning');
      expect(ngm[0].vrid).toBe(51);
      // n2's adverts have a member to reach (n1 reported the group); n1's have none.
      expect(ngm[0].sources).toEqual([ip(t, 'n1')]);
      expect(ngm[0].message).toContain('224.1.2.3');
      expect(snapshot.groups.find((g) => g.group === '224.1.2.3')!.members.map((m) => m.src)).toEqual([ip(t, 'n1')]);
      const dup = alerts.filter((a) => a.kind === 'duplicate-master');
      expect(dup.map((a) => a.status)).toEqual(['raised']);
      expect([...dup[0].sources].sort()).toEqual([ip(t, 'n1'), ip(t, 'n2')]);
    });

    it('n2\'s report dropped: the diagnosis names IGMP snooping', async () => {
      const { snapshot } = await analyse('custom-group-no-report.pcap');
      const [d] = diagnose(snapshot);
      const snoop = d.causes.find((c) => c.id === 'igmp-snooping')!;
      expect(snoop).toBeDefined();
      expect(snoop.evidence.join(' ')).toContain('no other host joined 224.1.2.3');
    });
  });

  describe('track_script weight lowers the master\'s priority', () => {
    it('priority-change 150 -> 90 on n1 while master, after the health check failed', async () => {
      const t = truthOf('track-script-weight');
      const { alerts } = await analyse(t.capture.file);
      const pc = alerts.filter((a) => a.kind === 'priority-change');
      expect(pc).toHaveLength(1);
      expect(pc[0]).toMatchObject({ severity: 'info', status: 'event', vrid: 51, sources: [ip(t, 'n1')], oldPriority: 150, newPriority: 90 });
      // keepalived reruns the script within its 1 s interval and the next advert carries 90.
      const fail = action(t, 'n1', 'health-fail').ts;
      expect(pc[0].ts).toBeGreaterThan(fail);
      expect(pc[0].ts - fail).toBeLessThan(2.1);
    });

    it('then n2 preempts, and n1 preempts back once healthy: master-change reasons and times match keepalived', async () => {
      const t = truthOf('track-script-weight');
      const { alerts } = await analyse(t.capture.file);
      const pc = alerts.find((a) => a.kind === 'priority-change')!;
      const mc = alerts.filter((a) => a.kind === 'master-change');
      expect(mc.map((a) => [a.from, a.to, a.reason])).toEqual([
        [ip(t, 'n1'), ip(t, 'n2'), 'preempted'],
        [ip(t, 'n2'), ip(t, 'n1'), 'preempted'],
      ]);
      expect(mc[0].ts).toBeGreaterThan(pc.ts);
      expect(mc[0].message).toContain('(100 > 90)');
      expect(mc[1].ts).toBeGreaterThan(action(t, 'n1', 'health-restore').ts);
      expect(mc[1].message).toContain('(150 > 100)');
      // The new master's first advert and keepalived's "Entering MASTER STATE" agree.
      expect(Math.abs(mc[0].ts - entered(t, 'n2', 'MASTER').ts) * 1000).toBeLessThan(25);
      expect(Math.abs(mc[1].ts - entered(t, 'n1', 'MASTER', action(t, 'n1', 'health-restore').ts).ts) * 1000).toBeLessThan(25);
      // n1 kept advertising at 90 until n2 took over: a handover, not a silent master.
      for (const c of mc) expect(c.gapMs!).toBeLessThan(1000);
    });

    it('the diagnosis shows both preemptions and invents no fault', async () => {
      const t = truthOf('track-script-weight');
      const { snapshot } = await analyse(t.capture.file);
      const [d] = diagnose(snapshot);
      const seen = d.seen.join('\n');
      expect(seen).toContain(`master changed ${ip(t, 'n1')} -> ${ip(t, 'n2')}`);
      expect(seen).toContain(`master changed ${ip(t, 'n2')} -> ${ip(t, 'n1')}`);
      expect(seen.match(/\(preempted, gap/g)).toHaveLength(2);
      expect(seen).toContain('priority-change x1');
      expect(d.causes.map((c) => c.id).filter((id) => FAULT_CAUSES.includes(id))).toEqual([]);
    });
  });
});

describe('diagnosis from what these captures show', () => {
  it('custom-group-no-report: snooping explains the split brain; no host is said to discard adverts', async () => {
    const { snapshot } = await analyse('custom-group-no-report.pcap');
    const ids = causeIds(snapshot);
    expect(ids[0]).toBe('igmp-snooping');
    expect(ids).not.toContain('host-discards-adverts');
  });

  it('track-script-weight: the priority drop is named as the cause of the preemption', async () => {
    const { snapshot } = await analyse('track-script-weight.pcap');
    const [d] = diagnose(snapshot);
    const drop = d.causes.find((c) => c.id === 'priority-drop')!;
    expect(drop.evidence.join(' ')).toMatch(/10\.77\.0\.11 lowered its priority from 150 to 90 .* 10\.77\.0\.12 preempted/);
    expect(d.causes.map((c) => c.id)).not.toContain('healthy');
  });

  it('interval statistics leave out the time a router sat silent as backup', async () => {
    for (const file of ['track-script-weight.pcap', 'preempt-restart.pcap']) {
      const { snapshot } = await analyse(file);
      for (const r of snapshot.vrids[0].routers) if (r.observed.count) expect(r.observed.maxMs!, `${file} ${r.src}`).toBeLessThan(3000);
    }
  });

  it('unicast-reject-unreach: the rejecter advertises the VRID itself, so only a firewall rule fits', async () => {
    const { snapshot } = await analyse('unicast-reject-unreach.pcap');
    const reject = diagnose(snapshot)[0].causes.find((c) => c.id === 'icmp-reject')!;
    expect(reject.evidence.join(' ')).toContain('10.77.0.12 itself advertises VRID 51, so a VRRP instance runs at that address');
  });

  it('read --local-addr on the dropping node\'s own capture names that host', () => {
    const r = runCli(['read', path.join(DIR, 'drop-node-view.n2.pcap'), '-q', '--explain', '--local-addr', '10.77.0.12']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('this host (10.77.0.12) is one of the masters');
  });
});
