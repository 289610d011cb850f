// `read` and `read --tui` judge a capture that steps back in time the same way: both feed the
// analyzer in file order (the replay used to sort the frames first, and then raised other alerts).

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Alert } from '../../src/analyze/alerts.js';
import { readCapture } from '../../src/capture/file.js';
import { PcapWriter } from '../../src/capture/writer.js';
import type { Frame } from '../../src/frame.js';
import { Pipeline } from '../../src/pipeline.js';
import { loadReplay, Player } from '../../src/replay.js';

const LAB = new URL('../../pcaps/lab/', import.meta.url).pathname;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vrrpscope-replay-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** The lab's split brain with every 7th frame swapped with its successor, written to a file: time steps back. */
async function shuffledCapture(): Promise<string> {
  const frames: Frame[] = [];
  await readCapture(path.join(LAB, 'split-brain.pcap'), (f) => void frames.push({ ...f, data: f.data.slice() }));
  for (let i = 0; i + 1 < frames.length; i += 7) [frames[i], frames[i + 1]] = [frames[i + 1], frames[i]];
  const file = path.join(dir, 'shuffled.pcap');
  const w = new PcapWriter(file, { linkType: frames[0].linkType });
  for (const f of frames) w.write(f);
  w.close();
  return file;
}

function collect(): { alerts: string[]; pipeline: Pipeline } {
  const alerts: string[] = [];
  const pipeline = new Pipeline({}, null, (a: Alert) => alerts.push(`${a.ts} ${a.status} ${a.kind} ${a.message}`));
  return { alerts, pipeline };
}

describe('read and the --tui replay on a capture out of time order', () => {
  it('raise the same alerts and end with the same snapshot', async () => {
    const file = await shuffledCapture();

    const read = collect();
    await readCapture(file, (f) => read.pipeline.frame(f));
    read.pipeline.analyzer.finish();

    const { frames, loadError } = await loadReplay(file);
    expect(loadError).toBeNull();
    expect(frames.some((f, i) => i > 0 && f.ts < frames[i - 1].ts)).toBe(true);
    const replay = collect();
    const player = new Player(frames, replay.pipeline, 0);
    player.start();
    await new Promise<void>((resolve) => {
      const poll = setInterval(() => {
        if (!player.ended) return;
        clearInterval(poll);
        resolve();
      }, 5);
    });

    expect(read.alerts.length).toBeGreaterThan(0);
    expect(replay.alerts).toEqual(read.alerts);
    expect(replay.pipeline.analyzer.snapshot()).toEqual(read.pipeline.analyzer.snapshot());
  });
});
