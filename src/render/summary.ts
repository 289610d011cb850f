// The end-of-run summary: one block per virtual router, from the analyzer's snapshot.
import type { AnalyzerSnapshot, RouterSnapshot, VridSnapshot } from '../analyze/analyzer.js';
import { describeClock } from '../analyze/clocks.js';
import { fmtMs } from '../duration.js';
import type { Palette } from './color.js';
import { escapeControls, quote } from './escape.js';
import type { CaptureTotals } from '../capture/types.js';
import { dateTime, timeOfDay } from './time.js';

export const STATE_WORDS: Record<VridSnapshot['state'], string> = {
  ok: 'OK',
  warning: 'WARNING',
  'split-brain': 'SPLIT BRAIN',
  down: 'DOWN',
  clash: 'CLASH',
  auth: 'AUTH MISMATCH',
  'no-master': 'NO MASTER',
};

export function summaryText(s: AnalyzerSnapshot, capture: CaptureTotals, firstTs: number | null, palette: Palette): string {
  const out: string[] = [];
  const t = s.totals;
  out.push('');
  out.push(palette.bold('Summary'));
  const span = firstTs !== null && Number.isFinite(s.ts) ? `${dateTime(firstTs)} to ${dateTime(s.ts)} (${fmtMs((s.ts - firstTs) * 1000)})` : 'no packets';
  out.push(`  capture: ${capture.frames} frames, ${span}`);
  if (capture.received !== undefined) {
    out.push(`  libpcap: ${capture.received} received, ${capture.dropped ?? 0} dropped by kernel, ${capture.ifDropped ?? 0} dropped by interface`);
  }
  out.push(`  decoded: ${t.vrrp} VRRP, ${t.arp} ARP, ${t.na} NA, ${t.group} IGMP/MLD, ${t.icmpErrors} ICMP errors about VRRP, ` +
    `${t.carp} CARP, ${t.malformed} malformed, ${t.other} other` +
    (t.truncated ? `, ${t.truncated} truncated by the snap length` : ''));
  if (s.garpUnjudged) {
    out.push('  note: a master changed, but this capture holds no ARP / neighbor advertisements at all ' +
      '(capture filter?), so gratuitous ARPs after the takeover could not be checked');
  }
  for (const m of s.segmentMerges) {
    out.push(escapeControls(`  segment ${m.into}: joined ${m.joined} at ${timeOfDay(m.ts)} (${m.why})`));
  }
  for (const c of s.clocks) out.push(escapeControls(`  clock ${c.vantage}: ${describeClock(c)}`));
  for (const g of s.groups) {
    const members = g.members.map((m) => `${m.src}${m.leftTs !== null ? ' (left)' : ''}`).join(', ');
    out.push(`  group ${g.group}: joined by ${members || 'nobody'}`);
  }
  for (const a of s.unattributedAlerts) out.push(`  open ${palette.severity(a.severity, a.kind)} ${a.sources.join(' <- ')} since ${timeOfDay(a.ts)}`);
  if (s.vrids.length === 0) {
    out.push('  no VRRP advertisements seen');
    return out.join('\n') + '\n';
  }
  for (const v of s.vrids) out.push('', ...vridBlock(v, palette));
  return out.join('\n') + '\n';
}

function vridBlock(v: VridSnapshot, palette: Palette): string[] {
  const stateWord = STATE_WORDS[v.state];
  const colored = v.state === 'ok' ? palette.ok(stateWord) : palette.severity(v.state === 'warning' ? 'warning' : 'critical', stateWord);
  const name = v.segment === null ? `VRID ${v.vrid}` : `VRID ${v.vrid} ${escapeControls(v.segment)}`;
  const lines = [`${palette.bold(name)} ${v.family} VRRPv${v.versions.join('/')}  ${colored}`];
  const m = v.master;
  lines.push(m
    ? `  master   ${m.src} ${m.mac ?? ''}${m.vmac ? ' (vmac)' : ''} prio ${m.priority}, since ${v.masterSince !== null ? timeOfDay(v.masterSince) : '?'}`
    : '  master   none');
  lines.push(`  routers  ${v.routers.length} heard`);
  for (const r of v.routers) lines.push('    ' + routerLine(r));
  if (v.masterChangeCount > 0) {
    lines.push(`  master changes: ${v.masterChangeCount}`);
    for (const c of v.masterChanges) {
      lines.push(`    ${timeOfDay(c.ts)} ${c.from ?? '-'} -> ${c.to} (${c.reason}, gap ${c.gapMs === null ? '?' : fmtMs(c.gapMs)})`);
    }
  }
  const kinds = Object.entries(v.alerts);
  if (kinds.length) lines.push(`  alerts   ${kinds.map(([k, n]) => `${k} x${n}`).join(', ')}`);
  for (const a of v.openAlerts) lines.push(`  open     ${palette.severity(a.severity, a.kind)} since ${timeOfDay(a.ts)}`);
  return lines;
}

function routerLine(r: RouterSnapshot): string {
  const o = r.observed;
  const observed = o.count > 0 ? `observed mean ${fmtMs(o.meanMs!)} p50 ${fmtMs(o.p50Ms!)} p99 ${fmtMs(o.p99Ms!)} jitter ${fmtMs(o.jitterMs!)}` : 'observed -';
  const auth = r.authType === 1 ? ` auth ${quote(r.authPass ?? '')}` : r.authType === 2 ? ' auth ah' : '';
  const dest = r.dstKind === 'group' ? '' : ` to ${r.dst} (${r.dstKind})`;
  const problems = [
    r.counts.badChecksum ? `${r.counts.badChecksum} bad checksum` : '',
    r.counts.badTtl ? `${r.counts.badTtl} bad TTL` : '',
    r.counts.malformed ? `${r.counts.malformed} malformed` : '',
    r.counts.vmacMismatch ? `${r.counts.vmacMismatch} VMAC mismatch` : '',
    r.counts.truncated ? `${r.counts.truncated} truncated` : '',
    r.copies ? `${r.copies} copies` : '',
  ].filter(Boolean);
  const seen = r.seenAt === null ? '' : ` seen at ${Object.entries(r.seenAt).map(([place, n]) => `${place} ${n}`).join(', ')}`;
  return escapeControls(
    `${r.src} ${r.mac ?? ''}${r.vmac ? ' (vmac)' : ''} ${r.role} prio ${r.priority} adverts ${r.adverts} ` +
      `intvl ${fmtMs(r.intervalMs)}, ${observed}${auth} ttl ${r.ttl}${dest} ` +
      `vips ${r.addrs.join(',') || '-'}${r.checksumVariant ? ` cksum ${r.checksumVariant}` : ''}` +
      (problems.length ? ` [${problems.join(', ')}]` : '') + seen,
  );
}
