import { describe, expect, it } from 'vitest';
import { decodeFrame } from '../../src/decode/index.js';
import type { Problem, VrrpPacket } from '../../src/decode/types.js';
import { vrrpFrame, type VrrpFrameSpec } from '../support/encode.js';

function problems(spec: VrrpFrameSpec): readonly Problem[] {
  const p = decodeFrame(vrrpFrame(spec));
  expect(p.kind).toBe('vrrp');
  return p.problems;
}

const ids = (ps: readonly Problem[]) => ps.map((p) => p.id);
const a4 = ['192.0.2.1', '192.0.2.2'];

describe('per-packet VRRP checks', () => {
  it('a clean advertisement has no problems', () => {
    expect(problems({ vrrp: { version: 2, vrid: 1, priority: 100, addrs: a4, password: 'pw' } })).toEqual([]);
    expect(problems({ vrrp: { version: 3, vrid: 1, priority: 100, addrs: a4 } })).toEqual([]);
    expect(problems({ ip: { family: 'ipv6' }, vrrp: { version: 3, vrid: 1, priority: 100, addrs: ['fe80::1', '2001:db8::1'] } })).toEqual([]);
  });

  it('bad-version, bad-type, bad-interval', () => {
    const ps = problems({ vrrp: { version: 4, type: 2, vrid: 1, priority: 1, addrs: a4, intervalCs: 0 } });
    expect(ids(ps)).toEqual(['bad-version', 'bad-type', 'bad-interval']);
    expect(ps[0].message).toBe('VRRP version 4, expected 2 (RFC 3768) or 3 (RFC 9568)');
    expect(ids(problems({ vrrp: { version: 2, vrid: 1, priority: 1, addrs: a4, intervalS: 0 } }))).toEqual(['bad-interval']);
    expect(ids(problems({ ip: { family: 'ipv6' }, vrrp: { version: 2, vrid: 1, priority: 1, addrs: ['fe80::1'] } }))).toEqual(['bad-version']);
  });

  it('count-mismatch: a count larger than the message never reads past it', () => {
    const ps = problems({ vrrp: { version: 3, vrid: 1, priority: 1, addrs: a4, addrCount: 200 } });
    expect(ps).toEqual([{ id: 'count-mismatch', message: 'address count 200 needs 808 bytes, the VRRP message has 16', offset: 34 + 3 }]);
    const p = decodeFrame(vrrpFrame({ vrrp: { version: 2, vrid: 1, priority: 1, addrs: a4, addrCount: 255 } })) as VrrpPacket;
    // v2: 2 addresses + 8 auth bytes = 4 "addresses" inside the message, all decoded as such.
    expect([p.addrs.length, p.authDataHex, ids(p.problems)]).toEqual([4, null, ['count-mismatch']]);
  });

  it('v2 auth data shorter than 8 bytes is a count mismatch too', () => {
    const ps = problems({ vrrp: { version: 2, vrid: 1, priority: 1, addrs: a4, omitAuthData: true, trailing: Uint8Array.of(1, 2, 3) } });
    expect(ps.map((p) => p.message)).toEqual(['VRRPv2 authentication data cut short: 3 of 8 bytes']);
  });

  it('trailing-bytes after the message', () => {
    expect(problems({ vrrp: { version: 3, vrid: 1, priority: 1, addrs: a4, checksum: 'v3', trailing: new Uint8Array(4) } })).toEqual([
      { id: 'trailing-bytes', message: '4 bytes after the VRRP message (address count 2)', offset: 34 + 16 },
    ]);
    expect(ids(problems({ vrrp: { version: 2, vrid: 1, priority: 1, addrs: a4, trailing: new Uint8Array(2) } }))).toEqual(['trailing-bytes']);
  });

  it('not-link-local: IPv6 source (RFC 5798 §5.1.2.1) and first address (§5.2.9)', () => {
    const ps = problems({ ip: { family: 'ipv6', src: '2001:db8::5' }, vrrp: { version: 3, vrid: 1, priority: 1, addrs: ['2001:db8::1', 'fe80::1'] } });
    expect(ps.map((p) => p.message)).toEqual([
      'source address 2001:db8::5 is not link-local (RFC 5798 §5.1.2.1)',
      'first virtual address 2001:db8::1 is not link-local (RFC 5798 §5.2.9)',
    ]);
    expect(problems({ ip: { family: 'ipv6', src: 'febf::1' }, vrrp: { version: 3, vrid: 1, priority: 1, addrs: ['fe80::1'] } })).toEqual([]);
    expect(ids(problems({ ip: { family: 'ipv6', src: 'fec0::1' }, vrrp: { version: 3, vrid: 1, priority: 1, addrs: [] } }))).toEqual(['not-link-local']);
  });

  it('problems carry frame offsets where they have one', () => {
    const [p] = problems({ link: { kind: 'ethernet', vlans: [9] }, vrrp: { version: 3, vrid: 1, priority: 1, addrs: a4, reserved: 1 } });
    expect(p).toEqual({ id: 'reserved-set', message: 'reserved bits 0x1 set, must be 0 (RFC 9568 §5.2.6)', offset: 18 + 20 + 4 });
  });
});
