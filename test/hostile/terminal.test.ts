// Terminal safety: wire text that tries to drive the terminal (ANSI CSI and OSC sequences, NUL,
// BEL, C1 controls, invalid UTF-8) must reach stdout escaped in every output mode, colour on or
// off. test/cli/read.test.ts checks one password in -v and --json; this covers the other modes,
// the other places wire text lands (alert messages, the summary, --explain, file names on
// stderr), and checks the raw bytes rather than a decoded string.

import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { pcapFile } from '../support/capfile.js';
import { CLI, tempDir } from '../support/cli.js';
import { vrrpFrame } from '../support/encode.js';
import { expectSafeJson, expectSafeText } from '../support/safety.js';

/** 8-byte auth fields (the password stops at the first NUL, so NUL comes last). */
const HOSTILE: Record<string, number[]> = {
  'CSI clear screen': [0x1b, 0x5b, 0x32, 0x4a, 0x1b, 0x5b, 0x48, 0x00],
  'OSC window title, BEL': [0x1b, 0x5d, 0x30, 0x3b, 0x70, 0x77, 0x6e, 0x07],
  'OSC 52 clipboard, ST': [0x1b, 0x5d, 0x35, 0x32, 0x3b, 0x63, 0x1b, 0x5c],
  'C1 CSI, OSC, DCS, NEL': [0x9b, 0x33, 0x31, 0x6d, 0x9d, 0x90, 0x85, 0x00],
  'invalid UTF-8, DEL': [0xff, 0xfe, 0xc3, 0x28, 0xe2, 0x82, 0x7f, 0x00],
  'BS, CR, LF, TAB': [0x61, 0x08, 0x08, 0x0d, 0x0a, 0x09, 0x62, 0x00],
};
const names = Object.keys(HOSTILE);

let dir: string;
let file: string;
beforeAll(() => {
  dir = tempDir();
  // One router per payload on the same VRID: each advert line, the peer auth-mismatch alert (which
  // lists every password), the summary's router lines and --explain's evidence all carry them.
  const records = [];
  for (let round = 0; round < 3; round++) {
    names.forEach((name, i) => {
      const data = vrrpFrame({
        vrrp: { version: 2, vrid: 66, priority: 100 + i, addrs: ['10.66.0.1'], authType: 1, authData: Uint8Array.from(HOSTILE[name]) },
        ip: { family: 'ipv4', src: `10.66.0.${10 + i}` },
        link: { kind: 'ethernet', src: `02:00:00:00:66:${(10 + i).toString(16)}` },
      }).data;
      records.push({ seconds: 1_700_000_000 + round, fraction: i * 1000, data });
    });
  }
  // A truncated one too: the capture cut inside the auth data.
  const cut = vrrpFrame({ vrrp: { version: 2, vrid: 66, priority: 90, addrs: ['10.66.0.1'], authType: 1, authData: Uint8Array.from(HOSTILE[names[0]]) }, ip: { family: 'ipv4', src: '10.66.0.99' } }).data;
  records.push({ seconds: 1_700_000_003, fraction: 0, data: cut.subarray(0, cut.length - 14), origLen: cut.length });
  file = join(dir, 'hostile-auth.pcap');
  writeFileSync(file, pcapFile({ records }).bytes);
});

function run(args: string[], color: boolean): { status: number | null; stdout: Buffer; stderr: Buffer } {
  const env = color ? { ...process.env, TZ: 'UTC', FORCE_COLOR: '1', NO_COLOR: '' } : { ...process.env, TZ: 'UTC', NO_COLOR: '1' };
  const r = spawnSync(process.execPath, [CLI, ...args], { env, timeout: 20_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const TEXT_MODES = [[], ['-v'], ['-q'], ['--explain'], ['--auth-pass', 'secret'], ['-v', '--auth-pass', 'secret', '--vrid', '66'], ['-c', '3']];
const JSON_MODES = [['--json'], ['--json', '--explain'], ['--json', '--auth-pass', 'secret'], ['--json', '-q']];

describe('wire text never reaches the terminal raw', () => {
  for (const mode of TEXT_MODES) {
    for (const color of [false, true]) {
      it(`read ${mode.join(' ') || '(text)'}${color ? ' with colour' : ''}`, () => {
        const r = run(['read', file, ...mode], color);
        expect(r.stderr.toString()).toBe('');
        expect([0, 1]).toContain(r.status);
        expectSafeText(r.stdout, mode.join(' '), color);
        // Something hostile really was printed (escaped), or the test proves nothing.
        if (!mode.includes('-q') && !mode.includes('-c')) expect(r.stdout.toString()).toContain('\\x1b]52;c\\x1b\\\\');
      });
    }
  }

  for (const mode of JSON_MODES) {
    it(`read ${mode.join(' ')}`, () => {
      const r = run(['read', file, ...mode], false);
      expect(r.stderr.toString()).toBe('');
      expectSafeJson(r.stdout, mode.join(' '));
      // Escaping changes only how the value is written: parsed, the password is the bytes as sent.
      const recs = r.stdout.toString().split('\n').filter(Boolean).map((l) => JSON.parse(l));
      const sent = String.fromCharCode(...HOSTILE['C1 CSI, OSC, DCS, NEL'].slice(0, 7));
      if (!mode.includes('-q')) expect(recs.some((x) => x.type === 'vrrp' && x.authPass === sent)).toBe(true);
      const summary = recs.find((x) => x.type === 'summary');
      expect(summary.vrids[0].routers.some((x: { authPass: string }) => x.authPass === sent)).toBe(true);
    });
  }

  it('the alert messages that quote passwords are escaped in text and JSON', () => {
    const text = run(['read', file, '-q'], false);
    expect(text.stdout.toString()).toMatch(/ALERT critical auth-mismatch vrid 66: routers in VRID 66 use different authentication/);
    // Escaped the same way as in packet lines.
    expect(text.stdout.toString()).toContain('has password "\\x1b[2J\\x1b[H"');
    expectSafeText(text.stdout, 'text');
    const json = run(['read', file, '--json', '-q'], false);
    expectSafeJson(json.stdout, 'json');
    const alert = json.stdout.toString().split('\n').filter(Boolean).map((l) => JSON.parse(l)).find((x) => x.kind === 'auth-mismatch');
    // JSON carries the exact value: the escape lives only in the encoding.
    expect(alert.message).toContain('has password "\x1b[2J\x1b[H"');
  });

  it('a file name with control characters is escaped in the error on stderr', () => {
    const r = run(['read', join(dir, 'no\x1b[2Jsuch\x07file\x9b.pcap')], false);
    expect(r.status).toBe(2);
    const err = r.stderr.toString('latin1');
    expect(err).toContain('no\\x1b[2Jsuch\\x07file');
    expectSafeText(r.stderr, 'stderr');
  });
});
