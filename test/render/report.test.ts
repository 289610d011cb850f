// The report without a browser: escaping of wire text in HTML and in the script's JSON, the
// bounded advert series, and the command's exit codes and error lines.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { IntervalSeries, SERIES_BUCKETS } from '../../src/render/report/collect.js';
import { escapeHtml, jsonForScript } from '../../src/render/report/html.js';
import { ROOT, runCli, tempDir, vrrpPcap } from '../support/cli.js';

const LAB = path.join(ROOT, 'pcaps', 'lab');

describe('escaping', () => {
  it('HTML text and attributes: markup characters become entities, controls become \\xNN', () => {
    expect(escapeHtml(`<img/src=x onerror="a('1')">&`)).toBe('&lt;img/src=x onerror=&quot;a(&#39;1&#39;)&quot;&gt;&amp;');
    expect(escapeHtml('pw\x1b[31m')).toBe('pw\\x1b[31m');
  });

  it('JSON in a script tag: no </script, <!-- or line separators can form, and it parses back', () => {
    const hostile = { pass: '</script', other: '<!--<script>', amp: 'a&b', seps: 'x\u2028y\u2029z', key: '</SCRIPT >' };
    const json = jsonForScript(hostile);
    expect(json).not.toMatch(/[<>&\u2028\u2029]/);
    expect(JSON.parse(json)).toEqual({ ...hostile, seps: 'x\\u2028y\\u2029z' });
  });
});

describe('advert interval series', () => {
  it('keeps every interval of a short capture', () => {
    const s = new IntervalSeries();
    for (let i = 0; i < 50; i++) s.advert(1000 + i, 1_000_000);
    expect(s.buckets.length / 3).toBe(49);
    // [tMs after the origin, min, max]: the second advert, 1 s after the first.
    expect(s.buckets.slice(0, 3)).toEqual([1000, 1000, 1000]);
  });

  it('stays bounded over a day of adverts and keeps the one long gap as a bucket maximum', () => {
    const s = new IntervalSeries();
    let ts = 0;
    for (let i = 0; i < 86_400; i++) {
      ts += i === 50_000 ? 7.5 : 1;
      s.advert(ts, 0);
    }
    const n = s.buckets.length / 3;
    expect(n).toBeLessThanOrEqual(SERIES_BUCKETS);
    expect(n).toBeGreaterThan(SERIES_BUCKETS / 4);
    const maxima = s.buckets.filter((_, i) => i % 3 === 2);
    const minima = s.buckets.filter((_, i) => i % 3 === 1);
    expect(Math.max(...maxima)).toBe(7500);
    expect(Math.min(...minima)).toBe(1000);
    // Buckets stay in time order.
    const times = s.buckets.filter((_, i) => i % 3 === 0);
    expect(times).toEqual([...times].sort((a, b) => a - b));
  });
});

describe('vrrpscope report', () => {
  it('writes one self-contained page: no external resource, wire passwords never markup', () => {
    const dir = tempDir();
    const pcap = vrrpPcap(path.join(dir, 'hostile.pcap'), [
      { src: '192.0.2.1', spec: { version: 2, vrid: 7, priority: 150, addrs: ['192.0.2.100'], password: '</script' } },
      { src: '192.0.2.2', spec: { version: 2, vrid: 7, priority: 200, addrs: ['192.0.2.100'], password: '<img/src' } },
      { src: '192.0.2.3', spec: { version: 2, vrid: 7, priority: 100, addrs: ['192.0.2.100'], password: '<!--\u2028' } },
    ]);
    const out = path.join(dir, 'r.html');
    const r = runCli(['report', pcap, '-o', out, '--auth-pass', 'x']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const html = fs.readFileSync(out, 'utf8');
    expect(html.match(/<\/script/gi)).toHaveLength(2);
    expect(html.match(/<script/gi)).toHaveLength(2);
    expect(html).not.toMatch(/<img/i);
    expect(html).not.toContain('<!--');
    expect(html).not.toMatch(/\u2028|\u2029/);
    expect(html).not.toMatch(/\b(src|href)=["']?(https?:)?\/\//i);
    expect(html).toContain('PASS &quot;&lt;/script&quot;');
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('reads several files one after another as one capture', () => {
    const dir = tempDir();
    const out = path.join(dir, 'two.html');
    const files = ['failover-crash', 'preempt-restart'].map((s) => path.join(LAB, `${s}.pcap`));
    const r = runCli(['report', ...files, '-o', out]);
    expect(r.code).toBe(0);
    const html = fs.readFileSync(out, 'utf8');
    expect(html).toContain('failover-crash.pcap<br>');
    const data = JSON.parse(/<script type="application\/json" id="report-data">(.*?)<\/script>/s.exec(html)![1]);
    expect(data.capture.frames).toBe(39 + 52);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('bad input: one line, exit 2, and a report of what was read before a broken file', () => {
    const dir = tempDir();
    const out = path.join(dir, 'r.html');
    const gone = runCli(['report', path.join(dir, 'missing.pcap'), '-o', out]);
    expect(gone.code).toBe(2);
    expect(gone.stderr).toMatch(/^vrrpscope: .*missing\.pcap: no such file\n$/);
    expect(fs.existsSync(out)).toBe(false);

    const junk = path.join(dir, 'junk.pcap');
    fs.writeFileSync(junk, 'not a capture at all, just text\n');
    const partly = runCli(['report', path.join(LAB, 'failover-crash.pcap'), junk, '-o', out]);
    expect(partly.code).toBe(2);
    expect(partly.stderr.split('\n')).toHaveLength(2);
    expect(fs.readFileSync(out, 'utf8')).toContain('VRID 51');

    const nowhere = runCli(['report', path.join(LAB, 'failover-crash.pcap'), '-o', path.join(dir, 'no', 'such', 'dir.html')]);
    expect(nowhere.code).toBe(2);
    expect(nowhere.stderr).toMatch(/^vrrpscope: .*dir\.html: no such file\n$/);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('--fail-on sets the exit code as read does', () => {
    const dir = tempDir();
    const r = runCli(['report', path.join(LAB, 'failover-crash.pcap'), '-o', path.join(dir, 'r.html'), '--fail-on', 'critical']);
    expect(r.code).toBe(1);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('is in --help', () => {
    expect(runCli(['--help']).stdout).toMatch(/report \[options\] <files\.\.\.>/);
  });
});

describe('report of a trunk: a panel per (segment, family, VRID)', () => {
  it('VRID 51 on VLAN 10 and VLAN 20, one private VIP on both: two panels, each with its own claims, alerts and diagnosis', async () => {
    const { collectReport } = await import('../../src/report.js');
    const { writeSameVipTrunk } = await import('../support/trunk.js');
    const file = await writeSameVipTrunk(path.join(LAB, 'trunk-two-vlans.pcap'), path.join(tempDir(), 'same-vip.pcap'));
    const { data } = await collectReport([file], {}, (err) => { throw err; });
    const panels: Record<string, (typeof data.vrids)[number]> = Object.fromEntries(data.vrids.map((v) => [v.segment, v]));
    expect(data.vrids.map((v) => [v.key, v.segment]).sort()).toEqual([['ipv4-51-s0', 'vlan 10'], ['ipv4-51-s1', 'vlan 20']]);
    const claimers = (v: (typeof data.vrids)[number]) => {
      expect(v.vips.map((x) => x.addr)).toEqual(['10.77.0.100']);
      const runs = v.vips[0].runs;
      return [...new Set(runs.filter((_, i) => i % 4 === 0).map((m) => data.macs[m]))].sort();
    };
    expect(claimers(panels['vlan 10'])).toEqual(['02:77:00:00:00:01']);
    expect(claimers(panels['vlan 20'])).toEqual(['02:78:00:00:00:01', '02:78:00:00:00:02']);
    expect(panels['vlan 10'].alerts).toEqual([]);
    expect(panels['vlan 20'].alerts.map((i) => [data.alerts[i].kind, data.alerts[i].vr])).toEqual([['master-resigned', 'ipv4-51-s1'], ['master-change', 'ipv4-51-s1']]);
    expect(panels['vlan 20'].diagnosis?.segment).toBe('vlan 20');
    expect(panels['vlan 10'].intervals[0].length / 3).toBe(panels['vlan 10'].routers[0].adverts - 1);
    const { reportHtml } = await import('../../src/render/report/html.js');
    const html = reportHtml(data);
    expect(html).toContain('<span class="title">VRID 51 vlan 20</span>');
    expect(html).toContain('<a href="#vr-ipv4-51-s1">51</a>');
  });
});
