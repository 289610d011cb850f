// The live command's stops, on a veth of the test's own: the interface vanishing mid-capture and
// SIGHUP both leave a complete -w file and the summary.
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { vrrpFrame } from '../support/encode.js';
import { runCli } from '../support/cli.js';
import { Netns, liveSkipReason } from './netns.js';

const skip = liveSkipReason();
if (skip) console.warn(`live CLI tests skipped: ${skip}`);

const advert = (id: number) =>
  vrrpFrame({ vrrp: { version: 2, vrid: 7, priority: 100, addrs: ['192.0.2.100'] }, ip: { family: 'ipv4', v4: { id } } });

describe.skipIf(!!skip)('vrrpscope live stops cleanly', () => {
  const ns = new Netns();
  const dir = mkdtempSync(join(tmpdir(), 'vrrpscope-livecli-'));
  beforeAll(() => ns.setUp());
  afterAll(() => ns.tearDown());

  function start(iface: string, file: string) {
    return ns.live(['-i', iface, '--no-tui', '-w', file]);
  }

  function readBack(file: string): number {
    const r = runCli(['read', file, '--json', '-q']);
    expect(r.code).toBe(0);
    const td = spawnSync('tcpdump', ['-nn', '-r', file], { encoding: 'utf8' });
    expect(td.status).toBe(0);
    const frames = (JSON.parse(r.stdout.trim().split('\n').pop()!).capture as { frames: number }).frames;
    expect(td.stdout.trim().split('\n')).toHaveLength(frames);
    return frames;
  }

  it('the interface vanishing: one line on stderr, summary, exit 2, and a complete -w file', async () => {
    const link = ns.addLink('g', 'h');
    const file = join(dir, 'gone.pcap');
    const run = start(link.here, file);
    await run.listening();
    ns.send(link.there, [advert(1), advert(2), advert(3)]);
    await new Promise((r) => setTimeout(r, 300));
    ns.ip(ns.capture, 'link', 'del', link.here);
    expect(await run.exit).toBe(2);
    expect(run.err()).toMatch(/went away during the capture; capture stopped, .*gone\.pcap is complete/);
    expect(run.out()).toContain('Summary');
    expect(run.out().match(/ VRRPv2 vrid 7 /g)).toHaveLength(3);
    expect(readBack(file)).toBe(3);
  }, 20_000);

  it('SIGHUP: summary, exit 0, and the -w file holds every frame', async () => {
    const link = ns.addLink('s', 't');
    const file = join(dir, 'hup.pcap');
    const run = start(link.here, file);
    await run.listening();
    ns.send(link.there, Array.from({ length: 20 }, (_, i) => advert(i)));
    await new Promise((r) => setTimeout(r, 300));
    // To node itself (ip netns exec execs it in place).
    run.child.kill('SIGHUP');
    expect(await run.exit).toBe(0);
    expect(run.out()).toMatch(/libpcap: 20 received, 0 dropped by kernel/);
    expect(readBack(file)).toBe(20);
  }, 20_000);
});
