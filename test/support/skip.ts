// Skipping out loud: a test whose prerequisite is missing (the reference captures, a Debian
// package, GNU time) is skipped with its reason printed, never passed without running.
import { describe, it } from 'vitest';
import { NO_SHARED } from './shared.js';

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
