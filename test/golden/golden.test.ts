// Every capture we know, in every output mode, against the output recorded by scripts/golden.ts
// (`npm run golden:update`). Byte for byte: a change that alters the output for a capture that did
// not need it is a bug. The reference captures (../shared/pcaps) are compared when present.
//
// All modes run in-process through what `read` runs (an Output on a file descriptor, the Pipeline,
// readCapture with frame reuse), which takes seconds where 180 processes took minutes on a 2-core
// machine; one mode per capture, in turn, also runs the built command itself, so the two cannot part.
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readCapture } from '../../src/capture/file.js';
import { CaptureError } from '../../src/capture/types.js';
import { Pipeline, type RunOptions } from '../../src/pipeline.js';
import { escapeControls } from '../../src/render/escape.js';
import { Output } from '../../src/render/output.js';
import {
  COLLECTIONS,
  MODE_NAMES,
  captureName,
  capturePath,
  capturesOf,
  describeDifference,
  expected,
  goldenPath,
  goldensOf,
  readGolden,
  runCliAsync,
  shown,
  utf8,
  type Capture,
  type CollectionName,
  type ModeName,
  type Run,
} from '../support/golden.js';
import { NO_SHARED } from '../support/shared.js';
import { named, skipping } from '../support/skip.js';

// Times of day are printed in local time; the goldens are in UTC (Node rereads TZ when it is set).
process.env.TZ = 'UTC';

const tmp = mkdtempSync(join(tmpdir(), 'vrrpscope-golden-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** What src/cli.ts makes of the mode's flags with no terminal and NO_COLOR. */
function runOptions(mode: ModeName): RunOptions {
  return { verbose: mode === 'verbose', json: mode === 'json', quiet: mode === 'quiet', explain: mode === 'explain', color: false };
}

/** `vrrpscope read` in-process, as src/cli.ts runRead wires it, with stdout going to a file. */
async function runInProcess(c: Capture, mode: ModeName): Promise<Run> {
  const file = join(tmp, 'stdout');
  const fd = openSync(file, 'w');
  let stderr = '';
  let exit: number;
  try {
    const out = new Output(fd);
    const pipeline = new Pipeline(runOptions(mode), out);
    let error: CaptureError | null = null;
    try {
      await readCapture(capturePath(c), (f) => {
        pipeline.frame(f);
        return !pipeline.done;
      }, { reuseFrame: true, name: c.file });
    } catch (err) {
      if (!(err instanceof CaptureError)) throw err;
      error = err;
    }
    if (!out.closed && !(error && pipeline.frames === 0)) pipeline.finish();
    out.flush();
    if (error) stderr = `vrrpscope: ${escapeControls(error.message)}\n`;
    exit = error ? 2 : pipeline.exitCode();
  } finally {
    closeSync(fd);
  }
  return { exit, stderr, stdout: utf8(readFileSync(file), 'stdout') };
}

function expectSame(c: Capture, mode: ModeName, got: Run, how: string): void {
  const want = expected(readGolden(c), mode);
  const what = `${how} read ${captureName(c)} (${mode}) against ${shown(goldenPath(c))}`;
  if (got.stdout !== want.stdout) expect.fail(`${what}: stdout differs\n${describeDifference(want.stdout, got.stdout)}`);
  expect(got.stderr, `${what}: stderr`).toBe(want.stderr);
  expect(got.exit, `${what}: exit code`).toBe(want.exit);
}

function goldenSuite(collection: CollectionName): void {
  const captures = capturesOf(collection);

  it(`every capture in ${shown(COLLECTIONS[collection])} has a golden, and every golden a capture`, () => {
    if (collection !== 'shared') expect(captures.length, 'captures found').toBeGreaterThan(0);
    const hint = 'run npm run golden:update, and read the diff before committing';
    expect(captures.map(captureName), hint).toEqual(goldensOf(collection));
  });

  describe.each(captures.map((c) => [captureName(c), c] as const))('%s', (_name, c) => {
    it.each(MODE_NAMES)('%s (in-process)', async (mode) => {
      expectSame(c, mode, await runInProcess(c, mode), 'vrrpscope (in-process)');
    });
  });

  // Each capture's turn of one mode through the built command (all modes are covered many times
  // over), a few processes at a time.
  describe.concurrent('node dist/cli.js read', () => {
    it.each(captures.map((c, i) => [captureName(c), MODE_NAMES[i % MODE_NAMES.length], c] as const))('%s (%s)', async (_name, mode, c) => {
      expectSame(c, mode, await runCliAsync(c, mode), 'node dist/cli.js');
    });
  });
}

describe('golden outputs of committed captures: pcaps/lab', () => goldenSuite('lab'));
describe('golden outputs of committed captures: test/regressions', () => goldenSuite('regressions'));
describe.skipIf(skipping(NO_SHARED, 'golden outputs of the reference captures'))(
  named('golden outputs of the reference captures: ../shared/pcaps', NO_SHARED),
  () => goldenSuite('shared'),
);
