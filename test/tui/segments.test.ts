// The dashboard on a capture of two segments (pcaps/lab/trunk-two-vlans.pcap: VRID 51 on VLAN 10
// and on VLAN 20), in a real terminal (tmux): one row per segment and VRID, each selectable on its
// own, with the segment in the interval line and the detail view's title, and each row's alerts
// its own. A capture of one segment shows no segment anywhere (test/tui/dashboard.test.ts).
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { skipping } from '../support/skip.js';
import { fixture, haveTmux, LAB, REPLAY, Tmux } from './tmux.js';

const TMUX = haveTmux();
const TRUNK = join(LAB, 'trunk-two-vlans.pcap');
const ENDED = /^ \[END\]/m;

const sessions: Tmux[] = [];
afterEach(() => {
  for (const t of sessions.splice(0)) t.kill();
});

function rows(screen: string): string[] {
  return screen.split('\n').filter((l) => /^\s*\d+ v[46] /.test(l)).map((l) => l.trim().split(/\s{2,}|\s(?=OK|DOWN|SPLIT)/)[0]);
}

describe.skipIf(skipping(TMUX ? false : 'tmux is not installed (apt-get install tmux)', 'dashboard segment tests'))('dashboard of a trunk in a real terminal (tmux)', () => {
  it('one row per segment and VRID; Down selects the second, whose interval line, detail title and alerts are its own', async () => {
    const t = new Tmux('segments', 120, 35);
    sessions.push(t);
    t.run(fixture(REPLAY, [TRUNK, '--speed', 'max']));
    let s = await t.waitFor(ENDED, 20_000);
    expect(rows(s)).toEqual(['51 v4 vlan 10', '51 v4 vlan 20']);
    expect(s).toMatch(/intervals +10\.77\.0\.11 \(VRID 51 vlan 10 master\)/);
    t.keys('Down');
    s = await t.waitFor(/intervals +10\.78\.0\.12 \(VRID 51 vlan 20 master\)/, 10_000);
    t.keys('Enter');
    s = await t.waitFor(/^VRID 51 vlan 20 IPv4 VRRPv2/m, 10_000);
    // VLAN 20's master resigned and its backup took over; VLAN 10 kept its master.
    expect(s).toMatch(/Alerts for this VRID \(newest first\)\n {2}\S+ WARN master-change: master of VRID 51 vlan 20 changed from 10\.78\.0\.11 to 10\.78\.0\.12/);
    t.keys('Escape');
    await t.waitFor(ENDED);
    t.keys('Up');
    await t.waitFor(/intervals +10\.77\.0\.11 \(VRID 51 vlan 10 master\)/, 10_000);
    t.keys('Enter');
    s = await t.waitFor(/^VRID 51 vlan 10 IPv4 VRRPv2/m, 10_000);
    expect(s).toMatch(/Alerts for this VRID \(newest first\)\n {2}none\n/);
    t.keys('Escape');
    await t.waitFor(ENDED);
    t.keys('q');
    const { code } = await t.waitForExit();
    expect(code).toBe(0);
  }, 60_000);
});
