import { describe, expect, it } from 'vitest';
import { decodeFrame } from '../../src/decode/index.js';
import type { ArpPacket, CarpPacket, MalformedPacket, NaPacket, Packet, ProblemId, VrrpPacket } from '../../src/decode/types.js';
import { arpFrame, carpFrame, concat, naFrame, vrrpFrame } from '../support/encode.js';

const ids = (p: Packet): ProblemId[] => p.problems.map((x) => x.id);

describe('ARP (RFC 826, RFC 5227)', () => {
  const base = { senderMac: '52:54:00:12:34:56', senderIp: '192.0.2.10', targetMac: '00:00:00:00:00:00', targetIp: '192.0.2.1' };

  it('request and reply round trip', () => {
    for (const op of [1, 2]) {
      const p = decodeFrame(arpFrame({ arp: { ...base, op }, link: { kind: 'ethernet', src: base.senderMac, dst: '52:54:00:aa:bb:cc' } })) as ArpPacket;
      expect(p).toMatchObject({ kind: 'arp', op, ...base, gratuitous: false, problems: [] });
      expect(p.link.srcMac).toBe(base.senderMac);
    }
  });

  it('gratuitous: sender = target, or a reply to broadcast', () => {
    const announce = decodeFrame(arpFrame({ arp: { ...base, op: 1, targetIp: base.senderIp } })) as ArpPacket;
    expect(announce.gratuitous).toBe(true);
    const reply = decodeFrame(arpFrame({ arp: { ...base, op: 2 } })) as ArpPacket;
    expect(reply.gratuitous).toBe(true);
    const requestToBroadcast = decodeFrame(arpFrame({ arp: { ...base, op: 1 } })) as ArpPacket;
    expect(requestToBroadcast.gratuitous).toBe(false);
    const probe = decodeFrame(arpFrame({ arp: { ...base, op: 1, senderIp: '0.0.0.0', targetIp: '0.0.0.0' } })) as ArpPacket;
    expect(probe.gratuitous).toBe(false);
    const cookedBroadcast = decodeFrame(arpFrame({ arp: { ...base, op: 2 }, link: { kind: 'sll', src: base.senderMac, packetType: 1 } })) as ArpPacket;
    expect([cookedBroadcast.kind, cookedBroadcast.gratuitous]).toEqual(['arp', true]);
  });

  it('other hardware, protocol or operation is other', () => {
    expect(decodeFrame(arpFrame({ arp: { ...base, op: 3 } })).kind).toBe('other');
    expect(decodeFrame(arpFrame({ arp: { ...base, op: 1, htype: 6 } })).kind).toBe('other');
    expect(decodeFrame(arpFrame({ arp: { ...base, op: 1, ptype: 0x86dd } })).kind).toBe('other');
  });
});

describe('ICMPv6 neighbor advertisement (RFC 4861 §4.4)', () => {
  const target = '2001:db8::1';

  it('unsolicited with the target link-layer option', () => {
    const p = decodeFrame(naFrame({ na: { target, override: true, targetMac: '00:00:5e:00:02:01' } })) as NaPacket;
    expect(p).toMatchObject({ kind: 'na', target, router: false, solicited: false, override: true, targetMac: '00:00:5e:00:02:01', unsolicited: true, checksumStatus: 'ok', problems: [] });
    expect(p.ip.dst).toBe('ff02::1');
  });

  it('solicited, router flag, no option', () => {
    const p = decodeFrame(naFrame({ na: { target, router: true, solicited: true }, ip: { dst: 'fe80::9' } })) as NaPacket;
    expect(p).toMatchObject({ kind: 'na', router: true, solicited: true, override: false, targetMac: null, unsolicited: false, checksumStatus: 'ok' });
  });

  it('other options are walked over to the target link-layer option', () => {
    const nonce = concat(Uint8Array.of(14, 1), new Uint8Array(6));
    const p = decodeFrame(naFrame({ na: { target, options: nonce, targetMac: '02:00:00:00:00:07' } })) as NaPacket;
    expect(p.targetMac).toBe('02:00:00:00:00:07');
  });

  it('an option of length 0 is malformed and the walk stops', () => {
    const p = decodeFrame(naFrame({ na: { target, options: Uint8Array.of(2, 0, 1, 2, 3, 4, 5, 6), targetMac: '02:00:00:00:00:07' } })) as NaPacket;
    expect([p.kind, p.targetMac, ids(p)]).toEqual(['na', null, ['malformed']]);
  });

  it('an option running past the message is malformed', () => {
    const p = decodeFrame(naFrame({ na: { target, options: Uint8Array.of(2, 2, 1, 2, 3, 4, 5, 6) } })) as NaPacket;
    expect(ids(p)).toEqual(['malformed']);
  });

  it('bad checksum, hop limit, code, multicast target and solicited-to-multicast are reported', () => {
    const p = decodeFrame(naFrame({ na: { target: 'ff02::1', solicited: true, code: 1, checksum: 0xbeef }, ip: { ttl: 64 } })) as NaPacket;
    expect(p.kind).toBe('na');
    expect(p.checksumStatus).toBe('bad');
    expect(ids(p).sort()).toEqual(['bad-checksum', 'bad-ttl', 'malformed', 'malformed', 'malformed']);
    expect(p.problems.find((x) => x.id === 'bad-checksum')?.message).toMatch(/^bad ICMPv6 checksum 0xbeef, should be 0x[0-9a-f]{4}$/);
  });

  it('shorter than 24 bytes is malformed', () => {
    const short = naFrame({ na: { target }, ip: { v6: { payloadLength: 20 } } });
    const p = decodeFrame(short) as MalformedPacket;
    expect([p.kind, p.claimed, ids(p)]).toEqual(['malformed', 'na', ['malformed']]);
  });
});

describe('CARP (OpenBSD ip_carp.h)', () => {
  it('is recognised by length 36, version 2 and auth length 7, not read as VRRP', () => {
    const p = decodeFrame(carpFrame({ carp: { vhid: 3, advskew: 100, advbase: 1, demote: 2 } })) as CarpPacket;
    expect(p).toMatchObject({ kind: 'carp', version: 2, type: 1, vhid: 3, advskew: 100, advbase: 1, demote: 2, truncated: false, capturedLength: 36, problems: [] });
    const six = decodeFrame(carpFrame({ carp: { vhid: 4 }, ip: { family: 'ipv6' } })) as CarpPacket;
    expect([six.kind, six.vhid, six.ip.family]).toEqual(['carp', 4, 'ipv6']);
  });

  it('VRRPv3 over IPv4 with 7 addresses (also 36 bytes, byte 3 = 7) stays VRRP', () => {
    const addrs = Array.from({ length: 7 }, (_, i) => `10.0.0.${i + 1}`);
    const p = decodeFrame(vrrpFrame({ vrrp: { version: 3, vrid: 7, priority: 100, addrs } })) as VrrpPacket;
    expect([p.kind, p.ip.payloadLength, p.addrs.length]).toEqual(['vrrp', 36, 7]);
  });

  it('a cut CARP advertisement is still CARP, truncated', () => {
    const f = carpFrame({ carp: { vhid: 3, advbase: 5 } });
    const p = decodeFrame({ ...f, data: f.data.subarray(0, 14 + 20 + 6) }) as CarpPacket;
    expect([p.kind, p.truncated, p.vhid, p.advbase, p.capturedLength, ids(p)]).toEqual(['carp', true, 3, 5, 6, ['truncated']]);
  });
});
