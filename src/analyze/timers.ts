// The RFC timer formulas, in one place. Units are in the names.

/**
 * Skew_Time: how long a backup waits beyond three missed adverts, so the highest priority wins.
 * RFC 3768 §6.1: (256 - Priority) / 256 seconds.
 * RFC 5798 §6.1: ((256 - Priority) * Master_Adver_Interval) / 256 (the interval in centiseconds).
 */
export function skewTimeMs(version: number, priority: number, advertIntervalMs: number): number {
  if (version === 2) return ((256 - priority) * 1000) / 256;
  return ((256 - priority) * advertIntervalMs) / 256;
}

/** Master_Down_Interval = 3 * Advertisement_Interval + Skew_Time (RFC 3768 §6.1, RFC 5798 §6.1). */
export function masterDownIntervalMs(version: number, priority: number, advertIntervalMs: number): number {
  return 3 * advertIntervalMs + skewTimeMs(version, priority, advertIntervalMs);
}

/**
 * How long a router still counts as advertising when several do. keepalived masters that receive
 * each other's adverts (even ones they reject) re-arm their own send timer on every packet, so a
 * master in a split brain can be silent for several intervals while it still holds the VIP
 * (seen in the lab: 4 s of silence at advert_int 1). Two Master_Down_Intervals cover that.
 */
export function contentionWindowMs(version: number, priority: number, advertIntervalMs: number): number {
  return 2 * masterDownIntervalMs(version, priority, advertIntervalMs);
}

/** The third advertisement is missed after three intervals of silence (what `missed-advert` means). */
export function missedAdvertAfterMs(advertIntervalMs: number): number {
  return 3 * advertIntervalMs;
}

/** keepalived sends its gratuitous ARPs right after it enters MASTER; we allow 2 s (issue: garp-missing). */
export const GARP_GRACE_MS = 2000;

/**
 * How long a router counts as "present" for comparing configurations between peers (auth, interval, VIPs):
 * backups are silent, so peers are compared across a window rather than at one instant.
 */
export function presenceWindowMs(advertIntervalMs: number): number {
  return Math.max(60_000, 10 * advertIntervalMs);
}
