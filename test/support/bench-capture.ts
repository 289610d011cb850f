// The benchmark's generated capture (bench/generate.ts) as a test input, in a temporary directory.

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { generate } from '../../bench/generate.js';

/** Writes the first `frames` frames of the benchmark capture, runs `use` on the file, then removes it. */
export async function withBenchCapture<T>(frames: number, use: (file: string) => Promise<T>): Promise<T> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vrrpscope-bench-'));
  try {
    const file = path.join(dir, 'bench.pcap');
    generate(file, frames);
    return await use(file);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
