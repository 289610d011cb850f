// Durations as every message and renderer writes them. Shared by analysis messages (an alert's
// text is part of its record) and the renderers, so it lives beside neither.

/** 1000 -> "1s", 1500 -> "1.5s", 12.34 -> "12.3ms". */
export function fmtMs(ms: number): string {
  if (Math.abs(ms) >= 1000) return `${Number((ms / 1000).toFixed(3))}s`;
  return `${Math.round(ms * 10) / 10}ms`;
}
