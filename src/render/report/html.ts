// The report as one self-contained HTML file: facts, routers, diagnoses and the alert table are
// written here as escaped HTML; the timeline charts are drawn in the browser by the inlined script
// (page.ts) from the JSON blob, with DOM calls only (no innerHTML), so wire text never becomes markup.

import { describeClock } from '../../analyze/clocks.js';
import type { Diagnosis } from '../../analyze/diagnose.js';
import { escapeControls } from '../escape.js';
import { STATE_WORDS } from '../summary.js';
import type { ReportData, ReportRouter, ReportVrid } from './collect.js';
import { CLIENT_JS, PAGE_CSS } from './page.js';

/** Panels open when the page loads: all of a small capture, the troubled ones of a big one. */
const OPEN_ALL_UP_TO = 6;
const OPEN_TROUBLED_UP_TO = 8;

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Wire text for HTML text and quoted attribute values: terminal controls shown as \xNN, markup as entities. */
export function escapeHtml(s: string): string {
  return escapeControls(s).replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]);
}

const SCRIPT_ESCAPES: Record<string, string> = {
  '<': '\\u003c',
  '>': '\\u003e',
  '&': '\\u0026',
  '\u2028': '\\u2028',
  '\u2029': '\\u2029',
};

/**
 * JSON that is safe inside <script>: no `</script`, `<!--` or `]]>` can form, since `<`, `>` and `&`
 * never appear raw; U+2028/2029 are escaped for engines that parse JSON as script. Every string
 * is also passed through escapeControls, as in every other output.
 */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value, (_k, v) => (typeof v === 'string' ? escapeControls(v) : v)).replace(
    /[<>&\u2028\u2029]/g,
    (c) => SCRIPT_ESCAPES[c],
  );
}

export function utcTime(ms: number): string {
  if (!Number.isFinite(ms) || Math.abs(ms) > 8.64e15) return String(ms);
  return new Date(ms).toISOString().replace('T', ' ').replace('Z', ' UTC');
}

function authWords(r: ReportRouter): string {
  if (r.authType === null) return 'none (VRRPv3)';
  if (r.authType === 0) return 'none';
  if (r.authType === 1) return `PASS "${r.authPass ?? ''}"`;
  return `type ${r.authType}`;
}

function routersTable(v: ReportVrid): string {
  const rows = v.routers.map((r, i) =>
    `<tr><td><span class="swatch r${i % 8}"></span>${escapeHtml(r.src)}</td><td>${escapeHtml(r.mac ?? '-')}</td>` +
      `<td class="num">${r.priority}</td><td class="num">${r.intervalMs} ms</td><td class="num">${r.adverts}</td>` +
      `<td>${escapeHtml(r.role)}</td><td>${escapeHtml(authWords(r))}</td><td>${escapeHtml(r.addrs.join(' '))}</td></tr>`);
  return `<div class="scroll"><table class="routers"><thead><tr><th>router</th><th>MAC</th><th>priority</th>` +
    `<th>interval</th><th>adverts</th><th>role</th><th>auth</th><th>virtual addresses</th></tr></thead>` +
    `<tbody>${rows.join('')}</tbody></table></div>`;
}

function diagnosisHtml(d: Diagnosis | null): string {
  if (!d) return '';
  const list = (items: string[]) => `<ul>${items.map((s) => `<li>${escapeHtml(s)}</li>`).join('')}</ul>`;
  const causes = d.causes.map((c) =>
    `<li><strong>${escapeHtml(c.title)}</strong>${list(c.evidence)}${c.fix.length ? `<p class="fix">fix:</p>${list(c.fix)}` : ''}</li>`);
  return `<div class="diagnosis"><h4>Diagnosis</h4>` +
    `<details class="seen"><summary>Seen (${d.seen.length})</summary>${list(d.seen)}</details>` +
    (causes.length ? `<ol>${causes.join('')}</ol>` : '<p>No cause to report.</p>') +
    (d.cannotTell.length ? `<p class="cannot">What this capture cannot tell:</p>${list(d.cannotTell)}` : '') +
    `</div>`;
}

const LEGEND = `<p class="legend muted"><span class="key bar"></span>master spell (colour per router) ` +
  `<span class="key contender"></span>also advertising as master (split brain) <span class="key missed"></span>missed adverts ` +
  `<span class="key gap"></span>takeover gap <span class="key garp"></span>gratuitous ARP / NA ` +
  `<span class="key other"></span>claim by a MAC of no router, or a VMAC they share</p>`;

function vridPanel(data: ReportData, v: ReportVrid, open: boolean): string {
  const master = v.routers.find((r) => r.role === 'master');
  const counts = { critical: 0, warning: 0, info: 0 };
  for (const i of v.alerts) counts[data.alerts[i].severity]++;
  const badge = v.state === 'ok' ? 'ok' : v.state === 'warning' ? 'warning' : 'critical';
  const alertWords = (['critical', 'warning', 'info'] as const)
    .filter((s) => counts[s] > 0)
    .map((s) => `<span class="count sev-${s}">${counts[s]} ${s}</span>`)
    .join(' ');
  const summary =
    `<summary><span class="badge ${badge}" title="state at the end of the capture">${escapeHtml(STATE_WORDS[v.state])}${v.state === 'ok' && v.troubled ? ' now' : ''}</span> ` +
    `<span class="title">VRID ${v.vrid}${v.segment === undefined ? '' : ` ${escapeHtml(v.segment)}`}</span> <span class="muted">${v.family === 'ipv6' ? 'IPv6' : 'IPv4'} · VRRPv${v.versions.join('/')}</span> ` +
    `<span class="muted">master ${escapeHtml(master?.src ?? 'none')} · ${v.masterChangeCount} master change${v.masterChangeCount === 1 ? '' : 's'}</span> ${alertWords}</summary>`;
  const notes: string[] = [];
  if (v.spellsTruncated) notes.push('The analyzer keeps the last 200 master spells: earlier ones are not drawn.');
  const timers = v.advertIntervalMs === null ? '' :
    `<p class="muted timers">Advertised interval ${v.advertIntervalMs} ms · Master_Down_Interval ` +
    `${v.masterDownMs === null ? '-' : Math.round(v.masterDownMs * 10) / 10 + ' ms'}` +
    `${v.masterDownOf ? ` (as ${escapeHtml(v.masterDownOf)} computes it)` : ''}</p>`;
  return `<details class="vr" id="vr-${v.key}" data-key="${v.key}" data-state="${v.state}"${open ? ' open' : ''}>` +
    summary +
    `<div class="chart" data-key="${v.key}" aria-label="timeline of VRID ${v.vrid}${v.segment === undefined ? '' : ` ${escapeHtml(v.segment)}`}"></div>` + LEGEND +
    notes.map((n) => `<p class="note">${n}</p>`).join('') +
    timers + routersTable(v) + diagnosisHtml(v.diagnosis) + `</details>`;
}

function alertTable(data: ReportData): string {
  const rows = data.alerts.map((a, i) =>
    `<tr data-severity="${a.severity}" data-index="${i}"${a.status === 'cleared' ? ' class="cleared"' : ''}><td class="time">${utcTime(data.baseMs + a.t)}</td>` +
      `<td><span class="count sev-${a.severity}">${a.severity}</span></td><td>${escapeHtml(a.status)}</td>` +
      `<td>${a.vrid === null ? '-' : `<a href="#vr-${a.vr ?? `${a.family}-${a.vrid}`}">${a.vrid}</a>`}</td>` +
      `<td>${escapeHtml(a.kind)}</td><td class="msg">${escapeHtml(a.message)}</td></tr>`);
  const filters = (['critical', 'warning', 'info'] as const)
    .map((s) => `<label><input type="checkbox" class="sev-filter" value="${s}" checked> ${s} (${data.alerts.filter((a) => a.severity === s).length})</label>`)
    .join(' ');
  const dropped = data.alertsDropped ? `<p class="note">${data.alertsDropped} more alerts are not listed (the report keeps the first ${data.alerts.length}).</p>` : '';
  return `<section id="alerts"><h2>Alerts</h2><p class="filters">${filters}</p>${dropped}` +
    (rows.length ? `<div class="scroll"><table class="alerts"><thead><tr><th>time (UTC)</th><th>severity</th><th>status</th><th>VRID</th>` +
      `<th>kind</th><th>message</th></tr></thead><tbody>${rows.join('')}</tbody></table></div>` : '<p>No alerts.</p>') +
    `</section>`;
}

function factsHtml(data: ReportData): string {
  const c = data.capture;
  const range = c.firstTs === null || c.lastTs === null ? 'no packets'
    : `${utcTime(c.firstTs * 1000)} to ${utcTime(c.lastTs * 1000)} (${Math.round((c.lastTs - c.firstTs) * 1000) / 1000} s)`;
  const t = data.totals as Record<string, number>;
  const totals = Object.entries(t).filter(([, n]) => typeof n === 'number' && n > 0).map(([k, n]) => `${escapeHtml(k)} ${n}`).join(' · ');
  const troubled = data.vrids.filter((v) => v.troubled).length;
  return `<dl class="facts">` +
    `<dt>file${c.files.length === 1 ? '' : 's'}</dt><dd>${c.files.map(escapeHtml).join('<br>')}</dd>` +
    `<dt>time</dt><dd>${range}</dd>` +
    `<dt>frames</dt><dd>${c.frames}${c.dropped ? ` (${c.dropped} dropped)` : ''}${totals ? ` · ${totals}` : ''}</dd>` +
    `<dt>virtual routers</dt><dd>${data.vrids.length}, ${troubled} with problems</dd>` +
    (data.clocks ? `<dt>clocks</dt><dd>${data.clocks.map((k) => escapeHtml(`${k.vantage}: ${describeClock(k)}`)).join('<br>')}</dd>` : '') +
    (c.error ? `<dt>error</dt><dd class="sev-critical">${escapeHtml(c.error)}</dd>` : '') +
    `</dl>`;
}

export interface PageOptions {
  /** Served by `live --listen`: the page fetches itself again every second. */
  live?: boolean;
}

/** Same-origin fetches only for the live page; the file version may load nothing at all. */
export function contentSecurityPolicy(live: boolean): string {
  return `default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:${live ? "; connect-src 'self'" : ''}`;
}

export function reportHtml(data: ReportData, options: PageOptions = {}): string {
  const openAll = data.vrids.length <= OPEN_ALL_UP_TO;
  let troubledOpen = 0;
  const panels = data.vrids.map((v) => {
    const open = openAll || (v.troubled && troubledOpen++ < OPEN_TROUBLED_UP_TO);
    return vridPanel(data, v, open);
  });
  return `<!doctype html>
<html lang="en"${options.live ? ' data-live="1"' : ''}><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="${contentSecurityPolicy(!!options.live)}">
<meta name="color-scheme" content="light dark">
<title>vrrpscope ${options.live ? 'live' : 'report'}</title>
<style>${PAGE_CSS}</style></head>
<body>
<header><h1>vrrpscope ${options.live ? 'live <span class="badge ok">updating every second</span>' : 'report'}</h1>${factsHtml(data)}</header>
<nav class="toolbar" aria-label="time axis">
<button type="button" data-zoom="in" title="zoom in (+)">+</button><button type="button" data-zoom="out" title="zoom out (-)">&minus;</button>
<button type="button" data-zoom="reset" title="whole capture (0)">all</button>
<span class="view" aria-live="polite"></span>
<span class="hint">wheel or +/- zoom, drag or &larr;/&rarr; pan; Tab through bars and markers</span>
</nav>
<main>
<section id="vrids"><h2>Virtual routers${data.vrids.length > OPEN_ALL_UP_TO ? ' (troubled first)' : ''}</h2>
${data.vrids.length ? panels.join('\n') : '<p>No VRRP advertisements were seen.</p>'}
</section>
${alertTable(data)}
</main>
<div class="tip" role="tooltip" hidden></div>
<script type="application/json" id="report-data">${jsonForScript({ ...data, vrids: data.vrids.map(({ diagnosis: _d, ...v }) => v) })}</script>
<script>${CLIENT_JS}</script>
</body></html>
`;
}
