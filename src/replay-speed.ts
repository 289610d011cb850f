// `read --tui --speed`: parsed by the CLI before the dashboard module (and reblessed) is loaded.

/** `--speed N` / `--speed max`: a non-negative number, 0 and "max" meaning as fast as possible. */
export function parseSpeed(s: string): number {
  if (s.trim().toLowerCase() === 'max') return 0;
  const n = Number(s);
  if (s.trim() === '' || !Number.isFinite(n) || n < 0) throw new Error('must be a number >= 0 (1 = real time) or "max"');
  return n;
}
