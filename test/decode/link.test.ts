import { describe, expect, it } from 'vitest';
import { decodeFrame, decodeLink, EtherType, LinkLayer } from '../../src/decode/index.js';
import type { MalformedPacket, Packet } from '../../src/decode/types.js';
import { concat, encodeLink, ETHERTYPE_IPV4, ipOtherFrame, makeFrame, vrrpFrame } from '../support/encode.js';

function layer(linkType: number, data: Uint8Array): LinkLayer {
  const out = new LinkLayer();
  decodeLink(data, linkType, out);
  return out;
}

function malformed(p: Packet): MalformedPacket {
  expect(p.kind).toBe('malformed');
  return p as MalformedPacket;
}

const ip4 = Uint8Array.of(0x45, 0, 0, 20, 0, 0, 0, 0, 64, 6, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8);

describe('link layers', () => {
  it('Ethernet: MACs, broadcast, tags outermost first (802.1Q, 802.1ad, old QinQ)', () => {
    const { bytes } = encodeLink({ kind: 'ethernet', src: '02:AA:bb:cc:dd:0E', dst: 'ff:ff:ff:ff:ff:ff', vlans: [10, 4095, 1], tpids: [0x88a8, 0x9100, 0x8100] }, ETHERTYPE_IPV4, ip4);
    const l = layer(1, bytes);
    expect(l.status).toBe('ok');
    expect(l.link).toEqual({ srcMac: '02:aa:bb:cc:dd:0e', dstMac: 'ff:ff:ff:ff:ff:ff', vlans: [10, 4095, 1] });
    expect([l.etherType, l.offset, l.srcMacOffset, l.broadcast]).toEqual([EtherType.IPV4, 26, 6, true]);
  });

  it('VLAN priority and DEI bits are not part of the id', () => {
    const { bytes } = encodeLink({ kind: 'ethernet', vlans: [0xe000 | 123] }, ETHERTYPE_IPV4, ip4);
    expect(layer(1, bytes).link.vlans).toEqual([123]);
  });

  it('SLL and SLL2: source address when 6 bytes long, broadcast packet type', () => {
    const sll = layer(113, encodeLink({ kind: 'sll', src: '00:00:5e:00:01:01', packetType: 1 }, ETHERTYPE_IPV4, ip4).bytes);
    expect([sll.link.srcMac, sll.link.dstMac, sll.offset, sll.broadcast]).toEqual(['00:00:5e:00:01:01', null, 16, true]);
    const sll2 = layer(276, encodeLink({ kind: 'sll2', src: null, packetType: 4 }, ETHERTYPE_IPV4, ip4).bytes);
    expect([sll2.link.srcMac, sll2.offset, sll2.srcMacOffset, sll2.broadcast]).toEqual([null, 20, -1, false]);
    const tagged = layer(276, encodeLink({ kind: 'sll2', vlans: [7, 8] }, ETHERTYPE_IPV4, ip4).bytes);
    expect([tagged.link.vlans, tagged.offset]).toEqual([[7, 8], 28]);
  });

  it('BSD loopback: family in either byte order for NULL, network order for LOOP', () => {
    for (const fam of [[2, 0, 0, 0], [0, 0, 0, 2]]) expect(layer(0, concat(Uint8Array.from(fam), ip4)).etherType).toBe(EtherType.IPV4);
    for (const af of [24, 28, 30]) {
      expect(layer(0, concat(Uint8Array.of(af, 0, 0, 0), ip4)).etherType).toBe(EtherType.IPV6);
      expect(layer(108, concat(Uint8Array.of(0, 0, 0, af), ip4)).etherType).toBe(EtherType.IPV6);
    }
    expect(layer(108, concat(Uint8Array.of(2, 0, 0, 0), ip4)).status).toBe('unsupported');
    expect(layer(0, concat(Uint8Array.of(10, 0, 0, 0), ip4)).status).toBe('unsupported');
  });

  it('raw IP: the version nibble decides; 228 and 229 insist on theirs', () => {
    expect(layer(101, ip4).etherType).toBe(EtherType.IPV4);
    expect(layer(228, ip4).etherType).toBe(EtherType.IPV4);
    const wrong = layer(229, ip4);
    expect([wrong.status, wrong.claimed]).toEqual(['malformed', 'ip']);
    expect(malformed(decodeFrame(makeFrame(12, Uint8Array.of(0x75, 0)))).reason).toBe('raw IP frame with IP version 7');
    expect(malformed(decodeFrame(makeFrame(14, new Uint8Array(0)))).problems[0].id).toBe('truncated');
  });

  it('unsupported link types and non-IP EtherTypes are other', () => {
    expect(decodeFrame(makeFrame(107, ip4)).kind).toBe('other');
    expect(decodeFrame(makeFrame(1, encodeLink({ kind: 'ethernet' }, 0x88cc, new Uint8Array(40)).bytes)).kind).toBe('other');
    // An 802.3 length field, not a type: LLC follows.
    expect(decodeFrame(makeFrame(1, encodeLink({ kind: 'ethernet' }, 46, new Uint8Array(46)).bytes)).kind).toBe('other');
  });

  it('a cut link header is malformed (claimed link) with a truncated problem', () => {
    for (const [linkType, need] of [[1, 14], [113, 16], [276, 20], [0, 4], [108, 4]]) {
      for (let n = 0; n < need; n++) {
        const p = malformed(decodeFrame(makeFrame(linkType, new Uint8Array(n).fill(0x81))));
        expect(p.claimed).toBe('link');
        expect(p.problems.map((x) => x.id)).toEqual(['truncated']);
      }
    }
    const cutTag = malformed(decodeFrame(makeFrame(1, encodeLink({ kind: 'ethernet', vlans: [5] }, ETHERTYPE_IPV4, ip4).bytes.subarray(0, 17))));
    expect(cutTag.reason).toContain('802.1Q');
  });

  it('other IP traffic is other, also behind tags and loopback headers', () => {
    for (const link of [{ kind: 'ethernet' as const, vlans: [1, 2] }, { kind: 'null' as const }, { kind: 'sll2' as const }]) {
      expect(decodeFrame(ipOtherFrame({ link, ip: { family: 'ipv4' }, protocol: 6, payload: new Uint8Array(20) })).kind).toBe('other');
      expect(decodeFrame(ipOtherFrame({ link, ip: { family: 'ipv6' }, protocol: 17, payload: new Uint8Array(8) })).kind).toBe('other');
      expect(decodeFrame(ipOtherFrame({ link, ip: { family: 'ipv6' }, protocol: 58, payload: Uint8Array.of(128, 0, 0, 0) })).kind).toBe('other');
    }
  });

  it('each frame gets its own Link object', () => {
    const f = vrrpFrame({ link: { kind: 'ethernet', vlans: [3] }, vrrp: { version: 2, vrid: 1, priority: 1, addrs: [] } });
    const a = decodeFrame(f);
    const b = decodeFrame(f);
    expect(a.link).not.toBe(b.link);
    expect(a.link.vlans).not.toBe(b.link.vlans);
  });
});
