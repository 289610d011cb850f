// The dashboard's text panels, built from analyzer snapshots as plain lines of blessed markup:
// status bar, alert log, detail view, help and footer. Pure functions, no terminal here.
import type { Alert, Severity } from '../../analyze/alerts.js';
import type { AnalyzerSnapshot, RouterSnapshot, VridSnapshot } from '../../analyze/analyzer.js';
import { fmtMs } from '../../duration.js';
import { escapeControls, quote } from '../escape.js';
import { STATE_WORDS } from '../summary.js';
import { sparkline } from './sparkline.js';
import { SORT_LABELS, vrKey, type SortMode } from './table.js';
import { cell, clock, fit, safe, SEVERITY_WORDS, shortAgo, shortMs, timeMs, type Theme } from './text.js';

export interface ReplayStatus {
  /** Packets played so far and in the file. */
  position: number;
  total: number;
  /** 0 = as fast as possible. */
  speed: number;
  paused: boolean;
  ended: boolean;
  /** Packet time from the first packet to the last, in seconds. */
  spanS: number;
}

export interface StatusInfo {
  /** Interface name when live, file name when replaying. */
  source: string;
  /** Capture filter (BPF) or VRID selection; null when there is none. */
  filter: string | null;
  packets: number;
  /** libpcap counters (live); null when not known. */
  drops: { dropped: number; ifDropped: number } | null;
  /** Live: wall time since start; replay: packet time since the first packet. */
  elapsedS: number;
  replay: ReplayStatus | null;
  /** Something the user must know, e.g. the capture file is cut short. */
  note: string | null;
}

export interface ViewFlags {
  /** Live display frozen with `p` (capture and analysis go on). */
  displayPaused: boolean;
  rowFilter: string;
  sort: SortMode;
}

/** Open alerts across all virtual routers, by id: a raised alert in the log is open while it is here. */
export function openAlertIds(s: AnalyzerSnapshot): Set<number> {
  const ids = new Set<number>();
  for (const v of s.vrids) for (const a of v.openAlerts) ids.add(a.id);
  return ids;
}

function openCounts(s: AnalyzerSnapshot): Record<Severity, number> {
  const n: Record<Severity, number> = { critical: 0, warning: 0, info: 0 };
  for (const v of s.vrids) for (const a of v.openAlerts) n[a.severity]++;
  return n;
}

function speedWord(speed: number): string {
  return speed === 0 ? 'max' : `x${Number(speed.toFixed(2))}`;
}

/** One line, exactly `width` columns; segments in order of importance so a narrow bar loses the tail. */
export function statusLine(st: StatusInfo, s: AnalyzerSnapshot, view: ViewFlags, width: number): string {
  const r = st.replay;
  const mode = r
    ? r.ended ? 'END' : r.paused ? `PAUSED ${speedWord(r.speed)}` : `PLAY ${speedWord(r.speed)}`
    : view.displayPaused ? 'PAUSED' : 'LIVE';
  const open = openCounts(s);
  const alerts = open.critical + open.warning + open.info === 0
    ? 'open alerts: none'
    : `open alerts: ${[open.critical ? `${open.critical} critical` : '', open.warning ? `${open.warning} warning` : '', open.info ? `${open.info} info` : ''].filter(Boolean).join(', ')}`;
  const segments = [
    `[${mode}]`,
    st.source,
    alerts,
    r ? `pkt ${r.position}/${r.total}` : `${st.packets} pkts`,
    r ? `${clock(st.elapsedS)}/${clock(r.spanS)}` : clock(st.elapsedS),
    st.drops ? `drops ${st.drops.dropped}+${st.drops.ifDropped}` : '',
    st.filter ? `filter: ${st.filter}` : '',
    view.rowFilter ? `rows: /${view.rowFilter}` : '',
    `sort: ${SORT_LABELS[view.sort]}`,
    st.note ? `! ${st.note}` : '',
  ].filter(Boolean);
  // The note is the one thing that must not fall off the end: put it right after the mode when set.
  if (st.note) segments.splice(1, 0, segments.pop()!);
  return cell(' ' + segments.join('  '), width);
}

// ---- alert log -------------------------------------------------------------------------------

export interface AlertLogOptions {
  theme: Theme;
  width: number;
  rows: number;
  /** Alerts that were closed when the user pressed `c`. */
  hidden: WeakSet<Alert>;
  /** When the table is filtered, only alerts of the shown VRIDs (and alerts without a VRID). */
  vrids: Set<string> | null;
}

/** Newest on top; a raised alert stays marked OPEN until its cleared record arrives. */
export function alertLogLines(s: AnalyzerSnapshot, o: AlertLogOptions): string[] {
  const open = openAlertIds(s);
  const all = s.recentAlerts;
  const lines: string[] = [];
  let hiddenAny = false;
  for (let i = all.length - 1; i >= 0 && lines.length < o.rows; i--) {
    const a = all[i];
    if (o.hidden.has(a)) {
      hiddenAny = true;
      continue;
    }
    if (o.vrids && a.vrid !== null && !o.vrids.has(vrKey(a.family, a.vrid, a.segment))) continue;
    lines.push(alertLine(a, a.status === 'raised' && open.has(a.id), o.theme, o.width));
  }
  if (lines.length === 0) lines.push(cell(hiddenAny ? ' (closed alerts cleared)' : ' no alerts yet', o.width));
  return lines;
}

/**
 * For `c`: every alert in the log that is over (events, cleared records, raised alerts that
 * cleared). An alert still open stays, and stays after it clears, so its ending is seen.
 */
export function closedAlerts(s: AnalyzerSnapshot, into: WeakSet<Alert>): void {
  const open = openAlertIds(s);
  for (const a of s.recentAlerts) if (!(a.status === 'raised' && open.has(a.id))) into.add(a);
}

function alertMark(a: Alert, isOpen: boolean): string {
  if (a.status === 'raised') return isOpen ? 'OPEN' : 'ended';
  if (a.status === 'cleared') return 'clear';
  return '';
}

function vridLabel(a: Alert): string {
  return a.vrid === null ? '-' : `${a.vrid} ${a.family === 'ipv6' ? 'v6' : 'v4'}`;
}

function alertLine(a: Alert, isOpen: boolean, theme: Theme, width: number): string {
  const mark = alertMark(a, isOpen);
  const head = [
    cell(timeMs(a.ts), 12),
    cell(SEVERITY_WORDS[a.severity], 4, 'left', a.status === 'cleared' ? undefined : (t) => theme.severity(a.severity, t)),
    cell(mark, 5, 'left', isOpen ? theme.bold : undefined),
    cell(vridLabel(a), 6),
  ].join(' ');
  const used = 12 + 1 + 4 + 1 + 5 + 1 + 6 + 1;
  return head + ' ' + cell(a.message, Math.max(0, width - used));
}

// ---- sparkline -------------------------------------------------------------------------------

/** `VRID 51`, or `VRID 51 eth1` where the capture holds more than one segment (as the analyzer's messages say it). */
function vrName(v: VridSnapshot): string {
  return v.segment === null ? `VRID ${v.vrid}` : `VRID ${v.vrid} ${v.segment}`;
}

/** Two lines: whose intervals they are, with the numbers, then the blocks. */
export function sparkLines(v: VridSnapshot | null, width: number, theme: Theme, unicode: boolean): string[] {
  const r = v ? (v.master ?? newestRouter(v)) : null;
  if (!v || !r) return [cell(' intervals: no row selected', width), ''];
  const o = r.observed;
  const who = `${r.src} (${vrName(v)} ${v.master === r ? 'master' : r.role})`;
  const stats = o.count > 0
    ? `last ${r.recentIntervalsMs.length}: min ${shortMs(o.minMs)} p50 ${shortMs(o.p50Ms)} p99 ${shortMs(o.p99Ms)} max ${shortMs(o.maxMs)}, advertised ${shortMs(r.intervalMs)}`
    : `no interval yet (one advert), advertised ${shortMs(r.intervalMs)}`;
  const title = theme.heading(safe(' intervals ')) + cell(`${who}  ${stats}`, Math.max(0, width - 11));
  const blocks = sparkline(r.recentIntervalsMs, r.intervalMs, Math.max(0, width - 2), unicode);
  return [title, ' ' + blocks];
}

function newestRouter(v: VridSnapshot): RouterSnapshot | null {
  let best: RouterSnapshot | null = null;
  for (const r of v.routers) if (!best || r.lastSeenTs > best.lastSeenTs) best = r;
  return best;
}

// ---- detail view -----------------------------------------------------------------------------

/**
 * Extra sections for the detail view. The diagnosis (a later issue) plugs in here: it returns
 * plain lines about this virtual router, shown under their own heading right below the title.
 */
export interface DetailExtras {
  diagnosis?: (v: VridSnapshot, s: AnalyzerSnapshot) => string[];
}

/** Every router heard for one VRID, the master history and this VRID's alerts. Plain lines; the caller scrolls. */
export function detailLines(v: VridSnapshot, s: AnalyzerSnapshot, width: number, theme: Theme, extras: DetailExtras = {}): string[] {
  const out: string[] = [];
  const w = Math.max(20, width);
  const text = (str: string, indent = 0) => out.push(...wrap(str, w, indent));
  const heading = (str: string) => out.push('', theme.heading(safe(str)));

  const m = v.master;
  out.push(
    theme.bold(safe(vrName(v))) + safe(` ${v.family === 'ipv4' ? 'IPv4' : 'IPv6'} VRRPv${v.versions.join('/')}  `) +
      theme.state(v.state, safe(STATE_WORDS[v.state])),
  );
  text(m
    ? `master ${m.src}${m.mac ? ` ${m.mac}` : ''}${m.vmac ? ' (VMAC)' : ''} prio ${m.priority}` +
        (v.masterSince !== null ? `, since ${timeMs(v.masterSince)} (${shortMs((s.ts - v.masterSince) * 1000)})` : '')
    : 'no master: no router of this VRID advertises as master now', 2);
  text(`last advertisement ${Number.isFinite(v.lastAdvertTs) ? `${timeMs(v.lastAdvertTs)}, ${shortAgo((s.ts - v.lastAdvertTs) * 1000)} ago` : 'never'}; ` +
    `${v.masterChangeCount} master change${v.masterChangeCount === 1 ? '' : 's'}`, 2);

  const diagnosis = extras.diagnosis?.(v, s) ?? [];
  if (diagnosis.length > 0) {
    heading('Diagnosis');
    for (const line of diagnosis) text(line, 2);
  }

  heading(`Routers heard (${v.routers.length})`);
  for (const r of v.routers) routerBlock(r, s.ts, w, theme, out);

  heading('Master history (newest first)');
  if (v.history.length === 0) text('none yet', 2);
  else {
    const widths = [12, 12, Math.max(6, ...v.history.map((h) => h.src.length)), 4, 7, 10];
    out.push(headerRow(['from', 'until', 'master', 'prio', 'held', 'gap before'], widths, w));
    for (let i = v.history.length - 1; i >= 0; i--) {
      const h = v.history[i];
      const prev = v.history[i - 1];
      const held = (h.untilTs ?? s.ts) - h.fromTs;
      const gap = prev && prev.untilTs !== null ? shortMs((h.fromTs - prev.untilTs) * 1000) : '-';
      out.push(tableRow([timeMs(h.fromTs), h.untilTs === null ? 'now' : timeMs(h.untilTs), h.src, String(h.priority), shortMs(held * 1000), gap], widths, w));
    }
  }

  heading(`Master changes (${v.masterChangeCount}, newest first)`);
  if (v.masterChanges.length === 0) text('none', 2);
  for (let i = v.masterChanges.length - 1; i >= 0; i--) {
    const c = v.masterChanges[i];
    text(`${timeMs(c.ts)}  ${c.from ?? '-'} -> ${c.to}  ${c.reason}, handover gap ${c.gapMs === null ? '?' : fmtMs(c.gapMs)}`, 2);
  }

  heading('Alerts for this VRID (newest first)');
  const open = openAlertIds(s);
  // An alert raised before a second segment showed names none: it was this router's, or the only one's.
  const mine = s.recentAlerts.filter((a) => a.vrid === v.vrid && a.family === v.family && (a.segment === undefined || a.segment === v.segment));
  if (mine.length === 0) text('none', 2);
  for (let i = mine.length - 1; i >= 0; i--) {
    const a = mine[i];
    const isOpen = a.status === 'raised' && open.has(a.id);
    const mark = alertMark(a, isOpen);
    const first = `${timeMs(a.ts)} ${SEVERITY_WORDS[a.severity]}${mark ? ` ${mark}` : ''} ${a.kind}${a.count && a.count > 1 ? ` x${a.count}` : ''}: `;
    const lines = wrap(first + a.message, w, 2, 4);
    lines[0] = lines[0].replace(SEVERITY_WORDS[a.severity], theme.severity(a.severity, SEVERITY_WORDS[a.severity]));
    out.push(...lines);
  }
  return out;
}

function routerBlock(r: RouterSnapshot, nowTs: number, w: number, theme: Theme, out: string[]): void {
  const o = r.observed;
  const role = r.role === 'master' ? theme.bold(r.role) : r.role;
  out.push(
    '  ' + theme.bold(safe(r.src)) + safe(`  `) + role +
      safe(`  prio ${r.priority}  MAC ${r.mac ?? '-'}${r.vmac ? ' (VMAC)' : ''}  VRRPv${r.version}  ${r.adverts} advert${r.adverts === 1 ? '' : 's'}`),
  );
  const lines: string[] = [];
  lines.push(`seen ${timeMs(r.firstSeenTs)} to ${timeMs(r.lastSeenTs)} (last ${shortAgo((nowTs - r.lastSeenTs) * 1000)} ago)`);
  lines.push(o.count > 0
    ? `interval advertised ${fmtMs(r.intervalMs)}; observed over ${o.count}: last ${fmtMs(o.lastMs!)} mean ${fmtMs(o.meanMs!)} ` +
      `p50 ${fmtMs(o.p50Ms!)} p99 ${fmtMs(o.p99Ms!)} min ${fmtMs(o.minMs!)} max ${fmtMs(o.maxMs!)} jitter ${fmtMs(o.jitterMs!)}`
    : `interval advertised ${fmtMs(r.intervalMs)}; observed: not yet (one advert)`);
  // The password is wire data: quote() escapes it, wrap() then escapes blessed's braces.
  const auth = r.authType === null ? 'none (VRRPv3)' : r.authType === 0 ? 'none' : r.authType === 1 ? `password ${quote(r.authPass ?? '')}` : r.authType === 2 ? 'IP AH' : `type ${r.authType}`;
  lines.push(`auth ${auth}  TTL ${r.ttl}  destination ${r.dst} (${r.dstKind})${r.checksumVariant ? `  checksum ${r.checksumVariant}` : ''}`);
  lines.push(`virtual IPs ${r.addrs.length ? r.addrs.join(' ') : '-'}`);
  if (r.priorityHistory.length > 1) {
    lines.push(`priority history ${r.priorityHistory.map((p) => `${p.priority} at ${timeMs(p.ts)}`).join(', ')}`);
  }
  const c = r.counts;
  const problems = [
    c.badChecksum ? `${c.badChecksum} bad checksum` : '',
    c.badTtl ? `${c.badTtl} bad TTL` : '',
    c.malformed ? `${c.malformed} malformed` : '',
    c.vmacMismatch ? `${c.vmacMismatch} VMAC mismatch` : '',
    c.truncated ? `${c.truncated} truncated` : '',
  ].filter(Boolean);
  if (problems.length) lines.push(`problems ${problems.join(', ')}`);
  for (const l of lines) out.push(...wrap(l, w, 6, 8));
}

function headerRow(names: string[], widths: number[], w: number): string {
  return cell('  ' + names.map((n, i) => fit(n, widths[i])).join('  '), w);
}

function tableRow(cells: string[], widths: number[], w: number): string {
  return cell('  ' + cells.map((c, i) => fit(escapeControls(c), widths[i])).join('  '), w);
}

/**
 * Word-wraps plain text (escaped here, for the terminal and for blessed's tags) into lines of at
 * most `width` columns; the first line is indented by `indent`, the rest by `hanging`.
 */
export function wrap(s: string, width: number, indent = 0, hanging = indent): string[] {
  const out: string[] = [];
  let line = ' '.repeat(indent);
  let lineHasWord = false;
  // Each chunk is a word with the spaces after it, so double spaces between fields survive.
  for (const chunk of escapeControls(s).match(/\S+ */g) ?? []) {
    const word = chunk.trimEnd();
    if (line.length + word.length <= width) {
      line += chunk;
      lineHasWord = true;
      continue;
    }
    if (lineHasWord) {
      out.push(line.trimEnd());
      line = ' '.repeat(hanging);
      lineHasWord = false;
    }
    // A word longer than a line (a long address list without spaces) is cut into pieces.
    let rest = word;
    while (line.length + rest.length > width) {
      const take = Math.max(1, width - line.length);
      out.push(line + rest.slice(0, take));
      line = ' '.repeat(hanging);
      rest = rest.slice(take);
    }
    line += rest + chunk.slice(word.length);
    lineHasWord = rest.length > 0;
  }
  if (lineHasWord || out.length === 0) out.push(line.trimEnd());
  return out.map((l) => safe(l));
}

// ---- help and footer -------------------------------------------------------------------------

export interface KeyHelp {
  replay: boolean;
}

export function helpLines(k: KeyHelp): string[] {
  const rows: [string, string][] = [
    ['Up/Down, k/j', 'select a virtual router (the sparkline follows it)'],
    ['Enter', 'details: every router heard, master history, alerts'],
    ['Esc', 'back from details, help or the filter prompt'],
    ['s', 'sort by state, VRID or last seen (longest silent first)'],
    ['/', 'only rows of a VRID (a number) or an address part (Enter applies)'],
    ['c', 'clear closed alerts from the log (open ones stay)'],
    k.replay ? ['p, space', 'pause or resume playback'] : ['p, space', 'freeze the display (capture and analysis go on)'],
    ...(k.replay ? [['Right', 'step to the next packet (pauses playback)'] as [string, string]] : []),
    ['?', 'this help'],
    ['q, Ctrl-C', 'quit and print the session summary'],
  ];
  const lines = ['Keys', ''];
  for (const [key, what] of rows) lines.push(`  ${key.padEnd(14)}${what}`);
  lines.push(
    '',
    'Table',
    '  SEEN    time since the last advertisement of the VRID (packet time)',
    '  ADV     interval the master advertises; LAST/MEAN/JITTER: measured',
    '  CHG     master changes; RTR: routers heard; V after a MAC: the VRRP VMAC',
    '',
    'Alert log',
    '  OPEN    a condition that is still going on; ended / clear: it stopped',
    '',
    'Press Esc or ? to close.',
  );
  return lines;
}

/**
 * The help text in a frame drawn with ASCII: blessed's line borders use the terminal's
 * alternate character set, which some terminals and multiplexers show as letters.
 */
export function framedLines(title: string, lines: string[], maxWidth: number, maxHeight: number): string[] {
  const inner = Math.max(1, Math.min(Math.max(...lines.map((l) => l.length), title.length + 2), maxWidth - 4));
  const rule = '-'.repeat(inner + 2);
  const top = `+-${title}${rule.slice(title.length + 1)}+`;
  const body = lines.slice(0, Math.max(0, maxHeight - 2)).map((l) => `| ${cell(l, inner)} |`);
  return [safe(top), ...body, `+${rule}+`];
}

export type FooterMode = 'main' | 'detail' | 'help';

export function footerLine(mode: FooterMode, replay: boolean, sort: SortMode, width: number): string {
  const keys: [string, string][] = mode === 'detail'
    ? [['Esc', 'back'], ['Up/Down', 'scroll'], ['q', 'quit'], ['?', 'help']]
    : mode === 'help'
      ? [['Esc', 'close'], ['q', 'quit']]
      : [
          ['q', 'quit'],
          ['p', replay ? 'pause' : 'freeze'],
          ...(replay ? [['Right', 'step'] as [string, string]] : []),
          ['Enter', 'detail'],
          ['s', `sort:${SORT_LABELS[sort]}`],
          ['/', 'filter'],
          ['c', 'clear'],
          ['?', 'help'],
        ];
  const full = ' ' + keys.map(([k, what]) => `${k} ${what}`).join('  ');
  // 80 columns: the sort order is in the status bar too, and one space between keys still reads.
  const short = ' ' + keys.map(([k, what]) => `${k} ${what.replace(/:.*/, '')}`).join(' ');
  return cell(full.length <= width ? full : short, width);
}

/** The `/` prompt shown in the footer while typing. */
export function filterPromptLine(text: string, width: number): string {
  return cell(` filter rows by VRID or address: ${text}_   (Enter apply, Esc cancel)`, width);
}
