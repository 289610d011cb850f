// `--vrid` speaks of segments (issue 16, item 1): `51` is VRID 51 on every segment, `51@vlan20` on
// the segment the output names `vlan 20` only, `@vlan20` every VRID there. Proof on the lab's trunk
// (VRID 51 on VLAN 10 and on VLAN 20, a failover in VLAN 20 only); a capture of one segment reads
// as it does with a plain `--vrid`.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, tempDir } from '../support/cli.js';

const LAB = new URL('../../pcaps/lab/', import.meta.url).pathname;
const TRUNK = `${LAB}trunk-two-vlans.pcap`;

function records(args: string[]): Record<string, any>[] {
  const r = runCli(['read', '--json', ...args]);
  expect([r.code, r.stderr]).toEqual([0, '']);
  return r.stdout.trim().split('\n').map((l) => JSON.parse(l));
}

describe('--vrid N@SEGMENT', () => {
  it('51@vlan20 keeps VLAN 20 alone: its packets, alerts and summary block', () => {
    const recs = records([TRUNK, '--vrid', '51@vlan20']);
    const packets = recs.filter((r) => r.type === 'vrrp' || r.type === 'arp');
    expect(packets.length).toBeGreaterThan(20);
    expect(new Set(packets.map((p) => JSON.stringify(p.vlans)))).toEqual(new Set(['[20]']));
    expect(recs.filter((r) => r.type === 'alert').map((a) => `${a.kind} ${a.segment}`)).toEqual(['master-resigned vlan 20', 'master-change vlan 20']);
    expect(recs.at(-1)!.vrids.map((v: any) => [v.vrid, v.segment])).toEqual([[51, 'vlan 20']]);
  });

  it('the segment is written as the output names it, spaces and case aside; 51 alone is both segments', () => {
    const vlan10 = runCli(['read', '-q', TRUNK, '--vrid', '51@VLAN 10']);
    expect(vlan10.stdout).toContain('VRID 51 vlan 10 ipv4');
    expect(vlan10.stdout).not.toContain('VRID 51 vlan 20');
    expect(vlan10.stdout).not.toContain('ALERT');
    expect(runCli(['read', '-q', TRUNK, '--vrid', '@vlan10']).stdout).toBe(vlan10.stdout);
    const both = runCli(['read', '-q', TRUNK, '--vrid', '51']);
    expect(both.stdout).toContain('VRID 51 vlan 10 ipv4');
    expect(both.stdout).toContain('VRID 51 vlan 20 ipv4');
    // A VRID named plainly is picked everywhere, whatever else names it on a segment.
    expect(runCli(['read', '-q', TRUNK, '--vrid', '51@vlan10,51']).stdout).toBe(both.stdout);
  });

  it('a capture of one segment: 51@untagged reads as --vrid 51', () => {
    const file = `${LAB}split-brain.pcap`;
    const plain = runCli(['read', file, '--vrid', '51', '--explain']);
    const picked = runCli(['read', file, '--vrid', '51@untagged', '--explain']);
    expect(picked).toEqual(plain);
    expect(plain.stdout).toContain('duplicate-master');
  });

  it('a segment the capture does not show is noted; a bad list is a usage error', () => {
    const r = runCli(['read', '-q', TRUNK, '--vrid', '51@vlan30,51@vlan10']);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('vrrpscope: note: --vrid names segment vlan30, which the capture does not show (its segments: vlan 10, vlan 20)\n');
    expect(r.stdout).toContain('VRID 51 vlan 10 ipv4');
    for (const bad of ['51@', '@', '300@vlan10', 'x@vlan10']) {
      const e = runCli(['read', '-q', TRUNK, '--vrid', bad]);
      expect(e.code, bad).toBe(2);
      expect(e.stderr).toContain(`argument '${bad}' is invalid`);
    }
  });

  it('report --vrid 51@vlan20: the page holds VLAN 20 alone', () => {
    const out = join(tempDir(), 'vlan20.html');
    const r = runCli(['report', TRUNK, '--vrid', '51@vlan20', '-o', out]);
    expect(r.code).toBe(0);
    const html = readFileSync(out, 'utf8');
    expect(html).toContain('10.78.0.12');
    expect(html).not.toContain('10.77.0.11');
  });
});
