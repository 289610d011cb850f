// The --explain report: the diagnosis per virtual router as Markdown that can be pasted into a ticket.
import type { Diagnosis } from '../analyze/diagnose.js';
import { STATE_WORDS } from './summary.js';
import { escapeControls } from './escape.js';

export function explainMarkdown(diagnoses: Diagnosis[]): string {
  if (diagnoses.length === 0) return '# vrrpscope diagnosis\n\nNo VRRP advertisements were seen.\n';
  const out = ['# vrrpscope diagnosis', ''];
  for (const d of diagnoses) out.push(...diagnosisMarkdown(d), '');
  return out.join('\n');
}

export function diagnosisMarkdown(d: Diagnosis): string[] {
  const name = d.segment === undefined ? `VRID ${d.vrid}` : `VRID ${d.vrid} ${d.segment}`;
  const out = [`## ${name} (${d.family}, VRRPv${d.versions.join('/')}): ${STATE_WORDS[d.state]}`, '', '**Seen**', ''];
  for (const s of d.seen) out.push(`- ${safe(s)}`);
  out.push('', d.causes.length > 1 ? '**Most likely causes, by the evidence**' : '**Diagnosis**', '');
  d.causes.forEach((c, i) => {
    out.push(`${i + 1}. **${safe(c.title)}**`);
    for (const e of c.evidence) out.push(`   - ${safe(e)}`);
    for (const f of c.fix) out.push(`   - fix: ${safe(f)}`);
  });
  if (d.cannotTell.length) {
    out.push('', '**What this capture cannot tell**', '');
    for (const t of d.cannotTell) out.push(`- ${safe(t)}`);
  }
  return out;
}

/** Wire text in Markdown: no terminal controls, and no tag a ticket system would render as HTML. */
function safe(s: string): string {
  return escapeControls(s).replace(/</g, '&lt;');
}

/** The conclusions alone, as plain lines: causes with their fixes, and what the capture cannot tell. */
export function diagnosisBrief(d: Diagnosis): string[] {
  const out: string[] = [];
  d.causes.forEach((c, i) => {
    out.push(`${i + 1}. ${safe(c.title)}`);
    for (const f of c.fix) out.push(`   fix: ${safe(f)}`);
  });
  for (const t of d.cannotTell) out.push(`cannot tell: ${safe(t)}`);
  return out;
}
