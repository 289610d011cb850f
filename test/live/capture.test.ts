// Live capture against the real libpcap: frames sent over a veth between two private network
// namespaces, captured by fixtures/capture.ts running inside one of them.

import * as fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_FILTER } from '../../src/capture/live.js';
import type { Frame } from '../../src/frame.js';
import { arpFrame, ipOtherFrame, naFrame, vrrpFrame } from '../support/encode.js';
import { Netns, liveSkipReason, notRunnableAs, type CaptureRun, type Event, type FrameEvent } from './netns.js';
import { skipping } from '../support/skip.js';

const skip = liveSkipReason();
if (skip) console.warn(`test/live/capture.test.ts skipped: ${skip}`);

const vlan10 = { kind: 'ethernet' as const, src: '00:00:5e:00:01:07', dst: '01:00:5e:00:00:12', vlans: [10] };

function vrrp4(id: number, extra: { dst?: string; link?: typeof vlan10 } = {}): Frame {
  return vrrpFrame({
    vrrp: { version: 2, vrid: 7, priority: 100, addrs: ['192.0.2.100'] },
    ip: { family: 'ipv4', dst: extra.dst, v4: { id } },
    link: extra.link,
  });
}

function udp4(id: number, link?: typeof vlan10): Frame {
  return ipOtherFrame({ ip: { family: 'ipv4', dst: '10.0.0.9', v4: { id } }, protocol: 17, payload: new Uint8Array(16), link });
}

const hex = (f: Frame): string => Buffer.from(f.data.subarray(0, 64)).toString('hex');

/** Fails with whatever the fixture said when the event is not the expected kind. */
function expectEvent(e: Event, name: string): void {
  expect(e.event, JSON.stringify(e)).toBe(name);
}

describe.skipIf(skip !== undefined)('live capture (libpcap, network namespaces)', () => {
  const ns = new Netns();
  let link: { here: string; there: string };

  beforeAll(() => {
    ns.setUp();
    link = ns.addLink('a', 'b');
  });
  afterAll(() => ns.tearDown());

  async function captureAround(run: CaptureRun, send: () => void): Promise<{ open: Event; end: Event; frames: FrameEvent[] }> {
    const open = await run.waitFor(['open', 'error']);
    expectEvent(open, 'open');
    send();
    const end = await run.drain();
    return { open, end, frames: run.frames() };
  }

  it('delivers exactly the VRRP frames, in order, with kernel timestamps from the send', async () => {
    const vrrp = Array.from({ length: 50 }, (_, i) => vrrp4(i));
    const other = Array.from({ length: 50 }, (_, i) => udp4(i));
    const sequence = vrrp.flatMap((_, i) => [i, 50 + i]);
    let sent!: ReturnType<Netns['send']>;
    const run = ns.startCapture({ iface: link.here, hex: true });
    const { open, end, frames } = await captureAround(run, () => (sent = ns.send(link.there, [...vrrp, ...other], { sequence })));

    expect(sent.sent).toBe(100);
    expect(open.warnings).toContain(`${link.here}: no IPv4 address assigned`);
    expect(frames.map((f) => f.hex)).toEqual(vrrp.map(hex));
    frames.forEach((f, i) => {
      expect(f).toMatchObject({ len: 60, origLen: 60, linkType: 1, record: i + 1, offset: -1 });
      // The kernel stamps a veth frame while the sender is still inside send(): between t0 and t1.
      expect(f.ts).toBeGreaterThanOrEqual(sent.t0 - 0.001);
      expect(f.ts).toBeLessThanOrEqual(sent.t1 + 0.001);
      if (i > 0) expect(f.ts).toBeGreaterThanOrEqual(frames[i - 1].ts);
    });
    // The UDP frames never passed the kernel filter, so libpcap did not count them either.
    expect(end).toMatchObject({ reason: 'closed', frames: 50, backwards: 0, stats: { received: 50, dropped: 0 } });
    expect(run.stderr).toBe('');
  });

  it('takes in what the default filter names, tagged or not, and nothing else', async () => {
    const wanted = [
      vrrp4(1),
      vrrpFrame({ vrrp: { version: 3, vrid: 7, priority: 100, addrs: ['fe80::7'] }, ip: { family: 'ipv6' } }),
      arpFrame({ arp: { op: 1, senderMac: '02:00:00:00:00:01', senderIp: '192.0.2.1', targetMac: '00:00:00:00:00:00', targetIp: '192.0.2.1' } }),
      naFrame({ na: { target: 'fe80::1', override: true, targetMac: '02:00:00:00:00:01' } }),
      // An MLD report: ICMPv6 behind a hop-by-hop header.
      ipOtherFrame({ ip: { family: 'ipv6', dst: 'ff02::16', v6: { extensions: [{ type: 0 }] } }, protocol: 58, payload: Uint8Array.of(143, 0, 0, 0, 0, 0, 0, 0) }),
      ipOtherFrame({ ip: { family: 'ipv4', dst: '224.0.0.22', ttl: 1 }, protocol: 2, payload: new Uint8Array(8) }),
      ipOtherFrame({ ip: { family: 'ipv4', dst: '10.0.0.9' }, protocol: 1, payload: Uint8Array.of(3, 1, 0, 0, 0, 0, 0, 0) }),
      vrrp4(2, { link: vlan10 }),
    ];
    const unwanted = [
      udp4(3),
      ipOtherFrame({ ip: { family: 'ipv4', dst: '10.0.0.9' }, protocol: 6, payload: new Uint8Array(20) }),
      ipOtherFrame({ ip: { family: 'ipv6', dst: 'ff02::1:3' }, protocol: 17, payload: new Uint8Array(16) }),
      udp4(4, vlan10),
    ];
    const run = ns.startCapture({ iface: link.here, hex: true });
    const { open, frames } = await captureAround(run, () => ns.send(link.there, [...wanted, ...unwanted]));

    expect(open.filter).toBe(`(${DEFAULT_FILTER}) or (vlan and (${DEFAULT_FILTER}))`);
    // Linux strips the tag before the filter runs; libpcap puts it back into the data.
    expect(frames.map((f) => f.hex)).toEqual(wanted.map(hex));
    expect(frames.at(-1)!.hex!.slice(24, 32)).toBe('8100000a');
  });

  it('ANDs the user filter with its own, for tagged frames too', async () => {
    const frames = [vrrp4(1), vrrp4(2, { dst: '224.0.0.19' }), vrrp4(3, { link: vlan10 }), vrrp4(4, { dst: '224.0.0.19', link: vlan10 }), udp4(5)];
    const run = ns.startCapture({ iface: link.here, filter: 'dst host 224.0.0.18', hex: true, bufferTimeoutMs: 0 });
    const got = await captureAround(run, () => ns.send(link.there, frames));
    expect(got.frames.map((f) => f.hex)).toEqual([hex(frames[0]), hex(frames[2])]);
  });

  it('cuts frames at the snap length and keeps the length on the wire', async () => {
    const run = ns.startCapture({ iface: link.here, snaplen: 40, bufferTimeoutMs: 100 });
    const { frames } = await captureAround(run, () => ns.send(link.there, [vrrp4(1)]));
    expect(frames).toMatchObject([{ len: 40, origLen: 60, linkType: 1 }]);
  });

  it('captures on "any" with Linux cooked headers and no vlan branch', async () => {
    const run = ns.startCapture({ iface: 'any' });
    const { open, frames } = await captureAround(run, () => ns.send(link.there, [vrrp4(1), udp4(2)]));
    expect(open).toMatchObject({ linkType: 113, filter: DEFAULT_FILTER });
    // The 16-byte cooked header replaces the 14-byte Ethernet one.
    expect(frames).toMatchObject([{ len: 62, origLen: 62, linkType: 113 }]);
  });

  it('closes from inside onFrame, twice over, and then lets the process end by itself', async () => {
    const run = ns.startCapture({ iface: link.here, stopAfter: 3, quiet: true });
    expectEvent(await run.waitFor(['open', 'error']), 'open');
    ns.send(link.there, Array.from({ length: 6 }, (_, i) => vrrp4(i)));
    expect(await run.waitFor(['end'])).toMatchObject({ reason: 'closed', frames: 3 });
    // Nothing left holds the event loop: the handle was freed on the way out of dispatch.
    const exited = await Promise.race([run.exit, new Promise((r) => setTimeout(() => r('still running'), 3_000))]);
    expect(exited).toBe(0);
  });

  it('keeps capturing after the link goes down and up again', async () => {
    // libuv stops the binding's poll watcher on the POLLERR that a link going down raises.
    const run = ns.startCapture({ iface: link.here });
    expectEvent(await run.waitFor(['open', 'error']), 'open');
    ns.ip(ns.capture, 'link', 'set', link.here, 'down');
    await new Promise((r) => setTimeout(r, 200));
    ns.ip(ns.capture, 'link', 'set', link.here, 'up');
    await new Promise((r) => setTimeout(r, 200));
    ns.send(link.there, [vrrp4(1), vrrp4(2)]);
    const end = await run.drain();
    expect(end).toMatchObject({ reason: 'closed', frames: 2 });
  });

  it('drops to nobody once open, and goes on capturing', async () => {
    const run = ns.startCapture({ iface: link.here, drop: 'nobody', quiet: true });
    expectEvent(await run.waitFor(['open', 'error']), 'open');
    const dropped = await run.waitFor(['dropped']);
    expect(dropped).toMatchObject({ dropped: true, user: 'nobody', uid: 65534, euid: 65534 });
    ns.send(link.there, Array.from({ length: 10 }, (_, i) => vrrp4(i)));
    const end = await run.drain();
    expect(end).toMatchObject({ reason: 'closed', frames: 10, stats: { received: 10, dropped: 0 } });
    expect(run.stderr).toBe('');
  });

  it('ends with "gone", and exits, when the interface is deleted during the capture', async () => {
    const doomed = ns.addLink('c', 'd');
    const run = ns.startCapture({ iface: doomed.here, quiet: true });
    expectEvent(await run.waitFor(['open', 'error']), 'open');
    ns.send(doomed.there, [vrrp4(1), vrrp4(2), vrrp4(3)]);
    await new Promise((r) => setTimeout(r, 200));
    ns.ip(ns.capture, 'link', 'del', doomed.here);
    const end = await run.waitFor(['end'], 5_000);
    expect(end).toMatchObject({ reason: 'gone', code: 'gone', frames: 3, message: `interface ${doomed.here} went away during the capture` });
    expect(await run.exit).toBe(0);
    expect(run.stderr).toBe('');
  });

  describe('says what is wrong, on one line', () => {
    async function failure(config: Parameters<Netns['startCapture']>[0], asUser?: string): Promise<Event> {
      const run = ns.startCapture(config, { asUser });
      const e = await run.waitFor(['open', 'error']);
      expectEvent(e, 'error');
      expect(await run.exit).toBe(3);
      expect(run.stderr).toBe('');
      expect(e.message).not.toMatch(/\n/);
      expect(e.name).toBe('LiveCaptureError');
      return e;
    }

    it('no such interface, listing those there are', async () => {
      const e = await failure({ iface: `${ns.tag}x` });
      expect(e.code).toBe('no-such-device');
      const [said, names] = (e.message as string).split('; there are: ');
      expect(said).toBe(`no interface "${ns.tag}x" to capture on`);
      // In libpcap's order (up and running first); the namespace holds only these.
      expect(names.split(', ').sort()).toEqual(['any', link.here, 'lo'].sort());
    });

    it('a bad filter, with libpcap’s words', async () => {
      expect(await failure({ iface: link.here, filter: 'ip proto 112 or' })).toMatchObject({
        code: 'bad-filter',
        message: 'bad capture filter "ip proto 112 or": can\'t parse filter expression: syntax error',
      });
      expect(await failure({ iface: link.here, filter: 'port 99999' })).toMatchObject({ code: 'bad-filter', message: expect.stringMatching(/^bad capture filter "port 99999": .*99999/) });
    });

    it.skipIf(skipping(notRunnableAs('nobody') ?? false, 'the test that captures as nobody'))('no permission, with the setcap command for this node', async () => {
      const e = await failure({ iface: link.here }, 'nobody');
      expect(e.code).toBe('permission');
      expect(e.message).toBe(
        `no permission to capture on ${link.here} (socket: Operation not permitted): run as root, or give node the capture capabilities ` +
          `(every script it runs gets them) with: setcap cap_net_raw,cap_net_admin=eip ${fs.realpathSync(process.execPath)}`,
      );
    });

    it('an interface that is down', async () => {
      ns.ip(ns.capture, 'link', 'set', link.here, 'down');
      try {
        const e = await failure({ iface: link.here });
        expect(e).toMatchObject({ code: 'interface-down', message: `interface ${link.here} is down (That device is not up): bring it up and try again` });
      } finally {
        ns.ip(ns.capture, 'link', 'set', link.here, 'up');
      }
    });
  });
});
