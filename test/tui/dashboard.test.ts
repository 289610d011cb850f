// The dashboard end to end: the real program in a real terminal (tmux), replaying real captures.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { vrrpPcap } from '../support/cli.js';
import { itShared, skipping } from '../support/skip.js';
import type { VridSnapshot } from '../../src/analyze/analyzer.js';
import { fmtMs } from '../../src/duration.js';
import { MONO } from '../../src/render/color.js';
import { SEVERITY_WORDS, STATE_RANK, timeMs } from '../../src/render/dashboard/text.js';
import { STATE_WORDS, summaryText } from '../../src/render/summary.js';
import { analyze, fixture, haveTmux, LAB, LIVE, readPid, REPLAY, Tmux, VRRP_PCAP } from './tmux.js';

const TMUX = haveTmux();
const title = TMUX ? 'dashboard in a real terminal (tmux)' : 'dashboard in a real terminal: SKIPPED, tmux is not installed (apt-get install tmux)';

const sessions: Tmux[] = [];
function session(tag: string, width = 120, height = 35): Tmux {
  const t = new Tmux(tag, width, height);
  sessions.push(t);
  return t;
}

let dir = '';
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'vrrpscope-tui-'));
});
afterEach(() => {
  for (const t of sessions.splice(0)) t.kill();
});
afterAll(() => {
  for (const t of sessions.splice(0)) t.kill();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** The table row of one VRID, split into words. */
function row(screen: string, vrid: number): string[] {
  const line = screen.split('\n').find((l) => new RegExp(`^\\s*${vrid} v[46] `).test(l));
  if (!line) throw new Error(`no row for VRID ${vrid} on screen:\n${screen}`);
  return line.trim().split(/\s+/);
}

function rowOrder(screen: string): number[] {
  return screen.split('\n').flatMap((l) => {
    const m = /^\s*(\d+) v[46] /.exec(l);
    return m ? [Number(m[1])] : [];
  });
}

/** The alert log's lines (they start with a time of day). */
function logLines(screen: string): string[] {
  return screen.split('\n').filter((l) => /^\d\d:\d\d:\d\d\.\d{3} /.test(l));
}

/** A right-aligned table cell, found under its header. */
function rightCell(screen: string, vrid: number, header: string): string {
  const lines = screen.split('\n');
  const end = lines[1].indexOf(header) + header.length;
  const line = lines.find((l) => new RegExp(`^\\s*${vrid} v[46] `).test(l))!;
  return line.slice(0, end).split(' ').at(-1)!;
}

/** Lines without trailing spaces, for comparing text the terminal wrapped and tmux joined. */
function plain(text: string): string {
  return text.split('\n').map((l) => l.trimEnd()).join('\n').trim();
}

function statusField(screen: string, re: RegExp): string {
  const m = re.exec(screen.split('\n')[0]);
  if (!m) throw new Error(`status bar does not match ${re}: ${screen.split('\n')[0]}`);
  return m[1];
}

const ENDED = /^ \[END\]/;

describe.skipIf(skipping(TMUX ? false : 'tmux is not installed (apt-get install tmux)', 'dashboard tests'))(title, () => {
  itShared('replays vrrp.pcap: one row per VRID with state, master, priority, changes and routers, as the analyzer has them', async () => {
    const { snap } = await analyze(VRRP_PCAP);
    const t = session('rows');
    t.run(fixture(REPLAY, [VRRP_PCAP, '--speed', 'max']));
    const s = await t.waitFor(ENDED);
    expect(s.split('\n')[0]).toMatch(/^ \[END\] {2}vrrp\.pcap {2}open alerts: .* {2}pkt 165\/165 {2}5:13\/5:13 {2}sort: VRID$/);
    expect(rowOrder(s)).toEqual([42, 43, 44, 45, 46]);
    const header = s.split('\n')[1].trim().split(/\s+/);
    expect(header.slice(0, 3)).toEqual(['VRID', 'STATE', 'MASTER']);
    expect(header).toEqual(expect.arrayContaining(['PRIO', 'ADV', 'LAST', 'SEEN', 'CHG', 'RTR']));
    for (const v of snap.vrids) {
      const m = v.master!;
      const words = [String(v.vrid), v.family === 'ipv4' ? 'v4' : 'v6', ...STATE_WORDS[v.state].split(' '), m.src, m.mac!, ...(m.vmac ? ['V'] : []), String(m.priority)];
      expect(row(s, v.vrid).slice(0, words.length)).toEqual(words);
      expect(rightCell(s, v.vrid, 'CHG')).toBe(String(v.masterChangeCount));
      expect(rightCell(s, v.vrid, 'RTR')).toBe(String(v.routers.length));
      expect(rightCell(s, v.vrid, 'ADV')).toBe('10.0s');
    }
    // Known facts of this capture, whatever the analyzer's rules: VMAC sources, 7 routers, 10.0.0.97 last.
    expect(row(s, 42).slice(0, 3)).toEqual(['42', 'v4', 'OK']);
    expect(row(s, 42)).toEqual(expect.arrayContaining(['10.0.0.97', '00:00:5e:00:01:2a', 'V', '197', '10.4.42.1']));
    expect(rightCell(s, 42, 'RTR')).toBe('7');
    // The sparkline of the selected row's master: its recent intervals, half height for 10 s of 10 s advertised.
    const m42 = snap.vrids[0].master!;
    expect(s).toMatch(new RegExp(`intervals 10\\.0\\.0\\.97 \\(VRID 42 master\\) +last ${m42.recentIntervalsMs.length}: min 10\\.0s`));
    expect(s).toContain(`\n ${'▄'.repeat(m42.recentIntervalsMs.length)}\n`);
    // Alert log, newest on top.
    const log = logLines(s);
    const newest = snap.recentAlerts.at(-1)!;
    expect(log[0].startsWith(`${timeMs(newest.ts)} ${SEVERITY_WORDS[newest.severity]} `)).toBe(true);
    expect(log[0]).toContain(newest.message.slice(0, 40));
    expect(log.length).toBe(Math.min(snap.recentAlerts.length, 35 - 2 - 1 - 5 - 2 - 1));
    expect(s.split('\n').at(-1)).toMatch(/^ q quit {2}p pause {2}Right step {2}Enter detail {2}s sort:VRID {2}\/ filter {2}c clear {2}\? help/);
  });

  itShared('Enter opens the detail view of the selected VRID and Esc goes back', async () => {
    const { snap } = await analyze(VRRP_PCAP);
    const v = snap.vrids.find((x) => x.vrid === 44)!;
    const m = v.master!;
    const t = session('detail');
    t.run(fixture(REPLAY, [VRRP_PCAP, '--speed', 'max']));
    await t.waitFor(ENDED);
    t.keys('Down', 'Down');
    await t.waitFor(/intervals 10\.0\.0\.97 \(VRID 44 master\)/);
    t.keys('Enter');
    let s = await t.waitFor(/Routers heard/);
    expect(s).toContain(`\nVRID 44 IPv4 VRRPv3  ${STATE_WORDS[v.state]}\n`);
    expect(s).toContain(`\n  master ${m.src} ${m.mac} (VMAC) prio ${m.priority}, since ${timeMs(v.masterSince!)}`);
    expect(s).toContain(`Routers heard (${v.routers.length})`);
    expect(s).toMatch(new RegExp(`^ {2}10\\.0\\.0\\.97 {2}master {2}prio 197 {2}MAC 00:00:5e:00:01:2c \\(VMAC\\) {2}VRRPv3 {2}${m.adverts} adverts$`, 'm'));
    expect(s).toMatch(/^ {6}auth none \(VRRPv3\) {2}TTL 255 {2}destination 224\.0\.0\.18 \(group\) {2}checksum v3$/m);
    expect(s).toContain(`\n      virtual IPs ${m.addrs.join(' ')}\n`);
    // Page through the whole view.
    let all = s;
    while (!s.includes('-- end --')) {
      const before = s;
      t.keys('PageDown');
      s = await t.waitFor((x) => x !== before);
      all += '\n' + s;
    }
    s = all;
    // Master history with the gap before each spell, then the changes with their handover gaps.
    expect(s).toMatch(/Master history \(newest first\)\n {2}from {10}until {9}master {5}prio {2}held {5}gap before/);
    expect(s).toContain(`\n  ${timeMs(v.masterSince!)}  now           10.0.0.97  197 `);
    const c = v.masterChanges.at(-1)!;
    expect(s).toContain(`  ${timeMs(c.ts)}  ${c.from} -> ${c.to}  ${c.reason}, handover gap ${fmtMs(c.gapMs!)}`);
    expect(s).toContain('Alerts for this VRID (newest first)');
    expect(s.split('\n').at(-1)).toMatch(/^ Esc back {2}Up\/Down scroll/);
    t.keys('Escape');
    s = await t.waitFor(/^VRID +STATE/m);
    expect(rowOrder(s)).toEqual([42, 43, 44, 45, 46]);
  });

  it('passwords and other wire text are escaped, braces included', async () => {
    // Router .1 sends a password that is blessed markup, router .2 one that would clear the screen.
    const file = vrrpPcap(join(dir, 'hostile.pcap'), [
      { src: '10.9.0.1', spec: { version: 2, vrid: 7, priority: 200, addrs: ['10.9.0.100'], password: '{red-fg}' } },
      { src: '10.9.0.2', spec: { version: 2, vrid: 7, priority: 100, addrs: ['10.9.0.100'], password: '\x1b[2J\x1bc}{' } },
      { src: '10.9.0.1', spec: { version: 2, vrid: 7, priority: 200, addrs: ['10.9.0.100'], password: '{red-fg}' } },
    ]);
    const t = session('escape');
    t.run(fixture(REPLAY, [file, '--speed', 'max']));
    await t.waitFor(ENDED);
    t.keys('Enter');
    const s = await t.waitFor(/Routers heard \(2\)/);
    expect(s).toContain('auth password "{red-fg}"');
    expect(s).toContain('auth password "\\x1b[2J\\x1bc}{"');
    // The markup did not restyle anything: the line with it has no red in it.
    const line = t.screen(true).split('\n').find((l) => l.includes('password "{red-fg}"'))!;
    expect(line).not.toMatch(/\x1b\[[0-9;]*31m/);
  });

  itShared('? opens the help overlay and Esc closes it', async () => {
    const t = session('help');
    t.run(fixture(REPLAY, [VRRP_PCAP, '--speed', 'max']));
    await t.waitFor(ENDED);
    t.keys('?');
    let s = await t.waitFor(/\+- help -+\+/);
    expect(s).toMatch(/\| {3}Right {9}step to the next packet \(pauses playback\)/);
    expect(s).toMatch(/\| {3}q, Ctrl-C {5}quit and print the session summary/);
    expect(s.split('\n').at(-1)).toMatch(/^ Esc close {2}q quit/);
    t.keys('Escape');
    s = await t.waitFor((x) => !x.includes('+- help'));
    expect(rowOrder(s)).toEqual([42, 43, 44, 45, 46]);
  });

  itShared('/ filters rows by VRID or address, s cycles the sort', async () => {
    const { snap } = await analyze(VRRP_PCAP);
    const t = session('filter');
    t.run(fixture(REPLAY, [VRRP_PCAP, '--speed', 'max']));
    await t.waitFor(ENDED);
    t.keys('/');
    await t.waitFor(/filter rows by VRID or address: _/);
    t.type('45');
    let s = await t.waitFor((x) => rowOrder(x).join() === '45');
    t.keys('Enter');
    s = await t.waitFor(/rows: \/45/);
    expect(rowOrder(s)).toEqual([45]);
    // Alerts follow the filter: only VRID 45's.
    expect(new Set(logLines(s).map((l) => l.slice(24, 30).trim()))).toEqual(new Set(['45 v6']));
    // An address: the IPv6 virtual addresses of 45 and 46 share fe80::200:5eff:fe00:2.
    t.keys('/', 'BSpace', 'BSpace');
    t.type('fe80::200:5eff:fe00:2');
    t.keys('Enter');
    s = await t.waitFor((x) => rowOrder(x).join() === '45,46');
    // Escape in the table clears the filter.
    t.keys('Escape');
    s = await t.waitFor((x) => rowOrder(x).length === 5);
    expect(s.split('\n')[0]).not.toContain('rows:');
    const byVrid = (a: VridSnapshot, b: VridSnapshot) => a.vrid - b.vrid;
    t.keys('s');
    s = await t.waitFor(/sort: state/);
    expect(rowOrder(s)).toEqual([...snap.vrids].sort((a, b) => STATE_RANK[a.state] - STATE_RANK[b.state] || byVrid(a, b)).map((v) => v.vrid));
    // Last seen: the longest silent first.
    t.keys('s');
    s = await t.waitFor(/sort: last seen/);
    expect(rowOrder(s)).toEqual([...snap.vrids].sort((a, b) => a.lastAdvertTs - b.lastAdvertTs || byVrid(a, b)).map((v) => v.vrid));
    expect(rowOrder(s).slice(3).sort()).toEqual([42, 43]);
    t.keys('s');
    s = await t.waitFor(/sort: VRID/);
    expect(rowOrder(s)).toEqual([42, 43, 44, 45, 46]);
  });

  itShared('reflows to 80x24 by dropping the least important columns, never wrapping', async () => {
    const t = session('resize');
    t.run(fixture(REPLAY, [VRRP_PCAP, '--speed', 'max']));
    await t.waitFor(ENDED);
    expect(t.screen().split('\n')[1]).toContain('MAC (V=VMAC)');
    t.resize(80, 24);
    const s = await t.waitFor((x) => !x.split('\n')[1].includes('MAC'));
    const lines = s.split('\n');
    expect(lines.length).toBeLessThanOrEqual(25);
    for (const l of lines) expect(l.length).toBeLessThanOrEqual(80);
    expect(lines[1].trim().split(/\s+/).slice(0, 3)).toEqual(['VRID', 'STATE', 'MASTER']);
    expect(lines[1]).toContain('SEEN');
    expect(lines[1]).not.toContain('JITTER');
    // Still one line per VRID, each complete up to its state and master.
    expect(rowOrder(s)).toEqual([42, 43, 44, 45, 46]);
    expect(row(s, 46).slice(0, 4)).toEqual(['46', 'v6', 'OK', 'fe80::20c:42ff:fe5e:c2dc']);
    expect(lines.at(-1)).toMatch(/^ q quit p pause Right step Enter detail s sort \/ filter c clear \? help/);
    // And back.
    t.resize(120, 35);
    await t.waitFor((x) => x.split('\n')[1].includes('MAC (V=VMAC)'));
  });

  itShared('plays in real time: SEEN counts up, p pauses, Right steps one packet, p resumes', async () => {
    const t = session('pause');
    t.run(fixture(REPLAY, [VRRP_PCAP]));
    let s = await t.waitFor(/^ \[PLAY x1\] +vrrp\.pcap .*pkt 2\/165/m, 10_000);
    const seen0 = parseFloat(rightCell(s, 42, 'SEEN'));
    s = await t.waitFor((x) => /pkt [23]\/165/.test(x) && parseFloat(rightCell(x, 42, 'SEEN')) >= seen0 + 1, 5000, 'SEEN to count up');
    t.keys('p');
    s = await t.waitFor(/^ \[PAUSED x1\]/m);
    const pos = statusField(s, /pkt (\d+)\/165/);
    const clock = statusField(s, / (\d+:\d\d)\/5:13/);
    await new Promise((r) => setTimeout(r, 1200));
    s = t.screen();
    expect(statusField(s, /pkt (\d+)\/165/)).toBe(pos);
    expect(statusField(s, / (\d+:\d\d)\/5:13/)).toBe(clock);
    // Right: the next packet, and packet time jumps to it (packet 3 is VRID 44 at 21:55:09.07).
    t.keys('Right');
    s = await t.waitFor((x) => statusField(x, /pkt (\d+)\/165/) === String(Number(pos) + 1));
    expect(s.split('\n')[0]).toMatch(/^ \[PAUSED x1\]/);
    t.keys('p');
    await t.waitFor(/^ \[PLAY x1\]/m);
  });

  it('split brain: the row turns SPLIT BRAIN with the alert OPEN until it clears; c keeps open alerts', async () => {
    const file = join(LAB, 'split-brain.pcap');
    const { snap } = await analyze(file);
    const t = session('split');
    t.run(fixture(REPLAY, [file, '--speed', '2']));
    let s = await t.waitFor(/^\s+51 v4 SPLIT BRAIN /m, 20_000);
    t.keys('p');
    s = await t.waitFor(/^ \[PAUSED x2\] +split-brain\.pcap +open alerts: \d+ critical/m);
    expect(row(s, 51).slice(0, 5)).toEqual(['51', 'v4', 'SPLIT', 'BRAIN', '10.77.0.11']);
    expect(s).toMatch(/^\d\d:\d\d:\d\d\.\d{3} CRIT OPEN +51 v4 +split brain: 10\.77\.0\.11 \(prio 150, 02:77:00:00:00:01\) and 10\.77\.0\.12/m);
    // c clears what is closed; the open split brain stays.
    t.keys('c');
    s = await t.waitFor((x) => logLines(x).every((l) => / OPEN +51 v4 /.test(l)), 5000, 'only open alerts in the log');
    expect(logLines(s).some((l) => / CRIT OPEN +51 v4 +split brain/.test(l))).toBe(true);
    t.keys('p');
    s = await t.waitFor(ENDED, 30_000);
    const v = snap.vrids[0];
    expect(row(s, 51).slice(0, 2 + STATE_WORDS[v.state].split(' ').length + 1)).toEqual(['51', 'v4', ...STATE_WORDS[v.state].split(' '), v.master!.src]);
    // The split brain ended: its line is no longer OPEN and its cleared record is logged.
    expect(v.openAlerts.some((a) => a.kind === 'duplicate-master')).toBe(false);
    expect(s).toMatch(/^\d\d:\d\d:\d\d\.\d{3} CRIT clear +51 v4 +cleared: /m);
    expect(s).toMatch(/^\d\d:\d\d:\d\d\.\d{3} CRIT ended +51 v4 +split brain/m);
  }, 60_000);

  it('failover after a crash: DOWN fires at its replay-time deadline, then the backup is master', async () => {
    const file = join(LAB, 'failover-crash.pcap');
    const t = session('down');
    t.run(fixture(REPLAY, [file, '--speed', '1']));
    // Between the missed-advert deadline and the backup's first advert as master: about 0.6 s.
    let s = await t.waitFor(/^\s+51 v4 DOWN /m, 30_000);
    expect(row(s, 51)[3]).toBe('10.77.0.11');
    expect(s).toMatch(/CRIT OPEN +51 v4 +master 10\.77\.0\.11 of VRID 51 missed three adverts/);
    s = await t.waitFor(/^\s+51 v4 OK +10\.77\.0\.12 /m, 5000);
    expect(s).toMatch(/CRIT ended +51 v4 +master 10\.77\.0\.11 of VRID 51 missed three adverts/);
    expect(s).toMatch(/WARN +51 v4 +master of VRID 51 changed from 10\.77\.0\.11 to 10\.77\.0\.12/);
    expect(rightCell(s, 51, 'CHG')).toBe('1');
  }, 60_000);

  itShared('--mono draws no colour at all; the default draws the states in colour', async () => {
    const mono = session('mono');
    mono.run(fixture(REPLAY, [VRRP_PCAP, '--speed', 'max', '--mono']));
    await mono.waitFor(ENDED);
    const m = mono.screen(true);
    expect(m).toMatch(/42 v4 OK /);
    expect(m).not.toMatch(/\x1b\[[0-9;]*(3[0-7]|9[0-7]|38;[25])[;m]/);
    const color = session('color');
    color.run(fixture(REPLAY, [VRRP_PCAP, '--speed', 'max']));
    await color.waitFor(ENDED);
    expect(color.screen(true)).toMatch(/\x1b\[[0-9;]*32m\s*OK/);
  });

  itShared('NO_COLOR gives the mono dashboard', async () => {
    const t = session('nocolor');
    t.run(fixture(REPLAY, [VRRP_PCAP, '--speed', 'max'], { NO_COLOR: '1' }));
    await t.waitFor(ENDED);
    expect(t.screen(true)).not.toMatch(/\x1b\[[0-9;]*(3[0-7]|9[0-7]|38;[25])[;m]/);
  });

  itShared('q restores the terminal and prints the session summary', async () => {
    const { snap, pipeline } = await analyze(VRRP_PCAP);
    const t = session('quit');
    t.run(fixture(REPLAY, [VRRP_PCAP, '--speed', 'max']));
    await t.waitFor(ENDED);
    expect(t.alternateOn()).toBe(true);
    t.keys('q');
    const { code, screen } = await t.waitForExit();
    expect(code).toBe(0);
    expect(t.alternateOn()).toBe(false);
    const summary = plain(summaryText(snap, { frames: 165 }, pipeline.firstTs, MONO));
    expect(plain(screen)).toContain(summary);
    // On the normal screen, after the command line and before the shell took over again.
    expect(plain(screen).indexOf(summary)).toBeGreaterThan(plain(screen).indexOf('--speed max'));
    expect(plain(screen).indexOf(summary)).toBeLessThan(plain(screen).indexOf('EXIT=0'));
  });

  itShared('SIGTERM restores the terminal and still prints the summary', async () => {
    const pidFile = join(dir, 'sigterm.pid');
    const t = session('sigterm');
    t.run(fixture(REPLAY, [VRRP_PCAP, '--speed', 'max'], { VRRPSCOPE_TEST_PIDFILE: pidFile }));
    await t.waitFor(ENDED);
    process.kill(await readPid(pidFile), 'SIGTERM');
    const { code, screen } = await t.waitForExit();
    expect(code).toBe(0);
    expect(t.alternateOn()).toBe(false);
    expect(screen).toContain('\nSummary\n  capture: 165 frames, ');
  });

  itShared('an exception restores the terminal before the error is reported', async () => {
    const t = session('exception');
    t.run(fixture(REPLAY, [VRRP_PCAP, '--speed', 'max'], { VRRPSCOPE_TEST_THROW_MS: '2500' }));
    await t.waitFor(ENDED);
    const { code, screen } = await t.waitForExit();
    expect(code).toBe(2);
    expect(screen).toContain('vrrpscope: internal error: Error: deliberate test exception');
  });

  it('live: status bar with interface, filter, drops; p freezes the display while capture goes on; q prints the summary', async () => {
    const file = join(LAB, 'failover-graceful.pcap');
    const t = session('live');
    t.run(fixture(LIVE, [file, 'br-test', 'vrrp or arp']));
    let s = await t.waitFor(/^ \[LIVE\] +br-test .* pkts +0:0\d +drops 2\+1 +filter: vrrp or arp/m, 15_000);
    s = await t.waitFor((x) => rowOrder(x).length > 0, 15_000);
    t.keys('p');
    s = await t.waitFor(/^ \[PAUSED\] +br-test/m);
    const frozen = s.split('\n').slice(1, 4).join('\n');
    const pkts = Number(statusField(s, / (\d+) pkts/));
    // Capture and analysis go on (the packet counter moves); the table does not.
    s = await t.waitFor((x) => Number(statusField(x, / (\d+) pkts/)) > pkts, 10_000, 'the packet counter to move');
    expect(s.split('\n').slice(1, 4).join('\n')).toBe(frozen);
    t.keys('p');
    await t.waitFor(/^ \[LIVE\]/m);
    t.keys('q');
    const { screen } = await t.waitForExit();
    expect(screen).toMatch(/libpcap: \d+ received, 2 dropped by kernel, 1 dropped by interface/);
  }, 40_000);
});
