// Golden tests: every packet of the reference captures decoded by us and printed by
// tcpdump 4.99 (`tcpdump -n -v`, the .out files next to the captures) must agree on
// every VRRP field tcpdump prints.

import * as fs from 'node:fs';
import { expect, it } from 'vitest';
import { readCapture } from '../../src/capture/file.js';
import type { Frame } from '../../src/frame.js';
import { decodeFrame } from '../../src/decode/index.js';
import type { MalformedPacket, Packet, VrrpPacket } from '../../src/decode/types.js';
import { SHARED_PCAPS } from '../support/shared.js';
import { describeShared } from '../support/skip.js';
import { parseTcpdump, type Printed } from '../support/tcpdump.js';

const PCAPS = SHARED_PCAPS + '/';

/** A packet with its frame's time, which tcpdump prints too. */
type Stamped = Packet & { ts: number };

async function decodeFile(path: string, rewrap?: (f: Frame) => Frame): Promise<Stamped[]> {
  const packets: Stamped[] = [];
  // Frames are views into the reader's chunk: decode inside the callback.
  await readCapture(path, (f) => {
    packets.push({ ...decodeFrame(rewrap ? rewrap(f) : f), ts: f.ts });
  });
  return packets;
}

/** Compare what both sides know. Fields the capture cut off are only compared where tcpdump printed them. */
function expectAgreement(ours: Stamped, printed: Printed, where: string): void {
  expect(ours.kind, where).toBe('vrrp');
  const p = ours as VrrpPacket;
  expect(ours.ts, where).toBeCloseTo(printed.ts, 5);
  expect([p.ip.src, p.ip.dst, p.ip.ttl], where).toEqual([printed.src, printed.dst, printed.ttl]);
  expect([p.version, p.type], where).toEqual([printed.version, printed.type]);
  if (!Number.isNaN(printed.vrid)) expect(p.vrid, where).toBe(printed.vrid);
  if (!Number.isNaN(printed.priority)) expect(p.priority, where).toBe(printed.priority);
  if (!Number.isNaN(printed.intervalMs)) expect(p.intervalMs, where).toBe(printed.intervalMs);
  if (!Number.isNaN(printed.length)) expect(p.ip.payloadLength, where).toBe(printed.length);
  if (p.version === 2 && !Number.isNaN(printed.intervalMs)) expect(p.authType, where).toBe(printed.authType);
  if (printed.authPass !== null) expect(p.authPass, where).toBe(printed.authPass);
  if (printed.addrs !== null) expect(p.addrs, where).toEqual(printed.addrs);
  // tcpdump marks [|vrrp] only where it tried to read past the capture; a cut message
  // whose count is 0 prints without it. We mark every cut message.
  if (printed.cut) expect(p.truncated, where).toBe(true);
  // tcpdump -v prints "bad vrrp cksum" when a complete packet fails; none of these do.
  expect(p.checksumStatus, where).toBe(p.truncated ? 'unverified' : 'ok');
}

describeShared('golden: tcpdump test suite vrrp.pcap', () => {
  it('all 165 advertisements agree with vrrp-v.out field by field', async () => {
    const printed = parseTcpdump(fs.readFileSync(PCAPS + 'tcpdump/vrrp-v.out', 'utf8'));
    const ours = await decodeFile(PCAPS + 'tcpdump/vrrp.pcap');
    expect(printed.length).toBe(165);
    expect(ours.length).toBe(printed.length);
    ours.forEach((p, i) => {
      expectAgreement(p, printed[i], `record ${i + 1}`);
      expect(p.problems, `record ${i + 1}`).toEqual([]);
      expect((p as VrrpPacket).vmacMatches).toBe(true);
    });
    const v = ours as VrrpPacket[];
    expect(new Set(v.map((p) => `${p.version}/${p.ip.family}/${p.vrid}`))).toEqual(new Set(['2/ipv4/42', '2/ipv4/43', '3/ipv4/44', '3/ipv6/45', '3/ipv6/46']));
  });
});

describeShared('golden: single adverts from PcapPlusPlus and gopacket', () => {
  const cases: [string, (p: VrrpPacket) => void][] = [
    ['VRRP-V2.pcap', (p) => {
      expect(p.authDataHex).toBeNull();
      expect(p.problems.map((x) => x.id)).toEqual(['missing-auth-data']);
    }],
    ['VRRP-V3-IPv4.pcap', (p) => expect(p.checksumVariant).toBe('v3')],
    ['VRRP-V3-IPv6.pcap', (p) => {
      // Sent from the IPv4 VMAC 00:00:5e:00:01:01.
      expect([p.vmac, p.vmacMatches]).toEqual([true, false]);
      expect(p.problems.map((x) => x.id)).toEqual(['vmac-mismatch']);
    }],
    ['vrrp_test_v2.pcap', (p) => expect(p.problems).toEqual([])],
  ];
  for (const [name, extra] of cases) {
    it(name, async () => {
      const printed = parseTcpdump(fs.readFileSync(`${PCAPS}other/${name}.tcpdump-v.out`, 'utf8'));
      const ours = await decodeFile(`${PCAPS}other/${name}`);
      expect(ours.length).toBe(1);
      expect(printed.length).toBe(1);
      expectAgreement(ours[0], printed[0], name);
      extra(ours[0] as VrrpPacket);
    });
  }
});

describeShared('golden: tcpdump fuzzing regressions decode as far as the bytes allow', () => {
  it('vrrp-vrrp_print-oobr-2.pcap (Ethernet, snap length 41)', async () => {
    const printed = parseTcpdump(fs.readFileSync(PCAPS + 'tcpdump/vrrp-vrrp_print-oobr-2.out', 'utf8'));
    const ours = await decodeFile(PCAPS + 'tcpdump/vrrp-vrrp_print-oobr-2.pcap');
    expect(ours.length).toBe(printed.length);
    ours.forEach((p, i) => {
      const where = `record ${i + 1}`;
      if (printed[i].length < 8) {
        // tcpdump prints the fixed fields of a 7-byte "message"; an IP payload that
        // cannot hold the 8-byte header is malformed here.
        const m = p as MalformedPacket;
        expect([m.kind, m.claimed, m.reason], where).toEqual(['malformed', 'vrrp', `VRRP message of ${printed[i].length} bytes, shorter than its 8-byte header`]);
        return;
      }
      expectAgreement(p, printed[i], where);
      const ids = p.problems.map((x) => x.id);
      expect(ids, where).toContain('truncated');
      expect(ids, where).toContain('bad-ip-checksum');
      expect(ids, where).toContain('bad-ttl');
      expect(p.problems[0].message, where).toContain('checksum not verified');
    });
    const last = ours[9] as VrrpPacket;
    expect(last.problems.map((x) => x.id)).toEqual(expect.arrayContaining(['bad-version', 'bad-type']));
  });

  it('vrrp-vrrp_print-oobr.pcap (Frame Relay, rewrapped as raw IP after its 5-byte Q.922 header)', async () => {
    const printed = parseTcpdump(fs.readFileSync(PCAPS + 'tcpdump/vrrp-vrrp_print-oobr.out', 'utf8'));
    // Link type 107 is not one we decode (the CLI names it): without rewrapping every record is 'other'.
    expect((await decodeFile(PCAPS + 'tcpdump/vrrp-vrrp_print-oobr.pcap')).map((p) => p.kind)).toEqual(['other', 'other', 'other']);
    const ours = await decodeFile(PCAPS + 'tcpdump/vrrp-vrrp_print-oobr.pcap', (f) => ({ ...f, linkType: 101, data: f.data.subarray(5) }));
    expect(ours.length).toBe(printed.length);
    const first = ours[0] as MalformedPacket;
    expect([first.kind, first.claimed, first.reason]).toEqual(['malformed', 'vrrp', 'VRRP message of 6 bytes, shorter than its 8-byte header']);
    for (const i of [1, 2]) {
      expectAgreement(ours[i], printed[i], `record ${i + 1}`);
      const p = ours[i] as VrrpPacket;
      // 6 of 12 bytes: everything up to Adver Int, no checksum, no address.
      expect([p.capturedLength, p.addrs, p.authDataHex, p.checksumStatus]).toEqual([6, [], null, 'unverified']);
      // 12 bytes = header + 1 address: a v2 message without auth data.
      expect(p.problems.map((x) => x.id)).toEqual(['truncated', 'bad-ip-checksum', 'bad-ttl', 'missing-auth-data']);
    }
  });
});
