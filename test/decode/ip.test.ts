import { describe, expect, it } from 'vitest';
import { decodeFrame, decodeIpv6, IpError } from '../../src/decode/index.js';
import type { MalformedPacket, Packet, ProblemId, VrrpPacket } from '../../src/decode/types.js';
import { encodeIpv4, encodeIpv6, encodeLink, encodeVrrp, ETHERTYPE_IPV4, ETHERTYPE_IPV6, makeFrame, vrrpFrame, type Ipv4Spec } from '../support/encode.js';

const ids = (p: Packet): ProblemId[] => p.problems.map((x) => x.id);
const v2 = { version: 2, vrid: 4, priority: 100, addrs: ['192.0.2.4'] };
const v3six = { version: 3, vrid: 6, priority: 100, addrs: ['fe80::6'] };

function v4frame(ip: Partial<Ipv4Spec>, payload = encodeVrrp(v2, { family: 'ipv4', src: '192.0.2.1', dst: '224.0.0.18' })) {
  const packet = encodeIpv4({ src: '192.0.2.1', dst: '224.0.0.18', protocol: 112, ...ip }, payload);
  return makeFrame(1, encodeLink({ kind: 'ethernet' }, ETHERTYPE_IPV4, packet).bytes);
}

describe('IPv4', () => {
  it('payload length comes from the IP header, not the padded frame', () => {
    const p = decodeFrame(vrrpFrame({ vrrp: { version: 3, vrid: 1, priority: 1, addrs: [] } })) as VrrpPacket;
    expect(p.ip.payloadLength).toBe(8);
    expect(p.ip.payloadOffset).toBe(34);
    expect(ids(p)).toEqual([]);
  });

  it('header options are skipped', () => {
    const p = decodeFrame(v4frame({ options: Uint8Array.of(0x94, 4, 0, 0) })) as VrrpPacket;
    expect([p.kind, p.ip.payloadOffset, p.vrid]).toEqual(['vrrp', 38, 4]);
  });

  it('a bad header checksum, a TTL other than 255 and fragments are reported', () => {
    const p = decodeFrame(v4frame({ checksum: 0x1234, ttl: 64, moreFragments: true })) as VrrpPacket;
    expect(p.kind).toBe('vrrp');
    expect(ids(p)).toEqual(['bad-ip-checksum', 'fragment', 'bad-ttl']);
    expect(p.problems.find((x) => x.id === 'bad-ttl')?.message).toBe('TTL 64, must be 255 (RFC 3768 §7.1)');
  });

  it('a non-first fragment cannot hold the VRRP header', () => {
    const p = decodeFrame(v4frame({ fragmentOffset: 1480 })) as MalformedPacket;
    expect([p.kind, p.claimed, ids(p)]).toEqual(['malformed', 'vrrp', ['fragment']]);
    expect(p.ip?.fragmentOffset).toBe(1480);
  });

  it('broken headers are malformed, claimed ip', () => {
    const cases: [Partial<Ipv4Spec>, string][] = [
      [{ headerLength: 16 }, 'IPv4 header length 16 bytes, less than 20 (RFC 791 §3.1)'],
      [{ totalLength: 19 }, 'IPv4 total length 19 is less than the header length 20'],
    ];
    for (const [spec, reason] of cases) {
      const p = decodeFrame(v4frame(spec)) as MalformedPacket;
      expect([p.kind, p.claimed, p.reason, ids(p)]).toEqual(['malformed', 'ip', reason, ['malformed']]);
    }
    const v6inside = makeFrame(1, encodeLink({ kind: 'ethernet' }, ETHERTYPE_IPV4, encodeIpv6({ src: '::1', dst: '::2', nextHeader: 59 }, new Uint8Array(0))).bytes);
    expect((decodeFrame(v6inside) as MalformedPacket).reason).toBe('IP version 6 where IPv4 was expected');
  });

  it('a header length past the frame is truncated, claimed ip', () => {
    const p = decodeFrame(v4frame({ headerLength: 60 })) as MalformedPacket;
    expect([p.kind, p.claimed, ids(p)]).toEqual(['malformed', 'ip', ['truncated']]);
  });
});

describe('IPv6', () => {
  it('steps over hop-by-hop, routing, destination options and AH to the VRRP message', () => {
    const p = decodeFrame(
      vrrpFrame({ ip: { family: 'ipv6', v6: { extensions: [{ type: 0 }, { type: 43, length: 2 }, { type: 60 }, { type: 51 }] } }, vrrp: v3six }),
    ) as VrrpPacket;
    expect([p.kind, p.ip.protocol, p.ip.payloadOffset, p.ip.payloadLength, p.vrid, p.checksumStatus]).toEqual(['vrrp', 112, 14 + 40 + 8 + 16 + 8 + 24, 24, 6, 'ok']);
    expect(p.ip.fragment).toBe(false);
  });

  it('a fragment header marks the packet; a later fragment is not decoded as VRRP', () => {
    const first = decodeFrame(vrrpFrame({ ip: { family: 'ipv6', v6: { extensions: [{ type: 44, more: true }] } }, vrrp: v3six })) as VrrpPacket;
    expect([first.kind, first.ip.fragment, ids(first)]).toEqual(['vrrp', true, ['fragment']]);
    const later = decodeFrame(vrrpFrame({ ip: { family: 'ipv6', v6: { extensions: [{ type: 44, offset: 1448 }] } }, vrrp: v3six })) as MalformedPacket;
    expect([later.kind, later.claimed, later.ip?.fragmentOffset, ids(later)]).toEqual(['malformed', 'vrrp', 1448, ['fragment']]);
  });

  it('an extension header longer than the payload is malformed', () => {
    const p = decodeFrame(vrrpFrame({ ip: { family: 'ipv6', v6: { extensions: [{ type: 0, length: 4 }], payloadLength: 16 } }, vrrp: v3six })) as MalformedPacket;
    expect([p.kind, p.claimed, ids(p)]).toEqual(['malformed', 'ip', ['malformed']]);
  });

  it('hop limit other than 255 is bad-ttl', () => {
    const p = decodeFrame(vrrpFrame({ ip: { family: 'ipv6', ttl: 1 }, vrrp: v3six })) as VrrpPacket;
    expect(p.problems).toEqual([{ id: 'bad-ttl', message: 'hop limit 1, must be 255 (RFC 9568 §7.1)' }]);
  });

  it('decodeIpv6 answers IpError, never throws, on short input', () => {
    const packet = encodeIpv6({ src: 'fe80::1', dst: 'ff02::12', nextHeader: 112 }, new Uint8Array(8));
    for (let n = 0; n < 40; n++) {
      const r = decodeIpv6(packet, 0, n);
      expect(r).toBeInstanceOf(IpError);
      expect((r as IpError).truncated).toBe(true);
    }
    expect(decodeIpv6(packet, 0, packet.length)).not.toBeInstanceOf(IpError);
    const framed = makeFrame(1, encodeLink({ kind: 'ethernet' }, ETHERTYPE_IPV6, packet.subarray(0, 30)).bytes);
    expect(ids(decodeFrame(framed))).toEqual(['truncated']);
  });
});
