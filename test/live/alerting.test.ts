// `vrrpscope live --alertmanager URL --evidence DIR` on a veth of the test's own, with a real
// Alertmanager on the capture namespace's loopback: a split brain sent on the wire is listed by
// Alertmanager with the evidence path, and the evidence file raises the same alert when read back.
import * as fs from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AlertmanagerServer, alertmanagerSkip } from '../support/alertmanager.js';
import { freePort, until } from '../support/net.js';
import { runCli } from '../support/cli.js';
import { vrrpFrame } from '../support/encode.js';
import { Netns, liveSkipReason } from './netns.js';

const skip = liveSkipReason() ?? alertmanagerSkip;
if (skip) console.warn(`live alerting tests skipped: ${skip}`);

const advert = (src: string, priority: number) =>
  vrrpFrame({ vrrp: { version: 2, vrid: 7, priority, addrs: ['192.0.2.100'] }, ip: { family: 'ipv4', src } });

describe.skipIf(!!skip)('vrrpscope live --alertmanager --evidence', () => {
  const ns = new Netns();
  const dir = fs.mkdtempSync(join(tmpdir(), 'vrrpscope-livealert-'));
  let am: AlertmanagerServer;
  beforeAll(async () => {
    ns.setUp();
    am = await new AlertmanagerServer(await freePort(), ns.capture).start();
  });
  afterAll(async () => {
    await am?.stop();
    ns.tearDown();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('a split brain on the wire: Alertmanager lists it with the evidence path; the evidence reproduces it', async () => {
    const link = ns.addLink('a', 'b');
    const evidenceDir = join(dir, 'evidence');
    const run = ns.live(['-i', link.here, '--no-tui', '--no-drop-privileges', '--alertmanager', am.url, '--evidence', evidenceDir, '--evidence-seconds', '5']);
    await run.listening();

    // Two masters of VRID 7 that do not hear each other, a second apart for a few seconds.
    for (let i = 0; i < 4; i++) {
      ns.send(link.there, [advert('192.0.2.1', 200), advert('192.0.2.2', 100)]);
      await new Promise((r) => setTimeout(r, 1000));
    }
    await until('the alert', () => /ALERT critical duplicate-master vrid 7/.test(run.out()));
    const evidenceLine = await until('the evidence line', () => /vrrpscope: evidence (\S+) for duplicate-master vrid 7/.exec(run.err()) ?? undefined);
    const evidence = evidenceLine[1];
    expect(evidence.startsWith(join(evidenceDir, 'vrrpscope-evidence-'))).toBe(true);
    expect(evidence).toContain(`-${link.here}-vrid7-duplicate-master.pcap`);

    const listed = await until('Alertmanager lists it', async () => (await am.alerts()).find((a) => a.labels.alertname === 'duplicate-master'));
    expect(listed.labels).toEqual({ alertname: 'duplicate-master', severity: 'critical', segment: link.here, vrid: '7', family: 'ipv4' });
    expect(listed.annotations.evidence).toBe(evidence);
    expect(listed.annotations.summary).toMatch(/^split brain: /);

    run.child.kill('SIGTERM');
    expect(await run.exit).toBe(0);
    const r = runCli(['read', evidence, '-q']);
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/ALERT critical duplicate-master vrid 7: split brain/);
  }, 40_000);

  it('an --evidence directory the dropped user cannot write: one line, exit 2, before capturing', async () => {
    const link = ns.addLink('c', 'd');
    const evidenceDir = join(dir, 'root-only');
    fs.mkdirSync(evidenceDir, { mode: 0o700 });
    const run = ns.live(['-i', link.here, '--no-tui', '-Z', 'nobody', '--evidence', evidenceDir]);
    expect(await run.exit).toBe(2);
    expect(run.err()).toBe(`vrrpscope: --evidence ${evidenceDir} is not writable by nobody (give that user the directory, or --no-drop-privileges)\n`);
  }, 20_000);
});

describe('vrrpscope live --alertmanager with a URL that cannot be one', () => {
  it('is a usage error before anything is opened: one clear line, exit 2', () => {
    const r = runCli(['live', '-i', 'lo', '--alertmanager', 'ftp://alertmanager:9093']);
    expect(r.code).toBe(2);
    expect(r.stderr.split('\n')[0]).toBe("error: option '--alertmanager <url>' argument 'ftp://alertmanager:9093' is invalid. not an http(s) URL: ftp://alertmanager:9093");
  });
});
