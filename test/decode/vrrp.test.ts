import { describe, expect, it } from 'vitest';
import { decodeFrame, decodeVrrp, decodeIpv4, IpError, priorityMeaning } from '../../src/decode/index.js';
import type { Packet, ProblemId, VrrpPacket } from '../../src/decode/types.js';
import { atOffset, encodeIpv4, encodeVrrp, makeFrame, vmac, vrrpFrame, type IpSpec, type LinkSpec, type VrrpFrameSpec, type VrrpSpec } from '../support/encode.js';

function vrrp(p: Packet): VrrpPacket {
  expect(p.kind).toBe('vrrp');
  return p as VrrpPacket;
}

function ids(p: Packet): ProblemId[] {
  return p.problems.map((x) => x.id);
}

const v4Addrs = (n: number) => Array.from({ length: n }, (_, i) => `10.${i}.${(i * 7) & 255}.${i + 1}`);
const v6Addrs = (n: number) => Array.from({ length: n }, (_, i) => (i === 0 ? 'fe80::200:5eff:fe00:201' : `2001:db8:${i.toString(16)}::${(i * 3).toString(16)}`));

/** Round trip: encode, decode, compare every field with what was encoded. */
function roundTrip(spec: VrrpFrameSpec, lead = 0): VrrpPacket {
  const frame = lead ? atOffset(vrrpFrame(spec), lead) : vrrpFrame(spec);
  const p = vrrp(decodeFrame(frame));
  const v = spec.vrrp;
  const family = spec.ip?.family ?? 'ipv4';
  expect(p.ip.family).toBe(family);
  expect(p.ip.protocol).toBe(112);
  expect(p.ip.ttl).toBe(spec.ip?.ttl ?? 255);
  expect(p.version).toBe(v.version);
  expect(p.type).toBe(v.type ?? 1);
  expect(p.vrid).toBe(v.vrid);
  expect(p.priority).toBe(v.priority);
  expect(p.addrCount).toBe(v.addrCount ?? v.addrs.length);
  expect(p.addrs).toEqual(v.addrs);
  expect(p.truncated).toBe(false);
  expect(p.capturedLength).toBe(p.ip.payloadLength);
  if (v.version === 2) {
    const authType = v.authType ?? (v.password !== undefined ? 1 : 0);
    expect(p.authType).toBe(authType);
    expect(p.intervalMs).toBe((v.intervalS ?? 1) * 1000);
    expect(p.reserved).toBe(0);
    if (v.omitAuthData) expect(p.authDataHex).toBeNull();
    else expect(p.authDataHex).toMatch(/^[0-9a-f]{16}$/);
    const sent = v.authData ? String.fromCharCode(...v.authData.subarray(0, 8)) : (v.password ?? '').slice(0, 8);
    expect(p.authPass).toBe(authType === 1 && !v.omitAuthData ? sent.split('\0')[0] : null);
  } else {
    expect(p.authType).toBeNull();
    expect(p.authPass).toBeNull();
    expect(p.authDataHex).toBeNull();
    expect(p.intervalMs).toBe((v.intervalCs ?? 100) * 10);
    expect(p.reserved).toBe(v.reserved ?? 0);
  }
  if (typeof v.checksum !== 'number') {
    expect(p.checksumStatus).toBe('ok');
    expect(p.checksumVariant).toBe(v.checksum ?? (v.version === 2 ? 'v2' : 'v3'));
    expect(p.checksumExpected).toBeNull();
  }
  return p;
}

describe('VRRP round trip', () => {
  const links: LinkSpec[] = [
    { kind: 'ethernet', src: vmac('ipv4', 7) },
    { kind: 'ethernet', src: vmac('ipv4', 7), vlans: [100] },
    { kind: 'ethernet', src: vmac('ipv4', 7), vlans: [100, 200], tpids: [0x88a8, 0x8100] },
    { kind: 'ethernet', src: vmac('ipv4', 7), vlans: [5, 6, 7], tpids: [0x9100, 0x9100, 0x8100] },
    { kind: 'sll', src: vmac('ipv4', 7) },
    { kind: 'sll', src: vmac('ipv4', 7), vlans: [42] },
    { kind: 'sll2', src: vmac('ipv4', 7) },
    { kind: 'sll2', src: null },
    { kind: 'raw', linkType: 101 },
    { kind: 'raw', linkType: 12 },
    { kind: 'raw', linkType: 14 },
    { kind: 'raw', linkType: 228 },
    { kind: 'null', littleEndian: true },
    { kind: 'null', littleEndian: false },
    { kind: 'loop' },
  ];
  for (const link of links) {
    it(`v2 over ${JSON.stringify(link)}`, () => {
      const p = roundTrip({ link, vrrp: { version: 2, vrid: 7, priority: 100, addrs: v4Addrs(2), password: 'secret' } });
      const mac = 'src' in link ? (link.src ?? null) : null;
      expect(p.link.srcMac).toBe(mac);
      expect(p.link.vlans).toEqual('vlans' in link ? (link.vlans ?? []) : []);
      expect(p.vmac).toBe(mac !== null);
      expect(p.vmacMatches).toBe(mac !== null ? true : null);
      expect(p.problems).toEqual([]);
    });
  }

  const links6: LinkSpec[] = [
    { kind: 'ethernet', src: vmac('ipv6', 9), vlans: [300] },
    { kind: 'sll', src: vmac('ipv6', 9) },
    { kind: 'sll2', src: vmac('ipv6', 9) },
    { kind: 'raw', linkType: 101 },
    { kind: 'raw', linkType: 229 },
    { kind: 'null', af6: 24 },
    { kind: 'null', af6: 28, littleEndian: false },
    { kind: 'null', af6: 30 },
    { kind: 'loop', af6: 24 },
  ];
  for (const link of links6) {
    it(`v3 over IPv6 over ${JSON.stringify(link)}`, () => {
      const p = roundTrip({ link, ip: { family: 'ipv6' }, vrrp: { version: 3, vrid: 9, priority: 200, addrs: v6Addrs(3), intervalCs: 150 } });
      expect(p.problems).toEqual([]);
    });
  }

  it('every v2 auth type, with and without auth data', () => {
    for (const authType of [0, 1, 2, 7]) {
      roundTrip({ vrrp: { version: 2, vrid: 1, priority: 1, addrs: v4Addrs(1), authType, authData: Uint8Array.of(1, 2, 3, 0, 5, 6, 7, 8) } });
    }
    const p = roundTrip({ vrrp: { version: 2, vrid: 1, priority: 1, addrs: v4Addrs(1), authType: 2, authData: Uint8Array.of(1, 2, 3, 0, 5, 6, 7, 8) } });
    expect(p.authDataHex).toBe('0102030005060708');
    const none = roundTrip({ vrrp: { version: 2, vrid: 1, priority: 1, addrs: v4Addrs(3), omitAuthData: true } });
    expect(ids(none)).toEqual(['missing-auth-data']);
  });

  it('passwords: up to the first NUL, latin1, 8 bytes at most, not escaped', () => {
    expect(roundTrip({ vrrp: { version: 2, vrid: 3, priority: 9, addrs: [], password: 'abcdefgh' } }).authPass).toBe('abcdefgh');
    expect(roundTrip({ vrrp: { version: 2, vrid: 3, priority: 9, addrs: [], password: '' } }).authPass).toBe('');
    const p = decodeFrame(vrrpFrame({ vrrp: { version: 2, vrid: 3, priority: 9, addrs: [], authType: 1, authData: Uint8Array.of(0x22, 0x1b, 0xe9, 0xff, 0, 0x41) } }));
    expect(vrrp(p).authPass).toBe('"\x1b\xe9\xff');
    const long = decodeFrame(vrrpFrame({ vrrp: { version: 2, vrid: 3, priority: 9, addrs: [], password: 'abcdefghijk' } }));
    expect(vrrp(long).authPass).toBe('abcdefgh');
  });

  it('0 and 20 addresses in every version and family', () => {
    for (const n of [0, 1, 20]) {
      roundTrip({ vrrp: { version: 2, vrid: 20, priority: 50, addrs: v4Addrs(n) } });
      roundTrip({ vrrp: { version: 3, vrid: 20, priority: 50, addrs: v4Addrs(n) } });
      roundTrip({ ip: { family: 'ipv6' }, vrrp: { version: 3, vrid: 20, priority: 50, addrs: v6Addrs(n) } });
    }
  });

  it('interval ranges: v2 seconds 1..255, v3 centiseconds up to 4095 and the reserved bits', () => {
    expect(roundTrip({ vrrp: { version: 2, vrid: 1, priority: 1, addrs: [], intervalS: 255 } }).intervalMs).toBe(255_000);
    expect(roundTrip({ vrrp: { version: 3, vrid: 1, priority: 1, addrs: [], intervalCs: 4095 } }).intervalMs).toBe(40_950);
    const r = roundTrip({ vrrp: { version: 3, vrid: 1, priority: 1, addrs: [], intervalCs: 1, reserved: 0xa } });
    expect(r.reserved).toBe(0xa);
    expect(ids(r)).toEqual(['reserved-set']);
  });

  it('every checksum variant is recognised and named', () => {
    const unicast: IpSpec = { family: 'ipv4', src: '192.0.2.10', dst: '192.0.2.11' };
    roundTrip({ vrrp: { version: 3, vrid: 5, priority: 100, addrs: v4Addrs(2), checksum: 'v3' } });
    roundTrip({ vrrp: { version: 3, vrid: 5, priority: 100, addrs: v4Addrs(2), checksum: 'v3-no-pseudo' } });
    roundTrip({ ip: unicast, vrrp: { version: 3, vrid: 5, priority: 100, addrs: v4Addrs(2), checksum: 'v3' } });
    roundTrip({ ip: unicast, vrrp: { version: 3, vrid: 5, priority: 100, addrs: v4Addrs(2), checksum: 'v3-legacy-unicast' } });
    roundTrip({ ip: { family: 'ipv6', dst: 'fe80::2' }, vrrp: { version: 3, vrid: 5, priority: 100, addrs: v6Addrs(1), checksum: 'v3' } });
    roundTrip({ vrrp: { version: 2, vrid: 5, priority: 100, addrs: v4Addrs(2), checksum: 'v2' } });
  });

  it('a wrong checksum is bad, with the standard value for the version', () => {
    for (const [version, family] of [[2, 'ipv4'], [3, 'ipv4'], [3, 'ipv6']] as const) {
      const spec: VrrpSpec = { version, vrid: 8, priority: 100, addrs: family === 'ipv4' ? v4Addrs(2) : v6Addrs(2) };
      const good = vrrp(decodeFrame(vrrpFrame({ ip: { family }, vrrp: spec })));
      const wrong = good.checksum ^ 0x0101;
      const p = vrrp(decodeFrame(vrrpFrame({ ip: { family }, vrrp: { ...spec, checksum: wrong } })));
      expect(p.checksum).toBe(wrong);
      expect(p.checksumStatus).toBe('bad');
      expect(p.checksumVariant).toBeNull();
      expect(p.checksumExpected).toBe(good.checksum);
      const msg = p.problems.find((x) => x.id === 'bad-checksum')?.message;
      expect(msg).toBe(`bad checksum 0x${wrong.toString(16).padStart(4, '0')}, should be 0x${good.checksum.toString(16).padStart(4, '0')}`);
    }
  });

  it('v3 checksum variants are not accepted for v2, nor legacy-unicast for multicast', () => {
    const p = vrrp(decodeFrame(vrrpFrame({ vrrp: { version: 2, vrid: 8, priority: 100, addrs: v4Addrs(1), checksum: 'v3' } })));
    expect(p.checksumStatus).toBe('bad');
    const m = vrrp(decodeFrame(vrrpFrame({ vrrp: { version: 3, vrid: 8, priority: 100, addrs: v4Addrs(1), checksum: 'v3-legacy-unicast' } })));
    expect(m.checksumVariant).toBe('v3');
  });

  it('priority meanings', () => {
    expect(priorityMeaning(0)).toBe('master resigning');
    expect(priorityMeaning(255)).toBe('address owner');
    expect(priorityMeaning(100)).toBeNull();
    expect(roundTrip({ vrrp: { version: 3, vrid: 1, priority: 0, addrs: v4Addrs(1) } }).priority).toBe(0);
    expect(roundTrip({ vrrp: { version: 3, vrid: 1, priority: 255, addrs: v4Addrs(1) } }).priority).toBe(255);
  });

  it('decodes the same at non-zero offsets in the buffer', () => {
    for (const lead of [1, 3, 17, 4096]) {
      roundTrip({ vrrp: { version: 2, vrid: 42, priority: 191, addrs: v4Addrs(3), password: 'abcdefgh' } }, lead);
      roundTrip({ ip: { family: 'ipv6' }, vrrp: { version: 3, vrid: 45, priority: 191, addrs: v6Addrs(2) } }, lead);
    }
  });

  it('decodeVrrp works on an IP packet at any offset in a larger array', () => {
    const e = { family: 'ipv4' as const, src: '192.0.2.1', dst: '224.0.0.18' };
    const packet = encodeIpv4({ src: e.src, dst: e.dst, protocol: 112 }, encodeVrrp({ version: 3, vrid: 77, priority: 120, addrs: ['192.0.2.100'] }, e));
    for (const lead of [0, 5, 33]) {
      const data = new Uint8Array(lead + packet.length);
      data.set(packet, lead);
      const ip = decodeIpv4(data, lead, data.length);
      if (ip instanceof IpError) throw new Error(ip.reason);
      expect(ip.payloadOffset).toBe(lead + 20);
      const p = decodeVrrp(makeFrame(101, data), { srcMac: null, dstMac: null, vlans: [] }, ip, lead, -1);
      expect([p.vrid, p.priority, p.addrs, p.checksumVariant]).toEqual([77, 120, ['192.0.2.100'], 'v3']);
    }
  });
});

describe('VRRP VMAC (RFC 5798 §7.3)', () => {
  it('matches family and VRID', () => {
    const ok = vrrp(decodeFrame(vrrpFrame({ ip: { family: 'ipv6' }, vrrp: { version: 3, vrid: 0x2d, priority: 1, addrs: v6Addrs(1) } })));
    expect([ok.vmac, ok.vmacMatches]).toEqual([true, true]);
  });
  it('flags a VMAC of the other family or another VRID', () => {
    const family = vrrp(decodeFrame(vrrpFrame({ link: { kind: 'ethernet', src: vmac('ipv4', 9) }, ip: { family: 'ipv6' }, vrrp: { version: 3, vrid: 9, priority: 1, addrs: v6Addrs(1) } })));
    expect([family.vmac, family.vmacMatches]).toEqual([true, false]);
    expect(family.problems.find((x) => x.id === 'vmac-mismatch')?.message).toBe(
      'source MAC 00:00:5e:00:01:09 is the IPv4 VMAC of VRID 9, not of this IPv6 VRID 9 (RFC 5798 §7.3)',
    );
    const other = vrrp(decodeFrame(vrrpFrame({ link: { kind: 'ethernet', src: vmac('ipv4', 11) }, vrrp: { version: 2, vrid: 12, priority: 1, addrs: v4Addrs(1) } })));
    expect([other.vmac, other.vmacMatches]).toEqual([true, false]);
    expect(ids(other)).toEqual(['vmac-mismatch']);
  });
  it('a router MAC is not a VMAC', () => {
    const p = vrrp(decodeFrame(vrrpFrame({ link: { kind: 'ethernet', src: '00:00:5e:00:03:01' }, vrrp: { version: 2, vrid: 1, priority: 1, addrs: [] } })));
    expect([p.vmac, p.vmacMatches]).toEqual([false, null]);
  });
});
