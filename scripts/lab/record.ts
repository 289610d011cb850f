// Record lab scenarios: npx tsx scripts/lab/record.ts [--jobs N] [--retries N] [--out DIR] [--list] [--sweep] [scenario ...]
// For each scenario: fresh lab, capture on the bridge (and on the nodes the scenario names), run
// keepalived as scripted, then write <out>/<scenario>.pcap (plus <scenario>.<node>.pcap) and
// <out>/<scenario>.truth.json, and check that the recording shows what the scenario intends (a
// failed check exits non-zero but the files are still written for study).

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Lab, keepalivedVersion, labPrerequisites, sweepStaleLabs, type Capture, type Keepalived, type LabNode } from './lab.js';
import { LINKTYPES, pcapLinkType, peekPcap } from './pcap-peek.js';
import { tagMerge } from './tag-merge.js';
import { Checker, scenarios, type Expectation, type Scenario, type ScenarioContext } from './scenarios.js';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const DEFAULT_OUT = path.join(REPO, 'pcaps', 'lab');
/** No scenario may take longer than this, whatever hangs. */
const SCENARIO_LIMIT_MS = 120_000;
/** Extra attempts when a recording fails its self-check (keepalived's timing is not deterministic). */
const DEFAULT_RETRIES = 2;

export interface CaptureInfo {
  file: string;
  iface: string;
  filter: string;
  /** tcpdump's name of the file's link type (EN10MB, LINUX_SLL2); recordings made since it was added. */
  linkType?: string;
  /** Scenarios with `vlans`: what each VLAN of the merged capture came from. */
  segments?: { vlan: number; bridge: string; nodes: string[]; packets: number }[];
  /** Scenarios with `vlans`: how the tags got there. */
  taggedAfterCapture?: string;
  /** With iface 'any': the namespace's interfaces, which Linux cooked v2 packets name by index. */
  interfaces?: { ifIndex: number; name: string }[];
  start: number;
  end: number;
  packets: number;
}

export interface TruthFile {
  scenario: string;
  description: string;
  keepalivedVersion: string;
  kernel: string;
  recordedAt: string;
  capture: CaptureInfo;
  /** Captures on nodes' own interfaces (scenarios with `nodeCaptures`), besides the bridge capture. */
  nodeCaptures?: (CaptureInfo & { node: string })[];
  /** The bridge's multicast settings (scenarios recorded since these were added). */
  bridge?: { snooping: boolean; querier: boolean };
  nodes: { name: string; ip: string; ip6: string; ll6: string; mac: string; config: string }[];
  actions: { ts: number; node: string; action: string; detail: string }[];
  states: { ts: number; node: string; instance: string; state: string }[];
  events: { ts: number; node: string; instance: string | null; kind: string; line: string }[];
  log: { ts: number; node: string; line: string }[];
  /** What the scenario measured on the recording (see Scenario.facts). */
  facts?: Record<string, unknown>;
  expect: Expectation;
}

const LINKTYPE_NAMES: Record<number, string> = { [LINKTYPES.ethernet]: 'EN10MB', [LINKTYPES.sll]: 'LINUX_SLL', [LINKTYPES.sll2]: 'LINUX_SLL2' };

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const round = (ts: number) => Math.round(ts * 1e6) / 1e6;

function withLimit<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} exceeded ${ms / 1000} s`)), ms);
  });
  return Promise.race([p, limit]).finally(() => clearTimeout(timer));
}

export async function recordScenario(sc: Scenario, outDir: string, version: string): Promise<{ failures: string[]; bytes: number; seconds: number }> {
  const t0 = Date.now();
  // One lab, or one per VLAN (independent bridges recorded at once, tagged and merged afterwards).
  const segments = sc.vlans ?? [undefined];
  const labs: Lab[] = [];
  try {
    for (const v of segments) {
      labs.push(await Lab.create({
        nodes: v?.nodes ?? sc.nodes, subnet4: v?.subnet4, subnet6: v?.subnet6, macPrefix: v?.macPrefix,
        snooping: sc.snooping, querier: sc.querier, maxLifetimeSec: SCENARIO_LIMIT_MS / 1000 + 30,
      }));
    }
    const lab = labs[0];
    const labOf = (node: string) => labs.find((l) => l.nodes.some((n) => n.name === node)) ?? lab;
    const lastTs = () => Math.max(...labs.map((l) => l.actions.at(-1)?.ts ?? 0));
    const configs = sc.configs(lab, labs);
    if (sc.setup) await sc.setup(lab);
    const captures: Capture[] = [];
    for (const [i, l] of labs.entries()) {
      const v = segments[i];
      const file = path.join(l.tmpDir, v ? `${sc.name}.vlan${v.vlan}.pcap` : `${sc.name}.pcap`);
      captures.push(await l.startCapture({ file, iface: sc.capture?.iface, linkType: sc.capture?.linkType }));
    }
    const interfaces = sc.capture?.iface === 'any'
      ? (JSON.parse((await lab.exec('switch', ['ip', '-j', 'link', 'show'])).stdout) as { ifindex: number; ifname: string }[])
        .map((l) => ({ ifIndex: l.ifindex, name: l.ifname }))
      : [];
    const captureStart = Math.min(...labs.map((l) => l.actions.find((a) => a.action === 'capture-start')!.ts));
    const nodeCaps = [];
    for (const node of sc.nodeCaptures ?? []) {
      const file = `${sc.name}.${node}.pcap`;
      const cap = await labOf(node).startCapture({ file: path.join(lab.tmpDir, file), node });
      nodeCaps.push({ node, file, cap, start: lastTs(), end: 0 });
    }
    const ka: Record<string, Keepalived> = {};
    const ctx: ScenarioContext = {
      lab,
      labs,
      ka,
      configs,
      sleep,
      start: async (...nodes: string[]) => {
        const names = nodes.length ? nodes : Object.keys(configs);
        await Promise.all(
          names.map(async (n) => {
            ka[n] = await labOf(n).startKeepalived(n, configs[n]);
          }),
        );
      },
    };
    await withLimit(sc.run(ctx), SCENARIO_LIMIT_MS, `scenario ${sc.name}`);
    // Let the last adverts of the final state reach the capture.
    await sleep(300);
    // Node captures stop first, so the bridge capture spans all of them.
    for (const n of nodeCaps) {
      await n.cap.stop();
      n.end = lastTs();
    }
    for (const c of captures) await c.stop();
    const captureEnd = lastTs();

    const raw = captures.map((c) => fs.readFileSync(c.file));
    const pcap = sc.vlans ? Buffer.from(tagMerge(raw.map((p, i) => ({ vlan: sc.vlans![i].vlan, pcap: p })))) : raw[0];
    const packets = peekPcap(pcap);
    const nodePcaps = nodeCaps.map((n) => fs.readFileSync(n.cap.file));
    const nodePackets = Object.fromEntries(nodeCaps.map((n, i) => [n.node, peekPcap(nodePcaps[i])]));
    const byTs = <T extends { ts: number }>(list: T[]) => list.sort((a, b) => a.ts - b.ts);
    const all = {
      nodes: labs.flatMap((l) => l.nodes),
      actions: labs.length > 1 ? byTs(labs.flatMap((l) => l.actions)) : lab.actions,
      states: labs.length > 1 ? byTs(labs.flatMap((l) => l.states)) : lab.states,
      events: labs.length > 1 ? byTs(labs.flatMap((l) => l.events)) : lab.events,
      log: labs.length > 1 ? byTs(labs.flatMap((l) => l.log)) : lab.log,
    };
    const checker = new Checker({
      ...all,
      packets,
      nodePackets,
      interfaces,
    });
    sc.check(checker);
    const variant = sc.expect.checksumVariant;
    if (variant) {
      for (const [where, list] of [['bridge', packets], ...Object.entries(nodePackets)] as const) {
        const off = list.filter((p) => p.kind === 'vrrp' && !p.vrrp!.checksumVariants.includes(variant));
        checker.ok(off.length === 0, `${off.length} VRRP packets (${where}) do not match checksum variant ${variant}`);
      }
    }

    const nodeInfo = (n: LabNode) => ({ name: n.name, ip: n.ip, ip6: n.ip6, ll6: n.ll6, mac: n.mac, config: configs[n.name] ?? '' });
    const truth: TruthFile = {
      scenario: sc.name,
      description: sc.description,
      keepalivedVersion: version,
      kernel: os.release(),
      recordedAt: new Date(t0).toISOString(),
      capture: {
        file: `${sc.name}.pcap`, iface: captures.map((c) => c.iface).join('+'), filter: captures[0].filter, linkType: LINKTYPE_NAMES[pcapLinkType(pcap)],
        ...(interfaces.length ? { interfaces } : {}),
        ...(sc.vlans
          ? {
              taggedAfterCapture: 'tagged after capture: the kernel has no 8021q module',
              segments: sc.vlans.map((v, i) => ({
                vlan: v.vlan, bridge: `${captures[i].iface} of lab ${labs[i].id}`, nodes: labs[i].nodes.map((n) => n.name), packets: peekPcap(raw[i]).length,
              })),
            }
          : {}),
        start: round(captureStart), end: round(captureEnd), packets: packets.length,
      },
      ...(nodeCaps.length
        ? {
            nodeCaptures: nodeCaps.map((n, i) => ({
              node: n.node, file: n.file, iface: n.cap.iface, filter: n.cap.filter, linkType: LINKTYPE_NAMES[pcapLinkType(nodePcaps[i])],
              start: round(n.start), end: round(n.end), packets: nodePackets[n.node].length,
            })),
          }
        : {}),
      bridge: { snooping: sc.snooping ?? false, querier: sc.querier ?? false },
      nodes: all.nodes.map(nodeInfo),
      actions: all.actions.map((a) => ({ ...a, ts: round(a.ts) })),
      states: all.states.map((s) => ({ ...s, ts: round(s.ts) })),
      events: all.events.map((e) => ({ ...e, ts: round(e.ts) })),
      log: all.log.map((l) => ({ ...l, ts: round(l.ts) })),
      ...(sc.facts ? { facts: sc.facts(checker) } : {}),
      expect: sc.expect,
    };
    fs.mkdirSync(outDir, { recursive: true });
    fs.writeFileSync(path.join(outDir, `${sc.name}.pcap`), pcap);
    nodeCaps.forEach((n, i) => fs.writeFileSync(path.join(outDir, n.file), nodePcaps[i]));
    fs.writeFileSync(path.join(outDir, `${sc.name}.truth.json`), `${JSON.stringify(truth, null, 2)}\n`);
    const bytes = pcap.length + nodePcaps.reduce((sum, b) => sum + b.length, 0);
    return { failures: checker.failures, bytes, seconds: (Date.now() - t0) / 1000 };
  } finally {
    for (const l of labs) l.cleanup();
  }
}

async function main(argv: string[]): Promise<number> {
  let jobs = 1;
  let retries = DEFAULT_RETRIES;
  let outDir = DEFAULT_OUT;
  const names: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--list') {
      for (const s of scenarios) console.log(`${s.name.padEnd(28)} ${s.description.slice(0, 90)}...`);
      return 0;
    } else if (a === '--sweep') {
      const stale = sweepStaleLabs();
      console.log(stale.length ? `removed stale lab namespaces: ${stale.join(', ')}` : 'no stale lab namespaces');
      return 0;
    } else if (a === '--jobs' || a === '-j') jobs = Math.max(1, Number(argv[++i]) || 1);
    else if (a === '--retries') retries = Math.max(0, Number(argv[++i]) || 0);
    else if (a === '--out') outDir = path.resolve(argv[++i]);
    else if (a === '--help' || a === '-h') {
      console.log('usage: npx tsx scripts/lab/record.ts [--jobs N] [--retries N] [--out DIR] [--list] [--sweep] [scenario ...]');
      return 0;
    } else names.push(a);
  }
  const missing = labPrerequisites();
  if (missing.length) {
    console.error(`cannot run the lab: missing ${missing.join(', ')}`);
    return 2;
  }
  const unknown = names.filter((n) => !scenarios.some((s) => s.name === n));
  if (unknown.length) {
    console.error(`unknown scenario(s): ${unknown.join(', ')} (see --list)`);
    return 2;
  }
  const stale = sweepStaleLabs();
  if (stale.length) console.log(`removed stale lab namespaces: ${stale.join(', ')}`);
  const todo = names.length ? scenarios.filter((s) => names.includes(s.name)) : scenarios;
  const version = keepalivedVersion();
  console.log(`keepalived ${version}; recording ${todo.length} scenario(s) into ${path.relative(process.cwd(), outDir) || '.'} with ${jobs} job(s)`);

  const t0 = Date.now();
  let failed = 0;
  const queue = [...todo];
  // Scenarios run in separate labs (separate namespaces), so several can record at once.
  const worker = async () => {
    for (let sc = queue.shift(); sc; sc = queue.shift()) {
      try {
        let r = await recordScenario(sc, outDir, version);
        for (let attempt = 1; attempt <= retries && r.failures.length; attempt++) {
          console.log(`${sc.name.padEnd(28)} retrying    (${r.failures.join('; ')})`);
          r = await recordScenario(sc, outDir, version);
        }
        const status = r.failures.length ? 'CHECK FAILED' : 'ok';
        console.log(`${sc.name.padEnd(28)} ${status.padEnd(12)} ${String(r.bytes).padStart(7)} bytes ${r.seconds.toFixed(1).padStart(5)} s`);
        for (const f of r.failures) console.log(`    - ${f}`);
        if (r.failures.length) failed++;
      } catch (e) {
        failed++;
        console.log(`${sc.name.padEnd(28)} ERROR        ${(e as Error).message}`);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(jobs, todo.length) }, worker));
  console.log(`done in ${((Date.now() - t0) / 1000).toFixed(1)} s, ${failed} failed`);
  return failed ? 1 : 0;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).then((code) => process.exit(code));
}
