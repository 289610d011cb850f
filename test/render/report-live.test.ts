// The live page (`live --listen`) without root: the server of LiveReport in front of a pipeline
// fed a lab capture in two halves, as a wire would; the page in headless Chromium must pick up the
// second half by itself (it refetches every second) and keep the reader's zoom and open panels.
// test/live/report-live.test.ts does the same with keepalived on the lab bridge.

import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readCapture } from '../../src/capture/file.js';
import type { Frame } from '../../src/frame.js';
import { Pipeline } from '../../src/pipeline.js';
import { LiveReport, parseListen } from '../../src/report.js';
import { chromiumMissing, launchChromium, type Browser } from '../support/chromium.js';
import { ROOT } from '../support/cli.js';

const missing = chromiumMissing();
if (missing) console.warn(`live report browser test skipped: ${missing}`);

async function frames(file: string): Promise<Frame[]> {
  const all: Frame[] = [];
  await readCapture(file, (f) => {
    all.push({ ...f, data: f.data.slice() });
  });
  return all;
}

describe('--listen address', () => {
  it('takes HOST:PORT, [IPv6]:PORT and PORT (on 127.0.0.1), nothing else', () => {
    expect(parseListen('8080')).toEqual({ host: '127.0.0.1', port: 8080 });
    expect(parseListen('0.0.0.0:80')).toEqual({ host: '0.0.0.0', port: 80 });
    expect(parseListen('[::1]:9')).toEqual({ host: '::1', port: 9 });
    expect(parseListen(':0')).toEqual({ host: '127.0.0.1', port: 0 });
    for (const bad of ['', 'host', '1.2.3.4:', ':99999', 'a:b:1']) expect(() => parseListen(bad), bad).toThrow(/--listen/);
  });
});

describe.skipIf(missing)('live report page in headless Chromium', () => {
  let browser: Browser;
  let report: LiveReport;
  let url: string;
  let pipeline: Pipeline;
  let rest: Frame[];

  beforeAll(async () => {
    const all = await frames(path.join(ROOT, 'pcaps', 'lab', 'preempt-restart.pcap'));
    // Cut before the first takeover: the page starts with one master.
    const whole = new Pipeline({}, null);
    for (const f of all) whole.frame(f);
    const firstChangeTs = whole.analyzer.snapshot().vrids[0].masterChanges[0].ts;
    const cut = all.findIndex((f) => f.ts >= firstChangeTs - 1.5);
    rest = all.slice(cut);
    report = new LiveReport({ iface: 'test0' });
    pipeline = new Pipeline({}, null, report.alert, report.packet);
    report.attach(pipeline);
    for (const f of all.slice(0, cut)) pipeline.frame(f);
    url = await report.listen('127.0.0.1:0');
    browser = await launchChromium();
  }, 60_000);

  afterAll(async () => {
    report?.close();
    await browser?.close();
  });

  it('serves only GET /', async () => {
    expect((await fetch(url)).headers.get('content-security-policy')).toContain("connect-src 'self'");
    expect((await fetch(url + 'x')).status).toBe(404);
    expect((await fetch(url, { method: 'POST' })).status).toBe(405);
  });

  it('updates by itself: new master bars appear, open panels and the severity filter stay', async () => {
    const page = await browser.context.newPage();
    const errors: string[] = [];
    const requests = new Set<string>();
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
    page.on('request', (r) => requests.add(r.url()));
    await page.goto(url);
    await page.waitForSelector('html[data-rendered]');
    const bars = () => page.locator('.chart rect.spell').count();
    const before = await bars();
    expect(before).toBe(1);
    await page.locator('.sev-filter[value="warning"]').uncheck();

    for (const f of rest) pipeline.frame(f);
    const changes = pipeline.analyzer.snapshot().vrids[0].masterChanges.length;
    expect(changes).toBe(2);
    await page.waitForFunction((n) => document.querySelectorAll('.chart rect.spell').length === n, changes + 1, { timeout: 5000 });
    expect(await page.locator('.sev-filter[value="warning"]').isChecked()).toBe(false);
    expect(await page.locator('table.alerts tr[data-severity="warning"]:not([hidden])').count()).toBe(0);
    expect(await page.locator('table.alerts tr[data-severity="warning"]').count()).toBe(2);
    // A panel the reader closed stays closed through the next refreshes.
    await page.locator('details.vr > summary').click();
    const refreshed = Number(await page.getAttribute('html', 'data-refreshed'));
    await page.waitForFunction((n) => Number(document.documentElement.getAttribute('data-refreshed')) >= n + 2, refreshed, { timeout: 5000 });
    expect(await page.locator('details.vr[open]').count()).toBe(0);
    expect(errors).toEqual([]);
    expect([...requests]).toEqual([url]);
    await page.close();
  }, 30_000);
});
