// Records the golden outputs (test/golden/**.json.gz) from the built command: `npm run golden:update`
// builds, then runs `vrrpscope read` on every committed capture (pcaps/lab, test/regressions) and
// every reference capture (../shared/pcaps, when present) in every mode of test/support/golden.ts.
//
// Run it only when an output change is intended, and read the diff before committing: a change
// that alters the output for a capture that did not need it is a bug.
import { cpus } from 'node:os';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { gunzipSync } from 'node:zlib';
import {
  CLI,
  COLLECTIONS,
  MODE_NAMES,
  captureName,
  capturesOf,
  encodeGolden,
  goldenPath,
  goldensOf,
  runCliAsync,
  shown,
  type Capture,
  type CollectionName,
  type ModeName,
  type Run,
} from '../test/support/golden.js';

async function record(c: Capture): Promise<Record<ModeName, Run>> {
  const runs = {} as Record<ModeName, Run>;
  for (const mode of MODE_NAMES) runs[mode] = await runCliAsync(c, mode);
  return runs;
}

async function main(): Promise<void> {
  if (!existsSync(CLI)) throw new Error(`${shown(CLI)} not found: run npm run build first`);
  const captures: Capture[] = [];
  for (const collection of Object.keys(COLLECTIONS) as CollectionName[]) {
    if (!existsSync(COLLECTIONS[collection])) {
      console.warn(`golden: ${COLLECTIONS[collection]} absent: its goldens are kept as they are`);
      continue;
    }
    const found = capturesOf(collection);
    captures.push(...found);
    const names = new Set(found.map(captureName));
    for (const stale of goldensOf(collection).filter((n) => !names.has(n))) {
      rmSync(goldenPath({ collection, file: stale.slice(collection.length + 1) }));
      console.log(`removed  ${stale} (capture gone)`);
    }
  }

  let next = 0;
  let changed = 0;
  const worker = async (): Promise<void> => {
    while (next < captures.length) {
      const c = captures[next++];
      const bytes = encodeGolden(c, await record(c));
      const path = goldenPath(c);
      const before = existsSync(path) ? gunzipSync(readFileSync(path)) : null;
      if (before?.equals(gunzipSync(bytes))) continue;
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, bytes);
      changed++;
      console.log(`${before ? 'changed' : 'new    '}  ${captureName(c)}`);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, cpus().length) }, worker));
  console.log(`golden: ${captures.length} captures x ${MODE_NAMES.length} modes, ${changed} golden file(s) written`);
}

main().catch((err) => {
  console.error(`golden: ${(err as Error).message}`);
  process.exit(1);
});
