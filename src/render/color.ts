// ANSI colour for text output on a terminal. Off with NO_COLOR (https://no-color.org), --no-color,
// or when stdout is not a terminal.
import type { Severity } from '../analyze/alerts.js';

export interface Palette {
  severity(s: Severity, text: string): string;
  dim(text: string): string;
  bold(text: string): string;
  ok(text: string): string;
}

const wrap = (code: string) => (t: string) => `\x1b[${code}m${t}\x1b[0m`;

export const COLOR: Palette = {
  severity: (s, t) => (s === 'critical' ? wrap('1;31')(t) : s === 'warning' ? wrap('33')(t) : wrap('36')(t)),
  dim: wrap('2'),
  bold: wrap('1'),
  ok: wrap('32'),
};

const id = (t: string) => t;
export const MONO: Palette = { severity: (_s, t) => t, dim: id, bold: id, ok: id };

export function wantColor(isTty: boolean, noColorFlag: boolean, env: NodeJS.ProcessEnv): boolean {
  if (noColorFlag) return false;
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '0') return true;
  return isTty;
}
