// The proof of `vrrpscope monitor` with real components: two L2 segments (two lab bridges in
// namespaces named after this process, a keepalived pair on each), the real command watching each
// bridge through a tap (a veth from the bridge into the test's namespace, named vsm<pid>a / b),
// a real Prometheus scraping both every second with the shipped rules, and a real Alertmanager
// receiving vrrpscope's own alerts. Protocol 112 is blocked on one segment: the split-brain query,
// the shipped rule and Alertmanager all say so for that segment only, and all resolve once it is
// unblocked; the evidence pcap of the alert, read back, raises the same alert. Then one tap is
// removed and re-added under the running monitor: it resumes and counts the gap.

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Lab, labPrerequisites, type NftTable } from '../../scripts/lab/lab.js';
import { keepalivedConf } from '../../scripts/lab/scenarios.js';
import { CLI, runCli } from '../support/cli.js';
import { freePort, until as untilHolds } from '../support/net.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const RULES = path.join(ROOT, 'deploy/prometheus/vrrpscope.rules.yml');
const has = (tool: string) => spawnSync('sh', ['-c', `command -v ${tool}`]).status === 0;
const AM_BINARY = spawnSync('sh', ['-c', 'command -v prometheus-alertmanager || command -v alertmanager'], { encoding: 'utf8' }).stdout.trim();

const missing = labPrerequisites();
if (!fs.existsSync(path.join(ROOT, 'node_modules/pcap/build/Release/pcap_binding.node'))) missing.push('the pcap binding (npm rebuild pcap)');
if (!has('prometheus')) missing.push('prometheus (Debian package prometheus)');
if (!AM_BINARY) missing.push('alertmanager (Debian package prometheus-alertmanager)');
if (missing.length) console.warn(`monitor lab tests skipped: missing ${missing.join(', ')}`);

/** Every process started here dies by this bound even if the test runner is killed. */
const LIFETIME_S = 170;

/** Polls every 200 ms, 20 s unless told. */
const until = <T>(what: string, fn: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 20_000) => untilHolds(what, fn, timeoutMs, 200);

interface Started {
  child: ChildProcess;
  output: () => string;
}

function start(argv: string[], name: string): Started {
  const child = spawn('timeout', ['-s', 'KILL', String(LIFETIME_S), ...argv], { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  child.on('error', (e) => (out += `${name}: ${e.message}\n`));
  return { child, output: () => out };
}

function stopAll(procs: Started[]): void {
  for (const p of procs) {
    try {
      if (p.child.pid) process.kill(-p.child.pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
}

async function getJson<T>(url: string): Promise<T | undefined> {
  const res = await fetch(url).catch(() => null);
  return res?.ok ? ((await res.json()) as T) : undefined;
}

interface PromVector { metric: Record<string, string>; value: [number, string] }
interface PromAlert { labels: Record<string, string>; state: string }
interface AmAlert { labels: Record<string, string>; annotations: Record<string, string> }

describe.skipIf(missing.length > 0)('monitor with Prometheus and Alertmanager on two keepalived segments', () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'vrrpscope-monitor-lab-'));
  const evidenceDir = path.join(tmp, 'evidence');
  const procs: Started[] = [];
  const labs: Lab[] = [];
  const taps = [`vsm${process.pid}a`, `vsm${process.pid}b`];
  const monitors: { started: Started; port: number; iface: string }[] = [];
  let promPort = 0;
  let amPort = 0;

  const query = (q: string) => getJson<{ data: { result: PromVector[] } }>(`http://127.0.0.1:${promPort}/api/v1/query?query=${encodeURIComponent(q)}`).then((r) => r?.data.result);
  const promAlerts = () => getJson<{ data: { alerts: PromAlert[] } }>(`http://127.0.0.1:${promPort}/api/v1/alerts`).then((r) => r?.data.alerts ?? []);
  const amAlerts = () => getJson<AmAlert[]>(`http://127.0.0.1:${amPort}/api/v2/alerts`).then((r) => r ?? []);
  const scrape = (i: number) => fetch(`http://127.0.0.1:${monitors[i].port}/metrics`).then((r) => r.text());

  /** A veth from the lab's bridge into this namespace: the monitor's view of the segment. */
  async function addTap(lab: Lab, name: string): Promise<void> {
    const run = (...a: string[]) => {
      const r = spawnSync(a[0], a.slice(1), { encoding: 'utf8' });
      if (r.status !== 0) throw new Error(`${a.join(' ')}: ${r.stderr}`);
    };
    run('ip', 'link', 'add', name, 'type', 'veth', 'peer', 'name', 'tapm', 'netns', lab.switchNs);
    // No IPv6 on our end: no router solicitations or MLD of its own on the segment.
    run('sysctl', '-qw', `net.ipv6.conf.${name}.disable_ipv6=1`);
    run('ip', 'link', 'set', name, 'up');
    run('ip', '-n', lab.switchNs, 'link', 'set', 'tapm', 'master', lab.bridge, 'up');
  }

  beforeAll(async () => {
    for (let i = 0; i < 2; i++) {
      const lab = await Lab.create({ nodes: 2, maxLifetimeSec: LIFETIME_S });
      labs.push(lab);
      const conf = (name: string, state: 'MASTER' | 'BACKUP', priority: number) =>
        keepalivedConf(lab.node(name), [{ state, vrid: 51, priority, vips: ['10.77.0.100/24'] }]);
      await lab.startKeepalived('n1', conf('n1', 'MASTER', 150));
      await lab.startKeepalived('n2', conf('n2', 'BACKUP', 100));
      await addTap(lab, taps[i]);
    }

    amPort = await freePort();
    const amDir = path.join(tmp, 'am');
    fs.mkdirSync(amDir);
    fs.writeFileSync(path.join(amDir, 'alertmanager.yml'), 'route:\n  receiver: none\n  group_wait: 1h\nreceivers:\n  - name: none\n');
    procs.push(start([AM_BINARY, `--config.file=${amDir}/alertmanager.yml`, `--storage.path=${amDir}`, `--web.listen-address=127.0.0.1:${amPort}`, '--cluster.listen-address=', '--log.level=warn'], 'alertmanager'));

    for (const iface of taps) {
      const port = await freePort();
      const started = start([process.execPath, CLI, 'monitor', '-i', iface, '--listen', `127.0.0.1:${port}`, '--no-drop-privileges',
        '--alertmanager', `http://127.0.0.1:${amPort}`, '--evidence', evidenceDir, '--evidence-seconds', '5', '--ndjson', path.join(tmp, `${iface}.ndjson`)], `monitor ${iface}`);
      procs.push(started);
      monitors.push({ started, port, iface });
    }

    // The shipped rules, with every `for:` shortened so the test stays short.
    promPort = await freePort();
    const promDir = path.join(tmp, 'prometheus');
    fs.mkdirSync(promDir);
    fs.writeFileSync(path.join(promDir, 'rules.yml'), fs.readFileSync(RULES, 'utf8').replace(/^(\s+)for: \S+$/gm, '$1for: 1s'));
    fs.writeFileSync(path.join(promDir, 'prometheus.yml'), [
      'global: {scrape_interval: 1s, evaluation_interval: 1s}',
      'rule_files: [rules.yml]',
      'scrape_configs:',
      '  - job_name: vrrpscope',
      `    static_configs: [{targets: [${monitors.map((m) => `'127.0.0.1:${m.port}'`).join(', ')}]}]`,
      '',
    ].join('\n'));
    procs.push(start(['prometheus', `--config.file=${promDir}/prometheus.yml`, `--storage.tsdb.path=${promDir}/data`, `--web.listen-address=127.0.0.1:${promPort}`, '--log.level=warn'], 'prometheus'));

    await until('Alertmanager ready', async () => (await fetch(`http://127.0.0.1:${amPort}/-/ready`).catch(() => null))?.ok);
    // Both segments have one master in Prometheus: keepalived, capture, metrics and scrape all work.
    await until(`both segments with a master in Prometheus\n${procs.map((p) => p.output()).join('\n')}`, async () => {
      const r = await query('vrrpscope_vr_has_master{vrid="51"} == 1 and vrrpscope_vr_masters == 1');
      return r?.length === 2;
    }, 40_000);
  }, 90_000);

  afterAll(() => {
    stopAll(procs);
    for (const lab of labs) lab.cleanup();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('split brain on one segment: Prometheus, its rule and Alertmanager name that segment only; all resolve', async () => {
    const [a, b] = taps;
    let table: NftTable | null = await labs[0].blockVrrp('n2', { direction: 'input', verdict: 'drop' });
    try {
      const split = await until('split brain in Prometheus', async () => {
        const r = await query('vrrpscope_vr_masters > 1');
        return r?.length ? r : undefined;
      });
      expect(split.map((s) => s.metric.segment)).toEqual([a]);
      expect(split[0].metric).toMatchObject({ family: 'ipv4', vrid: '51' });

      const firing = await until('VrrpSplitBrain firing', async () => (await promAlerts()).find((x) => x.labels.alertname === 'VrrpSplitBrain' && x.state === 'firing'));
      expect(firing.labels).toMatchObject({ segment: a, vrid: '51', severity: 'critical' });

      const am = await until('duplicate-master in Alertmanager', async () => (await amAlerts()).find((x) => x.labels.alertname === 'duplicate-master'));
      expect(am.labels).toMatchObject({ segment: a, vrid: '51', family: 'ipv4', severity: 'critical' });
      expect(am.annotations.evidence).toContain(evidenceDir);
      expect((await amAlerts()).filter((x) => x.labels.segment === b)).toEqual([]);
      expect(monitors[0].started.output()).toMatch(new RegExp(`${a}: .*ALERT critical duplicate-master vrid 51.*\\[evidence ${am.annotations.evidence.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\]`));

      const records = fs.readFileSync(path.join(tmp, `${a}.ndjson`), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
      expect(records.find((r) => r.kind === 'duplicate-master' && r.status === 'raised')).toMatchObject({ type: 'alert', segment: a, vrid: 51, evidence: am.annotations.evidence });

      await labs[0].removeNftTable(table);
      table = null;
      await until('split brain resolved in Prometheus', async () => (await query('vrrpscope_vr_masters > 1'))?.length === 0);
      await until('VrrpSplitBrain resolved', async () => !(await promAlerts()).some((x) => x.labels.alertname === 'VrrpSplitBrain'));
      await until('duplicate-master resolved in Alertmanager', async () => !(await amAlerts()).some((x) => x.labels.alertname === 'duplicate-master'));
      expect((await query(`vrrpscope_alerts_total{kind="duplicate-master",segment="${b}"}`))?.length).toBe(0);

      // The evidence, read back: the same alert from the file alone (written for 5 s after the trigger).
      const file = am.annotations.evidence;
      await until('evidence pcap complete', () => fs.existsSync(file) && Date.now() - fs.statSync(file).mtimeMs > 1500 && fs.statSync(file).size > 24, 15_000);
      const read = runCli(['read', '-q', '--json', file]);
      expect(read.code).toBe(0);
      const alerts = read.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l) as { type: string; kind?: string; status?: string; vrid?: number });
      expect(alerts.some((r) => r.type === 'alert' && r.kind === 'duplicate-master' && r.status === 'raised' && r.vrid === 51)).toBe(true);
    } finally {
      if (table) await labs[0].removeNftTable(table);
    }
  }, 70_000);

  it('a tap removed and re-added under the running monitor: capture resumes and the gap is counted', async () => {
    const b = taps[1];
    const value = (text: string, re: RegExp) => Number(re.exec(text)?.[1] ?? NaN);
    const adverts = (text: string) => value(text, /^vrrpscope_router_adverts_received_total\{[^}]*source="10\.77\.0\.11"[^}]*\} (\S+)$/m);
    expect(spawnSync('ip', ['link', 'del', b]).status).toBe(0);
    await until('capture lost', () => /capture went away; reopening/.test(monitors[1].started.output()), 10_000);
    expect(await scrape(1)).toMatch(new RegExp(`^vrrpscope_capture_up\\{segment="${b}",interface="${b}"\\} 0$`, 'm'));
    const before = adverts(await scrape(1));
    await new Promise((r) => setTimeout(r, 1500));
    await addTap(labs[1], b);
    await until('capture reopened', () => /capture reopened after [\d.]+ s without it/.test(monitors[1].started.output()), 40_000);
    const text = await until('adverts counted again', async () => {
      const t = await scrape(1);
      return adverts(t) >= before + 2 ? t : undefined;
    }, 10_000);
    expect(text).toMatch(new RegExp(`^vrrpscope_capture_up\\{segment="${b}",interface="${b}"\\} 1$`, 'm'));
    expect(value(text, /^vrrpscope_capture_reopens_total\{[^}]*\} (\S+)$/m)).toBe(1);
    expect(value(text, /^vrrpscope_capture_gap_seconds_total\{[^}]*\} (\S+)$/m)).toBeGreaterThan(1.4);
    // The other segment's monitor saw nothing of it.
    expect(await scrape(0)).toMatch(/^vrrpscope_capture_reopens_total\{[^}]*\} 0$/m);
  }, 60_000);
});
