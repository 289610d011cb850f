// tag-merge.ts builds trunk-two-vlans.pcap from two untagged bridge captures: every frame gets one
// 802.1Q tag and is otherwise unchanged, and the merge keeps every frame, in time order.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { peekPcap, readPcap } from '../../scripts/lab/pcap-peek.js';
import { tagFrame, tagMerge } from '../../scripts/lab/tag-merge.js';
import { ROOT } from '../support/cli.js';

const lab = (f: string) => fs.readFileSync(path.join(ROOT, 'pcaps/lab', f));

describe('tag-merge', () => {
  it('inserts the tag after the MAC addresses and leaves the rest of the frame alone', () => {
    const [frame] = readPcap(lab('failover-graceful.pcap')).records.map((r) => r.data);
    const tagged = tagFrame(frame, 20);
    expect(tagged.length).toBe(frame.length + 4);
    expect([...tagged.subarray(0, 12)]).toEqual([...frame.subarray(0, 12)]);
    expect([...tagged.subarray(12, 16)]).toEqual([0x81, 0x00, 0x00, 20]);
    expect([...tagged.subarray(16)]).toEqual([...frame.subarray(12)]);
  });

  it('merges two real captures: every frame once, tagged with its input\'s VLAN, in time order', () => {
    const a = lab('failover-graceful.pcap');
    const b = lab('vrrp3-ipv4.pcap');
    const merged = peekPcap(tagMerge([{ vlan: 10, pcap: a }, { vlan: 4094, pcap: b }]));
    const [pa, pb] = [peekPcap(a), peekPcap(b)];
    expect(merged).toHaveLength(pa.length + pb.length);
    expect(merged.every((p, i) => i === 0 || p.ts >= merged[i - 1].ts)).toBe(true);
    const strip = (p: (typeof merged)[number]) => ({ ...p, vlans: [] });
    expect(merged.filter((p) => p.vlans[0] === 10).map(strip)).toEqual(pa);
    expect(merged.filter((p) => p.vlans[0] === 4094).map(strip)).toEqual(pb);
    expect(merged.every((p) => p.vlans.length === 1)).toBe(true);
  });

  it('refuses what it cannot tag: Linux cooked captures and VLAN IDs outside 1..4094', () => {
    expect(() => tagMerge([{ vlan: 10, pcap: lab('any-bridge-host.pcap') }])).toThrow(/only Ethernet/);
    expect(() => tagMerge([{ vlan: 4095, pcap: lab('garp.pcap') }])).toThrow(/not 1\.\.4094/);
  });
});
