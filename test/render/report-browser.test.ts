// The HTML report in a real headless Chromium: what the page draws (bars, markers, their data
// attributes and x positions) must be what the analyzer found in a separate run over the same lab
// capture; no console errors, no requests beyond the file itself, no horizontal overflow at phone
// width. Screenshots land in test-artifacts/report/ for a person to look at.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Alert } from '../../src/analyze/alerts.js';
import type { AnalyzerSnapshot } from '../../src/analyze/analyzer.js';
import { CaptureError } from '../../src/capture/types.js';
import { Pipeline, readInto } from '../../src/pipeline.js';
import { reportHtml } from '../../src/render/report/html.js';
import { collectReport } from '../../src/report.js';
import { chromiumMissing, launchChromium, type Browser } from '../support/chromium.js';
import { ROOT, tempDir, vrrpPcap } from '../support/cli.js';

const LAB = path.join(ROOT, 'pcaps', 'lab');
const ARTIFACTS = path.join(ROOT, 'test-artifacts', 'report');
const SCENARIOS = ['failover-graceful', 'failover-crash', 'split-brain', 'preempt-restart', 'garp-missing', 'vip-conflict'];

const missing = chromiumMissing();
if (missing) console.warn(`report browser tests skipped: ${missing}`);

const asInputError = (err: unknown): CaptureError => {
  if (err instanceof CaptureError) return err;
  throw err;
};

/** The analyzer's own answer, from a run of its own (not the report's). */
async function analyse(file: string): Promise<{ snap: AnalyzerSnapshot; alerts: Alert[] }> {
  const alerts: Alert[] = [];
  const p = new Pipeline({}, null, (a) => alerts.push({ ...a }));
  await readInto(p, file);
  p.finish();
  return { snap: p.analyzer.snapshot(), alerts };
}

async function writeReport(files: string[], out: string, authPass?: string): Promise<string> {
  const { data } = await collectReport(files, { authPass }, asInputError);
  fs.writeFileSync(out, reportHtml(data));
  return out;
}

interface Watch {
  errors: string[];
  requests: string[];
}

async function open(browser: Browser, file: string, width: number): Promise<{ page: Page; watch: Watch }> {
  const page = await browser.context.newPage();
  const watch: Watch = { errors: [], requests: [] };
  page.on('console', (m) => {
    if (m.type() === 'error') watch.errors.push(m.text());
  });
  page.on('pageerror', (e) => watch.errors.push(e.message));
  page.on('request', (r) => watch.requests.push(r.url()));
  await page.setViewportSize({ width, height: 800 });
  await page.goto(pathToFileURL(file).href);
  await page.waitForSelector('html[data-rendered]');
  return { page, watch };
}

interface Drawn {
  view: { from: number; until: number; left: number; width: number };
  spells: { src: string; from: number; until: number; x: number; index: number }[];
  markers: { ts: number; x: number; dataX: number; kind: string }[];
}

/** What one VRID's chart shows, read from the DOM. */
function drawn(page: Page, key: string): Promise<Drawn> {
  return page.evaluate((k) => {
    const svg = document.querySelector(`.chart[data-key="${k}"] svg`)!;
    const num = (e: Element, a: string) => Number(e.getAttribute(a));
    const svgLeft = svg.getBoundingClientRect().left;
    return {
      view: { from: num(svg, 'data-view-from-ms'), until: num(svg, 'data-view-until-ms'), left: num(svg, 'data-plot-left'), width: num(svg, 'data-plot-width') },
      spells: [...svg.querySelectorAll('rect.spell')].map((e) => ({
        src: e.getAttribute('data-src')!, from: num(e, 'data-from-ms'), until: num(e, 'data-until-ms'), x: num(e, 'x'), index: num(e, 'data-index'),
      })),
      markers: [...svg.querySelectorAll('path.marker')].map((e) => {
        const r = e.getBoundingClientRect();
        return { ts: num(e, 'data-ts-ms'), x: r.left + r.width / 2 - svgLeft, dataX: num(e, 'data-x'), kind: e.getAttribute('data-kind')! };
      }),
    };
  }, key);
}

const xOf = (v: Drawn['view'], ms: number) => v.left + ((ms - v.from) / (v.until - v.from)) * v.width;

describe.skipIf(missing)('HTML report in headless Chromium', () => {
  let browser: Browser;
  let dir: string;

  beforeAll(async () => {
    browser = await launchChromium();
    dir = tempDir();
    fs.mkdirSync(ARTIFACTS, { recursive: true });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  for (const scenario of SCENARIOS) {
    it(`${scenario}: master bars and alert markers are the analyzer's, at their times`, async () => {
      const pcap = path.join(LAB, `${scenario}.pcap`);
      const { snap, alerts } = await analyse(pcap);
      const file = await writeReport([pcap], path.join(dir, `${scenario}.html`));
      const { page, watch } = await open(browser, file, 1280);
      try {
        for (const v of snap.vrids) {
          const key = `${v.family}-${v.vrid}`;
          const d = await drawn(page, key);
          // Bars: one per master spell, in the analyzer's order, at its times and x positions.
          expect(d.spells.map((s) => s.index)).toEqual(v.history.map((_, i) => i));
          expect(d.spells.map((s) => s.src)).toEqual(v.history.map((s) => s.src));
          d.spells.forEach((s, i) => {
            const h = v.history[i];
            expect(Math.abs(s.from - h.fromTs * 1000)).toBeLessThanOrEqual(1);
            if (h.untilTs !== null) expect(Math.abs(s.until - h.untilTs * 1000)).toBeLessThanOrEqual(1);
            expect(Math.abs(s.x - xOf(d.view, s.from))).toBeLessThan(0.5);
            if (i > 0) expect(s.x).toBeGreaterThan(d.spells[i - 1].x);
          });
          // Every master change is a bar of the new master starting then, after a bar of the old one.
          expect(v.masterChanges.length).toBe(v.masterChangeCount);
          for (const c of v.masterChanges) {
            const at = d.spells.findIndex((s) => s.src === c.to && Math.abs(s.from - c.ts * 1000) <= 1);
            expect(at, `bar for change to ${c.to} at ${c.ts}`).toBeGreaterThan(0);
            expect(d.spells[at - 1].src).toBe(c.from);
          }
          // Markers: every alert of this VRID but the clearings, at its time.
          const mine = alerts.filter((a) => a.vrid === v.vrid && a.family === v.family && a.status !== 'cleared');
          expect(d.markers.map((m) => m.kind)).toEqual(mine.map((a) => a.kind));
          d.markers.forEach((m, i) => {
            expect(Math.abs(m.ts - mine[i].ts * 1000)).toBeLessThanOrEqual(1);
            expect(Math.abs(m.dataX - xOf(d.view, m.ts))).toBeLessThan(0.5);
            expect(Math.abs(m.x - m.dataX)).toBeLessThan(1.5);
          });
        }
        expect(snap.vrids.length).toBeGreaterThan(0);
        await page.screenshot({ path: path.join(ARTIFACTS, `${scenario}.png`), fullPage: true });
        expect(watch.errors).toEqual([]);
        expect(watch.requests).toEqual([pathToFileURL(file).href]);
      } finally {
        await page.close();
      }
    }, 30_000);
  }

  it('the lab scenarios show what they are about: a takeover, a split brain, a second MAC for the VIP', async () => {
    const html = (s: string) => writeReport([path.join(LAB, `${s}.pcap`)], path.join(dir, `${s}.html`));
    const count = async (file: string, selector: string) => {
      const { page } = await open(browser, file, 1280);
      const n = await page.locator(selector).count();
      await page.close();
      return n;
    };
    expect(await count(await html('failover-crash'), '.chart rect.missed')).toBeGreaterThan(0);
    expect(await count(await html('failover-crash'), '.chart rect.gap')).toBe(1);
    expect(await count(await html('split-brain'), '.chart rect.contender')).toBeGreaterThan(0);
    // vip-conflict: a MAC of no router of the VRID claims the VIP.
    expect(await count(await html('vip-conflict'), '.chart rect.claim.other')).toBeGreaterThan(0);
  }, 60_000);

  for (const width of [1280, 375]) {
    it(`renders at ${width}x800 without horizontal overflow`, async () => {
      for (const scenario of ['split-brain', 'vip-conflict']) {
        const file = await writeReport([path.join(LAB, `${scenario}.pcap`)], path.join(dir, `${scenario}-${width}.html`));
        const { page, watch } = await open(browser, file, width);
        const m = await page.evaluate(() => ({
          scroll: document.documentElement.scrollWidth,
          client: document.documentElement.clientWidth,
          svg: document.querySelector('.chart svg')!.getBoundingClientRect().width,
        }));
        expect(m.scroll).toBeLessThanOrEqual(m.client);
        expect(m.svg).toBeGreaterThan(width / 2);
        expect(m.svg).toBeLessThanOrEqual(width);
        if (width === 375) await page.screenshot({ path: path.join(ARTIFACTS, `${scenario}-375.png`), fullPage: true });
        expect(watch.errors).toEqual([]);
        await page.close();
      }
    }, 30_000);
  }

  it('zooms and pans all charts together, from the keyboard too', async () => {
    const file = await writeReport([path.join(LAB, 'preempt-restart.pcap'), path.join(LAB, 'failover-crash.pcap')], path.join(dir, 'two.html'));
    const { page, watch } = await open(browser, file, 1280);
    const views = () => page.evaluate(() => [...document.querySelectorAll('.chart svg')].map((s) => s.getAttribute('data-view-from-ms') + '-' + s.getAttribute('data-view-until-ms')));
    const before = await views();
    expect(before.length).toBeGreaterThan(0);
    await page.keyboard.press('+');
    await page.waitForFunction((b) => document.querySelector('.chart svg')!.getAttribute('data-view-from-ms') + '-' +
      document.querySelector('.chart svg')!.getAttribute('data-view-until-ms') !== b, before[0]);
    await page.keyboard.press('ArrowRight');
    await page.waitForTimeout(100);
    const after = await views();
    expect(new Set(after).size).toBe(1);
    expect(after[0]).not.toBe(before[0]);
    // The bars moved with the view: still where the scale puts them.
    const key = await page.evaluate(() => document.querySelector('.chart')!.getAttribute('data-key')!);
    const d = await drawn(page, key);
    for (const s of d.spells) expect(Math.abs(s.x - xOf(d.view, s.from))).toBeLessThan(0.5);
    // Tab reaches the bars; the focused one shows its tooltip.
    let focused = '';
    for (let i = 0; i < 12 && !focused.includes('spell'); i++) {
      await page.keyboard.press('Tab');
      focused = await page.evaluate(() => document.activeElement?.getAttribute('class') ?? '');
    }
    expect(focused).toContain('spell');
    expect(await page.locator('.tip').isVisible()).toBe(true);
    expect(await page.locator('.tip').textContent()).toMatch(/master/);
    await page.keyboard.press('0');
    await page.waitForTimeout(100);
    expect((await views())[0]).toBe(before[0]);
    expect(watch.errors).toEqual([]);
    await page.close();
  }, 30_000);

  it('a capture with timestamps beyond what a Date holds still draws, with times from the start', async () => {
    const file = await writeReport([path.join(ROOT, 'test', 'regressions', 'explain-huge-timestamp.pcapng')], path.join(dir, 'huge.html'));
    const { page, watch } = await open(browser, file, 1280);
    const text = await page.evaluate(() => document.querySelector('.toolbar .view')!.textContent + document.querySelector('.chart svg')!.textContent);
    expect(text).not.toContain('NaN');
    expect(text).toContain('+0.000 s');
    expect(await page.locator('.chart rect.spell').count()).toBe(2);
    expect(watch.errors).toEqual([]);
    await page.close();
  }, 30_000);

  it('filters the alert table by severity', async () => {
    const file = await writeReport([path.join(LAB, 'failover-crash.pcap')], path.join(dir, 'filter.html'));
    const { page } = await open(browser, file, 1280);
    const visible = () => page.locator('table.alerts tbody tr:not([hidden])').count();
    const all = await visible();
    const critical = await page.locator('table.alerts tbody tr[data-severity="critical"]').count();
    expect(critical).toBeGreaterThan(0);
    expect(all).toBeGreaterThan(critical);
    await page.locator('.sev-filter[value="critical"]').uncheck();
    expect(await visible()).toBe(all - critical);
    await page.close();
  }, 30_000);

  it('passwords "</script" and "<img/src" stay text: no element, no script, no error', async () => {
    const pcap = vrrpPcap(path.join(dir, 'hostile.pcap'), [
      { src: '192.0.2.1', spec: { version: 2, vrid: 7, priority: 150, addrs: ['192.0.2.100'], password: '</script' } },
      { src: '192.0.2.2', spec: { version: 2, vrid: 7, priority: 200, addrs: ['192.0.2.100'], password: '<img/src' } },
      { src: '192.0.2.1', spec: { version: 2, vrid: 7, priority: 150, addrs: ['192.0.2.100'], password: '</script' } },
      { src: '192.0.2.2', spec: { version: 2, vrid: 7, priority: 200, addrs: ['192.0.2.100'], password: '<img/src' } },
    ]);
    const file = await writeReport([pcap], path.join(dir, 'hostile.html'), 'right');
    const { page, watch } = await open(browser, file, 1280);
    const facts = await page.evaluate(() => ({
      imgs: document.querySelectorAll('img').length,
      scripts: document.querySelectorAll('script').length,
      auth: [...document.querySelectorAll('table.routers td')].map((td) => td.textContent),
      messages: [...document.querySelectorAll('table.alerts td.msg')].map((td) => td.textContent).join('\n'),
      titles: [...document.querySelectorAll('.chart title')].map((t) => t.textContent).join('\n'),
    }));
    expect(facts.imgs).toBe(0);
    expect(facts.scripts).toBe(2);
    expect(facts.auth).toContain('PASS "</script"');
    expect(facts.auth).toContain('PASS "<img/src"');
    expect(facts.messages).toContain('</script');
    expect(facts.titles).toContain('<img/src');
    expect(watch.errors).toEqual([]);
    expect(watch.requests).toEqual([pathToFileURL(file).href]);
    await page.close();
  }, 30_000);
});
