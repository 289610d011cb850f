// Drives the real dashboard in a real terminal: tmux runs a shell, the test types the command,
// keys and resizes, and reads the screen back with capture-pane. Every session lives on a tmux
// server of its own (-L), so the tests never touch a user's tmux and a kill cleans up everything.
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { resolve } from 'node:path';
import type { AnalyzerSnapshot } from '../../src/analyze/analyzer.js';
import { readCapture } from '../../src/capture/file.js';
import { Pipeline } from '../../src/pipeline.js';
import { sharedPcap } from '../support/shared.js';

export const ROOT = resolve(import.meta.dirname, '../..');
export const REPLAY = 'test/tui/fixtures/replay.ts';
export const LIVE = 'test/tui/fixtures/live.ts';
/** A reference capture: tests replaying it skip when the reference folder is absent (support/shared.ts). */
export const VRRP_PCAP = sharedPcap('tcpdump/vrrp.pcap');
export const LAB = resolve(ROOT, 'pcaps/lab');

export function haveTmux(): boolean {
  return spawnSync('tmux', ['-V'], { stdio: 'ignore' }).status === 0;
}

let counter = 0;

export class Tmux {
  readonly name: string;
  private readonly socket: string;
  private readonly socketPath: string;

  constructor(tag: string, width = 120, height = 35) {
    this.name = `vrrpscope-${tag}-${process.pid}-${++counter}`;
    this.socket = this.name;
    // A plain shell: after the program exits we can see that it is back and ask for its exit code.
    this.tmux('new-session', '-d', '-s', this.name, '-x', String(width), '-y', String(height), '-c', ROOT,
      '-e', 'LANG=C.UTF-8', '-e', 'LC_ALL=C.UTF-8', '-e', 'TZ=UTC', '-e', 'NO_COLOR=',
      'bash --norc --noprofile');
    this.tmux('set-option', '-t', this.name, 'status', 'off');
    this.socketPath = this.tmux('display', '-p', '-t', this.name, '#{socket_path}').trim();
  }

  private tmux(...args: string[]): string {
    return execFileSync('tmux', ['-L', this.socket, ...args], { encoding: 'utf8' });
  }

  /** Types a command line into the shell and presses Enter. */
  run(command: string): void {
    this.tmux('send-keys', '-t', this.name, '-l', command);
    this.tmux('send-keys', '-t', this.name, 'Enter');
  }

  /** tmux key names: 'Enter', 'Escape', 'Right', 'C-c', or literal text with `literal`. */
  keys(...keys: string[]): void {
    this.tmux('send-keys', '-t', this.name, ...keys);
  }

  type(text: string): void {
    this.tmux('send-keys', '-t', this.name, '-l', text);
  }

  /** The visible screen as text, one line per row; with `escapes`, including the SGR attributes. */
  screen(escapes = false): string {
    return this.tmux('capture-pane', '-p', ...(escapes ? ['-e'] : []), '-t', this.name).replace(/\n$/, '');
  }

  /** Everything the pane showed, scrollback included, with lines the terminal wrapped joined again. */
  history(): string {
    return this.tmux('capture-pane', '-p', '-J', '-S', '-', '-t', this.name);
  }

  lines(): string[] {
    return this.screen().split('\n');
  }

  resize(width: number, height: number): void {
    this.tmux('resize-window', '-t', this.name, '-x', String(width), '-y', String(height));
  }

  alternateOn(): boolean {
    return this.tmux('display', '-p', '-t', this.name, '#{alternate_on}').trim() === '1';
  }

  /**
   * Polls the screen until `test` passes, then until it holds still: tmux may be read while the
   * program is halfway through drawing a frame. Throws with the last screen when it does not pass in time.
   */
  async waitFor(test: RegExp | ((screen: string) => boolean), timeoutMs = 10_000, what = String(test)): Promise<string> {
    const ok = typeof test === 'function' ? test : (s: string) => test.test(s);
    const deadline = Date.now() + timeoutMs;
    let screen = '';
    for (;;) {
      screen = this.screen();
      if (ok(screen)) break;
      if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; screen:\n${screen}`);
      await pause(50);
    }
    // A frame is drawn in well under 30 ms; a screen that changes every frame (a clock) is taken as it is.
    for (let i = 0; i < 10; i++) {
      await pause(30);
      const again = this.screen();
      if (again === screen) break;
      if (ok(again)) screen = again;
    }
    return screen;
  }

  /** Waits until the program has exited and the shell is back; returns its exit code and the whole pane history. */
  async waitForExit(timeoutMs = 10_000): Promise<{ code: number; screen: string }> {
    await this.waitFor(() => !this.alternateOn(), timeoutMs, 'the normal screen');
    this.run('echo "EXIT=$?"');
    const screen = await this.waitFor(/EXIT=\d+/, timeoutMs, 'the exit code');
    return { code: Number(/EXIT=(\d+)/.exec(screen)![1]), screen: this.history() };
  }

  kill(): void {
    try {
      this.tmux('kill-server');
    } catch {
      // Already gone (the test may have killed it).
    }
    // tmux leaves the socket file of a killed server behind.
    if (this.socketPath) rmSync(this.socketPath, { force: true });
  }
}

function pause(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** The pid a fixture wrote (VRRPSCOPE_TEST_PIDFILE), once it is there. */
export async function readPid(file: string, timeoutMs = 10_000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const pid = Number(readFileSync(file, 'utf8'));
      if (pid > 0) return pid;
    } catch {
      // Not written yet.
    }
    if (Date.now() > deadline) throw new Error(`no pid in ${file}`);
    await pause(50);
  }
}

/** The command line for a fixture, run with tsx's loader in the same node process (so its pid is the program's). */
export function fixture(script: string, args: string[], env: Record<string, string> = {}): string {
  const vars = Object.entries(env).map(([k, v]) => `${k}=${shellQuote(v)} `).join('');
  return `${vars}node --import tsx ${script} ${args.map(shellQuote).join(' ')}`;
}

function shellQuote(s: string): string {
  return /^[\w./:=,-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/**
 * What the analyzer makes of a whole capture, run in this process through the same Pipeline the
 * dashboard uses: the screen must show exactly this, whatever the analyzer's rules are today.
 */
export async function analyze(file: string): Promise<{ snap: AnalyzerSnapshot; pipeline: Pipeline }> {
  const pipeline = new Pipeline({}, null);
  await readCapture(file, (f) => pipeline.frame(f));
  pipeline.finish();
  return { snap: pipeline.analyzer.snapshot(), pipeline };
}
