// Text timestamps are local time. Zones 30 or 45 minutes off UTC must show their own minutes:
// a cache per UTC hour once printed India's 03:43 as 03:13.

import { afterAll, describe, expect, it } from 'vitest';
import { dateTime, timeOfDay } from '../../src/render/time.js';

const saved = process.env.TZ;
afterAll(() => {
  if (saved === undefined) delete process.env.TZ;
  else process.env.TZ = saved;
});

/** A packet time in each case, each in a different second so no cached second is reused. */
const CASES: Array<[tz: string, ts: number, time: string, date: string]> = [
  ['UTC', 1_700_000_000.123456, '22:13:20.123456', '2023-11-14'],
  ['Asia/Kolkata', 1_700_000_001.5, '03:43:21.500000', '2023-11-15'],
  ['Asia/Kathmandu', 1_700_000_002.000001, '03:58:22.000001', '2023-11-15'],
  ['America/St_Johns', 1_700_000_003, '18:43:23.000000', '2023-11-14'],
  ['Australia/Adelaide', 1_700_000_004.999999, '08:43:24.999999', '2023-11-15'],
  // 18:29:59 UTC is 23:59:59 in India, 18:30:00 the next day's midnight.
  ['Asia/Kolkata', 1_700_591_399.25, '23:59:59.250000', '2023-11-21'],
  ['Asia/Kolkata', 1_700_591_400.75, '00:00:00.750000', '2023-11-22'],
];

describe('local time of day', () => {
  for (const [tz, ts, time, date] of CASES) {
    it(`${tz} ${ts}`, () => {
      process.env.TZ = tz;
      expect(timeOfDay(ts)).toBe(time);
      expect(dateTime(ts)).toBe(`${date} ${time}`);
    });
  }

  it('microseconds round to the nearest, across second boundaries', () => {
    process.env.TZ = 'UTC';
    expect(timeOfDay(1_700_000_010.0000002)).toBe('22:13:30.000000');
    expect(timeOfDay(1_700_000_010.9999998)).toBe('22:13:31.000000');
    expect(timeOfDay(-1.5)).toBe('23:59:58.500000');
  });
});
