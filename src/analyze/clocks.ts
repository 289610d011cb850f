// Captures taken at once on several nodes have one clock each. To merge them into one timeline, the
// offset of each vantage's clock against the first is estimated from adverts seen at both: the same
// advert, matched by its content (source, VRID, VRRP checksum over the whole message, and the IPv4
// identification that keepalived and Linux raise with every packet). One copy of an advert reaches
// the other node a little later than its sender's own capture saw it leave, so each match gives
// offset + one-way delay (or offset - delay, for adverts sent from the other side); the median over
// many matches is the offset, robust to a lost advert or a rare false match.
//
// An advert whose content repeats within a capture (no IPv4 identification: IPv6, or a sender that
// leaves it 0) cannot be matched one to one. Only when no advert can be, each is matched to the
// nearest advert of the same content at the other vantage, and only within half the interval at
// which that content repeats: right when the clocks differ by less than half an advert interval,
// which the report says. With no match at all the offset is unknown: times of that vantage are
// taken as they are. Either way intervals are never judged across two clocks (adverts.ts).

import type { Decoded } from '../decode/types.js';
import { fmtMs } from '../duration.js';

/** Sightings of one advert closer than this are copies of it (as adverts.ts judges them). */
const COPIES_WITHIN_S = 0.005;

/** Adverts kept per vantage for matching (about 100 bytes each). */
const MAX_ADVERTS = 200_000;

/** A clock offset this small is within what copies of one advert are matched with: not corrected. */
export const CLOCK_AGREE_MS = 1;

/** How one vantage's clock compares with the first vantage's. */
export interface ClockEstimate {
  vantage: string;
  /** The vantage it is compared with (the first capture). */
  against: string;
  /** How far its clock runs ahead of `against`'s (ms); null when no advert was seen at both. */
  offsetMs: number | null;
  /** Adverts matched one to one: with `against`, or with `via`. */
  matches: number;
  /** Matched with this vantage (whose offset was known) when it shares no advert with `against`. */
  via?: string;
  /**
   * How adverts were matched: by IPv4 identification (one to one), or to the nearest advert of the
   * same content (none carried an identification); null when none matched.
   */
  matchedBy: 'identification' | 'nearest' | null;
  /** Its times were moved onto `against`'s clock (|offset| at least CLOCK_AGREE_MS). */
  corrected: boolean;
}

/** An advert's identity across captures, or null for a frame that is no advert or cannot be told from the next one. */
export function advertKey(decoded: Decoded): string | null {
  const pkt = decoded.packet;
  if (pkt.kind !== 'vrrp' || pkt.truncated || decoded.ipId <= 0) return null;
  return `${pkt.ip.src}/${pkt.vrid}/${pkt.checksum}/${decoded.ipId}`;
}

/** Gathers the adverts of every vantage, then estimates each vantage's offset against the first. */
export class ClockMatcher {
  /** Per vantage: advert key -> its time, NaN once the key was seen twice there (no one-to-one match). */
  private readonly seen: Map<string, number>[] = [];
  /** Per vantage: content of adverts without an identification (source, VRID, checksum) -> their times. */
  private readonly repeated: Map<string, number[]>[] = [];
  private readonly repeatedCount: number[] = [];

  constructor(private readonly names: readonly string[]) {
    for (let i = 0; i < names.length; i++) {
      this.seen.push(new Map());
      this.repeated.push(new Map());
      this.repeatedCount.push(0);
    }
  }

  add(vantage: number, decoded: Decoded): void {
    const pkt = decoded.packet;
    if (pkt.kind !== 'vrrp' || pkt.truncated) return;
    const key = advertKey(decoded);
    if (key === null) {
      // Enough to estimate from; a long capture's later adverts would only hold memory.
      if (this.repeatedCount[vantage] >= MAX_ADVERTS) return;
      this.repeatedCount[vantage]++;
      const content = `${pkt.ip.src}/${pkt.vrid}/${pkt.checksum}`;
      const times = this.repeated[vantage].get(content);
      if (times === undefined) this.repeated[vantage].set(content, [decoded.ts]);
      else times.push(decoded.ts);
      return;
    }
    const seen = this.seen[vantage];
    if (seen.size >= MAX_ADVERTS) return;
    seen.set(key, seen.has(key) ? NaN : decoded.ts);
  }

  /**
   * Offsets of every vantage but the first, in seconds and as estimates to report. A vantage
   * sharing no advert with the first is tied to it through another one that shares with both.
   */
  estimate(): { offsetsS: number[]; estimates: ClockEstimate[] } {
    const n = this.names.length;
    const offsetsS: (number | null)[] = this.names.map((_, i) => (i === 0 ? 0 : null));
    const matches = new Array<number>(n).fill(0);
    const via = new Array<number>(n).fill(0);
    const by = new Array<ClockEstimate['matchedBy']>(n).fill(null);
    for (let progress = true; progress;) {
      progress = false;
      for (let v = 1; v < n; v++) {
        if (offsetsS[v] !== null) continue;
        for (let u = 0; u < n; u++) {
          const base = offsetsS[u];
          if (u === v || base === null) continue;
          let d = differences(this.seen[u], this.seen[v]);
          by[v] = 'identification';
          if (d.length === 0) {
            d = nearestDifferences(this.repeated[u], this.repeated[v]);
            by[v] = 'nearest';
          }
          if (d.length === 0) {
            by[v] = null;
            continue;
          }
          offsetsS[v] = base + median(d);
          matches[v] = d.length;
          via[v] = u;
          progress = true;
          break;
        }
      }
    }
    const estimates: ClockEstimate[] = [];
    for (let v = 1; v < n; v++) {
      const s = offsetsS[v];
      const offsetMs = s === null ? null : Math.round(s * 1e6) / 1e3;
      estimates.push({
        vantage: this.names[v], against: this.names[0], offsetMs, matches: matches[v],
        ...(via[v] === 0 ? {} : { via: this.names[via[v]] }),
        matchedBy: by[v],
        corrected: offsetMs !== null && Math.abs(offsetMs) >= CLOCK_AGREE_MS,
      });
    }
    // Below CLOCK_AGREE_MS the clocks agree as far as matching can tell: times are left as captured.
    return { offsetsS: [0, ...estimates.map((e, i) => (e.corrected ? offsetsS[i + 1]! : 0))], estimates };
  }
}

/** Time at `b` minus time at `a` of every advert seen exactly once in each. */
function differences(a: Map<string, number>, b: Map<string, number>): number[] {
  const out: number[] = [];
  for (const [key, tb] of b) {
    if (Number.isNaN(tb)) continue;
    const ta = a.get(key);
    if (ta !== undefined && !Number.isNaN(ta)) out.push(tb - ta);
  }
  return out;
}

/**
 * For adverts without an identification: time at `b` minus time at the nearest advert of the same
 * content at `a`, kept only within half the interval at which that content repeats at `a`
 * (farther, it is as near to the advert before or after).
 */
function nearestDifferences(a: Map<string, number[]>, b: Map<string, number[]>): number[] {
  const out: number[] = [];
  for (const [content, tb] of b) {
    const ta = a.get(content);
    if (ta === undefined || ta.length < 3) continue;
    const sorted = ta.slice().sort((x, y) => x - y);
    const gaps: number[] = [];
    // Copies of one advert (in and out, two VLANs) are no interval.
    for (let i = 1; i < sorted.length; i++) if (sorted[i] - sorted[i - 1] > COPIES_WITHIN_S) gaps.push(sorted[i] - sorted[i - 1]);
    if (gaps.length === 0) continue;
    const reach = median(gaps) / 2;
    for (const t of tb) {
      const d = t - nearest(sorted, t);
      if (Math.abs(d) < reach) out.push(d);
    }
  }
  return out;
}

/** The element of ascending `xs` nearest to `t`. */
function nearest(xs: number[], t: number): number {
  let lo = 0;
  let hi = xs.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (xs[mid] < t) lo = mid + 1;
    else hi = mid;
  }
  return lo > 0 && t - xs[lo - 1] < xs[lo] - t ? xs[lo - 1] : xs[lo];
}

function median(xs: number[]): number {
  const s = xs.slice().sort((x, y) => x - y);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/** How a vantage's clock compares with the first's, in the summary and the diagnosis. */
export function describeClock(c: ClockEstimate): string {
  if (c.offsetMs === null) {
    return `offset against ${c.against} unknown (no advert seen at both): its times are taken as they are, and its routers' intervals measured on its own clock`;
  }
  const at = `${c.via === undefined ? '' : ` it and ${c.via}`}`;
  const from = c.matchedBy === 'nearest'
    ? `median of ${c.matches} advert${c.matches === 1 ? '' : 's'} seen at both${at}, each matched to the nearest of the same content: ` +
      `they carry no IPv4 identification, so this holds if the clocks differ by less than half the advert interval`
    : `median of ${c.matches} advert${c.matches === 1 ? '' : 's'} seen at both${at}`;
  if (!c.corrected) return `agrees with ${c.against} within ${fmtMs(CLOCK_AGREE_MS)} (${from})`;
  const ahead = c.offsetMs > 0 ? 'ahead of' : 'behind';
  return `${fmtMs(Math.abs(c.offsetMs))} ${ahead} ${c.against} (${from}): its times are shown on ${c.against}'s clock`;
}
