// The clock matcher (analyze/clocks.ts): adverts matched one to one by content between vantage
// points, the median of the time differences, and what it refuses to match.

import { describe, expect, it } from 'vitest';
import { advertKey, ClockMatcher, describeClock } from '../../src/analyze/clocks.js';
import { decodeFrame } from '../../src/decode/index.js';
import type { Decoded } from '../../src/decode/types.js';
import { vrrpFrame } from '../support/encode.js';

const T0 = 1_700_000_000;

/** An advert of `src` for VRID 51 at `ts` with IPv4 identification `id`. */
function advert(src: string, ts: number, id: number, priority = 100): Decoded {
  const frame = vrrpFrame({ vrrp: { version: 2, vrid: 51, priority, addrs: ['10.0.0.100'] }, ip: { family: 'ipv4', src, v4: { id } }, frame: { ts } });
  return { ts, record: 1, iface: '', ipId: id, repeat: false, packet: decodeFrame(frame) };
}

describe('ClockMatcher', () => {
  it('the median of one-way differences: loss and a delay each way do not move it', () => {
    const m = new ClockMatcher(['n1', 'n2']);
    for (let i = 1; i <= 20; i++) {
      // n1's adverts reach n2 0.2 ms later, n2's reach n1 0.2 ms later; n2's clock is 300 ms ahead.
      m.add(0, advert('10.0.0.1', T0 + i, i));
      if (i % 5 !== 0) m.add(1, advert('10.0.0.1', T0 + i + 0.3002, i));
      m.add(1, advert('10.0.0.2', T0 + i + 0.5 + 0.3, 1000 + i));
      if (i <= 8) m.add(0, advert('10.0.0.2', T0 + i + 0.5 + 0.0002, 1000 + i));
    }
    const { offsetsS, estimates } = m.estimate();
    expect(estimates).toEqual([{ vantage: 'n2', against: 'n1', offsetMs: 300.2, matches: 24, matchedBy: 'identification', corrected: true }]);
    expect(offsetsS[0]).toBe(0);
    expect(offsetsS[1]).toBeCloseTo(0.3002, 6);
  });

  it('an advert seen twice in one capture with the same content and identification is not matched one to one, nor to the nearest when its content is seen too seldom to know its interval', () => {
    expect(advertKey(advert('10.0.0.1', T0, 0))).toBeNull();
    const m = new ClockMatcher(['n1', 'n2']);
    m.add(0, advert('10.0.0.1', T0, 7));
    m.add(0, advert('10.0.0.1', T0 + 1, 7));
    m.add(1, advert('10.0.0.1', T0 + 5, 7));
    m.add(0, advert('10.0.0.1', T0 + 2, 0));
    m.add(1, advert('10.0.0.1', T0 + 2, 0));
    expect(m.estimate().estimates[0]).toEqual({ vantage: 'n2', against: 'n1', offsetMs: null, matches: 0, matchedBy: null, corrected: false });
  });

  it('adverts without an identification (IPv6, or id 0): each matched to the nearest of the same content within half its interval, and said so', () => {
    const m = new ClockMatcher(['n1', 'n2']);
    for (let i = 1; i <= 10; i++) {
      // n1's capture sees each advert twice (in and out): copies are no interval.
      m.add(0, advert('10.0.0.1', T0 + i, 0));
      m.add(0, advert('10.0.0.1', T0 + i + 0.00001, 0));
      if (i !== 3) m.add(1, advert('10.0.0.1', T0 + i + 0.3, 0));
    }
    // A priority change: other content, matched the same way.
    for (let i = 11; i <= 14; i++) {
      m.add(0, advert('10.0.0.1', T0 + i, 0, 90));
      m.add(1, advert('10.0.0.1', T0 + i + 0.3, 0, 90));
    }
    const [e] = m.estimate().estimates;
    // The nearest sighting at n1 of the first ten is the later copy, 10 µs after the first.
    expect(e).toEqual({ vantage: 'n2', against: 'n1', offsetMs: 299.99, matches: 13, matchedBy: 'nearest', corrected: true });
    expect(describeClock(e)).toMatch(/^300ms ahead of n1 \(median of 13 adverts seen at both, each matched to the nearest of the same content: they carry no /);
    expect(describeClock(e)).toContain('IPv4 identification, so this holds if the clocks differ by less than half the advert interval): its times are shown on n1\'s clock');
  });

  it('a vantage sharing no advert with the first is tied to it through one that shares with both; below 1 ms nothing is corrected', () => {
    const m = new ClockMatcher(['n1', 'n2', 'n3']);
    for (let i = 1; i <= 5; i++) {
      m.add(0, advert('10.0.0.1', T0 + i, i));
      m.add(1, advert('10.0.0.1', T0 + i + 0.0004, i));
      m.add(1, advert('10.0.0.3', T0 + i + 0.5, 100 + i));
      m.add(2, advert('10.0.0.3', T0 + i + 0.5 - 2, 100 + i));
    }
    const { offsetsS, estimates } = m.estimate();
    expect(estimates.map((e) => [e.vantage, e.offsetMs, e.via, e.corrected])).toEqual([['n2', 0.4, undefined, false], ['n3', -1999.6, 'n2', true]]);
    expect(offsetsS[1]).toBe(0);
    expect(offsetsS[2]).toBeCloseTo(-1.9996, 6);
  });
});
