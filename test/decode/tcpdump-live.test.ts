// Cross-check with the tcpdump on this machine: frames from the test encoder, with
// addresses chosen to exercise every IPv6 spelling rule, written to a pcap and printed
// by tcpdump -v. Both must agree on every field. Skipped where tcpdump is not installed.

import fc from 'fast-check';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Frame } from '../../src/frame.js';
import { decodeFrame } from '../../src/decode/index.js';
import type { VrrpPacket } from '../../src/decode/types.js';
import { vrrpFrame, type LinkSpec } from '../support/encode.js';
import { NO_TCPDUMP, parseTcpdump, pcapBytes, tcpdumpVerbose } from '../support/tcpdump.js';
import { skipping } from '../support/skip.js';

const octet = fc.integer({ min: 0, max: 255 });
const v4 = fc.tuple(octet, octet, octet, octet).map((o) => o.join('.'));
// Zero-heavy groups so that runs of zeros, ties, mapped and compatible forms all occur.
const group = fc.oneof(fc.constant(0), fc.constant(0), fc.constant(0), fc.constant(0xffff), fc.integer({ min: 0, max: 0xffff }));
const v6 = fc.array(group, { minLength: 8, maxLength: 8 }).map((g) => g.map((x) => x.toString(16)).join(':'));
const linkLocal = fc.array(fc.integer({ min: 0, max: 0xffff }), { minLength: 4, maxLength: 4 }).map((g) => `fe80::${g.map((x) => x.toString(16)).join(':')}`);
const password = fc.stringMatching(/^[A-Za-z0-9]{1,8}$/);

const advert = fc.oneof(
  fc.record({ family: fc.constant('ipv4' as const), version: fc.constant(2), vrid: octet, priority: octet, addrs: fc.array(v4, { maxLength: 20 }), password: fc.option(password, { nil: undefined }), intervalS: fc.integer({ min: 1, max: 255 }), src: v4 }),
  fc.record({ family: fc.constant('ipv4' as const), version: fc.constant(3), vrid: octet, priority: octet, addrs: fc.array(v4, { maxLength: 20 }), intervalCs: fc.integer({ min: 1, max: 4095 }), src: v4 }),
  fc.record({ family: fc.constant('ipv6' as const), version: fc.constant(3), vrid: octet, priority: octet, addrs: fc.array(fc.oneof(v6, linkLocal), { maxLength: 20 }), intervalCs: fc.integer({ min: 1, max: 4095 }), src: fc.oneof(linkLocal, v6) }),
);

function frames(link: LinkSpec, seed: number): Frame[] {
  return fc.sample(advert, { numRuns: 150, seed }).map((a, i) =>
    vrrpFrame({
      link,
      ip: { family: a.family, src: a.src },
      vrrp: { ...a },
      frame: { ts: 1_700_000_000 + i + 0.000001 * i, record: i + 1 },
    }),
  );
}

describe.skipIf(skipping(NO_TCPDUMP, 'tcpdump comparisons'))('tcpdump on this machine agrees with us', () => {
  const links: [string, LinkSpec][] = [
    ['ethernet', { kind: 'ethernet', vlans: [12] }],
    ['sll2', { kind: 'sll2' }],
    ['raw', { kind: 'raw' }],
  ];
  links.forEach(([name, link], n) => {
    it(`${name}: 150 random advertisements`, () => {
      const list = frames(link, 42 + n);
      const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'vrrpscope-')), `${name}.pcap`);
      fs.writeFileSync(file, pcapBytes(list[0].linkType, list));
      const out = tcpdumpVerbose(file);
      expect(out).toBeDefined();
      expect(out).not.toContain('bad vrrp cksum');
      const printed = parseTcpdump(out!);
      expect(printed.length).toBe(list.length);
      list.forEach((f, i) => {
        const p = decodeFrame(f) as VrrpPacket;
        const t = printed[i];
        const where = `${name} #${i + 1}`;
        expect(p.kind, where).toBe('vrrp');
        expect([p.ip.src, p.ip.dst, p.ip.ttl], where).toEqual([t.src, t.dst, t.ttl]);
        expect([p.version, p.vrid, p.priority, p.intervalMs, p.ip.payloadLength], where).toEqual([t.version, t.vrid, t.priority, t.intervalMs, t.length]);
        expect(p.addrs, where).toEqual(t.addrs ?? []);
        if (p.version === 2) expect([p.authType, p.authPass], where).toEqual([t.authType, t.authPass]);
        expect(p.checksumStatus, where).toBe('ok');
      });
    });
  });
});
