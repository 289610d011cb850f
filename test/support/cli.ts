// Runs the built command (dist/cli.js, what `npx vrrpscope` runs) as a child process.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { encodeIpv4, encodeLink, encodeVrrp, ETHERTYPE_IPV4, type VrrpSpec } from './encode.js';
import { pcapFile } from './capfile.js';

export const ROOT = resolve(import.meta.dirname, '../..');
export const CLI = join(ROOT, 'dist/cli.js');

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function runCli(args: string[], opts: { input?: Uint8Array | string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): CliResult {
  const r = spawnSync(process.execPath, [CLI, ...args], {
    input: opts.input,
    env: { ...process.env, TZ: 'UTC', NO_COLOR: '1', ...opts.env },
    encoding: 'utf8',
    timeout: opts.timeoutMs ?? 20_000,
    maxBuffer: 64 * 1024 * 1024,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

export function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'vrrpscope-test-'));
}

/** A pcap of VRRPv2 adverts over Ethernet, one per second from `t0`. */
export function vrrpPcap(path: string, adverts: { src: string; spec: VrrpSpec; ttl?: number }[], t0 = 1_700_000_000): string {
  const records = adverts.map((a, i) => {
    const vrrp = encodeVrrp(a.spec, { family: 'ipv4', src: a.src, dst: '224.0.0.18' });
    const ip = encodeIpv4({ src: a.src, dst: '224.0.0.18', protocol: 112, ttl: a.ttl ?? 255 }, vrrp);
    const { bytes } = encodeLink({ kind: 'ethernet', src: '02:00:00:00:00:01' }, ETHERTYPE_IPV4, ip);
    return { seconds: t0 + i, fraction: 0, data: bytes };
  });
  writeFileSync(path, pcapFile({ records }).bytes);
  return path;
}
