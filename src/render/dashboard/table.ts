// The virtual-router table: which rows, in what order, and which columns fit the terminal.
import type { VridSnapshot } from '../../analyze/analyzer.js';
import { STATE_WORDS } from '../summary.js';
import { cell, shortAgo, shortMs, STATE_RANK, type Theme } from './text.js';

export type SortMode = 'vrid' | 'state' | 'last-seen';

/** `s` cycles through these in this order. */
export const SORT_MODES: readonly SortMode[] = ['vrid', 'state', 'last-seen'];

export const SORT_LABELS: Record<SortMode, string> = {
  vrid: 'VRID',
  state: 'state',
  'last-seen': 'last seen',
};

/** Stable row identity across snapshots, so the selection follows a row when the order changes: one row per segment and VRID. */
export function rowKey(v: VridSnapshot): string {
  return vrKey(v.family, v.vrid, v.segment);
}

/** The key of a virtual router, from a row or from an alert (whose segment is absent where the capture holds one). */
export function vrKey(family: string | null, vrid: number | null, segment: string | null | undefined): string {
  return `${family}/${vrid}/${segment ?? ''}`;
}

export function sortRows(rows: VridSnapshot[], mode: SortMode): VridSnapshot[] {
  const byVrid = (a: VridSnapshot, b: VridSnapshot) => a.vrid - b.vrid || a.family.localeCompare(b.family) || (a.segment ?? '').localeCompare(b.segment ?? '');
  const out = rows.slice();
  if (mode === 'vrid') out.sort(byVrid);
  else if (mode === 'state') out.sort((a, b) => STATE_RANK[a.state] - STATE_RANK[b.state] || byVrid(a, b));
  // Longest silent first: the row that stopped advertising is the one to look at.
  else out.sort((a, b) => a.lastAdvertTs - b.lastAdvertTs || byVrid(a, b));
  return out;
}

/**
 * The `/` filter: whitespace- or comma-separated terms, any of which may match. A plain number is
 * a VRID (so "45" does not also pick every router whose address happens to contain 45); anything
 * else matches part of a router address, MAC or virtual address, or of the segment's name (`eth1`, `vlan`).
 */
export function matchesFilter(v: VridSnapshot, filter: string): boolean {
  const terms = filter.toLowerCase().split(/[\s,]+/).filter(Boolean);
  if (terms.length === 0) return true;
  return terms.some((t) => {
    if (/^\d+$/.test(t)) return Number(t) === v.vrid;
    if (v.segment !== null && v.segment.toLowerCase().includes(t)) return true;
    return v.routers.some((r) => r.src.toLowerCase().includes(t) || (r.mac ?? '').includes(t) || r.addrs.some((a) => a.toLowerCase().includes(t)));
  });
}

export interface TableContext {
  /** Analyzer packet time: the "seen" column counts up from the last advert to it. */
  nowTs: number;
  theme: Theme;
}

interface Column {
  id: string;
  header: string;
  align: 'left' | 'right';
  /** Higher stays longer when the terminal is narrow. */
  importance: number;
  /** Fixed width, or measured from the rows when null. */
  width: number | null;
  /** Takes whatever width is left (at least minWidth). */
  flex?: boolean;
  minWidth?: number;
  maxWidth?: number;
  text(v: VridSnapshot, ctx: TableContext): string;
  /** Shortens the text to `width` better than cutting it (a list that says how many it left out). */
  shorten?(v: VridSnapshot, width: number): string;
  style?(v: VridSnapshot, ctx: TableContext): ((t: string) => string) | undefined;
}

const masterOf = (v: VridSnapshot) => v.master;

const COLUMNS: Column[] = [
  {
    id: 'vrid', header: 'VRID', align: 'left', importance: 100, width: null, minWidth: 6, maxWidth: 24,
    // One row per segment and VRID: the segment follows when the capture holds more than one.
    text: (v) => `${String(v.vrid).padStart(3)} ${v.family === 'ipv4' ? 'v4' : 'v6'}${v.segment === null ? '' : ' ' + v.segment}`,
  },
  {
    id: 'state', header: 'STATE', align: 'left', importance: 99, width: 13,
    text: (v) => STATE_WORDS[v.state],
    style: (v, ctx) => (t) => ctx.theme.state(v.state, t),
  },
  {
    id: 'master', header: 'MASTER', align: 'left', importance: 98, width: null, minWidth: 7, maxWidth: 39,
    text: (v) => masterOf(v)?.src ?? '-',
  },
  {
    id: 'seen', header: 'SEEN', align: 'right', importance: 90, width: 6,
    text: (v, ctx) => (Number.isFinite(v.lastAdvertTs) ? shortAgo((ctx.nowTs - v.lastAdvertTs) * 1000) : '-'),
  },
  {
    id: 'prio', header: 'PRIO', align: 'right', importance: 85, width: 4,
    text: (v) => (masterOf(v) ? String(masterOf(v)!.priority) : '-'),
  },
  {
    id: 'last', header: 'LAST', align: 'right', importance: 80, width: 6,
    text: (v) => shortMs(masterOf(v)?.observed.lastMs),
  },
  {
    id: 'changes', header: 'CHG', align: 'right', importance: 75, width: 3,
    text: (v) => String(v.masterChangeCount),
  },
  {
    id: 'vips', header: 'VIRTUAL IPS', align: 'left', importance: 70, width: null, flex: true, minWidth: 11,
    text: (v) => vipAddrs(v).join(' ') || '-',
    shorten: (v, width) => {
      const addrs = vipAddrs(v);
      for (let n = addrs.length - 1; n >= 1; n--) {
        const text = `${addrs.slice(0, n).join(' ')} +${addrs.length - n}`;
        if (text.length <= width) return text;
      }
      // Not even one address fits whole: cut it, but keep the count of the others in view.
      const more = addrs.length > 1 ? ` +${addrs.length - 1}` : '';
      return addrs[0].length + more.length <= width || width <= more.length + 2 ? addrs.join(' ') : `${addrs[0].slice(0, width - more.length - 1)}~${more}`;
    },
  },
  {
    id: 'adv', header: 'ADV', align: 'right', importance: 65, width: 6,
    text: (v) => shortMs(masterOf(v)?.intervalMs),
  },
  {
    id: 'routers', header: 'RTR', align: 'right', importance: 60, width: 3,
    text: (v) => String(v.routers.length),
  },
  {
    id: 'mean', header: 'MEAN', align: 'right', importance: 50, width: 6,
    text: (v) => shortMs(masterOf(v)?.observed.meanMs),
  },
  {
    id: 'mac', header: 'MAC (V=VMAC)', align: 'left', importance: 40, width: 19,
    text: (v) => {
      const m = masterOf(v);
      return m?.mac ? `${m.mac}${m.vmac ? ' V' : ''}` : '-';
    },
  },
  {
    id: 'jitter', header: 'JITTER', align: 'right', importance: 30, width: 6,
    text: (v) => shortMs(masterOf(v)?.observed.jitterMs),
  },
];

/** Left-to-right order on screen (COLUMNS is listed by importance for reading, not placement). */
const ORDER = ['vrid', 'state', 'master', 'mac', 'prio', 'adv', 'last', 'mean', 'jitter', 'seen', 'changes', 'routers', 'vips'];

function vipAddrs(v: VridSnapshot): readonly string[] {
  return v.master?.addrs ?? v.routers[0]?.addrs ?? [];
}

export interface TableLayout {
  columns: { col: Column; width: number }[];
  /** Columns left out because the terminal is too narrow. */
  dropped: string[];
}

const GAP = 1;

/** Picks the columns that fit in `width`, dropping the least important first; never wraps. */
export function layoutTable(rows: VridSnapshot[], width: number, ctx: TableContext): TableLayout {
  const measured = (c: Column): number => {
    if (c.width !== null) return Math.max(c.width, c.header.length);
    let w = Math.max(c.minWidth ?? 1, c.header.length);
    if (!c.flex) for (const v of rows) w = Math.max(w, c.text(v, ctx).length);
    return Math.min(w, c.maxWidth ?? Infinity);
  };
  let chosen = COLUMNS.map((col) => ({ col, width: measured(col) }));
  const dropped: string[] = [];
  const total = () => chosen.reduce((n, c) => n + c.width, 0) + GAP * (chosen.length - 1);
  while (chosen.length > 1 && total() > width) {
    const least = chosen.reduce((a, b) => (b.col.importance < a.col.importance ? b : a));
    chosen = chosen.filter((c) => c !== least);
    dropped.push(least.col.id);
  }
  // The one column that is still too wide (a tiny terminal) is cut to the screen.
  if (total() > width) chosen[0].width = Math.max(1, width);
  const flex = chosen.find((c) => c.col.flex);
  if (flex) flex.width += Math.max(0, width - total());
  chosen.sort((a, b) => ORDER.indexOf(a.col.id) - ORDER.indexOf(b.col.id));
  return { columns: chosen, dropped };
}

export function headerLine(layout: TableLayout): string {
  return layout.columns.map(({ col, width }) => cell(col.header, width, col.align)).join(' '.repeat(GAP));
}

export function rowLine(v: VridSnapshot, layout: TableLayout, ctx: TableContext): string {
  return layout.columns
    .map(({ col, width }) => {
      let text = col.text(v, ctx);
      if (text.length > width && col.shorten) text = col.shorten(v, width);
      return cell(text, width, col.align, col.style?.(v, ctx));
    })
    .join(' '.repeat(GAP));
}
