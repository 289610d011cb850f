// The alert kinds are a contract: README's table lists every kind of ALERT_KINDS with its
// severity, and each kind lives in the room that the table names.

import * as fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ALERT_KINDS, type AlertKind } from '../../src/analyze/alerts.js';

const ROOT = new URL('../../', import.meta.url).pathname;

/** README's "## Alerts" table: kind -> severity, every backticked kind of a row sharing its severity. */
function readmeAlerts(): Map<string, string> {
  const readme = fs.readFileSync(ROOT + 'README.md', 'utf8');
  const section = readme.slice(readme.indexOf('\n## Alerts'), readme.indexOf('\n## ', readme.indexOf('\n## Alerts') + 1));
  const out = new Map<string, string>();
  for (const line of section.split('\n')) {
    const cells = line.split('|').map((c) => c.trim());
    if (cells.length < 4 || !cells[1].startsWith('`')) continue;
    for (const m of cells[1].matchAll(/`([a-z0-9-]+)`/g)) {
      expect(out.has(m[1]), `${m[1]} listed twice in README`).toBe(false);
      out.set(m[1], cells[2]);
    }
  }
  return out;
}

describe('alert kinds', () => {
  it('README lists every kind once, with the severity the analyzer gives it, and no other', () => {
    const readme = readmeAlerts();
    const table = Object.fromEntries(Object.entries(ALERT_KINDS).map(([kind, k]) => [kind, k.severity]));
    expect(Object.fromEntries(readme)).toEqual(table);
  });

  it('each kind is raised in the room the table names', () => {
    for (const [kind, k] of Object.entries(ALERT_KINDS) as [AlertKind, { room: string }][]) {
      const src = fs.readFileSync(`${ROOT}src/analyze/${k.room}.ts`, 'utf8');
      expect(src, `${kind} in analyze/${k.room}.ts`).toContain(`'${kind}'`);
    }
  });
});
