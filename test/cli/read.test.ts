import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { CLI, runCli, tempDir, vrrpPcap } from '../support/cli.js';
import { sharedPcap } from '../support/shared.js';
import { itShared } from '../support/skip.js';

const VRRP_PCAP = sharedPcap('tcpdump/vrrp.pcap');
let dir: string;
beforeAll(() => {
  dir = tempDir();
});

const lines = (s: string) => s.split('\n').filter(Boolean);

describe('vrrpscope read', () => {
  itShared('prints one line per advert of tcpdump\'s vrrp.pcap, then a summary per VRID', () => {
    const r = runCli(['read', VRRP_PCAP]);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    const adverts = lines(r.stdout).filter((l) => / VRRPv[23] vrid /.test(l));
    expect(adverts).toHaveLength(165);
    expect(adverts[0]).toBe('21:55:06.745865 10.0.0.91 > 224.0.0.18 VRRPv2 vrid 42 prio 191 intvl 10s auth "abcdefgh" addrs 10.4.42.1,10.4.42.2,10.4.42.3');
    for (const vrid of [42, 43, 44, 45, 46]) expect(r.stdout).toMatch(new RegExp(`^VRID ${vrid} `, 'm'));
  });

  itShared('--json gives one parseable record per line, alerts and a final summary', () => {
    const r = runCli(['read', VRRP_PCAP, '--json']);
    expect(r.code).toBe(0);
    const recs = lines(r.stdout).map((l) => JSON.parse(l));
    const vrrp = recs.filter((x) => x.type === 'vrrp');
    expect(vrrp).toHaveLength(165);
    expect(vrrp[0]).toMatchObject({
      ts: 1394056506.745865, src: '10.0.0.91', dst: '224.0.0.18', ttl: 255, version: 2, vrid: 42, priority: 191,
      addrs: ['10.4.42.1', '10.4.42.2', '10.4.42.3'], intervalMs: 10000, authType: 1, authPass: 'abcdefgh',
      checksum: 'ok', checksumVariant: 'v2', vmac: true, vmacMatches: true, srcMac: '00:00:5e:00:01:2a',
    });
    expect(recs.filter((x) => x.type === 'alert').every((a) => a.kind && a.severity && a.message)).toBe(true);
    const summary = recs[recs.length - 1];
    expect(summary.type).toBe('summary');
    expect(summary.vrids.map((v: { vrid: number }) => v.vrid)).toEqual([42, 43, 44, 45, 46]);
  });

  itShared('-c and --vrid select packets', () => {
    const advert = / VRRPv[23] vrid /;
    expect(lines(runCli(['read', VRRP_PCAP, '-c', '5', '-q']).stdout).some((l) => advert.test(l))).toBe(false);
    const five = lines(runCli(['read', VRRP_PCAP, '-c', '5']).stdout).filter((l) => advert.test(l));
    expect(five).toHaveLength(5);
    const only = lines(runCli(['read', VRRP_PCAP, '--vrid', '43,45-45']).stdout).filter((l) => advert.test(l));
    expect(only.length).toBeGreaterThan(10);
    expect(only.every((l) => / vrid (43|45) /.test(l))).toBe(true);
    expect(runCli(['read', VRRP_PCAP, '--vrid', '300']).code).toBe(2);
  });

  itShared('reads standard input with -', () => {
    const r = runCli(['read', '-', '--json', '-q'], { input: readFileSync(VRRP_PCAP) });
    expect(r.code).toBe(0);
    expect(JSON.parse(lines(r.stdout).pop()!).vrids).toHaveLength(5);
  });

  itShared('--fail-on gives exit 1 only at or above the severity', () => {
    // vrrp.pcap holds preemptions (master-change, a warning) and nothing critical.
    expect(runCli(['read', VRRP_PCAP, '-q', '--fail-on', 'warning']).code).toBe(1);
    expect(runCli(['read', VRRP_PCAP, '-q', '--fail-on', 'critical']).code).toBe(0);
  });

  it('a missing file, a text file or a gzip file: one line on stderr, exit 2', () => {
    const text = join(dir, 'notes.txt');
    writeFileSync(text, 'tcpdump output, not a capture\n');
    const gz = join(dir, 'cap.pcap.gz');
    writeFileSync(gz, Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14]));
    for (const f of [join(dir, 'missing.pcap'), text, gz, dir]) {
      const r = runCli(['read', f]);
      expect(r.code, f).toBe(2);
      expect(lines(r.stderr), f).toHaveLength(1);
      expect(r.stderr).toMatch(/^vrrpscope: /);
      expect(r.stderr).not.toMatch(/at .*\.js:\d+/);
    }
    expect(runCli(['read', gz]).stderr).toContain('gzip');
  });

  itShared('a truncated file keeps everything before the cut, prints the summary, exits 2', () => {
    const bytes = readFileSync(VRRP_PCAP);
    const cutFile = join(dir, 'cut.pcap');
    writeFileSync(cutFile, bytes.subarray(0, 5000));
    const r = runCli(['read', cutFile]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/record \d+ at byte offset \d+/);
    const adverts = lines(r.stdout).filter((l) => / VRRPv/.test(l));
    expect(adverts.length).toBeGreaterThan(40);
    expect(r.stdout).toContain('Summary');
  });

  itShared('exits quietly when the reader of its output goes away (| head)', () => {
    const r = spawnSync('bash', ['-c', `node ${CLI} read ${VRRP_PCAP} | head -n 1`], { encoding: 'utf8' });
    expect(r.stdout.split('\n').filter(Boolean)).toHaveLength(1);
    expect(r.stderr).toBe('');
  });

  itShared('exits quietly, and at once, when | head goes away: --json, -v and a 300,000-packet file', () => {
    // A file far bigger than the pipe and the output buffer: the write that fails must end the
    // read too (exit 0, no EPIPE trace, no reading on to the end of the file).
    const big = join(dir, 'big.pcap');
    const frames = readFileSync(VRRP_PCAP).subarray(24);
    const copies = Math.ceil(300_000 / 165);
    writeFileSync(big, Buffer.concat([readFileSync(VRRP_PCAP).subarray(0, 24), ...Array.from({ length: copies }, () => frames)]));
    for (const args of [['--json'], ['-v'], []]) {
      for (const file of [VRRP_PCAP, big]) {
        const started = performance.now();
        const r = spawnSync('bash', ['-c', `node ${CLI} read ${file} ${args.join(' ')} | head -n 2; echo "status \${PIPESTATUS[0]}" >&2`], { encoding: 'utf8' });
        const ms = performance.now() - started;
        const out = r.stdout.split('\n').filter(Boolean);
        expect(out, `${args} ${file}`).toHaveLength(2);
        if (args[0] === '--json') for (const l of out) expect(JSON.parse(l).type).toBe('vrrp');
        expect(r.stderr, `${args} ${file}`).toBe('status 0\n');
        expect(ms).toBeLessThan(5_000);
      }
    }
  });

  it('escapes terminal control sequences, NUL and non-ASCII bytes from the wire', () => {
    // 8 bytes of auth data: OSC title, BEL, a byte that is not UTF-8, C1 CSI, SOH.
    const hostile = '\x1b]0;\x07\xff\x9b\x01';
    const f = vrrpPcap(join(dir, 'hostile.pcap'), [
      { src: '10.0.0.1', spec: { version: 2, vrid: 7, priority: 100, addrs: ['10.0.0.100'], authType: 1, authData: Buffer.from(hostile, 'latin1') } },
      { src: '10.0.0.2', spec: { version: 2, vrid: 7, priority: 90, addrs: ['10.0.0.100'], password: 'x' } },
    ]);
    for (const args of [['read', f, '-v'], ['read', f, '--json']]) {
      const r = runCli(args, { env: { FORCE_COLOR: '1', NO_COLOR: '' } });
      expect(r.code).toBe(0);
      // No ESC, BEL or NUL may reach the terminal except our own colour codes (ESC [ digits ; m).
      const stripped = r.stdout.replace(/\x1b\[[0-9;]*m/g, '');
      expect(stripped).not.toMatch(/[\x00-\x08\x0b-\x1f\x7f]/);
    }
    expect(runCli(['read', f]).stdout).toContain('auth "\\x1b]0;\\x07\\xff\\x9b\\x01"');
  });
});
