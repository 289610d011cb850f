// A measurement, not a speed test: 100,000 small frames sent as fast as python can over the veth,
// and what the capture got of them against what libpcap says it dropped, for a few ring sizes and
// both delivery modes. The numbers are printed; only their consistency is asserted.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { vrrpFrame } from '../support/encode.js';
import { Netns, liveSkipReason } from './netns.js';

const skip = liveSkipReason();
if (skip) console.warn(`test/live/burst.test.ts skipped: ${skip}`);

const FRAMES = 100_000;
const MiB = 1 << 20;
const CASES = [1, 32].flatMap((mib) => [0, 10, 100].map((ms) => ({ bufferSize: mib * MiB, bufferTimeoutMs: ms })));

interface Stats {
  received: number;
  dropped: number;
  ifDropped: number;
}

describe.skipIf(skip !== undefined)('burst of 100,000 frames', () => {
  const ns = new Netns();
  let link: { here: string; there: string };
  const rows: string[] = [];

  beforeAll(() => {
    ns.setUp();
    link = ns.addLink('a', 'b');
  });
  afterAll(() => {
    ns.tearDown();
    console.log(['burst: sent, captured, libpcap received/dropped/ifdropped, send rate', ...rows].join('\n'));
  });

  for (const c of CASES) {
    it(`ring ${c.bufferSize / MiB} MiB, ${c.bufferTimeoutMs ? `buffer timeout ${c.bufferTimeoutMs} ms` : 'immediate mode'}`, { timeout: 60_000 }, async () => {
      const run = ns.startCapture({ iface: link.here, quiet: true, maxMs: 50_000, ...c });
      expect((await run.waitFor(['open', 'error'])).event).toBe('open');
      const sent = ns.send(link.there, [vrrpFrame({ vrrp: { version: 3, vrid: 1, priority: 100, addrs: ['192.0.2.100'] } })], { sequence: [0], repeat: FRAMES });
      const end = await run.drain(500);
      const stats = end.stats as Stats;
      const captured = end.frames as number;
      rows.push(
        `  ${c.bufferSize / MiB} MiB, ${c.bufferTimeoutMs ? `${c.bufferTimeoutMs} ms` : 'immediate'}: ` +
          `${sent.sent}, ${captured}, ${stats.received}/${stats.dropped}/${stats.ifDropped}, ` +
          `${Math.round(sent.sent / (sent.t1 - sent.t0) / 1000)}k frames/s`,
      );
      expect(sent.sent + sent.errors).toBe(FRAMES);
      expect(end.backwards).toBe(0);
      // Every frame libpcap counted was either handed over or dropped for want of ring space.
      expect(captured + stats.dropped).toBe(stats.received);
      expect(stats.received).toBeLessThanOrEqual(sent.sent);
      expect(run.stderr).toBe('');
    });
  }
});
