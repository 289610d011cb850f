// Inputs that once broke vrrpscope (found by scripts/fuzz.ts), replayed through the built command
// and through the Pipeline in-process, in every output mode. README.md here says what each was.

import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readCapture } from '../../src/capture/file.js';
import type { Output } from '../../src/render/output.js';
import { Pipeline, type RunOptions } from '../../src/pipeline.js';
import { CLI } from '../support/cli.js';
import { expectSafeJson, expectSafeText } from '../support/safety.js';

const DIR = import.meta.dirname;
const FILES = readdirSync(DIR).filter((f) => /\.pcap(ng)?$/.test(f)).sort();

const MODES: { args: string[]; o: RunOptions }[] = [
  { args: [], o: {} },
  { args: ['-v'], o: { verbose: true } },
  { args: ['--json'], o: { json: true } },
  { args: ['--explain'], o: { explain: true } },
  { args: ['--json', '--explain'], o: { json: true, explain: true } },
  { args: ['--auth-pass', 'secret', '-q'], o: { authPass: 'secret', quiet: true } },
];

describe.each(FILES)('regression capture %s', (file) => {
  const path = join(DIR, file);

  it.each(MODES.map((m) => [m.args.join(' ') || '(text)', m] as const))('vrrpscope read %s', (_name, mode) => {
    const r = spawnSync(process.execPath, [CLI, 'read', path, ...mode.args], { env: { ...process.env, TZ: 'UTC', NO_COLOR: '1' }, timeout: 20_000 });
    expect(r.stderr.toString(), 'stderr').toBe('');
    expect(r.status).toBe(0);
    if (mode.o.json) expectSafeJson(r.stdout, file);
    else expectSafeText(r.stdout, file);
    expect(r.stdout.toString()).not.toMatch(/NaN/);
  });

  it.each(MODES.map((m) => [m.args.join(' ') || '(text)', m] as const))('the Pipeline in-process, %s', async (_name, mode) => {
    let text = '';
    // begin() false: lines come as strings (the byte path is checked through the CLI above and by the fuzzer).
    const out = { closed: false, write: (s: string) => void (text += s), line: (s: string) => void (text += s + '\n'), flush: () => {}, begin: () => false };
    const pipeline = new Pipeline(mode.o, out as unknown as Output);
    await readCapture(path, (f) => pipeline.frame(f));
    pipeline.finish();
    if (mode.o.json) expectSafeJson(text, file);
    else expectSafeText(text, file);
  });
});

describe('what each regression was', () => {
  it('json-c1-auth.pcap: the password (C1 CSI, NEL, DEL, ESC) is \\u-escaped in every JSON record', () => {
    const r = spawnSync(process.execPath, [CLI, 'read', join(DIR, 'json-c1-auth.pcap'), '--json', '--auth-pass', 'x'], { encoding: 'utf8' });
    const recs = r.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l));
    // Same value as sent: escaping is only how it is written.
    expect(recs.find((x) => x.type === 'vrrp').authPass).toBe('\x9b31m\x85\x7f\x1b]');
    expect(r.stdout).toContain('"authPass":"\\u009b31m\\u0085\\u007f\\u001b]"');
    expect(recs.some((x) => x.type === 'alert' && x.kind === 'auth-mismatch')).toBe(true);
  });

  it('explain-huge-timestamp.pcapng: times past a Date\'s range still give a report', () => {
    const r = spawnSync(process.execPath, [CLI, 'read', join(DIR, 'explain-huge-timestamp.pcapng'), '--explain'], { encoding: 'utf8', env: { ...process.env, TZ: 'UTC', NO_COLOR: '1' } });
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^06:50:14\.585938 10\.9\.0\.2 > 224\.0\.0\.18 VRRPv2 vrid 9 prio 200/m);
    expect(r.stdout).toContain('master changed 10.9.0.2 -> 10.9.0.3 at 18446744069418.086 s after 1970');
  });
});
