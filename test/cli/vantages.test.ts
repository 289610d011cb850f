// Several captures read together, one per vantage point (issue 16): merged in time order, copies of
// one advert on two nodes' wires counted once, and where each router's adverts were seen told.
// The lab recorded one split brain on each node's own interface at once: once with protocol 112
// dropped on n2's INPUT hook (n1's adverts reach n2's wire, n2 discards them), once in the bridge
// (they never reach n2's wire).

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, tempDir } from '../support/cli.js';

const LAB = new URL('../../pcaps/lab/', import.meta.url).pathname;

function readJson(args: string[]): { code: number | null; records: Record<string, any>[]; stderr: string } {
  const r = runCli(['read', '--json', '-q', '--explain', ...args]);
  return { code: r.code, records: r.stdout.trim().split('\n').map((l) => JSON.parse(l)), stderr: r.stderr };
}

function nodes(scenario: string): string[] {
  return ['--vantage', `n1=${LAB}${scenario}.n1.pcap`, '--vantage', `n2=${LAB}${scenario}.n2.pcap`, `${LAB}${scenario}.n1.pcap`, `${LAB}${scenario}.n2.pcap`];
}

describe('read n1.pcap n2.pcap', () => {
  it('a DROP on n2\'s INPUT: n1\'s adverts are on both wires, counted once; the host discards them', () => {
    const { code, records } = readJson(nodes('split-brain-per-node'));
    expect(code).toBe(0);
    const summary = records.at(-1)!;
    expect(summary.vrids).toHaveLength(1);
    const v = summary.vrids[0];
    expect(v.segment).toBeUndefined();
    const n1 = v.routers.find((r: any) => r.src === '10.77.0.11');
    expect(n1.seenAt.n1).toBe(n1.adverts);
    expect(n1.seenAt.n2).toBe(n1.adverts);
    expect(n1.copies).toBe(n1.adverts);
    expect(summary.segmentMerges.map((m: any) => [m.into, m.joined])).toEqual([['n1', 'n2']]);
    const diagnosis = records.find((r) => r.type === 'diagnosis')!;
    const causes = diagnosis.vrids[0].causes.map((c: any) => c.id);
    expect(causes).toContain('host-discards-adverts');
    expect(causes).not.toContain('path-drops-adverts');
  });

  it('a DROP in the bridge towards n2: n1\'s adverts are missing from n2\'s wire; the path drops them', () => {
    const { records } = readJson(nodes('split-brain-bridge-drop'));
    const summary = records.at(-1)!;
    const n1 = summary.vrids[0].routers.find((r: any) => r.src === '10.77.0.11');
    expect(n1.seenAt.n2).toBeLessThan(n1.seenAt.n1 / 2);
    const causes = records.find((r) => r.type === 'diagnosis')!.vrids[0].causes;
    expect(causes[0].id).toBe('path-drops-adverts');
    expect(causes[0].evidence.join(' ')).toContain('only ' + n1.seenAt.n2 + ' times at n2');
    expect(causes.map((c: any) => c.id)).not.toContain('host-discards-adverts');
  });

  it('the same file twice is refused; a file that is no capture is named and the others analysed (exit 2)', () => {
    const twice = runCli(['read', `${LAB}split-brain.pcap`, `${LAB}split-brain.pcap`]);
    expect([twice.code, twice.stderr]).toEqual([2, `vrrpscope: ${LAB}split-brain.pcap is given twice: each vantage point is one capture\n`]);
    const text = join(tempDir(), 'notes.txt');
    writeFileSync(text, 'not a capture\n');
    const mixed = runCli(['read', '-q', `${LAB}split-brain.pcap`, text]);
    expect(mixed.code).toBe(2);
    expect(mixed.stderr).toContain(`${text}: not a pcap or pcapng file`);
    expect(mixed.stdout).toContain('VRID 51 ipv4 VRRPv2');
  });

  it('captures from different days are read one after another, with a note', () => {
    const r = runCli(['read', '-q', `${LAB}split-brain.pcap`, `${LAB}version-mismatch.pcap`]);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('vrrpscope: note: version-mismatch starts after split-brain ends: the captures do not overlap, so they were read one after another\n');
  });
});
