// The fuzzer itself, briefly: it must keep running as the code it drives changes (it reaches into
// the analyzer's internals for its size checks), and a short fixed-seed run must find nothing.
// The real runs are `npm run fuzz` (1,000,000 frames by default).
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { ROOT, tempDir } from '../support/cli.js';

it('scripts/fuzz.ts: 20,000 frames with a fixed seed, no findings', () => {
  const r = spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx', join(ROOT, 'scripts/fuzz.ts'), '--frames', '20000', '--seconds', '60', '--seed', '1', '--epoch', '5000', '--quiet', '--out', tempDir()], { cwd: ROOT, encoding: 'utf8', timeout: 90_000 });
  expect(r.stderr).toMatch(/^fuzz: seed 1, \d+ seed frames/);
  const summary = JSON.parse(r.stdout);
  expect(summary.findings).toEqual([]);
  expect(summary.frames).toBe(20_000);
  expect(r.status).toBe(0);
}, 120_000);
