// The analyzer handles an advert it saw before (the same packet object from the pipeline's
// decoder) by its timing alone. That shortcut must never change an answer: fed the same frames,
// an analyzer behind the Decoder (shortcut taken) and one behind decodeFrame (fresh packets, the
// shortcut never taken) must raise the same alerts in the same order and end with the same state.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Analyzer, type AnalyzerOptions } from '../../src/analyze/analyzer.js';
import { readCapture } from '../../src/capture/file.js';
import type { Frame } from '../../src/frame.js';
import { decodedFrame } from '../../src/decode/index.js';
import { Decoder } from '../../src/decode/decoder.js';
import { withBenchCapture } from '../support/bench-capture.js';
import { arpFrame, vrrpFrame, type IpSpec, type VrrpSpec } from '../support/encode.js';

const LAB = new URL('../../pcaps/lab/', import.meta.url).pathname;

/** Both analyzers side by side; `feed` gives each frame to both. */
function pair(options: AnalyzerOptions = {}) {
  const alerts: { fast: string[]; plain: string[] } = { fast: [], plain: [] };
  const fast = new Analyzer({ ...options, onAlert: (a) => alerts.fast.push(JSON.stringify(a)) });
  const plain = new Analyzer({ ...options, onAlert: (a) => alerts.plain.push(JSON.stringify(a)) });
  const decoder = new Decoder();
  return {
    fast,
    feed(f: Frame): void {
      fast.ingest(decoder.decode(f));
      plain.ingest(decodedFrame(f));
    },
    check(): void {
      fast.finish();
      plain.finish();
      expect(alerts.fast).toEqual(alerts.plain);
      expect(fast.snapshot()).toEqual(plain.snapshot());
    },
  };
}

async function compareFile(file: string, options: AnalyzerOptions = {}): Promise<{ adverts: number; repeated: number }> {
  const p = pair(options);
  await readCapture(file, (f) => p.feed(f)).catch((e: Error) => {
    if (e.name !== 'CaptureError') throw e;
  });
  p.check();
  return { adverts: p.fast.totals.vrrp, repeated: p.fast.repeatedAdverts };
}

describe('analyzer: an advert seen before, handled by its timing alone, gives the answers of the full path', () => {
  const labFiles = fs.readdirSync(LAB).filter((f) => f.endsWith('.pcap')).sort();

  it.each(labFiles)('keepalived lab: %s', async (name) => {
    const r = await compareFile(path.join(LAB, name));
    // Also on a trunk (each VLAN's virtual router keeps its last sender) and on `-i any` (the
    // decoder keeps each interface's copies apart).
    if (r.adverts > 20) expect(r.repeated).toBeGreaterThan(0);
  });

  it.each(['auth-mismatch.pcap', 'split-brain.pcap', 'failover-crash.pcap'])('keepalived lab with --auth-pass: %s', async (name) => {
    await compareFile(path.join(LAB, name), { authPass: 'secret12' });
  });

  it('the benchmark capture: 200,000 frames, 250 virtual routers, takeovers and preemptions', async () => {
    const r = await withBenchCapture(200_000, (file) => compareFile(file));
    expect(r.repeated / r.adverts).toBeGreaterThan(0.8);
  });

  it('adverts that change and change back, with findings counted per packet, in every order', () => {
    const base: VrrpSpec = { version: 2, vrid: 5, priority: 100, addrs: ['192.0.2.5'], password: 'secret12' };
    const v = (vrrp: Partial<VrrpSpec>, ip: Partial<IpSpec> = {}): Frame =>
      vrrpFrame({ vrrp: { ...base, ...vrrp }, ip: { family: 'ipv4', src: '192.0.2.2', ...ip } });
    const variants: Frame[] = [
      v({}),
      v({ priority: 110 }), // track_script weight, and back
      v({}, { ttl: 64 }), // bad TTL: counted on every packet
      v({}, { dst: '224.0.0.99' }), // custom group: a once-only finding counted on every packet
      v({ password: 'other' }), // --auth-pass mismatch: the condition renewed on every packet
      v({ priority: 0 }), // resignation: an event on every packet
      v({ priority: 255 }), // owner-conflict: the router is not one of the addresses
      v({ addrs: ['192.0.2.5', '192.0.2.6'] }),
      v({ priority: 90 }, { src: '192.0.2.3' }), // a second router (backup) speaking up
      arpFrame({ arp: { op: 1, senderMac: '02:00:00:00:00:09', senderIp: '192.0.2.5', targetMac: 'ff:ff:ff:ff:ff:ff', targetIp: '192.0.2.5' } }),
    ];
    for (const authPass of [undefined, 'secret12']) {
      const p = pair({ authPass });
      // A deterministic walk: mostly the master's usual advert, now and then a variant for a few packets.
      let seed = 7;
      let ts = 1_700_000_000;
      for (let i = 0; i < 6000; i++) {
        seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
        const pick = seed % 100 < 70 ? 0 : 1 + ((seed >>> 8) % (variants.length - 1));
        ts += 0.25 + ((seed >>> 16) % 1000) / 1000;
        p.feed({ ...variants[pick], ts, record: i + 1 });
      }
      p.check();
      expect(p.fast.repeatedAdverts).toBeGreaterThan(1000);
    }
  });
});
