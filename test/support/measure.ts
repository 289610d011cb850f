// The built command as a child process, with what it cost: wall time, CPU time and peak RSS.
// GNU time reports the child's own rusage; where it is missing, wall time is all we get and the
// memory checks skip with NO_GNU_TIME printed (.ci/run installs it), rather than pass by accident.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { CLI, tempDir, type CliResult } from './cli.js';

const GNU_TIME = '/usr/bin/time';
export const HAVE_GNU_TIME = existsSync(GNU_TIME) && spawnSync(GNU_TIME, ['-f', '%M', 'true'], { encoding: 'utf8' }).status === 0;
/** Why peak-memory checks are skipped, or false when GNU time is there to measure. */
export const NO_GNU_TIME: string | false = HAVE_GNU_TIME ? false : `GNU time not found at ${GNU_TIME}: peak RSS cannot be measured (apt-get install time)`;

export interface Measured extends CliResult {
  wallMs: number;
  /** User + system CPU time of the child, when GNU time is there. */
  cpuMs: number | null;
  /** Peak resident set size of the child, when GNU time is there. */
  maxRssKb: number | null;
}

const ENV = { TZ: 'UTC', NO_COLOR: '1' };

/** `vrrpscope ARGS`, or `sh -c PIPELINE` with the command as $VRRPSCOPE, measured. */
export function runMeasured(args: string[], opts: { input?: Uint8Array | string; timeoutMs?: number; shell?: string } = {}): Measured {
  const dir = tempDir();
  const report = join(dir, 'time');
  const command = [process.execPath, CLI, ...args];
  const timed = HAVE_GNU_TIME ? [GNU_TIME, '-f', '%e %U %S %M', '-o', report, ...command] : command;
  const quoted = timed.map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  const started = performance.now();
  const r = opts.shell
    ? spawnSync('bash', ['-c', opts.shell], { env: { ...process.env, ...ENV, VRRPSCOPE: quoted }, encoding: 'utf8', timeout: opts.timeoutMs ?? 20_000, maxBuffer: 64 << 20 })
    : spawnSync(timed[0], timed.slice(1), { input: opts.input, env: { ...process.env, ...ENV }, encoding: 'utf8', timeout: opts.timeoutMs ?? 20_000, maxBuffer: 64 << 20 });
  const wallMs = performance.now() - started;
  let cpuMs: number | null = null;
  let maxRssKb: number | null = null;
  if (HAVE_GNU_TIME && existsSync(report)) {
    // The last line holds our format; a line before it may say "Command exited with non-zero status".
    const last = readFileSync(report, 'utf8').trim().split('\n').pop() ?? '';
    const [, user, sys, rss] = last.split(' ').map(Number);
    if (Number.isFinite(user) && Number.isFinite(sys)) cpuMs = (user + sys) * 1000;
    if (Number.isFinite(rss)) maxRssKb = rss;
  }
  rmSync(dir, { recursive: true, force: true });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr, wallMs, cpuMs, maxRssKb };
}

/** CPU seconds (user + system) a running process has used so far, from /proc; null off Linux. */
export function cpuSecondsOf(pid: number): number | null {
  try {
    // Fields after the parenthesised command name; utime and stime are the 12th and 13th of them.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    return ticks / 100; // USER_HZ is 100 on every Linux ABI
  } catch {
    return null;
  }
}

export interface Running {
  pid: number;
  result: Promise<CliResult>;
  stdin: NodeJS.WritableStream | null;
  kill(): void;
}

/** Starts the command without waiting for it (for inputs that never end by themselves). */
export function startCli(args: string[], opts: { stdin?: 'pipe' | 'ignore' } = {}): Running {
  const child = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, ...ENV }, stdio: [opts.stdin ?? 'ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (s: string) => (stdout += s));
  child.stderr!.setEncoding('utf8').on('data', (s: string) => (stderr += s));
  const result = new Promise<CliResult>((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
  return { pid: child.pid!, result, stdin: child.stdin, kill: () => child.kill('SIGKILL') };
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
