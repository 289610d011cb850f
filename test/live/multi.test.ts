// `vrrpscope live` on several interfaces and on `any`, with real libpcap on veths in namespaces of
// the test's own. Two links carry the same VRID from two different masters: captured with
// `-i A -i B` they are two virtual routers (one per interface), as a pcapng of both is to `read`;
// the same adverts on one link are a split brain, which shows the test can fail. `-w` writes a
// pcapng that reads back with the same segments.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Frame } from '../../src/frame.js';
import { vrrpFrame } from '../support/encode.js';
import { runCli } from '../support/cli.js';
import { Netns, liveSkipReason } from './netns.js';
import { Tmux, haveTmux } from '../tui/tmux.js';

const skip = liveSkipReason();
if (skip) console.warn(`live multi-interface tests skipped: ${skip}`);
if (!skip && !haveTmux()) console.warn('live multi-interface dashboard test skipped: it needs tmux');

const PACER = resolve(import.meta.dirname, '../../bench/monitor-send.py');
/** Adverts every 100 ms (VRRPv3, 10 cs), each with its own IPv4 identification as a real sender's. */
const ADVERTS = 20;

function adverts(src: string, priority: number, mac: string): Frame[] {
  return Array.from({ length: ADVERTS }, (_, i) =>
    vrrpFrame({
      vrrp: { version: 3, vrid: 51, priority, intervalCs: 10, addrs: ['192.0.2.51'] },
      ip: { family: 'ipv4', src, v4: { id: 1000 + i } },
      link: { kind: 'ethernet', src: mac, dst: '01:00:5e:00:00:12' },
    }),
  );
}

/** The same over IPv6: no identification tells a copy from the next advert. */
const V6 = Array.from({ length: ADVERTS }, () =>
  vrrpFrame({
    vrrp: { version: 3, vrid: 51, priority: 200, intervalCs: 10, addrs: ['fe80::51'] },
    ip: { family: 'ipv6', src: 'fe80::1:1' },
    link: { kind: 'ethernet', src: '02:00:00:00:01:01', dst: '33:33:00:00:00:12' },
  }),
);

const N1 = adverts('10.0.1.1', 200, '02:00:00:00:01:01');
const N2 = adverts('10.0.2.1', 100, '02:00:00:00:02:01');

interface JsonRecord {
  type: string;
  kind?: string;
  ifName?: string;
  record?: number;
  vrids?: { vrid: number; segment?: string; routers: unknown[] }[];
}

function records(stdout: string): JsonRecord[] {
  return stdout.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as JsonRecord);
}

describe.skipIf(!!skip)('vrrpscope live on several interfaces', () => {
  const ns = new Netns();
  const dir = mkdtempSync(join(tmpdir(), 'vrrpscope-livemulti-'));
  let a: { here: string; there: string };
  let b: { here: string; there: string };
  beforeAll(() => {
    ns.setUp();
    a = ns.addLink('a', 'b');
    b = ns.addLink('c', 'd');
  });
  afterAll(() => {
    ns.tearDown();
    rmSync(dir, { recursive: true, force: true });
  });

  let bridged: { p1: { here: string; there: string }; p2: { here: string; there: string }; bridge: string } | null = null;
  /** The capture namespace as a bridge host: a bridge with two ports, each a veth to the sender. */
  function bridgeHost(): NonNullable<typeof bridged> {
    if (bridged) return bridged;
    const p1 = ns.addLink('e', 'f');
    const p2 = ns.addLink('g', 'h');
    const bridge = `${ns.tag}br`;
    ns.ip(ns.capture, 'link', 'add', bridge, 'type', 'bridge');
    for (const port of [p1.here, p2.here]) ns.ip(ns.capture, 'link', 'set', port, 'master', bridge);
    ns.ip(ns.capture, 'link', 'set', bridge, 'up');
    return (bridged = { p1, p2, bridge });
  }

  /** Sends `frames` out of `iface` in the sender namespace, paced over `seconds` (bench/monitor-send.py). */
  function pace(iface: string, frames: Frame[], seconds: number, interval = ADVERTS * 0.1): Promise<void> {
    const child = spawn('ip', ['netns', 'exec', ns.sender, 'python3', PACER], { stdio: ['pipe', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.stdin.end(JSON.stringify({ iface, frames: frames.map((f) => Buffer.from(f.data).toString('hex')), interval, seconds }));
    return new Promise((ok, fail) => child.on('exit', (code) => (code === 0 ? ok() : fail(new Error(`monitor-send.py: ${err}`)))));
  }

  async function capture(args: string[], send: () => Promise<unknown>): Promise<{ code: number | null; out: string; err: string }> {
    const run = ns.live([...args, '--no-tui', '--duration', '20']);
    await run.listening();
    await send();
    // The kernel hands frames over within its 10 ms buffer timeout; then SIGINT ends it as a user would.
    await new Promise((r) => setTimeout(r, 300));
    run.child.kill('SIGINT');
    const code = await run.exit;
    return { code, out: run.out(), err: run.err() };
  }

  it('-i A -i B: the same VRID on two links is two virtual routers, no clash, no split brain; -w reads back the same', async () => {
    const file = join(dir, 'two.pcapng');
    const r = await capture(['-i', a.here, '-i', b.here, '--json', '-w', file], () => Promise.all([pace(a.there, N1, 2), pace(b.there, N2, 2)]));
    expect(r.code, r.err).toBe(0);
    expect(r.err).toContain(`listening on ${a.here} (link type 1), ${b.here} (link type 1), writing ${file}`);
    const recs = records(r.out);
    const packets = recs.filter((x) => x.type === 'vrrp');
    // Every packet names its interface; records are numbered across both captures.
    expect(new Set(packets.map((p) => p.ifName))).toEqual(new Set([a.here, b.here]));
    const numbers = packets.map((p) => p.record!);
    expect(numbers).toEqual([...new Set(numbers)].sort((x, y) => x - y));
    expect(packets.length).toBeGreaterThanOrEqual(2 * ADVERTS * 0.8);
    const kinds = recs.filter((x) => x.type === 'alert').map((x) => x.kind);
    expect(kinds).not.toContain('vrid-clash');
    expect(kinds).not.toContain('duplicate-master');
    const summary = recs.find((x) => x.type === 'summary')!;
    expect(summary.vrids!.map((v) => [v.vrid, v.segment, v.routers.length])).toEqual([[51, a.here, 1], [51, b.here, 1]]);

    // The pcapng has one interface per -i, so `read` sees the same two segments.
    expect(readFileSync(file).readUInt32LE(0)).toBe(0x0a0d0d0a);
    const td = spawnSync('tcpdump', ['-nn', '-e', '-r', file], { encoding: 'utf8' });
    expect(td.status, td.stderr).toBe(0);
    expect(td.stdout.trim().split('\n')).toHaveLength(packets.length);
    const back = runCli(['read', file, '--json']);
    expect(back.code, back.stderr).toBe(0);
    const backRecs = records(back.stdout);
    expect(backRecs.filter((x) => x.type === 'vrrp')).toHaveLength(packets.length);
    expect(backRecs.find((x) => x.type === 'summary')!.vrids!.map((v) => [v.vrid, v.segment])).toEqual([[51, a.here], [51, b.here]]);
  }, 30_000);

  it('the same adverts on one link are one virtual router with two masters (the test can fail)', async () => {
    const r = await capture(['-i', a.here, '--json'], () => Promise.all([pace(a.there, N1, 2), pace(a.there, N2, 2)]));
    expect(r.code, r.err).toBe(0);
    const recs = records(r.out);
    // One interface: records name none, as always.
    expect(recs.filter((x) => x.type === 'vrrp').every((p) => p.ifName === undefined)).toBe(true);
    expect(recs.filter((x) => x.type === 'alert').map((x) => x.kind)).toContain('duplicate-master');
    expect(recs.find((x) => x.type === 'summary')!.vrids!.map((v) => [v.vrid, v.segment ?? null, v.routers.length])).toEqual([[51, null, 2]]);
  }, 30_000);

  it('line output names the segment of each virtual router in alerts and the summary', async () => {
    const r = await capture(['-i', a.here, '-i', b.here], () => Promise.all([pace(a.there, N1, 2), pace(b.there, N2, 2)]));
    expect(r.code, r.err).toBe(0);
    expect(r.out).toContain('Summary');
    expect(r.out).toMatch(new RegExp(`VRID 51 ${b.here}`));
    expect(r.out).not.toMatch(/vrid-clash|duplicate-master/);
  }, 30_000);

  it('--evidence: a split brain on one link writes pcapng of both, named by that segment, which reads back to the same alert', async () => {
    const evidence = join(dir, 'evidence');
    const r = await capture(['-i', a.here, '-i', b.here, '--json', '--evidence', evidence, '--evidence-seconds', '1', '--no-drop-privileges'],
      () => Promise.all([pace(a.there, N1, 2), pace(b.there, N1, 2), pace(b.there, N2, 2)]));
    expect(r.code, r.err).toBe(0);
    const alerts = records(r.out).filter((x) => x.type === 'alert') as (JsonRecord & { segment?: string; status?: string })[];
    expect(alerts.filter((x) => x.kind === 'duplicate-master' && x.status === 'raised').map((x) => x.segment)).toEqual([b.here]);
    // One file per critical alert not already being recorded (the end of the adverts may add missed-advert on a link).
    const files = readdirSync(evidence).filter((f) => f.includes('duplicate-master'));
    expect(files).toHaveLength(1);
    expect(files[0]).toMatch(new RegExp(`^vrrpscope-evidence-\\d{8}T\\d{6}\\.\\d{3}Z-${b.here}-vrid51-duplicate-master\\.pcapng$`));
    expect(r.err).toContain(`evidence ${join(evidence, files[0])} for duplicate-master vrid 51`);
    const back = runCli(['read', join(evidence, files[0]), '--json']);
    const backRecs = records(back.stdout) as (JsonRecord & { segment?: string; status?: string })[];
    expect(backRecs.filter((x) => x.type === 'alert' && x.kind === 'duplicate-master' && x.status === 'raised').map((x) => x.segment)).toEqual([b.here]);
    expect(new Set(backRecs.filter((x) => x.type === 'vrrp').map((x) => x.ifName))).toEqual(new Set([a.here, b.here]));
  }, 30_000);

  it('-i any on a bridge host: each advert is seen three times (in on a port, out on the other, on the bridge) and counted once', async () => {
    const { p1 } = bridgeHost();
    const r = await capture(['-i', 'any', '--json'], () => pace(p1.there, N1, 2));
    expect(r.code, r.err).toBe(0);
    // node_pcap opens "any" with Linux cooked v1 headers (it cannot ask libpcap for v2).
    expect(r.err).toContain('listening on any, link type 113');
    const recs = records(r.out) as (JsonRecord & { direction?: string })[];
    const seen = recs.filter((x) => x.type === 'vrrp');
    expect(seen.every((x) => x.ifName === undefined)).toBe(true);
    const sent = seen.filter((x) => x.direction === 'out').length;
    expect(sent).toBeGreaterThanOrEqual(ADVERTS * 0.8);
    expect(seen).toHaveLength(3 * sent);
    const summary = recs.find((x) => x.type === 'summary')! as JsonRecord & { vrids: { routers: { adverts: number; copies: number; observed?: { p50Ms: number } }[] }[] };
    expect(summary.vrids).toHaveLength(1);
    const [router] = summary.vrids[0].routers;
    expect(router).toMatchObject({ adverts: sent, copies: 2 * sent });
    // The intervals are the sender's 100 ms, not the microseconds between copies.
    expect(router.observed!.p50Ms).toBeGreaterThan(80);
  }, 30_000);

  it('-i any on a bridge host, IPv6: the copies on the port and on the bridge (one place in cooked v1) are counted once too', async () => {
    const { p1 } = bridgeHost();
    const r = await capture(['-i', 'any', '--json'], () => pace(p1.there, V6, 2));
    expect(r.code, r.err).toBe(0);
    const recs = records(r.out) as (JsonRecord & { direction?: string })[];
    const seen = recs.filter((x) => x.type === 'vrrp');
    const sent = seen.filter((x) => x.direction === 'out').length;
    expect(sent).toBeGreaterThanOrEqual(ADVERTS * 0.8);
    expect(seen).toHaveLength(3 * sent);
    const summary = recs.find((x) => x.type === 'summary')! as JsonRecord & { vrids: { routers: { adverts: number; copies: number; observed?: { p50Ms: number } }[] }[] };
    const [router] = summary.vrids[0].routers;
    expect(router).toMatchObject({ adverts: sent, copies: 2 * sent });
    expect(router.observed!.p50Ms).toBeGreaterThan(80);
  }, 30_000);

  it('-i on each bridge port and the bridge: the interfaces carry the same adverts, so they are joined into one segment, each advert counted once', async () => {
    const { p1, p2, bridge } = bridgeHost();
    const r = await capture(['-i', p1.here, '-i', p2.here, '-i', bridge, '--json'], () => pace(p1.there, N1, 2));
    expect(r.code, r.err).toBe(0);
    const recs = records(r.out);
    const seen = recs.filter((x) => x.type === 'vrrp');
    expect(new Set(seen.map((x) => x.ifName))).toEqual(new Set([p1.here, p2.here, bridge]));
    expect(recs.filter((x) => x.type === 'alert').map((x) => x.kind)).not.toContain('vrid-clash');
    const summary = recs.find((x) => x.type === 'summary')! as JsonRecord & {
      vrids: { routers: { adverts: number; copies: number; seenAt: Record<string, number> }[] }[];
      segmentMerges?: { joined: string; why: string }[];
    };
    // One virtual router: the three interfaces are one segment, joined because they carry the same adverts.
    expect(summary.vrids).toHaveLength(1);
    // Which interface is first to hand its copy over is up to the kernel: the other two are joined to it.
    const joined = summary.segmentMerges!.map((m) => m.joined);
    expect(joined).toHaveLength(2);
    expect(new Set(joined).size).toBe(2);
    expect([p1.here, p2.here, bridge]).toEqual(expect.arrayContaining(joined));
    expect(summary.segmentMerges![0].why).toMatch(/both carry the adverts of 10\.0\.1\.1 for VRID 51/);
    const [router] = summary.vrids[0].routers;
    const perInterface = seen.length / 3;
    expect(perInterface).toBeGreaterThanOrEqual(ADVERTS * 0.8);
    expect(router).toMatchObject({ adverts: perInterface, copies: 2 * perInterface });
    expect(router.seenAt).toEqual({ [p1.here]: perInterface, [p2.here]: perInterface, [bridge]: perInterface });
  }, 30_000);

  it.skipIf(!haveTmux())('the dashboard (in a real terminal): one row per segment and VRID, both interfaces in the status bar; q prints the summary', async () => {
    const t = new Tmux('livemulti', 120, 30);
    try {
      const cli = resolve(import.meta.dirname, '../../dist/cli.js');
      t.run(`ip netns exec ${ns.capture} ${process.execPath} ${cli} live -i ${a.here} -i ${b.here} --no-drop-privileges`);
      await t.waitFor(/\[LIVE\]/, 15_000);
      const senders = Promise.all([pace(a.there, N1, 4), pace(b.there, N2, 4)]);
      const rowOf = (screen: string, iface: string) => screen.split('\n').find((l) => new RegExp(`^\\s*51 v4 ${iface} `).test(l));
      const s = await t.waitFor((x) => rowOf(x, a.here) !== undefined && rowOf(x, b.here) !== undefined, 15_000, 'a row for each interface');
      expect(s.split('\n')[0]).toContain(`${a.here}, ${b.here}`);
      // Each row has its own master; neither is a split brain.
      expect(rowOf(s, a.here)).toMatch(/ OK +10\.0\.1\.1 /);
      expect(rowOf(s, b.here)).toMatch(/ OK +10\.0\.2\.1 /);
      expect(s).not.toMatch(/SPLIT BRAIN/);
      await senders;
      t.keys('q');
      const { code, screen } = await t.waitForExit(15_000);
      expect(code).toBe(0);
      expect(screen).toMatch(new RegExp(`VRID 51 ${a.here} ipv4`));
      expect(screen).toMatch(new RegExp(`VRID 51 ${b.here} ipv4`));
    } finally {
      t.kill();
    }
  }, 60_000);

  it('one interface vanishing ends the capture of all: one line naming it, the summary, exit 2, and a complete pcapng', async () => {
    const gone = ns.addLink('x', 'y');
    const file = join(dir, 'gone.pcapng');
    const run = ns.live(['-i', a.here, '-i', gone.here, '--no-tui', '-w', file]);
    await run.listening();
    await Promise.all([pace(a.there, N1.slice(0, 5), 0.5, 0.5), pace(gone.there, N2.slice(0, 5), 0.5, 0.5)]);
    await new Promise((r) => setTimeout(r, 300));
    ns.ip(ns.capture, 'link', 'del', gone.here);
    expect(await run.exit).toBe(2);
    expect(run.err()).toMatch(new RegExp(`interface ${gone.here} went away during the capture; capture stopped, .*gone\\.pcapng is complete`));
    expect(run.out()).toContain('Summary');
    const back = runCli(['read', file, '--json']);
    expect(back.code, back.stderr).toBe(0);
    const ifNames = records(back.stdout).filter((x) => x.type === 'vrrp').map((x) => x.ifName);
    expect(ifNames.filter((n) => n === a.here)).toHaveLength(5);
    expect(ifNames.filter((n) => n === gone.here)).toHaveLength(5);
  }, 30_000);

  it('monitor on a trunk (tagged adverts on a veth: VLAN 10 and 20, both VRID 51): two series, labelled by VLAN, neither a split brain', async () => {
    const trunk = ns.addLink('t', 'u');
    const tagged = (frames: Frame[], vlan: number, src: string, priority: number, mac: string) =>
      frames.map((_, i) => vrrpFrame({
        vrrp: { version: 3, vrid: 51, priority, intervalCs: 10, addrs: ['192.0.2.51'] },
        ip: { family: 'ipv4', src, v4: { id: 2000 + i } },
        link: { kind: 'ethernet', src: mac, dst: '01:00:5e:00:00:12', vlans: [vlan] },
      }));
    const child = spawn('ip', ['netns', 'exec', ns.capture, process.execPath, resolve(import.meta.dirname, '../../dist/cli.js'), 'monitor', '-i', trunk.here, '--listen', '127.0.0.1:0', '--no-drop-privileges'], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    try {
      for (let i = 0; i < 100 && !/metrics on http:\/\/127\.0\.0\.1:\d+/.test(err); i++) await new Promise((r) => setTimeout(r, 50));
      const port = /metrics on http:\/\/127\.0\.0\.1:(\d+)/.exec(err)![1];
      await Promise.all([
        pace(trunk.there, tagged(N1, 10, '10.0.1.1', 200, '02:00:00:00:01:01'), 2),
        pace(trunk.there, tagged(N2, 20, '10.0.2.1', 100, '02:00:00:00:02:01'), 2),
      ]);
      const scrape = spawnSync('ip', ['netns', 'exec', ns.capture, 'python3', '-c', `import urllib.request; print(urllib.request.urlopen('http://127.0.0.1:${port}/metrics').read().decode())`], { encoding: 'utf8', timeout: 10_000 });
      expect(scrape.status, scrape.stderr).toBe(0);
      const text = scrape.stdout;
      const sample = (name: string, labels: string) => new RegExp(`^${name}\\{${labels}\\} (\\S+)$`, 'm').exec(text)?.[1];
      expect(sample('vrrpscope_vr_masters', `segment="${trunk.here} vlan 10",family="ipv4",vrid="51"`)).toBe('1');
      expect(sample('vrrpscope_vr_masters', `segment="${trunk.here} vlan 20",family="ipv4",vrid="51"`)).toBe('1');
      expect(sample('vrrpscope_router_master', `segment="${trunk.here} vlan 20",family="ipv4",vrid="51",source="10.0.2.1"`)).toBe('1');
      expect(text).not.toMatch(/kind="(vrid-clash|duplicate-master)"/);
      expect(sample('vrrpscope_capture_up', `segment="${trunk.here}",interface="${trunk.here}"`)).toBe('1');
    } finally {
      child.kill('SIGTERM');
      await new Promise((r) => child.on('exit', r));
    }
  }, 30_000);

  it('refuses an interface given twice, and any with another', () => {
    expect(runCli(['live', '-i', 'lo', '-i', 'lo', '--no-tui'])).toMatchObject({ code: 2, stderr: 'vrrpscope: -i lo is given twice\n' });
    expect(runCli(['live', '-i', 'any', '-i', 'lo', '--no-tui'])).toMatchObject({ code: 2, stderr: 'vrrpscope: -i any captures on every interface already: give it alone\n' });
    expect(runCli(['live', '--no-tui'])).toMatchObject({ code: 2, stderr: 'vrrpscope: live needs an interface: -i INTERFACE (repeat for several)\n' });
  });
});
