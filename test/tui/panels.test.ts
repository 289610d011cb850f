// The dashboard's text, without a terminal: widths, escaping, column dropping, sparkline, log
// marks, filter and the detail view's diagnosis slot, from real captures.
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { AnalyzerSnapshot } from '../../src/analyze/analyzer.js';
import type { Alert } from '../../src/analyze/alerts.js';
import {
  alertLogLines, closedAlerts, detailLines, footerLine, framedLines, helpLines, sparkLines, statusLine, wrap,
  type StatusInfo,
} from '../../src/render/dashboard/panels.js';
import { sparkline } from '../../src/render/dashboard/sparkline.js';
import { headerLine, layoutTable, matchesFilter, rowLine, sortRows } from '../../src/render/dashboard/table.js';
import { cell, clock, COLOR_THEME, MONO_THEME, safe, shortAgo, shortMs } from '../../src/render/dashboard/text.js';
import { NO_SHARED } from '../support/shared.js';
import { itShared } from '../support/skip.js';
import { analyze, LAB, VRRP_PCAP } from './tmux.js';

/** What blessed shows for a tagged line: tags gone, {open}/{close} as braces. */
function visible(line: string): string {
  return line.replace(/\{(\/?)([\w-]*)\}/g, (_m, _slash: string, name: string) => (name === 'open' ? '{' : name === 'close' ? '}' : ''));
}

/** tcpdump's vrrp.pcap analysed: the tests that use it are itShared (skipped without the reference captures). */
let snap: AnalyzerSnapshot;
beforeAll(async () => {
  if (!NO_SHARED) snap = (await analyze(VRRP_PCAP)).snap;
});

const status: StatusInfo = { source: 'vrrp.pcap', filter: null, packets: 165, drops: null, elapsedS: 313, replay: null, note: null };
const view = { displayPaused: false, rowFilter: '', sort: 'vrid' as const };

describe('text cells', () => {
  it('escapes terminal controls and blessed tags, keeping the visible width', () => {
    expect(safe('{red-fg}x{/red-fg}')).toBe('{open}red-fg{close}x{open}/red-fg{close}');
    expect(safe('a\x1b[2Jb')).toBe('a\\x1b[2Jb');
    for (const s of ['{bold}', 'pa\x1bss\x07', 'plain', '}{']) {
      for (const w of [1, 3, 8, 20]) expect(visible(cell(s, w))).toHaveLength(w);
    }
    expect(visible(cell('\x1b[31m', 8))).toBe('\\x1b[31m');
    expect(visible(cell('10.0.0.97', 6))).toBe('10.0.~');
    expect(visible(cell('OK', 5, 'right', COLOR_THEME.bold))).toBe('   OK');
  });

  it('formats durations in at most 6 columns', () => {
    expect([4.24, 180, 1000, 10_004, 185_000, 7_380_000].map(shortMs)).toEqual(['4.2ms', '180ms', '1.00s', '10.0s', '3m05s', '2h03m']);
    expect(shortMs(null)).toBe('-');
    for (let ms = 0.01; ms < 1e9; ms *= 1.7) expect(shortMs(ms).length).toBeLessThanOrEqual(6);
    expect([0, 3700, 59_900, 65_000].map(shortAgo)).toEqual(['0.0s', '3.7s', '59.9s', '1m05s']);
    expect([7, 754, 3723].map(clock)).toEqual(['0:07', '12:34', '1:02:03']);
  });
});

describe('table', () => {
  const ctx = () => ({ nowTs: snap.ts, theme: MONO_THEME });

  itShared('never draws a line wider than the terminal; narrow terminals lose the least important columns first', () => {
    const dropped: Record<number, string[]> = {};
    for (const width of [200, 120, 100, 80, 60, 40, 20]) {
      const layout = layoutTable(snap.vrids, width, ctx());
      dropped[width] = layout.dropped;
      expect(visible(headerLine(layout)).length).toBeLessThanOrEqual(width);
      for (const v of snap.vrids) expect(visible(rowLine(v, layout, ctx())).length).toBeLessThanOrEqual(width);
      expect(layout.columns.slice(0, 2).map((c) => c.col.id)).toEqual(['vrid', 'state']);
    }
    expect(dropped[200]).toEqual([]);
    // IPv6 masters need 24 columns: at 120 the jitter goes, at 80 the MAC and the measured means too.
    expect(dropped[120]).toEqual(['jitter']);
    expect(dropped[80]).toEqual(['jitter', 'mac', 'mean', 'routers', 'adv']);
    expect(dropped[40].slice(0, 5)).toEqual(dropped[80]);
  });

  itShared('a virtual address list that does not fit says how many it left out', () => {
    const layout = layoutTable(snap.vrids, 120, ctx());
    const vips = (vrid: number) => visible(rowLine(snap.vrids.find((v) => v.vrid === vrid)!, layout, ctx())).slice(visible(headerLine(layout)).indexOf('VIRTUAL IPS')).trimEnd();
    expect(vips(42)).toBe('10.4.42.1 +2');
    expect(vips(43)).toBe('10.4.43.150');
    expect(vips(45)).toBe(`fe80::200~ +${snap.vrids.find((v) => v.vrid === 45)!.master!.addrs.length - 1}`);
  });

  itShared('state words are there with and without colour', () => {
    const layout = layoutTable(snap.vrids, 120, ctx());
    const mono = rowLine(snap.vrids[0], layout, ctx());
    const color = rowLine(snap.vrids[0], layout, { nowTs: snap.ts, theme: COLOR_THEME });
    expect(visible(mono)).toMatch(/^ 42 v4 OK /);
    expect(color).toContain('{green-fg}OK{/green-fg}');
    expect(mono).not.toContain('-fg}');
    expect(visible(color)).toBe(visible(mono));
  });

  itShared('a number filters by VRID only, anything else by address, MAC or virtual address', () => {
    const match = (f: string) => snap.vrids.filter((v) => matchesFilter(v, f)).map((v) => v.vrid);
    // fe80::d6ca:6dff:fe65:d45c advertised 45 and 46, but "45" means the VRID.
    expect(match('45')).toEqual([45]);
    expect(match('42 44')).toEqual([42, 44]);
    expect(match('10.0.0.9')).toEqual([42, 43, 44]);
    expect(match('d45c')).toEqual([45, 46]);
    expect(match('10.4.43.')).toEqual([43]);
    expect(match('00:00:5e:00:02')).toEqual([45, 46]);
    expect(match('')).toEqual([42, 43, 44, 45, 46]);
  });

  it('/ filter: a word matches part of the segment name where the capture holds several (an interface, `vlan`)', async () => {
    const { snap: trunk } = await analyze(`${LAB}/trunk-two-vlans.pcap`);
    const match = (f: string) => trunk.vrids.filter((v) => matchesFilter(v, f)).map((v) => `${v.vrid} ${v.segment}`);
    expect(match('vlan')).toEqual(['51 vlan 10', '51 vlan 20']);
    expect(match('VLAN')).toEqual(['51 vlan 10', '51 vlan 20']);
    expect(match('eth')).toEqual([]);
    expect(match('10.78.')).toEqual(['51 vlan 20']);
  });

  itShared('sorts by VRID, by state (worst first) and by last seen (longest silent first)', () => {
    expect(sortRows(snap.vrids, 'vrid').map((v) => v.vrid)).toEqual([42, 43, 44, 45, 46]);
    expect(sortRows(snap.vrids, 'last-seen').map((v) => v.vrid).slice(3).sort()).toEqual([42, 43]);
    const down = { ...snap.vrids[4], state: 'down' as const };
    expect(sortRows([...snap.vrids.slice(0, 4), down], 'state').map((v) => v.vrid)).toEqual([46, 42, 43, 44, 45]);
  });
});

describe('sparkline', () => {
  it('scales from 0 to twice the advertised interval, newest on the right, every sample visible', () => {
    expect(sparkline([1000, 1000, 2000, 3000, 10, 1000], 1000, 10)).toBe('▃▃▅█▁▃');
    expect(sparkline([1000, 1000, 1000], 1000, 2)).toBe('▄▄');
    expect(sparkline([1000, 2000], 1000, 10, false)).toBe('-#');
    expect(sparkline([], 1000, 10)).toBe('');
  });

  itShared('follows the selected row: the master when there is one', () => {
    const [title, blocks] = sparkLines(snap.vrids[0], 120, MONO_THEME, true);
    const m = snap.vrids[0].master!;
    expect(visible(title)).toMatch(new RegExp(`^ intervals ${m.src.replace(/\./g, '\\.')} \\(VRID 42 master\\)`));
    expect(blocks).toBe(' ' + '▄'.repeat(m.recentIntervalsMs.length));
    expect(visible(title).length).toBeLessThanOrEqual(120);
  });
});

describe('status bar, log and overlays', () => {
  itShared('status bar: mode, source, open alerts by severity, position; a note comes right after the mode', () => {
    const replay = { position: 12, total: 165, speed: 0, paused: false, ended: false, spanS: 313 };
    expect(visible(statusLine({ ...status, replay, elapsedS: 83 }, snap, view, 120)).trimEnd())
      .toBe(' [PLAY max]  vrrp.pcap  open alerts: none  pkt 12/165  1:23/5:13  sort: VRID');
    expect(visible(statusLine({ ...status, source: 'eth0', filter: 'vrrp', drops: { dropped: 3, ifDropped: 0 }, note: 'capture stopped' }, snap, { ...view, displayPaused: true, rowFilter: '42' }, 200)).trimEnd())
      .toBe(' [PAUSED]  ! capture stopped  eth0  open alerts: none  165 pkts  5:13  drops 3+0  filter: vrrp  rows: /42  sort: VRID');
    expect(visible(statusLine(status, snap, view, 30))).toHaveLength(30);
  });

  it('alert log: newest first, OPEN while a condition lasts, and c hides only what is over', async () => {
    const file = join(LAB, 'split-brain.pcap');
    const { snap: end } = await analyze(file);
    const open = end.recentAlerts.find((a) => a.kind === 'duplicate-master' && a.status === 'raised')!;
    // The same alert while the split brain lasted: put it back in its VRID's open list.
    const during: AnalyzerSnapshot = {
      ...end,
      recentAlerts: end.recentAlerts.slice(0, end.recentAlerts.indexOf(open) + 1),
      vrids: end.vrids.map((v) => ({ ...v, state: 'split-brain' as const, openAlerts: [open] })),
    };
    const opts = { theme: MONO_THEME, width: 100, rows: 20, hidden: new WeakSet<Alert>(), vrids: null };
    const lines = alertLogLines(during, opts).map(visible);
    expect(lines[0]).toMatch(/^\d\d:\d\d:\d\d\.\d{3} CRIT OPEN {2}51 v4 {2}split brain: /);
    for (const l of lines) expect(l.length).toBeLessThanOrEqual(100);
    closedAlerts(during, opts.hidden);
    expect(alertLogLines(during, opts).map(visible).filter((l) => l.includes(' OPEN '))).toHaveLength(1);
    expect(alertLogLines(during, opts)).toHaveLength(1);
    // Once it clears it shows as ended, with its cleared record above it.
    const after = alertLogLines(end, opts).map(visible);
    expect(after.some((l) => / CRIT ended 51 v4 {2}split brain: /.test(l))).toBe(true);
    expect(after.some((l) => / CRIT clear 51 v4 {2}cleared: /.test(l))).toBe(true);
  });

  it('help and footer fit 80 columns', () => {
    const framed = framedLines(' help ', helpLines({ replay: true }), 80, 22);
    expect(framed).toHaveLength(22);
    for (const l of framed) expect(visible(l).length).toBeLessThanOrEqual(80);
    expect(visible(framed[0])).toMatch(/^\+- help -+\+$/);
    for (const mode of ['main', 'detail', 'help'] as const) {
      expect(visible(footerLine(mode, true, 'last-seen', 80))).not.toMatch(/~$/);
    }
  });
});

describe('detail view', () => {
  it('wraps at the width, keeps double spaces, cuts words longer than a line and escapes', () => {
    expect(wrap('aa  bb cc', 5)).toEqual(['aa', 'bb cc']);
    expect(wrap('aa  bb cc', 20, 2)).toEqual(['  aa  bb cc']);
    expect(wrap('x abcdefghij', 6, 0, 2)).toEqual(['x', '  abcd', '  efgh', '  ij']);
    expect(wrap('pass {bold}\x1b', 40)).toEqual(['pass {open}bold{close}\\x1b']);
    for (const l of wrap('word '.repeat(50), 23, 2, 4)) expect(l.length).toBeLessThanOrEqual(23);
  });

  itShared('lists every router heard and the master history; the diagnosis slot sits under the title', () => {
    const v = snap.vrids[0];
    const plain = detailLines(v, snap, 120, MONO_THEME).map(visible);
    expect(plain[0]).toBe(`VRID 42 IPv4 VRRPv2  OK`);
    expect(plain).toContain(`Routers heard (${v.routers.length})`);
    expect(plain).not.toContain('Diagnosis');
    for (const r of v.routers) expect(plain.some((l) => l.startsWith(`  ${r.src}  `))).toBe(true);
    expect(plain.filter((l) => l.includes('auth password "abcdefgh"'))).toHaveLength(v.routers.length);
    const withDiagnosis = detailLines(v, snap, 120, MONO_THEME, { diagnosis: (x) => [`VRID ${x.vrid} {looks} fine`] }).map(visible);
    const at = withDiagnosis.indexOf('Diagnosis');
    expect(at).toBeGreaterThan(0);
    expect(at).toBeLessThan(withDiagnosis.indexOf(`Routers heard (${v.routers.length})`));
    expect(withDiagnosis[at + 1]).toBe('  VRID 42 {looks} fine');
    for (const l of withDiagnosis) expect(l.length).toBeLessThanOrEqual(120);
  });
});

describe('detail view diagnosis (the same as --explain)', () => {
  it('names the cause of the lab split brain, with the fix', async () => {
    const { diagnosisExtras } = await import('../../src/tui.js');
    const { snap: s } = await analyze(join(LAB, 'split-brain.pcap'));
    const lines = detailLines(s.vrids[0], s, 120, MONO_THEME, diagnosisExtras()).map(visible).join('\n');
    expect(lines).toContain('Both masters are visible here with equal configuration');
    expect(lines).toContain('fix: on each node, allow IP protocol 112');
    expect(lines).toContain("cannot tell: which of the nodes discards the adverts");
  });
});
