// `vrrpscope live --listen` on the lab bridge with two real keepalived daemons, its page open in
// headless Chromium (started inside the bridge's namespace, where the server listens on loopback):
// crash the master and the page shows its bar end and the backup's start within two seconds of
// the takeover on the wire, without a reload.
import { spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Lab, labPrerequisites, type Keepalived } from '../../scripts/lab/lab.js';
import { keepalivedConf } from '../../scripts/lab/scenarios.js';
import { CHROMIUM, chromiumMissing, launchChromium, type Browser } from '../support/chromium.js';
import { CLI } from '../support/cli.js';

const missing = labPrerequisites();
if (!fs.existsSync(join(CLI, '../../node_modules/pcap/build/Release/pcap_binding.node'))) missing.push('the pcap binding (npm rebuild pcap)');
const noBrowser = chromiumMissing();
if (noBrowser) missing.push(noBrowser);
if (missing.length) console.warn(`live report page test skipped: missing ${missing.join(', ')}`);

interface Bar {
  src: string;
  from: number;
  until: number;
  open: boolean;
}

const bars = (page: Page): Promise<Bar[]> =>
  page.evaluate(() => [...document.querySelectorAll('.chart rect.spell')].map((e) => ({
    src: e.getAttribute('data-src')!,
    from: Number(e.getAttribute('data-from-ms')),
    until: Number(e.getAttribute('data-until-ms')),
    open: e.getAttribute('data-open') === '1',
  })));

describe.skipIf(missing.length > 0)('vrrpscope live --listen: the page follows a crash', () => {
  let lab: Lab;
  let n1: Keepalived;
  let proc: ChildProcess;
  let browser: Browser;
  let stderr = '';
  const dir = fs.mkdtempSync(join(tmpdir(), 'vrrpscope-live-report-'));

  beforeAll(async () => {
    lab = await Lab.create({ nodes: 2, maxLifetimeSec: 180 });
    spawnSync('ip', ['-n', lab.switchNs, 'link', 'set', 'lo', 'up']);
    const conf = (name: string, state: 'MASTER' | 'BACKUP', priority: number) =>
      keepalivedConf(lab.node(name), [{ state, vrid: 51, priority, vips: ['10.77.0.100/24'] }]);
    n1 = await lab.startKeepalived('n1', conf('n1', 'MASTER', 150));
    await lab.startKeepalived('n2', conf('n2', 'BACKUP', 100));
    proc = lab.spawnIn(lab.switchNs, [process.execPath, CLI, 'live', '-i', 'br0', '-q', '--no-tui', '--listen', '127.0.0.1:0']);
    proc.stdout!.resume();
    proc.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    // Chromium in the bridge's namespace: playwright talks to it over a pipe, the page over loopback there.
    const wrapper = join(dir, 'chromium-in-ns');
    fs.writeFileSync(wrapper, `#!/bin/sh\nexec ip netns exec ${lab.switchNs} ${CHROMIUM} "$@"\n`, { mode: 0o755 });
    browser = await launchChromium(wrapper);
    await n1.waitForState('MASTER', { timeoutMs: 15_000 });
  }, 90_000);

  afterAll(async () => {
    await browser?.close();
    proc?.kill('SIGKILL');
    lab?.cleanup();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('crash: the master bar ends and the backup bar starts within 2 s of the takeover', async () => {
    const deadline = Date.now() + 10_000;
    let url: string | undefined;
    while (!(url = /report at (http:\S+)/.exec(stderr)?.[1]) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(url, stderr).toBeDefined();
    const page = await browser.context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(url!);
    await page.waitForFunction(() => [...document.querySelectorAll('.chart rect.spell')]
      .some((e) => e.getAttribute('data-src') === '10.77.0.11' && e.getAttribute('data-open') === '1'), undefined, { timeout: 10_000 });

    await n1.crash();
    await page.waitForFunction(() => [...document.querySelectorAll('.chart rect.spell')]
      .some((e) => e.getAttribute('data-src') === '10.77.0.12' && e.getAttribute('data-open') === '1'), undefined, { timeout: 15_000, polling: 50 });
    const shownAtMs = Date.now();
    const drawn = await bars(page);
    const n2 = drawn.find((b) => b.src === '10.77.0.12' && b.open)!;
    const n1Bar = drawn.find((b) => b.src === '10.77.0.11')!;
    expect(n1Bar.open).toBe(false);
    expect(n1Bar.until).toBeLessThanOrEqual(n2.from);
    // n2.from is the packet time of the backup's first advert as master (kernel time on this machine).
    expect(shownAtMs - n2.from).toBeLessThan(2000);
    expect(errors).toEqual([]);
    await page.close();
  }, 60_000);
});
