// Against a real prometheus-alertmanager on loopback (a free port, its own config and storage,
// clustering off). Only the 400/500 answers come from a small HTTP server: Alertmanager cannot be
// made to answer 500, and the sink never sends what it would refuse with 400.

import * as http from 'node:http';
import * as net from 'node:net';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Alert } from '../../src/analyze/alerts.js';
import { AlertmanagerSink, alertmanagerHook } from '../../src/render/alertmanager.js';
import { Pipeline } from '../../src/pipeline.js';
import { readCapture } from '../../src/capture/file.js';
import type { Frame } from '../../src/frame.js';
import { AlertmanagerServer, alertmanagerSkip, type Listed } from '../support/alertmanager.js';
import { freePort, until } from '../support/net.js';

const skip = alertmanagerSkip;
if (skip) console.warn(`skipping Alertmanager tests: ${skip}`);
const SPLIT_BRAIN = path.resolve(import.meta.dirname, '../../pcaps/lab/split-brain.pcap');

const started: AlertmanagerServer[] = [];
afterAll(async () => {
  for (const am of started) await am.stop();
});

async function startAlertmanager(port: number): Promise<AlertmanagerServer> {
  const am = new AlertmanagerServer(port);
  started.push(am);
  return am.start();
}

const listed = (port: number): Promise<Listed[]> => started.find((am) => am.port === port)!.alerts();
const stop = (am: AlertmanagerServer): Promise<void> => am.stop();

const nowS = (): number => Date.now() / 1000;

function alert(over: Partial<Alert> = {}): Alert {
  return {
    id: 1,
    kind: 'duplicate-master',
    severity: 'critical',
    status: 'raised',
    ts: nowS() - 2,
    vrid: 51,
    family: 'ipv4',
    sources: ['10.77.0.11', '10.77.0.12'],
    message: 'split brain: 10.77.0.11 and 10.77.0.12 all advertise as master of VRID 51',
    ...over,
  };
}

describe.skipIf(skip)('AlertmanagerSink against a real Alertmanager', () => {
  it('a raised alert is listed with its labels and annotations, and resolved when cleared', async () => {
    const port = await freePort();
    const am = await startAlertmanager(port);
    const log: string[] = [];
    const sink = new AlertmanagerSink({ url: `http://127.0.0.1:${port}/`, labels: { instance: 'probe-a' }, log: (l) => log.push(l) });
    const raised = alert();
    const segment = 'eth0\x1b[31m';
    sink.alert(raised, { segment, explain: 'Protocol 112 is dropped in one direction.', evidence: '/var/lib/vrrpscope/x.pcap' });
    await until('sent', () => sink.stats().sent === 1);
    const [a] = await listed(port);
    expect(a.labels).toEqual({ alertname: 'duplicate-master', severity: 'critical', segment: 'eth0\\x1b[31m', vrid: '51', family: 'ipv4', instance: 'probe-a' });
    expect(a.annotations).toEqual({ summary: raised.message, description: 'Protocol 112 is dropped in one direction.', evidence: '/var/lib/vrrpscope/x.pcap' });
    expect(a.status.state).toBe('active');
    expect(Date.parse(a.startsAt)).toBe(Math.round(raised.ts * 1000));
    // Open alerts end three re-send periods ahead: a probe that stops re-sending resolves them.
    expect(Date.parse(a.endsAt)).toBeGreaterThan(Date.now() + 170_000);

    sink.alert(alert({ status: 'cleared', ts: nowS(), message: 'cleared: 10.77.0.11 advertises alone again' }), { segment });
    await until('cleared sent', () => sink.stats().sent === 2);
    expect(await listed(port)).toEqual([]); // Alertmanager lists only unresolved alerts
    expect(sink.stats()).toEqual({ sent: 2, failed: 0, queued: 0, dropped: 0 });
    expect(log).toEqual([]);
    await sink.close();
    await stop(am);
  });

  it('one sink for several segments: the same alert id on two segments is two alerts', async () => {
    const port = await freePort();
    const am = await startAlertmanager(port);
    const sink = new AlertmanagerSink({ url: `http://127.0.0.1:${port}` });
    sink.alert(alert(), { segment: 'eth0' });
    sink.alert(alert(), { segment: 'eth1' });
    await until('both sent', () => sink.stats().sent === 2);
    expect((await listed(port)).map((a) => a.labels.segment).sort()).toEqual(['eth0', 'eth1']);
    sink.alert(alert({ status: 'cleared', ts: nowS() }), { segment: 'eth1' });
    await until('clear sent', () => sink.stats().sent === 3);
    expect((await listed(port)).map((a) => a.labels.segment)).toEqual(['eth0']);
    await sink.close();
    await stop(am);
  });

  it('re-sends open alerts every resendMs, moving endsAt ahead', async () => {
    const port = await freePort();
    const am = await startAlertmanager(port);
    const sink = new AlertmanagerSink({ url: `http://127.0.0.1:${port}`, resendMs: 400 });
    sink.alert(alert());
    await until('first send', () => sink.stats().sent === 1);
    const first = Date.parse((await listed(port))[0].endsAt);
    await until('two re-sends', () => sink.stats().sent >= 3);
    const later = Date.parse((await listed(port))[0].endsAt);
    expect(later).toBeGreaterThan(first);
    expect(later).toBeLessThanOrEqual(Date.now() + 3 * 400 + 50);
    await sink.close();
    await stop(am);
  });

  it('an unreachable Alertmanager: alerts queue (bounded, oldest dropped), one log line, delivered once it is up', async () => {
    const port = await freePort(); // nothing listens there yet
    const log: string[] = [];
    const sink = new AlertmanagerSink({ url: `http://127.0.0.1:${port}`, maxQueue: 3, log: (l) => log.push(l) });
    for (let vrid = 1; vrid <= 5; vrid++) sink.alert(alert({ id: vrid, vrid }));
    await until('first failure', () => log.length === 1);
    expect(sink.stats()).toEqual({ sent: 0, failed: 0, queued: 3, dropped: 2 });
    expect(log[0]).toMatch(/unreachable \(ECONNREFUSED\); queueing alerts and retrying/);
    await new Promise((r) => setTimeout(r, 3500)); // retries at 1 s and 3 s fail too: no new line
    expect(log).toHaveLength(1);
    const am = await startAlertmanager(port);
    await until('delivery after backoff', () => sink.stats().sent === 3, 20_000);
    expect(sink.stats()).toEqual({ sent: 3, failed: 0, queued: 0, dropped: 2 });
    expect((await listed(port)).map((a) => a.labels.vrid).sort()).toEqual(['3', '4', '5']);
    expect(log).toHaveLength(2);
    expect(log[1]).toMatch(/accepts alerts again/);
    await sink.close();
    await stop(am);
  }, 40_000);

  it('forwards the Pipeline\'s alerts from a lab capture (the hook): the split brain listed, then resolved', async () => {
    const port = await freePort();
    const am = await startAlertmanager(port);
    const sink = new AlertmanagerSink({ url: `http://127.0.0.1:${port}` });
    const seen: Alert[] = [];
    const forward = alertmanagerHook(sink, { segment: 'lab' });
    const pipeline = new Pipeline({}, null, (a) => {
      seen.push(a);
      // Packet time of 2026-11-22: shifted to a minute ago so Alertmanager treats them as fresh.
      forward({ ...a, ts: a.ts - seen[0].ts + nowS() - 60 });
    });
    const frames: Frame[] = [];
    await readCapture(SPLIT_BRAIN, (f) => void frames.push({ ...f, data: f.data.slice() }));
    let i = 0;
    while (i < frames.length && seen.length === 0) pipeline.frame(frames[i++]);
    expect(seen.map((a) => `${a.kind} ${a.status}`)).toEqual(['duplicate-master raised']);
    await until('raise sent', () => sink.stats().sent === 1);
    const open = await listed(port);
    expect(open.map((a) => a.labels)).toEqual([{ alertname: 'duplicate-master', severity: 'critical', segment: 'lab', vrid: '51', family: 'ipv4' }]);
    expect(open[0].annotations.summary).toMatch(/^split brain: 10\.77\.0\.11/);

    while (i < frames.length) pipeline.frame(frames[i++]);
    pipeline.finish();
    expect(seen.map((a) => `${a.kind} ${a.status}`)).toEqual(['duplicate-master raised', 'duplicate-master cleared']);
    await until('clear sent', () => sink.stats().sent === 2);
    expect(await listed(port)).toEqual([]);
    await sink.close();
    await stop(am);
  });
});

describe('AlertmanagerSink when Alertmanager refuses', () => {
  it('400 and 500 answers are counted as failed, logged once, and nothing throws', async () => {
    const answers = [500, 400, 200];
    const bodies: unknown[] = [];
    const server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (d) => (body += d));
      req.on('end', () => {
        bodies.push(JSON.parse(body));
        res.writeHead(answers.shift() ?? 200).end('bad');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as net.AddressInfo;
    const log: string[] = [];
    const sink = new AlertmanagerSink({ url: `http://127.0.0.1:${port}`, log: (l) => log.push(l) });
    sink.alert(alert({ id: 1 }));
    await until('500', () => sink.stats().failed === 1);
    sink.alert(alert({ id: 2, vrid: 2 }));
    await until('400', () => sink.stats().failed === 2);
    sink.alert(alert({ id: 3, vrid: 3 }));
    await until('200', () => sink.stats().sent === 1);
    expect(sink.stats()).toEqual({ sent: 1, failed: 2, queued: 0, dropped: 0 });
    expect(log).toHaveLength(2);
    expect(log[0]).toMatch(/refused 1 alerts \(HTTP 500\)/);
    expect(log[1]).toMatch(/accepts alerts again/);
    expect(bodies).toHaveLength(3);
    await sink.close();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('a server that never answers: the POST times out after 5 s, the alert stays queued, one line', async () => {
    const sockets: net.Socket[] = [];
    const server = net.createServer((socket) => void sockets.push(socket)); // accepts, reads nothing, never answers
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const log: string[] = [];
    const sink = new AlertmanagerSink({ url: `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`, log: (l) => log.push(l) });
    const t0 = Date.now();
    sink.alert(alert());
    await until('the timeout', () => log.length === 1, 10_000);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(4900);
    expect(log[0]).toMatch(/unreachable \(no answer in 5 s\); queueing alerts and retrying/);
    expect(sink.stats()).toEqual({ sent: 0, failed: 0, queued: 1, dropped: 0 });
    await sink.close();
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }, 15_000);

  it('an alert with a time no Date holds is still sent, not thrown', async () => {
    const bodies: { startsAt: string }[][] = [];
    const server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (d) => (body += d));
      req.on('end', () => {
        bodies.push(JSON.parse(body));
        res.writeHead(200).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const sink = new AlertmanagerSink({ url: `http://127.0.0.1:${(server.address() as net.AddressInfo).port}` });
    expect(() => sink.alert(alert({ ts: 1e20 }))).not.toThrow();
    await until('sent', () => sink.stats().sent === 1);
    expect(Math.abs(Date.parse(bodies[0][0].startsAt) - Date.now())).toBeLessThan(10_000);
    await sink.close();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('a bad URL or label name is a configuration error at once', () => {
    expect(() => new AlertmanagerSink({ url: 'not a url' })).toThrow(/not a URL/);
    expect(() => new AlertmanagerSink({ url: 'ftp://x' })).toThrow(/not an http/);
    expect(() => new AlertmanagerSink({ url: 'http://127.0.0.1:1', labels: { 'bad-name': 'x' } })).toThrow(/not a label name/);
  });
});
