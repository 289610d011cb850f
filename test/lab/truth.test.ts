// The committed lab recordings (pcaps/lab/*.pcap + *.truth.json, made by scripts/lab/record.ts)
// are well-formed and consistent with each other. The analyzer's own assertions on them live
// elsewhere; this only guards the ground truth itself, so it needs no root and no keepalived.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { peekPcap } from '../../scripts/lab/pcap-peek.js';
import type { CaptureInfo } from '../../scripts/lab/record.js';
import { ALERT_KINDS, scenarios } from '../../scripts/lab/scenarios.js';
import { ALERT_SEVERITY } from '../../src/analyze/alerts.js';

const DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'pcaps', 'lab');
const truthFiles = fs.readdirSync(DIR).filter((f) => f.endsWith('.truth.json')).sort();

const PCAP_MAGICS = [0xa1b2c3d4, 0xa1b23c4d];
const MAC = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/;
const IPV4 = /^\d{1,3}(\.\d{1,3}){3}$/;
// Epoch seconds of a plausible recording (2020..2100): catches milliseconds or relative times.
const isTs = (v: unknown) => typeof v === 'number' && v > 1.5e9 && v < 4.1e9;

/** The pcap named by a truth file's capture entry exists, parses, and matches the entry. */
function checkCapture(c: CaptureInfo): void {
  const pcapPath = path.join(DIR, c.file);
  expect(fs.existsSync(pcapPath), c.file).toBe(true);
  const buf = fs.readFileSync(pcapPath);
  expect(buf.length).toBeGreaterThan(24);
  const magic = buf.readUInt32LE(0);
  expect(PCAP_MAGICS.includes(magic) || PCAP_MAGICS.includes(buf.readUInt32BE(0))).toBe(true);
  const packets = peekPcap(buf);
  expect(packets.length).toBe(c.packets);
  expect(packets.some((p) => p.kind === 'vrrp')).toBe(true);
  expect(packets[0].ts).toBeGreaterThanOrEqual(c.start - 1);
  // A trunk built from untagged bridge captures: every frame carries its segment's tag.
  if (c.segments) {
    for (const s of c.segments) expect(packets.filter((p) => p.vlans.length === 1 && p.vlans[0] === s.vlan)).toHaveLength(s.packets);
    expect(c.segments.reduce((n, s) => n + s.packets, 0)).toBe(c.packets);
  }
  expect(packets.at(-1)!.ts).toBeLessThanOrEqual(c.end + 1);
}

describe('lab recordings', () => {
  it('exist for every scenario', () => {
    const have = new Set(truthFiles.map((f) => f.replace(/\.truth\.json$/, '')));
    expect(scenarios.map((s) => s.name).filter((n) => !have.has(n))).toEqual([]);
  });

  it('name every capture in the directory (bridge and node captures)', () => {
    const named = new Set<string>();
    for (const file of truthFiles) {
      const truth = JSON.parse(fs.readFileSync(path.join(DIR, file), 'utf8'));
      named.add(truth.capture.file);
      for (const c of truth.nodeCaptures ?? []) named.add(c.file);
    }
    const pcaps = fs.readdirSync(DIR).filter((f) => f.endsWith('.pcap'));
    expect(pcaps.filter((f) => !named.has(f))).toEqual([]);
  });

  it('use the analyzer\'s alert kinds as their vocabulary', () => {
    expect(ALERT_KINDS.filter((k) => !(k in ALERT_SEVERITY))).toEqual([]);
  });

  for (const file of truthFiles) {
    const name = file.replace(/\.truth\.json$/, '');

    describe(name, () => {
      const truth = JSON.parse(fs.readFileSync(path.join(DIR, file), 'utf8'));

      it('has a well-formed truth file', () => {
        expect(truth.scenario).toBe(name);
        expect(typeof truth.description).toBe('string');
        expect(truth.description.length).toBeGreaterThan(20);
        expect(truth.keepalivedVersion).toMatch(/^\d+\.\d+(\.\d+)?/);
        expect(truth.capture.file).toBe(`${name}.pcap`);
        expect(isTs(truth.capture.start) && isTs(truth.capture.end)).toBe(true);
        expect(truth.capture.end).toBeGreaterThan(truth.capture.start);

        expect(Array.isArray(truth.nodes) && truth.nodes.length).toBeGreaterThan(0);
        for (const n of truth.nodes) {
          expect(n.name).toMatch(/^\w+$/);
          expect(n.ip).toMatch(IPV4);
          expect(n.mac).toMatch(MAC);
          expect(n.ll6).toMatch(/^fe80:/);
          expect(typeof n.config).toBe('string');
        }
        const names = new Set(truth.nodes.map((n: { name: string }) => n.name));
        expect(truth.nodes.some((n: { config: string }) => /vrrp_instance/.test(n.config))).toBe(true);

        for (const a of truth.actions) {
          expect(isTs(a.ts)).toBe(true);
          expect(names.has(a.node) || a.node === 'switch').toBe(true);
          expect(typeof a.action).toBe('string');
          expect(typeof a.detail).toBe('string');
        }
        for (const s of truth.states) {
          expect(isTs(s.ts)).toBe(true);
          expect(names.has(s.node)).toBe(true);
          expect(typeof s.instance).toBe('string');
          expect(s.state).toMatch(/^[A-Z]+$/);
        }
        for (const l of truth.log) {
          expect(isTs(l.ts)).toBe(true);
          expect(names.has(l.node)).toBe(true);
          expect(typeof l.line).toBe('string');
        }
        // Everything that happened to the daemons happened while the capture was running.
        const during = (ts: number) => ts >= truth.capture.start - 0.001 && ts <= truth.capture.end + 0.001;
        expect(truth.states.every((s: { ts: number }) => during(s.ts))).toBe(true);
        expect(truth.states.length).toBeGreaterThan(0);
        // ...and every state change keepalived logged is among its log lines.
        for (const s of truth.states) {
          expect(truth.log.some((l: { node: string; line: string }) => l.node === s.node && l.line.includes(`(${s.instance}) Entering ${s.state} STATE`))).toBe(true);
        }
      });

      it('has a consistent expectation', () => {
        const { mustRaise, mustNotRaise } = truth.expect;
        expect(Array.isArray(mustRaise) && Array.isArray(mustNotRaise)).toBe(true);
        for (const k of [...mustRaise, ...mustNotRaise]) expect(ALERT_KINDS).toContain(k);
        expect(mustRaise.filter((k: string) => mustNotRaise.includes(k))).toEqual([]);
        expect(new Set(mustRaise).size).toBe(mustRaise.length);
        expect(new Set(mustNotRaise).size).toBe(mustNotRaise.length);
        for (const r of truth.expect.masterChangeReasons ?? []) expect(['resigned', 'timeout', 'preempted']).toContain(r);
        // Kinds the analyzer does not have yet: once it does, they move into mustRaise.
        for (const k of truth.expect.pending ?? []) expect(ALERT_KINDS).not.toContain(k);
        for (const k of truth.expect.knownFalseToday ?? []) expect(ALERT_KINDS).toContain(k);
        const files = [truth.capture.file, ...(truth.nodeCaptures ?? []).map((c: { file: string }) => c.file)];
        for (const [file, own] of Object.entries<{ mustRaise: string[]; mustNotRaise: string[]; knownFalseToday?: string[] }>(truth.expect.perCapture ?? {})) {
          expect(files, file).toContain(file);
          for (const k of [...own.mustRaise, ...own.mustNotRaise, ...(own.knownFalseToday ?? [])]) expect(ALERT_KINDS).toContain(k);
          expect(own.mustRaise.filter((k) => own.mustNotRaise.includes(k) || mustNotRaise.includes(k))).toEqual([]);
        }
      });

      it('has a pcap capture matching the truth file', () => {
        checkCapture(truth.capture);
      });

      if (truth.nodeCaptures !== undefined || truth.bridge !== undefined) {
        it('has well-formed node captures and bridge settings', () => {
          const names = new Set(truth.nodes.map((n: { name: string }) => n.name));
          for (const c of truth.nodeCaptures ?? []) {
            expect(names.has(c.node), c.node).toBe(true);
            // <scenario>.<node>.pcap, on the node's own interface, inside the bridge capture's span.
            expect(c.file).toBe(`${name}.${c.node}.pcap`);
            expect(c.iface).not.toBe(truth.capture.iface);
            expect(c.start).toBeGreaterThanOrEqual(truth.capture.start);
            expect(c.end).toBeLessThanOrEqual(truth.capture.end);
            expect(truth.actions.some((a: { node: string; action: string }) => a.node === c.node && a.action === 'capture-start')).toBe(true);
            checkCapture(c);
          }
          if (truth.bridge !== undefined) {
            expect(typeof truth.bridge.snooping).toBe('boolean');
            expect(typeof truth.bridge.querier).toBe('boolean');
          }
        });
      }
    });
  }
});
