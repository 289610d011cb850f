// The full-screen dashboard for `vrrpscope live` and `read --tui`: a status bar, the virtual-router
// table, a sparkline of the selected master's intervals, the alert log and a footer; Enter opens a
// detail view, `?` a help overlay.
//
// It only reads analyzer snapshots (STYLE.md: renderers read snapshots) and draws from a 100 ms
// timer, never from the packet path: however fast packets arrive, the screen costs at most ten
// snapshots a second, and none while nothing changed. All text is built to the terminal's width
// by the panel functions, so blessed never wraps a line.
import reblessed from 'reblessed';
import type * as Blessed from 'blessed';
import type { Alert } from '../analyze/alerts.js';
import type { AnalyzerSnapshot, VridSnapshot } from '../analyze/analyzer.js';
import {
  alertLogLines, closedAlerts, detailLines, filterPromptLine, footerLine, framedLines, helpLines, sparkLines, statusLine,
  type DetailExtras, type StatusInfo,
} from './dashboard/panels.js';
import { headerLine, layoutTable, matchesFilter, rowKey, rowLine, SORT_MODES, sortRows, type SortMode } from './dashboard/table.js';
import { cell, COLOR_THEME, MONO_THEME, safe, type Theme } from './dashboard/text.js';

// reblessed is blessed's maintained fork with the same API; its bundled declarations only
// describe the module object, so the widget API is typed from @types/blessed.
const blessed = reblessed as unknown as typeof Blessed;

/** What the dashboard draws from. */
export interface DashboardFeed {
  snapshot(): AnalyzerSnapshot;
  /**
   * Changes whenever a new snapshot could differ (packets ingested, packet time advanced); checked
   * on every frame so an idle session takes no snapshots at all.
   */
  revision(): string;
  status(): StatusInfo;
}

/** Replay controls: with them `p` pauses playback and Right steps; without, `p` freezes the display. */
export interface ReplayControls {
  togglePause(): void;
  step(): void;
}

export interface DashboardOptions {
  feed: DashboardFeed;
  /** --mono or NO_COLOR: no colour at all; state words and markers carry the meaning. */
  mono: boolean;
  replay?: ReplayControls | null;
  /** `q`, Ctrl-C: the owner tears the dashboard down and prints the summary. */
  onQuit(): void;
  extras?: DetailExtras;
  /** Terminal streams (default: process.stdin / process.stdout). */
  input?: NodeJS.ReadableStream;
  output?: NodeJS.WritableStream;
}

/** At most ten frames a second: smooth enough for a clock counting tenths, cheap next to capture. */
export const FRAME_MS = 100;

type Mode = 'main' | 'detail' | 'help' | 'filter';

const LOG_MIN_ROWS = 3;
const SPARK_ROWS = 2;

export class Dashboard {
  private readonly screen: Blessed.Widgets.Screen;
  private readonly statusBox: Blessed.Widgets.BoxElement;
  private readonly mainBox: Blessed.Widgets.BoxElement;
  private readonly footerBox: Blessed.Widgets.BoxElement;
  private readonly helpBox: Blessed.Widgets.BoxElement;
  private readonly theme: Theme;
  private readonly unicode: boolean;
  private readonly timer: NodeJS.Timeout;

  private snap: AnalyzerSnapshot | null = null;
  private snapRevision: string | null = null;
  /** What the last frame drew: a frame that would draw the same is skipped. */
  private drawn = '';
  private destroyed = false;

  private mode: Mode = 'main';
  /** Where help or the filter prompt returns to. */
  private previousMode: Mode = 'main';
  private displayPaused = false;
  private sort: SortMode = 'vrid';
  private rowFilter = '';
  private filterBefore = '';
  private selectedKey: string | null = null;
  /** Rows as last drawn, for moving the selection. */
  private rows: VridSnapshot[] = [];
  private detailScroll = 0;
  private detailLineCount = 0;
  private hiddenAlerts = new WeakSet<Alert>();

  constructor(private readonly o: DashboardOptions) {
    this.theme = o.mono ? MONO_THEME : COLOR_THEME;
    this.screen = blessed.screen({
      smartCSR: true,
      fullUnicode: false,
      autoPadding: false,
      warnings: false,
      title: 'vrrpscope',
      input: o.input as Blessed.Widgets.IScreenOptions['input'],
      output: o.output as Blessed.Widgets.IScreenOptions['output'],
    });
    // Same test blessed applies before drawing: without Unicode it prints "?" for block characters.
    const tput = (this.screen as unknown as { tput: { unicode: boolean; numbers: Record<string, number> } }).tput;
    this.unicode = tput.unicode || tput.numbers.U8 === 1;
    const bar = { inverse: true };
    this.statusBox = blessed.box({ parent: this.screen, top: 0, left: 0, width: '100%', height: 1, tags: true, wrap: false, style: bar });
    this.mainBox = blessed.box({ parent: this.screen, top: 1, left: 0, width: '100%', height: '100%-2', tags: true, wrap: false });
    this.footerBox = blessed.box({ parent: this.screen, bottom: 0, left: 0, width: '100%', height: 1, tags: true, wrap: false, style: bar });
    this.helpBox = blessed.box({
      parent: this.screen, top: 'center', left: 'center', width: 80, height: 24, tags: true, wrap: false, hidden: true,
    });
    this.screen.on('keypress', (ch: string | undefined, key: Blessed.Widgets.Events.IKeyEventArg | undefined) => this.onKey(ch, key));
    // A resize needs no handler: the next frame sees the new size, lays out again and redraws.
    this.timer = setInterval(() => this.frame(), FRAME_MS);
    this.frame();
  }

  /** Leaves the alternate screen and gives the terminal back as it was. Safe to call twice. */
  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    clearInterval(this.timer);
    this.screen.destroy();
  }

  // ---- drawing ---------------------------------------------------------------------------------

  private frame(): void {
    if (this.destroyed) return;
    const feed = this.o.feed;
    const rev = feed.revision();
    if (this.snap === null || (rev !== this.snapRevision && !this.displayPaused)) {
      this.snap = feed.snapshot();
      this.snapRevision = rev;
    }
    const width = Math.max(1, this.screen.width as number);
    const height = Math.max(1, this.screen.height as number);
    const snap = this.snap;
    const status = statusLine(feed.status(), snap, { displayPaused: this.displayPaused, rowFilter: this.rowFilter, sort: this.sort }, width);
    const main = this.mode === 'detail' || (this.mode === 'help' && this.previousMode === 'detail')
      ? this.detailView(snap, width, height - 2)
      : this.mainView(snap, width, height - 2);
    const footer = this.mode === 'filter'
      ? filterPromptLine(this.rowFilter, width)
      : footerLine(this.mode === 'help' ? 'help' : this.mode === 'detail' ? 'detail' : 'main', !!this.o.replay, this.sort, width);
    const help = this.mode === 'help' ? framedLines(' help ', helpLines({ replay: !!this.o.replay }), width, height - 2) : null;
    const drawn = [status, main, footer, help?.join('\n') ?? '', width, height].join('\u0000');
    if (drawn === this.drawn) return;
    this.drawn = drawn;
    this.statusBox.setContent(status);
    this.mainBox.setContent(main);
    this.footerBox.setContent(footer);
    if (help) {
      // The top border is plain ASCII: its length is the frame's width.
      this.helpBox.width = Math.min(width, help[0].length);
      this.helpBox.height = help.length;
      this.helpBox.setContent(help.join('\n'));
      this.helpBox.show();
      this.helpBox.setFront();
    } else {
      this.helpBox.hide();
    }
    this.screen.render();
  }

  private visibleRows(snap: AnalyzerSnapshot): VridSnapshot[] {
    const rows = this.rowFilter ? snap.vrids.filter((v) => matchesFilter(v, this.rowFilter)) : snap.vrids;
    return sortRows(rows, this.sort);
  }

  private mainView(snap: AnalyzerSnapshot, width: number, height: number): string {
    const rows = this.visibleRows(snap);
    this.rows = rows;
    let sel = this.selectedKey === null ? -1 : rows.findIndex((v) => rowKey(v) === this.selectedKey);
    if (sel < 0 && rows.length > 0) {
      sel = 0;
      this.selectedKey = rowKey(rows[0]);
    }
    const ctx = { nowTs: snap.ts, theme: this.theme };
    const lines: string[] = [];

    // Table: as many rows as fit while the sparkline and a few alert lines keep their place.
    const tableRows = Math.max(1, Math.min(rows.length || 1, height - 1 - SPARK_ROWS - 1 - LOG_MIN_ROWS));
    const layout = layoutTable(rows, width, ctx);
    lines.push(this.theme.bold(headerLine(layout)));
    if (rows.length === 0) {
      lines.push(cell(this.rowFilter ? ` no virtual router matches "${this.rowFilter}"` : ' no VRRP advertisements yet', width));
    } else {
      // Scroll the table so the selected row stays in view.
      const first = Math.min(Math.max(0, sel - tableRows + 1), Math.max(0, rows.length - tableRows));
      for (let i = first; i < Math.min(rows.length, first + tableRows); i++) {
        const line = rowLine(rows[i], layout, ctx);
        lines.push(i === sel ? `{inverse}${line}{/inverse}` : line);
      }
    }

    lines.push(...sparkLines(sel >= 0 ? rows[sel] : null, width, this.theme, this.unicode));

    const logRows = Math.max(0, height - lines.length - 1);
    const more = rows.length > tableRows ? ` (${rows.length - tableRows} more rows: Up/Down)` : '';
    lines.push(this.theme.heading(safe(' alerts')) + cell(` newest first${more}`, Math.max(0, width - 7)));
    const shown = this.rowFilter ? new Set(rows.map(rowKey)) : null;
    lines.push(...alertLogLines(snap, { theme: this.theme, width, rows: logRows, hidden: this.hiddenAlerts, vrids: shown }));
    return lines.slice(0, height).join('\n');
  }

  private detailView(snap: AnalyzerSnapshot, width: number, height: number): string {
    const v = snap.vrids.find((x) => rowKey(x) === this.selectedKey);
    if (!v) return cell(' this virtual router is no longer in the analyzer (Esc goes back)', width);
    const all = detailLines(v, snap, width, this.theme, this.o.extras);
    this.detailLineCount = all.length;
    const maxScroll = Math.max(0, all.length - height);
    if (this.detailScroll > maxScroll) this.detailScroll = maxScroll;
    const shown = all.slice(this.detailScroll, this.detailScroll + height);
    if (maxScroll > 0) {
      // Tell the reader there is more, in the last line rather than a scrollbar (mono-friendly).
      const where = this.detailScroll >= maxScroll ? 'end' : `${this.detailScroll + height}/${all.length} lines, Down for more`;
      shown[shown.length - 1] = cell(` -- ${where} --`, width);
    }
    return shown.join('\n');
  }

  // ---- keys ------------------------------------------------------------------------------------

  private onKey(ch: string | undefined, key: Blessed.Widgets.Events.IKeyEventArg | undefined): void {
    if (this.destroyed) return;
    const name = key?.name ?? '';
    // blessed reports Return twice ('return', then 'enter'): act on 'enter' only.
    if (name === 'return') return;
    if (key?.full === 'C-c') return this.o.onQuit();

    if (this.mode === 'filter') return this.filterKey(ch, name);
    if (this.mode === 'help') {
      if (name === 'escape' || ch === '?') this.mode = this.previousMode;
      else if (ch === 'q') this.o.onQuit();
      return;
    }
    if (ch === 'q') return this.o.onQuit();
    if (ch === '?') {
      this.previousMode = this.mode;
      this.mode = 'help';
      return;
    }
    if (ch === 'p' || name === 'space') return this.togglePause();
    if (name === 'right' && this.o.replay) return this.o.replay.step();

    if (this.mode === 'detail') return this.detailKey(ch, name);

    switch (name) {
      case 'up': return this.moveSelection(-1);
      case 'down': return this.moveSelection(1);
      case 'pageup': return this.moveSelection(-10);
      case 'pagedown': return this.moveSelection(10);
      case 'home': return this.moveSelection(-Infinity);
      case 'end': return this.moveSelection(Infinity);
      case 'enter':
        if (this.selectedKey !== null && this.rows.length > 0) {
          this.mode = 'detail';
          this.detailScroll = 0;
        }
        return;
      case 'escape':
        this.rowFilter = '';
        return;
    }
    switch (ch) {
      case 'k': return this.moveSelection(-1);
      case 'j': return this.moveSelection(1);
      case 's':
        this.sort = SORT_MODES[(SORT_MODES.indexOf(this.sort) + 1) % SORT_MODES.length];
        return;
      case '/':
        this.filterBefore = this.rowFilter;
        this.mode = 'filter';
        return;
      case 'c':
        if (this.snap) closedAlerts(this.snap, this.hiddenAlerts);
        return;
    }
  }

  private togglePause(): void {
    if (this.o.replay) {
      this.o.replay.togglePause();
      return;
    }
    this.displayPaused = !this.displayPaused;
  }

  private detailKey(ch: string | undefined, name: string): void {
    const page = Math.max(1, (this.screen.height as number) - 4);
    if (name === 'escape') this.mode = 'main';
    else if (name === 'up' || ch === 'k') this.detailScroll = Math.max(0, this.detailScroll - 1);
    else if (name === 'down' || ch === 'j') this.detailScroll++;
    else if (name === 'pageup') this.detailScroll = Math.max(0, this.detailScroll - page);
    else if (name === 'pagedown') this.detailScroll += page;
    else if (name === 'home') this.detailScroll = 0;
    else if (name === 'end') this.detailScroll = this.detailLineCount;
  }

  private filterKey(ch: string | undefined, name: string): void {
    if (name === 'enter') {
      this.rowFilter = this.rowFilter.trim();
      this.mode = 'main';
    } else if (name === 'escape') {
      this.rowFilter = this.filterBefore;
      this.mode = 'main';
    } else if (name === 'backspace') {
      this.rowFilter = this.rowFilter.slice(0, -1);
    } else if (ch && ch.length === 1 && ch >= ' ' && ch <= '~' && this.rowFilter.length < 64) {
      // The table follows while typing.
      this.rowFilter += ch;
    }
  }

  private moveSelection(delta: number): void {
    const rows = this.rows;
    if (rows.length === 0) return;
    const cur = Math.max(0, rows.findIndex((v) => rowKey(v) === this.selectedKey));
    const next = Math.min(rows.length - 1, Math.max(0, cur + delta));
    this.selectedKey = rowKey(rows[next]);
  }
}
