// What needs no root and no working binding: the filter expression, the advice given when the
// binding is missing, option checks, and that reading files never loads libpcap.

import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { listInterfaces } from '../../src/capture/interfaces.js';
import { DEFAULT_FILTER, LiveCaptureError, captureFilter, openLive } from '../../src/capture/live.js';
import { CaptureError } from '../../src/capture/types.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const MISSING = '/nonexistent/vrrpscope-test/pcap_binding.node';

function thrown(f: () => unknown): LiveCaptureError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(LiveCaptureError);
    return e as LiveCaptureError;
  }
  throw new Error('did not throw');
}

describe('capture filter', () => {
  it('is the default filter, repeated behind vlan', () => {
    expect(captureFilter()).toBe(`(${DEFAULT_FILTER}) or (vlan and (${DEFAULT_FILTER}))`);
  });

  it('ANDs the user words inside both branches, so `vlan` comes last', () => {
    const inner = `(${DEFAULT_FILTER}) and (host 192.0.2.1)`;
    expect(captureFilter('  host 192.0.2.1 ')).toBe(`(${inner}) or (vlan and (${inner}))`);
  });

  it('leaves vlan out where the link type has no tags in line', () => {
    expect(captureFilter('', { vlan: false })).toBe(DEFAULT_FILTER);
    expect(captureFilter('arp', { vlan: false })).toBe(`(${DEFAULT_FILTER}) and (arp)`);
  });
});

describe('binding missing', () => {
  it('says what to install and what to run, on one line', () => {
    for (const attempt of [() => openLive({ iface: 'lo', onFrame: () => {}, bindingPath: MISSING }), () => listInterfaces({ bindingPath: MISSING })]) {
      const e = thrown(attempt);
      expect(e.code).toBe('binding-missing');
      expect(e).toBeInstanceOf(CaptureError);
      expect(e.message).not.toContain('\n');
      expect(e.message).toContain('apt-get install libpcap-dev g++ make python3');
      expect(e.message).toContain('dnf install libpcap-devel gcc-c++ make');
      expect(e.message).toMatch(/`npm (rebuild pcap|install)` in \//);
      expect(e.message).toContain(MISSING);
    }
  });
});

describe('options', () => {
  it('are checked before anything is opened', () => {
    const base = { iface: 'lo', onFrame: () => {}, bindingPath: MISSING };
    expect(thrown(() => openLive({ ...base, iface: '' })).code).toBe('bad-option');
    expect(thrown(() => openLive({ ...base, snaplen: 0 })).code).toBe('bad-option');
    expect(thrown(() => openLive({ ...base, snaplen: 300_000 })).code).toBe('bad-option');
    expect(thrown(() => openLive({ ...base, bufferSize: 1.5e6 + 0.5 })).code).toBe('bad-option');
    expect(thrown(() => openLive({ ...base, bufferTimeoutMs: -1 })).code).toBe('bad-option');
  });
});

describe('offline use', () => {
  it.skipIf(process.platform !== 'linux')('never loads libpcap: importing the live capture modules maps no libpcap', () => {
    const script = `
      await import('./src/capture/live.ts');
      await import('./src/capture/interfaces.ts');
      const maps = (await import('node:fs')).readFileSync('/proc/self/maps', 'utf8');
      console.log(/libpcap|pcap_binding/.test(maps) ? 'loaded' : 'clean');`;
    const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: ROOT, encoding: 'utf8', timeout: 20_000 });
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toBe('clean');
  });
});
