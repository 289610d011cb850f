// The report page's inlined style and script. Plain SVG drawn from the JSON blob: a few hundred
// lines do what the page needs (bars, points, markers, one shared zoomable axis) with no library
// to vendor, and every node is built with DOM calls, so no wire text is ever parsed as markup.

export const PAGE_CSS = String.raw`
:root{--bg:#fff;--fg:#1f2328;--muted:#59636e;--line:#d1d9e0;--panel:#f6f8fa;--grid:#e7ecf0;
--crit:#cf222e;--warn:#9a6700;--info:#0969da;--ok:#1a7f37;--focus:#0969da;
--r0:#2f6fde;--r1:#e0821b;--r2:#1f9d6b;--r3:#c8408f;--r4:#7b4fd6;--r5:#1597b3;--r6:#7a8f1d;--r7:#8c6246;--other:#8c959f}
@media (prefers-color-scheme:dark){:root{--bg:#0d1117;--fg:#e6edf3;--muted:#9198a1;--line:#30363d;--panel:#161b22;--grid:#21262d;
--crit:#ff7b72;--warn:#d29922;--info:#58a6ff;--ok:#3fb950;--focus:#58a6ff;
--r0:#5b9bff;--r1:#f0a040;--r2:#3fc98f;--r3:#f06fb8;--r4:#a98bff;--r5:#45c6e0;--r6:#b5c945;--r7:#c7997a;--other:#6e7681}}
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%}
body{margin:0;background:var(--bg);color:var(--fg);font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;overflow-wrap:anywhere}
header,main{padding:0 16px;max-width:1600px;margin:0 auto}
h1{font-size:20px;margin:12px 0 6px}h2{font-size:17px;margin:18px 0 8px}h4{margin:10px 0 4px}
.facts{display:grid;grid-template-columns:max-content 1fr;gap:2px 12px;margin:0 0 8px}
.facts dt{color:var(--muted)}.facts dd{margin:0}
.toolbar{position:sticky;top:0;z-index:2;display:flex;flex-wrap:wrap;gap:6px;align-items:center;padding:6px 16px;background:var(--panel);border-bottom:1px solid var(--line)}
.toolbar button{font:inherit;min-width:36px;padding:2px 8px;border:1px solid var(--line);border-radius:6px;background:var(--bg);color:var(--fg);cursor:pointer}
.toolbar .view{font-variant-numeric:tabular-nums}.toolbar .hint{color:var(--muted);font-size:12px}
details.vr{border:1px solid var(--line);border-radius:8px;margin:8px 0;background:var(--bg)}
details.vr>summary{cursor:pointer;padding:8px 10px;background:var(--panel);border-radius:8px}
details.vr[open]>summary{border-bottom:1px solid var(--line);border-radius:8px 8px 0 0}
details.vr>*:not(summary){margin-left:10px;margin-right:10px}
.title{font-weight:600}.muted{color:var(--muted)}
.badge{display:inline-block;padding:0 6px;border-radius:10px;font-size:12px;font-weight:600;color:#fff}
.badge.ok{background:var(--ok)}.badge.warning{background:var(--warn)}.badge.critical{background:var(--crit)}
.count{font-size:12px;font-weight:600}
.sev-critical{color:var(--crit)}.sev-warning{color:var(--warn)}.sev-info{color:var(--info)}
.chart{margin-top:8px;user-select:none;touch-action:pan-y}
.chart svg{display:block;width:100%;overflow:visible}
.chart text{fill:var(--fg);font-size:11px}.chart text.muted{fill:var(--muted)}.chart text.sev-critical{fill:var(--crit)}
.chart .grid{stroke:var(--grid)}.chart .lane{fill:var(--panel)}
.chart [tabindex]:focus{outline:none;stroke:var(--focus);stroke-width:3px}
.chart [tabindex]{cursor:help}
.spell{stroke:var(--bg);stroke-width:1}
.contender{fill-opacity:.45;stroke-width:1;stroke-dasharray:3 2}
.gap{fill:var(--crit);fill-opacity:.14;stroke:var(--crit);stroke-opacity:.5;stroke-dasharray:2 2}
.missed{fill:url(#hatch);fill-opacity:1}
.ref{stroke:var(--muted);stroke-dasharray:4 3}.mdi{stroke:var(--crit);stroke-dasharray:6 3}
.pt{stroke-width:3;stroke-linecap:round}.clipped{stroke-width:3;stroke-linecap:round;stroke-dasharray:2 2}
.lanetitle{font-weight:600}.reflabel{font-size:10px}
.garp{stroke:var(--fg);stroke-width:1.5}
.marker.sev-critical{fill:var(--crit)}.marker.sev-warning{fill:var(--warn)}.marker.sev-info{fill:var(--info)}
.window.sev-critical{fill:var(--crit)}.window.sev-warning{fill:var(--warn)}.window.sev-info{fill:var(--info)}.window{fill-opacity:.25}
${[0, 1, 2, 3, 4, 5, 6, 7].map((i) => `.r${i}{fill:var(--r${i});stroke:var(--r${i})}.swatch.r${i}{background:var(--r${i})}`).join('')}
.other{fill:var(--other);stroke:var(--other)}
.swatch{display:inline-block;width:10px;height:10px;border-radius:2px;margin-right:6px;vertical-align:baseline}
.scroll{overflow-x:auto;max-width:100%}
table{border-collapse:collapse;margin:8px 0;font-size:13px}
th{white-space:nowrap}th,td{text-align:left;padding:3px 8px;border-bottom:1px solid var(--line);vertical-align:top}
td.num{text-align:right;font-variant-numeric:tabular-nums}td.time{white-space:nowrap;font-variant-numeric:tabular-nums}
td.msg{min-width:16em}table.alerts td:not(.msg){white-space:nowrap}tr.cleared td{color:var(--muted)}
.diagnosis ul,.diagnosis ol{margin:2px 0 6px;padding-left:22px}.fix,.cannot{margin:2px 0;color:var(--muted)}
.legend{font-size:12px;margin:2px 0 6px}.key{display:inline-block;width:14px;height:9px;margin:0 4px 0 10px;vertical-align:baseline;border-radius:2px}
.key.bar{background:var(--r0)}.key.contender{border:1px dashed var(--r1);background:color-mix(in srgb,var(--r1) 45%,transparent)}
.key.missed{background:repeating-linear-gradient(45deg,var(--crit) 0 2px,transparent 2px 5px);opacity:.6}
.key.gap{border:1px dashed var(--crit);background:color-mix(in srgb,var(--crit) 14%,transparent)}.key.garp{width:2px;background:var(--fg)}.key.other{background:var(--other)}
.note{color:var(--warn)}.timers{margin:4px 0}
.filters label{margin-right:12px}
.tip{position:fixed;z-index:3;max-width:min(420px,90vw);padding:6px 8px;border-radius:6px;background:var(--fg);color:var(--bg);font-size:12px;pointer-events:none;white-space:pre-line}
a{color:var(--info)}
:focus-visible{outline:3px solid var(--focus);outline-offset:1px}
@media (max-width:600px){header,main{padding:0 8px}.toolbar{padding:6px 8px}.toolbar .hint{display:none}
table,tbody,tr{display:block}thead{display:none}tr{padding:4px 0;border-bottom:1px solid var(--line)}
td{display:inline-block;border:none;padding:0 8px 0 0}td.msg{display:block;min-width:0}table.alerts td:not(.msg){white-space:normal}}
@media print{.toolbar,.tip,.filters{display:none}body{font-size:11px}details.vr{break-inside:avoid}
*{print-color-adjust:exact;-webkit-print-color-adjust:exact}}
`;

export const CLIENT_JS = String.raw`
(function () {
'use strict';
var data = JSON.parse(document.getElementById('report-data').textContent);
var NS = 'http://www.w3.org/2000/svg';
var byKey = {};
data.vrids.forEach(function (v) { byKey[v.key] = v; });
var full = [0, Math.max(1, data.spanMs)];
var view = [full[0], full[1]];
var tip = document.querySelector('.tip');

function el(name, attrs, parent) {
  var e = document.createElementNS(NS, name);
  for (var k in attrs) if (attrs[k] !== undefined && attrs[k] !== null) e.setAttribute(k, String(attrs[k]));
  if (parent) parent.appendChild(e);
  return e;
}
function titled(e, text) { var t = document.createElementNS(NS, 'title'); t.textContent = text; e.appendChild(t); return e; }
function pad(n, w) { var s = String(n); while (s.length < w) s = '0' + s; return s; }
function clock(ms, fine) {
  var d = new Date(data.baseMs + ms);
  // Beyond what a Date holds (a corrupt or far-future capture): seconds from the start instead.
  if (isNaN(d.getTime())) return '+' + (ms / 1000).toFixed(fine ? 3 : 0) + ' s';
  var s = pad(d.getUTCHours(), 2) + ':' + pad(d.getUTCMinutes(), 2) + ':' + pad(d.getUTCSeconds(), 2);
  return fine ? s + '.' + pad(d.getUTCMilliseconds(), 3) : s;
}
function dur(ms) {
  if (ms === null || ms === undefined) return '?';
  var a = Math.abs(ms);
  if (a < 1000) return (Math.round(ms * 10) / 10) + ' ms';
  if (a < 120000) return (Math.round(ms) / 1000) + ' s';
  if (a < 7200000) return (Math.round(ms / 6000) / 10) + ' min';
  return (Math.round(ms / 360000) / 10) + ' h';
}
var STEPS = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1e3, 2e3, 5e3, 1e4, 15e3, 3e4, 6e4, 12e4, 3e5, 6e5, 9e5, 18e5, 36e5, 72e5, 108e5, 216e5, 432e5, 864e5];

function render(chart) {
  var v = byKey[chart.getAttribute('data-key')];
  if (!v) return;
  var W = Math.max(280, chart.clientWidth);
  var narrow = W < 600;
  var LW = narrow ? 92 : 170, R = 8, PW = W - LW - R;
  var span = view[1] - view[0];
  function x(t) { return LW + (t - view[0]) / span * PW; }
  function xc(t) { return Math.max(LW - 2, Math.min(W - R + 2, x(t))); }
  var endMs = data.spanMs;
  var svg = el('svg', { 'data-view-from-ms': data.baseMs + view[0], 'data-view-until-ms': data.baseMs + view[1],
    'data-plot-left': LW, 'data-plot-width': PW, role: 'group' });
  var defs = el('defs', {}, svg);
  var pat = el('pattern', { id: 'hatch', width: 6, height: 6, patternUnits: 'userSpaceOnUse', patternTransform: 'rotate(45)' }, defs);
  el('rect', { width: 6, height: 6, fill: 'var(--crit)', 'fill-opacity': 0.08 }, pat);
  el('line', { x1: 0, y1: 0, x2: 0, y2: 6, stroke: 'var(--crit)', 'stroke-width': 2, 'stroke-opacity': 0.5 }, pat);
  var clipId = 'clip-' + v.key;
  var y = 0;
  function laneTitle(text, yy) { var t = el('text', { x: 0, y: yy, 'class': 'lanetitle' }, svg); t.textContent = text; return t; }
  function label(text, yy, cls, full) {
    var t = el('text', { x: 4, y: yy, 'class': cls }, svg);
    var max = narrow ? 13 : 24;
    t.textContent = text.length > max ? text.slice(0, max - 1) + '\u2026' : text;
    if (full || text.length > max) titled(t, full || text);
    return t;
  }

  // Time axis
  var AX = 20; y = AX;
  var want = Math.max(2, PW / (narrow ? 70 : 100)), step = STEPS[STEPS.length - 1];
  for (var i = 0; i < STEPS.length; i++) if (span / STEPS[i] <= want) { step = STEPS[i]; break; }
  var grid = el('g', {}, svg);
  var first = Math.ceil((data.baseMs + view[0]) / step) * step - data.baseMs;
  for (var t = first; t <= view[1]; t += step) {
    var tx = x(t);
    var tl = el('text', { x: tx, y: 13, 'text-anchor': 'middle', 'class': 'muted' }, grid);
    tl.textContent = clock(t, step < 1000);
    el('line', { x1: tx, x2: tx, y1: AX - 4, y2: 0, 'class': 'grid' }, grid);
  }

  var plot = el('g', { 'clip-path': 'url(#' + clipId + ')' });
  // Mastership lane: one row per router.
  var RH = 18;
  var mTop = y + 4;
  y = mTop + 14;
  laneTitle('master', y - 3);
  var rowY = [];
  v.routers.forEach(function (r, i) {
    rowY.push(y);
    el('rect', { x: LW, y: y, width: PW, height: RH - 4, 'class': 'lane' }, svg);
    label(narrow ? r.src : r.src + ' p' + r.priority, y + 11, '', r.src + ' priority ' + r.priority + (r.mac ? ' ' + r.mac : ''));
    y += RH;
  });
  var mBottom = y;
  v.windows.forEach(function (w) {
    var a = data.alerts[w[0]];
    var until = w[2] < 0 ? endMs : w[2];
    if (a.kind === 'missed-advert') {
      titled(el('rect', { x: x(w[1]), y: mTop + 14, width: Math.max(2, x(until) - x(w[1])), height: mBottom - mTop - 14 - 4, 'class': 'missed',
        'data-from-ms': data.baseMs + w[1], 'data-until-ms': data.baseMs + until }, plot),
        'missed adverts ' + clock(w[1], true) + ' to ' + (w[2] < 0 ? 'end of capture' : clock(w[2], true)) + '\n' + a.message);
    } else if (a.kind === 'duplicate-master') {
      a.sources.forEach(function (src) {
        var ri = -1;
        v.routers.forEach(function (r, j) { if (r.src === src) ri = j; });
        if (ri < 0) return;
        titled(el('rect', { x: x(w[1]), y: rowY[ri] + 2, width: Math.max(2, x(until) - x(w[1])), height: RH - 8, 'class': 'contender r' + (ri % 8),
          'data-src': src, 'data-from-ms': data.baseMs + w[1], 'data-until-ms': data.baseMs + until, tabindex: 0 }, plot),
          'split brain: ' + src + ' advertises as master too, ' + clock(w[1], true) + ' to ' + (w[2] < 0 ? 'end of capture' : clock(w[2], true)) + '\n' + a.message);
      });
    }
  });
  v.changes.forEach(function (c) {
    if (c.gapMs === null || c.gapMs <= 0) return;
    var x0 = x(c.t - c.gapMs), x1 = x(c.t);
    titled(el('rect', { x: x0, y: mTop + 14, width: Math.max(2, x1 - x0), height: mBottom - mTop - 14 - 4, 'class': 'gap',
      'data-ts-ms': data.baseMs + c.t, tabindex: 0 }, plot),
      'takeover at ' + clock(c.t, true) + ': ' + (c.from || '-') + ' \u2192 ' + c.to + '\ngap ' + dur(c.gapMs) + ', ' + c.reason);
    if (x1 - x0 > 44 && x1 > LW && x0 < W - R) {
      var gl = el('text', { x: (Math.max(x0, LW) + Math.min(x1, W - R)) / 2, y: mTop + 11, 'text-anchor': 'middle', 'class': 'reflabel sev-critical' }, plot);
      gl.textContent = 'gap ' + dur(c.gapMs);
    }
  });
  v.spells.forEach(function (s, n) {
    var r = v.routers[s[0]];
    var until = s[2] < 0 ? endMs : s[2];
    var change = null;
    v.changes.forEach(function (c) { if (c.to === r.src && Math.abs(c.t - s[1]) < 1) change = c; });
    var text = r.src + ' master ' + clock(s[1], true) + ' to ' + (s[2] < 0 ? 'end of capture (still master)' : clock(s[2], true)) +
      ' (' + dur(until - s[1]) + ')' + (change ? '\ntook over from ' + (change.from || '-') + ' after ' + dur(change.gapMs) + ' (' + change.reason + ')' : '');
    var x0 = x(s[1]), x1 = x(until);
    titled(el('rect', { x: x0, y: rowY[s[0]], width: Math.max(2, x1 - x0), height: RH - 4, rx: 2, 'class': 'spell r' + (s[0] % 8),
      'data-index': n, 'data-src': r.src, 'data-from-ms': data.baseMs + s[1], 'data-until-ms': data.baseMs + until,
      'data-open': s[2] < 0 ? 1 : 0, tabindex: 0, 'aria-label': text }, plot), text);
  });

  // Advert intervals: points per router, advertised interval and Master_Down_Interval as lines.
  y += 20;
  var PH = narrow ? 60 : 72, pTop = y;
  laneTitle('advert interval', pTop - 3);
  var top = Math.max((v.masterDownMs || 0) * 1.3, (v.advertIntervalMs || 0) * 2, 10);
  el('rect', { x: LW, y: pTop, width: PW, height: PH, 'class': 'lane' }, svg);
  function yv(ms) { return pTop + PH - Math.min(ms, top) / top * PH; }
  label('0', pTop + PH - 2, 'muted');
  label(dur(top), pTop + 10, 'muted');
  function refLabel(text, yy, cls) {
    var t = el('text', { x: W - R - 4, y: yy - 3, 'text-anchor': 'end', 'class': 'reflabel ' + cls }, svg);
    t.textContent = text;
  }
  if (v.advertIntervalMs) {
    el('line', { x1: LW, x2: W - R, y1: yv(v.advertIntervalMs), y2: yv(v.advertIntervalMs), 'class': 'ref' }, svg);
    refLabel('advertised ' + dur(v.advertIntervalMs), yv(v.advertIntervalMs), 'muted');
  }
  if (v.masterDownMs) {
    titled(el('line', { x1: LW, x2: W - R, y1: yv(v.masterDownMs), y2: yv(v.masterDownMs), 'class': 'mdi', 'data-ms': v.masterDownMs }, svg),
      'Master_Down_Interval ' + dur(v.masterDownMs) + (v.masterDownOf ? ' (as ' + v.masterDownOf + ' computes it)' : ''));
    refLabel('Master_Down_Interval ' + dur(v.masterDownMs), yv(v.masterDownMs), 'sev-critical');
  }
  v.intervals.forEach(function (b, ri) {
    var g = el('g', { 'class': 'r' + (ri % 8), 'data-src': v.routers[ri].src }, plot);
    for (var k = 0; k < b.length; k += 3) {
      var px = x(b[k]);
      if (px < LW - 4 || px > W) continue;
      var over = b[k + 2] > top;
      var y0 = yv(b[k + 1]), y1 = yv(b[k + 2]);
      el('line', { x1: px, x2: px, y1: Math.max(y0, y1 + 2), y2: y1, 'class': over ? 'clipped' : 'pt' }, g);
    }
  });
  y = pTop + PH + 20;

  // Virtual addresses: which MAC claimed each, when.
  var macRouter = {};
  v.routers.forEach(function (r, i) { if (r.mac) macRouter[r.mac] = macRouter[r.mac] === undefined ? i : -2; });
  if (v.vips.length) laneTitle('virtual addresses (claims)', y - 3);
  var VH = 16;
  v.vips.forEach(function (vip) {
    el('rect', { x: LW, y: y, width: PW, height: VH - 4, 'class': 'lane' }, svg);
    label(vip.addr, y + 10, '');
    for (var k = 0; k < vip.runs.length; k += 4) {
      var mac = data.macs[vip.runs[k]], ri = macRouter[mac];
      var cls = ri >= 0 ? 'r' + (ri % 8) : 'other';
      var who = ri >= 0 ? ' (' + v.routers[ri].src + ')' : ri === -2 ? ' (shared VMAC)' : ' (no router of this VRID)';
      var x0 = x(vip.runs[k + 1]), x1 = x(vip.runs[k + 2]);
      titled(el('rect', { x: x0, y: y + 2, width: Math.max(3, x1 - x0), height: VH - 8, 'class': 'claim ' + cls, tabindex: 0,
        'data-mac': mac, 'data-from-ms': data.baseMs + vip.runs[k + 1], 'data-until-ms': data.baseMs + vip.runs[k + 2] }, plot),
        vip.addr + ' claimed by ' + mac + who + '\n' + clock(vip.runs[k + 1], true) + ' to ' + clock(vip.runs[k + 2], true) + ', ' + vip.runs[k + 3] + ' claim(s)');
    }
    for (var k2 = 0; k2 < vip.gratuitous.length; k2 += 2) {
      var gx = x(vip.gratuitous[k2]);
      if (gx < LW - 2 || gx > W) continue;
      titled(el('line', { x1: gx, x2: gx, y1: y - 1, y2: y + VH - 3, 'class': 'garp', 'data-ts-ms': data.baseMs + vip.gratuitous[k2] }, plot),
        'gratuitous claim of ' + vip.addr + ' by ' + data.macs[vip.gratuitous[k2 + 1]] + ' at ' + clock(vip.gratuitous[k2], true));
    }
    y += VH;
  });

  // Alerts: markers at their time, conditions as a band from raised to cleared.
  y += 16;
  laneTitle('alerts', y - 3);
  var AH = 18;
  el('rect', { x: LW, y: y, width: PW, height: AH, 'class': 'lane' }, svg);
  v.windows.forEach(function (w) {
    var a = data.alerts[w[0]], until = w[2] < 0 ? endMs : w[2];
    el('rect', { x: x(w[1]), y: y + AH / 2 - 3, width: Math.max(1, x(until) - x(w[1])), height: 6, 'class': 'window sev-' + a.severity }, plot);
  });
  v.alerts.forEach(function (ai) {
    var a = data.alerts[ai], mx = x(a.t), my = y + AH / 2;
    if (mx < LW - 6 || mx > W) return;
    var d = a.severity === 'critical' ? 'M' + mx + ' ' + (my - 6) + 'L' + (mx + 6) + ' ' + (my + 5) + 'L' + (mx - 6) + ' ' + (my + 5) + 'Z'
      : a.severity === 'warning' ? 'M' + mx + ' ' + (my - 6) + 'L' + (mx + 6) + ' ' + my + 'L' + mx + ' ' + (my + 6) + 'L' + (mx - 6) + ' ' + my + 'Z'
      : 'M' + (mx - 4) + ' ' + (my - 4) + 'h8v8h-8Z';
    titled(el('path', { d: d, 'class': 'marker sev-' + a.severity, tabindex: 0, 'data-ts-ms': data.baseMs + a.t, 'data-x': mx,
      'data-kind': a.kind, 'data-index': ai }, plot), clock(a.t, true) + ' ' + a.severity + ' ' + a.kind + (a.status === 'raised' ? ' (raised)' : '') + '\n' + a.message);
  });
  y += AH + 6;

  var clip = el('clipPath', { id: clipId }, defs);
  el('rect', { x: LW - 7, y: 0, width: PW + 14, height: y }, clip);
  svg.appendChild(plot);
  svg.setAttribute('viewBox', '0 0 ' + W + ' ' + y);
  svg.setAttribute('width', W);
  svg.setAttribute('height', y);
  chart.replaceChildren(svg);
}

function openCharts() { return Array.prototype.filter.call(document.querySelectorAll('details.vr[open] .chart'), function () { return true; }); }
var pending = false;
function renderAll() {
  pending = false;
  openCharts().forEach(render);
  var vs = document.querySelector('.toolbar .view');
  if (vs) vs.textContent = clock(view[0], true) + ' \u2013 ' + clock(view[1], true) + ' UTC (' + dur(view[1] - view[0]) + ')';
}
function schedule() { if (!pending) { pending = true; requestAnimationFrame(renderAll); } }
function setView(a, b) {
  var min = 5;
  if (b - a < min) { var m = (a + b) / 2; a = m - min / 2; b = m + min / 2; }
  var w = b - a, fw = full[1] - full[0];
  if (w >= fw) { a = full[0]; b = full[1]; }
  else { if (a < full[0]) { a = full[0]; b = a + w; } if (b > full[1]) { b = full[1]; a = b - w; } }
  view = [a, b];
  schedule();
}
function zoom(f, at) {
  var c = at === undefined ? (view[0] + view[1]) / 2 : at;
  setView(c - (c - view[0]) * f, c + (view[1] - c) * f);
}
function pan(frac) { var w = view[1] - view[0]; setView(view[0] + w * frac, view[1] + w * frac); }
function timeAt(chart, clientX) {
  var svg = chart.querySelector('svg');
  if (!svg) return undefined;
  var rect = svg.getBoundingClientRect();
  var left = Number(svg.getAttribute('data-plot-left')), pw = Number(svg.getAttribute('data-plot-width'));
  return view[0] + (clientX - rect.left - left) / pw * (view[1] - view[0]);
}

document.querySelectorAll('.toolbar button').forEach(function (b) {
  b.addEventListener('click', function () {
    var z = b.getAttribute('data-zoom');
    if (z === 'in') zoom(0.5); else if (z === 'out') zoom(2); else setView(full[0], full[1]);
  });
});
// Delegated from the document: a live page replaces its panels every second.
function chartOf(e) { return e.target && e.target.closest ? e.target.closest('.chart') : null; }
document.addEventListener('wheel', function (e) {
  var chart = chartOf(e);
  if (!chart) return;
  if (!e.ctrlKey && !e.shiftKey && Math.abs(e.deltaX) > Math.abs(e.deltaY)) { e.preventDefault(); pan(e.deltaX / 800); return; }
  if (!(e.ctrlKey || e.altKey || e.metaKey) && (view[1] - view[0]) >= (full[1] - full[0]) && e.deltaY > 0) return;
  e.preventDefault();
  zoom(e.deltaY < 0 ? 0.8 : 1.25, timeAt(chart, e.clientX));
}, { passive: false });
var drag = null;
document.addEventListener('pointerdown', function (e) {
  var chart = chartOf(e);
  if (!chart || e.button !== 0) return;
  var svg = chart.querySelector('svg');
  if (svg) drag = { x: e.clientX, view: view.slice(), pw: Number(svg.getAttribute('data-plot-width')) };
});
window.addEventListener('pointermove', function (e) {
  if (!drag) return;
  var dt = (e.clientX - drag.x) / drag.pw * (drag.view[1] - drag.view[0]);
  if (Math.abs(e.clientX - drag.x) > 3) setView(drag.view[0] - dt, drag.view[1] - dt);
});
window.addEventListener('pointerup', function () { drag = null; });
document.addEventListener('keydown', function (e) {
  var tag = e.target && e.target.tagName;
  if (tag === 'INPUT' || tag === 'TEXTAREA' || e.ctrlKey || e.metaKey || e.altKey) return;
  if (e.key === '+' || e.key === '=') zoom(0.5);
  else if (e.key === '-' || e.key === '_') zoom(2);
  else if (e.key === '0') setView(full[0], full[1]);
  else if (e.key === 'ArrowLeft' && !(e.target && e.target.closest && e.target.closest('summary'))) pan(-0.25);
  else if (e.key === 'ArrowRight' && !(e.target && e.target.closest && e.target.closest('summary'))) pan(0.25);
  else return;
  e.preventDefault();
});
// toggle does not bubble: listen in the capture phase.
document.addEventListener('toggle', function (e) {
  var d = e.target;
  if (d && d.matches && d.matches('details.vr') && d.open) render(d.querySelector('.chart'));
}, true);

// Tooltip for mouse and keyboard alike: SVG titles show on hover only.
function showTip(target, x, y) {
  var t = target.querySelector && target.querySelector(':scope > title');
  if (!t || !tip) return;
  tip.textContent = t.textContent;
  tip.hidden = false;
  var w = tip.offsetWidth, h = tip.offsetHeight;
  tip.style.left = Math.max(4, Math.min(window.innerWidth - w - 4, x + 12)) + 'px';
  tip.style.top = (y + 16 + h > window.innerHeight ? y - h - 8 : y + 16) + 'px';
}
function hideTip() { if (tip) tip.hidden = true; }
document.addEventListener('mouseover', function (e) { if (e.target.closest && e.target.closest('.chart [tabindex]')) showTip(e.target, e.clientX, e.clientY); });
document.addEventListener('mouseout', function (e) { if (e.target.closest && e.target.closest('.chart [tabindex]')) hideTip(); });
document.addEventListener('focusin', function (e) {
  if (!(e.target.closest && e.target.closest('.chart [tabindex]'))) { hideTip(); return; }
  var r = e.target.getBoundingClientRect();
  showTip(e.target, r.left, r.bottom - 8);
});
document.addEventListener('focusout', hideTip);

// Alert table: filter by severity.
function applyFilter() {
  var on = {};
  document.querySelectorAll('.sev-filter').forEach(function (b) { on[b.value] = b.checked; });
  document.querySelectorAll('table.alerts tbody tr').forEach(function (tr) { tr.hidden = !on[tr.getAttribute('data-severity')]; });
}
document.addEventListener('change', function (e) { if (e.target && e.target.classList && e.target.classList.contains('sev-filter')) applyFilter(); });

// Live (served by vrrpscope live --listen): fetch the page again every second and swap in its
// facts, panels and alerts, keeping which panels are open, the severity filter and the zoom.
function refresh() {
  fetch(location.pathname, { cache: 'no-store' }).then(function (r) { return r.text(); }).then(function (text) {
    var doc = new DOMParser().parseFromString(text, 'text/html');
    var blob = doc.getElementById('report-data');
    if (!blob) return;
    var atEnd = view[1] >= full[1] - 1, wasFull = view[0] <= full[0] && atEnd;
    var open = {};
    document.querySelectorAll('details.vr').forEach(function (d) { open[d.id] = d.open; });
    var sev = {};
    document.querySelectorAll('.sev-filter').forEach(function (b) { sev[b.value] = b.checked; });
    data = JSON.parse(blob.textContent);
    byKey = {};
    data.vrids.forEach(function (v) { byKey[v.key] = v; });
    full = [0, Math.max(1, data.spanMs)];
    ['.facts', '#vrids', '#alerts'].forEach(function (sel) {
      var now = document.querySelector(sel), next = doc.querySelector(sel);
      if (now && next) now.replaceWith(document.adoptNode(next));
    });
    document.querySelectorAll('details.vr').forEach(function (d) { if (open[d.id] !== undefined) d.open = open[d.id]; });
    document.querySelectorAll('.sev-filter').forEach(function (b) { if (sev[b.value] !== undefined) b.checked = sev[b.value]; });
    applyFilter();
    // Following the capture's end unless the reader zoomed into the past.
    if (wasFull) view = [full[0], full[1]];
    else if (atEnd) { var w = view[1] - view[0]; view = [full[1] - w, full[1]]; }
    renderAll();
    document.documentElement.setAttribute('data-refreshed', String(Number(document.documentElement.getAttribute('data-refreshed') || 0) + 1));
  }).catch(function () { /* the capture stopped: keep the last picture */ });
}
if (document.documentElement.getAttribute('data-live') === '1') setInterval(refresh, 1000);

window.addEventListener('beforeprint', function () { document.querySelectorAll('details.vr').forEach(function (d) { d.open = true; }); renderAll(); });
var lastW = 0;
window.addEventListener('resize', function () { if (window.innerWidth !== lastW) { lastW = window.innerWidth; schedule(); } });
lastW = window.innerWidth;
renderAll();
if (window.performance && performance.mark) performance.mark('report-drawn');
document.documentElement.setAttribute('data-rendered', '1');
})();
`;
