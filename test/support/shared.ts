// The reference captures (../shared/pcaps beside the checkout: tcpdump's VRRP test files and other
// public captures) are not the project's and are never copied into it. CI has them; a fresh clone
// does not. Every test that reads them asks here, and skips with NO_SHARED printed when absent.
// What the project ships itself (pcaps/lab, test/regressions) is required and never guarded.
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, it } from 'vitest';

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

const warned = new Set<string>();

/**
 * `reason` unchanged, after printing it once per test file and reason (vitest shows a file's
 * console output above its results), so a skip is never silent. For `describe.skipIf(skipping(...))`.
 */
export function skipping(reason: string | false, what = 'tests'): string | false {
  if (reason && !warned.has(reason + what)) {
    warned.add(reason + what);
    console.warn(`skipped ${what}: ${reason}`);
  }
  return reason;
}

/** A test or suite name carrying the skip reason when there is one, so the reporter shows it too. */
export function named(name: string, reason: string | false): string {
  return reason ? `${name} [skipped: ${reason}]` : name;
}

/** A suite that reads the reference captures: skipped when they are absent, the reason printed and in its name. */
export function describeShared(name: string, body: () => void): void {
  describe.skipIf(skipping(NO_SHARED, 'reference-capture tests'))(named(name, NO_SHARED), body);
}

/** A test that reads the reference captures: skipped when they are absent, the reason printed and in its name. */
export function itShared(name: string, body: () => unknown, timeoutMs?: number): void {
  it.skipIf(skipping(NO_SHARED, 'reference-capture tests'))(named(name, NO_SHARED), body, timeoutMs);
}
