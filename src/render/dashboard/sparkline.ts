// Recent advertisement intervals as one row of block characters, newest on the right.

const BLOCKS = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];
/** For terminals without Unicode (blessed would print "?" for the blocks). */
const ASCII = ['_', '.', ',', '-', '=', '+', '*', '#'];

/**
 * The scale runs from 0 to twice the advertised interval (or the largest sample, if larger), so a
 * steady master draws a flat half-height line and a missed advert stands out as a spike; with the
 * scale fitted to min..max instead, a few milliseconds of jitter would fill the whole height.
 */
export function sparkline(samplesMs: readonly number[], advertisedMs: number, width: number, unicode = true): string {
  if (width <= 0 || samplesMs.length === 0) return '';
  const shown = samplesMs.slice(-width);
  let top = advertisedMs > 0 ? advertisedMs * 2 : 0;
  for (const s of shown) if (s > top) top = s;
  const glyphs = unicode ? BLOCKS : ASCII;
  let out = '';
  for (const s of shown) {
    const level = top > 0 ? Math.round((s / top) * glyphs.length) : 1;
    // Every sample stays visible, however short (a burst of near-zero intervals is news too).
    out += glyphs[Math.min(glyphs.length, Math.max(1, level)) - 1];
  }
  return out;
}
