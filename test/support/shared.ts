// The reference captures (../shared/pcaps beside the checkout: tcpdump's VRRP test files and other
// public captures) are not the project's and are never copied into it. CI has them; a fresh clone
// does not. Every test that reads them asks here, and skips with NO_SHARED printed when absent
// (support/skip.ts). What the project ships itself (pcaps/lab, test/regressions) is required and
// never guarded. No vitest here: scripts/golden.ts uses these paths too.
import { existsSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const ROOT = resolve(import.meta.dirname, '../..');
/** The reference capture folder. */
export const SHARED_PCAPS = resolve(ROOT, '../shared/pcaps');
/** Why a test needing the reference captures is skipped, or false when they are present. */
export const NO_SHARED: string | false = existsSync(SHARED_PCAPS)
  ? false
  : `${SHARED_PCAPS} not found (the reference captures; CI has them, see README "What runs where")`;

/** A reference capture's path, e.g. sharedPcap('tcpdump/vrrp.pcap'). */
export function sharedPcap(relative: string): string {
  return resolve(SHARED_PCAPS, relative);
}

/** Every pcap and pcapng file under `dir`, sorted. */
export function capturesIn(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => /\.pcap(ng)?$/.test(f))
    .map((f) => join(dir, f))
    .sort();
}
