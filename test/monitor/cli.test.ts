// `vrrpscope monitor` as a command: configuration errors are one line and exit 2; an interface
// that does not exist is retried, not fatal; the HTTP endpoints answer; SIGHUP reopens the log
// file (logrotate moved it), SIGTERM stops with 0. No root needed: nothing is captured here.

import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadPcapBinding } from '../../src/capture/pcap-native.js';
import { CLI, runCli, tempDir } from '../support/cli.js';
import { until } from '../support/net.js';

function noBinding(): string | undefined {
  try {
    loadPcapBinding();
    return undefined;
  } catch (e) {
    const reason = `the pcap binding is not built: ${(e as Error).message}`;
    console.warn(`monitor command tests skipped: ${reason}`);
    return reason;
  }
}

describe('monitor configuration errors: one line, exit 2', () => {
  it.each([
    [['--listen', 'localhost'], /^vrrpscope: invalid --listen "localhost": not HOST:PORT/],
    [['--listen', ':99999'], /^vrrpscope: invalid --listen ":99999": port above 65535/],
    [['--listen', '[nonsense]:80'], /^vrrpscope: invalid --listen "\[nonsense\]:80": not HOST:PORT/],
    [['--listen', '[10.0.0.1]:80'], /is not an IPv6 address/],
    [['--alertmanager', 'ftp://x', '--listen', '127.0.0.1:0'], /^vrrpscope: --alertmanager: not an http\(s\) URL: ftp:\/\/x\n$/],
  ])('%j', (args, message) => {
    const r = runCli(['monitor', '-i', 'eth0', ...args]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('no -i, and an unknown option', () => {
    const none = runCli(['monitor']);
    expect(none.code).toBe(2);
    expect(none.stderr).toBe('vrrpscope: monitor needs at least one -i INTERFACE\n');
    const unknown = runCli(['monitor', '-i', 'eth0', '--bogus']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/unknown option '--bogus'/);
  });

  it('a port in use', async () => {
    const server = net.createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as net.AddressInfo;
    try {
      const r = runCli(['monitor', '-i', 'eth0', '--listen', `127.0.0.1:${port}`]);
      expect(r.code).toBe(2);
      expect(r.stderr).toBe(`vrrpscope: cannot listen on 127.0.0.1:${port}: address already in use\n`);
    } finally {
      server.close();
    }
  });
});

describe.skipIf(noBinding())('monitor running', () => {
  it('retries a missing interface, serves /, /healthz, /metrics and the report, reopens its log on SIGHUP, exits 0 on SIGTERM', async () => {
    const dir = tempDir();
    const log = path.join(dir, 'monitor.log');
    const iface = `vsnone${process.pid}`.slice(0, 15);
    const child = spawn(process.execPath, [CLI, 'monitor', '-i', iface, '--listen', '127.0.0.1:0', '--log', log, '--no-drop-privileges'], { stdio: 'ignore' });
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    try {
      const started = await until('the start line', () => {
        const text = fs.existsSync(log) ? fs.readFileSync(log, 'utf8') : '';
        return /started: .*metrics on http:\/\/127\.0\.0\.1:(\d+)\/metrics/.exec(text) ?? undefined;
      }, 10_000);
      const base = `http://127.0.0.1:${started[1]}`;
      const text = fs.readFileSync(log, 'utf8');
      expect(text).toMatch(new RegExp(`^\\S+Z vrrpscope: ${iface}: no interface "${iface}" to capture on; .*retrying`, 'm'));
      expect(await (await fetch(`${base}/healthz`)).text()).toBe('ok\n');
      expect(await (await fetch(`${base}/`)).text()).toContain(`${iface}: reopening`);
      // The HTML report of the interface, the page `live --listen` serves (no frames yet).
      const report = await fetch(`${base}/report/${iface}`);
      expect(report.headers.get('content-type')).toBe('text/html; charset=utf-8');
      const html = await report.text();
      expect(html).toMatch(/^<!doctype html>/i);
      expect(html).toContain(`live on ${iface}`);
      expect((await fetch(`${base}/report/eth99`)).status).toBe(404);
      expect((await fetch(`${base}/nothing`)).status).toBe(404);
      const metrics = await fetch(`${base}/metrics`);
      expect(metrics.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
      const body = await metrics.text();
      expect(body).toMatch(new RegExp(`^vrrpscope_capture_up\\{segment="${iface}",interface="${iface}"\\} 0$`, 'm'));
      expect(body).toMatch(/^process_resident_memory_bytes \d+/m);

      // logrotate: the file is moved away, SIGHUP, and new lines go to a new file of the same name.
      fs.renameSync(log, `${log}.1`);
      child.kill('SIGHUP');
      await until('the reopened log', () => fs.existsSync(log) && /SIGHUP: log files reopened/.test(fs.readFileSync(log, 'utf8')), 10_000);
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      expect(fs.readFileSync(log, 'utf8')).toMatch(/vrrpscope: stopping \(SIGTERM\)\n$/);
      expect(fs.readFileSync(`${log}.1`, 'utf8')).not.toMatch(/SIGHUP/);
    } finally {
      child.kill('SIGKILL');
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 30_000);
});
