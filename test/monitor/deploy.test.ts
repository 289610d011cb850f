// What deploy/ ships: the Prometheus rules (promtool check + its unit tests), the Grafana dashboard
// (valid JSON whose every query names metrics vrrpscope exports) and the systemd unit
// (systemd-analyze verify). Tools that are absent skip with their reason; CI installs them.

import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { PrometheusMetrics } from '../../src/render/metrics.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const DEPLOY = path.join(ROOT, 'deploy');
const RULES = path.join(DEPLOY, 'prometheus/vrrpscope.rules.yml');

function missingTool(tool: string, what: string): string | undefined {
  if (spawnSync('sh', ['-c', `command -v ${tool}`]).status === 0) return undefined;
  const reason = `${tool} not installed (${what})`;
  console.warn(`deploy tests skipped: ${reason}`);
  return reason;
}

/** Every series name vrrpscope exports, with the _bucket/_sum/_count of its histograms. */
async function exportedNames(): Promise<Set<string>> {
  const all = await new PrometheusMetrics({ processMetrics: false }).registry.getMetricsAsJSON();
  const names = new Set<string>();
  for (const m of all) {
    names.add(m.name);
    if (String(m.type) === 'histogram') for (const s of ['_bucket', '_sum', '_count']) names.add(m.name + s);
  }
  return names;
}

function referenced(expr: string): string[] {
  return [...expr.matchAll(/\b(vrrpscope_[a-z0-9_]+)/g)].map((m) => m[1]);
}

describe('Prometheus rules', () => {
  const noPromtool = missingTool('promtool', 'Debian package prometheus');

  it.skipIf(noPromtool)('pass promtool check rules', () => {
    const r = spawnSync('promtool', ['check', 'rules', RULES], { encoding: 'utf8' });
    expect(r.stdout + r.stderr).toMatch(/SUCCESS: 7 rules found/);
    expect(r.status).toBe(0);
  });

  it.skipIf(noPromtool)('pass their unit tests (promtool test rules)', () => {
    const r = spawnSync('promtool', ['test', 'rules', 'vrrpscope.rules.test.yml'], { cwd: path.dirname(RULES), encoding: 'utf8' });
    expect(r.stdout + r.stderr).toMatch(/SUCCESS/);
    expect(r.status).toBe(0);
  });

  it('name only metrics vrrpscope exports', async () => {
    const names = await exportedNames();
    const exprs = [...fs.readFileSync(RULES, 'utf8').matchAll(/vrrpscope_[a-z0-9_]+/g)].map((m) => m[0]);
    expect(exprs.length).toBeGreaterThan(7);
    for (const n of exprs) expect(names, n).toContain(n);
  });
});

describe('Grafana dashboard', () => {
  it('is valid JSON, and every query names metrics vrrpscope exports', async () => {
    const dash = JSON.parse(fs.readFileSync(path.join(DEPLOY, 'grafana/vrrpscope.json'), 'utf8')) as {
      panels: { title: string; targets: { expr: string }[] }[];
      templating: { list: { query: string }[] };
    };
    const names = await exportedNames();
    const exprs = [...dash.panels.flatMap((p) => p.targets.map((t) => t.expr)), ...dash.templating.list.map((t) => t.query)];
    expect(exprs.length).toBeGreaterThan(10);
    for (const e of exprs) {
      const used = referenced(e);
      expect(used.length, e).toBeGreaterThan(0);
      for (const n of used) expect(names, `${n} in ${e}`).toContain(n);
    }
    expect(dash.panels.map((p) => p.title).join('\n')).toMatch(/Mastership timeline per VRID/);
  });
});

describe('systemd unit', () => {
  const noSystemd = missingTool('systemd-analyze', 'Debian package systemd');
  const unit = fs.readFileSync(path.join(DEPLOY, 'systemd/vrrpscope-monitor.service'), 'utf8');

  it('is hardened: two capabilities, a dynamic user, a read-only system', () => {
    expect(unit).toMatch(/^CapabilityBoundingSet=CAP_NET_RAW CAP_NET_ADMIN$/m);
    expect(unit).toMatch(/^AmbientCapabilities=CAP_NET_RAW CAP_NET_ADMIN$/m);
    expect(unit).toMatch(/^DynamicUser=yes$/m);
    expect(unit).toMatch(/^ProtectSystem=strict$/m);
    expect(unit).toMatch(/^NoNewPrivileges=yes$/m);
    expect(unit).toMatch(/^RestartPreventExitStatus=2$/m);
  });

  it.skipIf(noSystemd)('passes systemd-analyze verify (with ExecStart pointed at this build)', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vrrpscope-unit-'));
    const file = path.join(dir, 'vrrpscope-monitor.service');
    fs.writeFileSync(file, unit.replace('/usr/bin/vrrpscope', `${process.execPath} ${path.join(ROOT, 'dist/cli.js')}`));
    const r = spawnSync('systemd-analyze', ['verify', file], { encoding: 'utf8' });
    fs.rmSync(dir, { recursive: true, force: true });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });
});
