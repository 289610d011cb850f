// Cell text for the dashboard: escaping for blessed's tag markup, fixed-width cells and short
// number formats. Every line the dashboard draws is built here to an exact width, so blessed never
// wraps a row: a narrow terminal loses columns, not layout.
import type { Severity } from '../../analyze/alerts.js';
import type { VridState } from '../../analyze/analyzer.js';
import { escapeControls } from '../escape.js';
import { timeOfDay } from '../time.js';

/**
 * Text that came from the wire (or embeds it) made safe for a tagged blessed box: terminal controls
 * become \xNN (escapeControls), then braces are spelled as blessed's {open}/{close} so a password
 * like "{red-fg}" cannot restyle or hide the screen.
 */
export function safe(s: string): string {
  return braces(escapeControls(s));
}

/** {open}/{close} render as one column each, so this keeps the visible width. */
function braces(s: string): string {
  return /[{}]/.test(s) ? s.replace(/[{}]/g, (b) => (b === '{' ? '{open}' : '{close}')) : s;
}

/** Pads or cuts plain (untagged) text to exactly `width` columns; a cut ends in "~". */
export function fit(s: string, width: number, align: 'left' | 'right' = 'left'): string {
  if (width <= 0) return '';
  if (s.length > width) return width === 1 ? '~' : s.slice(0, width - 1) + '~';
  return align === 'left' ? s.padEnd(width) : s.padStart(width);
}

/**
 * A styled cell: the visible text is fitted first and only then wrapped in tags, so widths are
 * computed on what the user sees. `style` adds the tags (or nothing, in mono).
 */
export function cell(s: string, width: number, align: 'left' | 'right' = 'left', style?: (t: string) => string): string {
  // Escaping first: \x1b takes four columns on screen, and the width must count what is shown.
  const fitted = fit(escapeControls(s), width, align);
  if (!style) return braces(fitted);
  // Style only the text, not the padding, so a coloured word does not bleed into the gap.
  const trimmed = align === 'left' ? fitted.trimEnd() : fitted.trimStart();
  const pad = ' '.repeat(fitted.length - trimmed.length);
  return align === 'left' ? style(braces(trimmed)) + pad : pad + style(braces(trimmed));
}

/** Compact durations for table cells: 4.2ms, 180ms, 1.00s, 10.0s, 3m05s, 2h03m. At most 6 columns. */
export function shortMs(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '-';
  const a = Math.abs(ms);
  const sign = ms < 0 ? '-' : '';
  if (a < 10) return `${sign}${a.toFixed(1)}ms`;
  if (a < 999.5) return `${sign}${Math.round(a)}ms`;
  if (a < 9_995) return `${sign}${(a / 1000).toFixed(2)}s`;
  if (a < 99_950) return `${sign}${(a / 1000).toFixed(1)}s`;
  return sign + minutes(a);
}

/** 3m05s, 2h03m, 5d: past a minute or so, seconds are all the precision a glance needs. */
function minutes(ms: number): string {
  const s = Math.floor(ms / 1000);
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  if (s < 360_000) return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
  return `${Math.floor(s / 86_400)}d`;
}

/** Time since something, in seconds with tenths while short: 0.0s, 3.7s, 59.9s, then 1m05s. */
export function shortAgo(ms: number): string {
  if (!Number.isFinite(ms)) return '-';
  if (ms < 0) ms = 0;
  return ms < 59_950 ? `${(ms / 1000).toFixed(1)}s` : minutes(Math.max(ms, 60_000));
}

/** Elapsed time for the status bar: 0:07, 12:34, 1:02:03. */
export function clock(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '0:00';
  const s = Math.floor(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}

/** "HH:MM:SS.mmm": milliseconds are enough on a screen; the text output keeps microseconds. */
export function timeMs(ts: number): string {
  return Number.isFinite(ts) ? timeOfDay(ts).slice(0, 12) : '-';
}

/** Worst first, for the state sort. */
export const STATE_RANK: Record<VridState, number> = {
  'split-brain': 0,
  down: 1,
  clash: 2,
  auth: 3,
  'no-master': 4,
  warning: 5,
  ok: 6,
};

export const SEVERITY_WORDS: Record<Severity, string> = { critical: 'CRIT', warning: 'WARN', info: 'INFO' };

/** blessed style tags, or none at all for --mono / NO_COLOR (attributes like bold stay: they are not colour). */
export interface Theme {
  readonly color: boolean;
  state(state: VridState, text: string): string;
  severity(s: Severity, text: string): string;
  bold(text: string): string;
  dim(text: string): string;
  heading(text: string): string;
}

const tag = (open: string) => (t: string) => (t === '' ? t : `{${open}}${t}{/${open}}`);

export const COLOR_THEME: Theme = {
  color: true,
  state: (s, t) => (s === 'ok' ? tag('green-fg')(t) : s === 'warning' ? tag('yellow-fg')(t) : tag('red-fg')(tag('bold')(t))),
  severity: (s, t) => (s === 'critical' ? tag('red-fg')(tag('bold')(t)) : s === 'warning' ? tag('yellow-fg')(t) : tag('cyan-fg')(t)),
  bold: tag('bold'),
  dim: tag('gray-fg'),
  heading: (t) => tag('bold')(tag('cyan-fg')(t)),
};

export const MONO_THEME: Theme = {
  color: false,
  // Without colour the state word carries the meaning; bold singles out the bad ones at a glance.
  state: (s, t) => (s === 'ok' || s === 'warning' ? t : tag('bold')(t)),
  severity: (s, t) => (s === 'critical' ? tag('bold')(t) : t),
  bold: tag('bold'),
  dim: (t) => t,
  heading: tag('bold'),
};
