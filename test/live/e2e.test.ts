// `vrrpscope live` end to end: two real keepalived daemons in namespaces of the test's own, the real
// command capturing on the lab bridge through libpcap, and the -w file read back by us and tcpdump.
import { spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Lab, labPrerequisites, type Keepalived } from '../../scripts/lab/lab.js';
import { keepalivedConf } from '../../scripts/lab/scenarios.js';
import { CLI, runCli } from '../support/cli.js';

const missing = labPrerequisites();
if (!existsSync(join(CLI, '../../node_modules/pcap/build/Release/pcap_binding.node'))) missing.push('the pcap binding (npm rebuild pcap)');
if (missing.length) console.warn(`live end-to-end tests skipped: missing ${missing.join(', ')}`);

interface Rec { type: string; [k: string]: unknown }
interface Seen { rec: Rec; arrivedMs: number }

describe.skipIf(missing.length > 0)('vrrpscope live on a keepalived pair', () => {
  let lab: Lab;
  let n1: Keepalived;
  let proc: ChildProcess;
  const seen: Seen[] = [];
  let stderr = '';
  const dir = mkdtempSync(join(tmpdir(), 'vrrpscope-live-'));
  const file = join(dir, 'live.pcap');

  const waitFor = async (pred: (r: Rec) => boolean, timeoutMs: number, from = 0): Promise<Seen> => {
    const end = Date.now() + timeoutMs;
    for (;;) {
      const hit = seen.slice(from).find((s) => pred(s.rec));
      if (hit) return hit;
      if (Date.now() > end) throw new Error(`timed out; stderr: ${stderr}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };

  beforeAll(async () => {
    lab = await Lab.create({ nodes: 2, maxLifetimeSec: 180 });
    const conf = (name: string, state: 'MASTER' | 'BACKUP', priority: number) =>
      keepalivedConf(lab.node(name), [{ state, vrid: 51, priority, vips: ['10.77.0.100/24'] }]);
    n1 = await lab.startKeepalived('n1', conf('n1', 'MASTER', 150));
    await lab.startKeepalived('n2', conf('n2', 'BACKUP', 100));
    // The real command, in the bridge's namespace, dropping root to nobody after opening the capture.
    proc = lab.spawnIn(lab.switchNs, [process.execPath, CLI, 'live', '-i', 'br0', '--json', '-w', file]);
    let buf = '';
    proc.stdout!.on('data', (d: Buffer) => {
      buf += d.toString();
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        seen.push({ rec: JSON.parse(buf.slice(0, nl)), arrivedMs: Date.now() });
        buf = buf.slice(nl + 1);
      }
    });
    proc.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    await n1.waitForState('MASTER', { timeoutMs: 15_000 });
    await waitFor((r) => r.type === 'vrrp' && r.src === '10.77.0.11' && r.priority === 150, 10_000);
  }, 60_000);

  afterAll(() => {
    proc?.kill('SIGKILL');
    lab?.cleanup();
  });

  it('split brain: duplicate-master while protocol 112 is dropped on the backup, cleared after', async () => {
    const from = seen.length;
    const table = await lab.blockVrrp('n2', { direction: 'input', verdict: 'drop' });
    const raised = await waitFor((r) => r.type === 'alert' && r.kind === 'duplicate-master' && r.status === 'raised', 20_000, from);
    expect((raised.rec.sources as string[]).sort()).toEqual(['10.77.0.11', '10.77.0.12']);
    await lab.removeNftTable(table);
    await waitFor((r) => r.type === 'alert' && r.kind === 'duplicate-master' && r.status === 'cleared', 20_000, from);
  }, 60_000);

  it('crash: missed-advert within Master_Down_Interval + 250 ms of the last advert, then master-change timeout', async () => {
    // Let the pair settle with n1 as the only master again.
    const settled = seen.length;
    await waitFor((r) => r.type === 'vrrp' && r.src === '10.77.0.11', 5_000, settled);
    const from = seen.length;
    await n1.crash();
    const missed = await waitFor((r) => r.type === 'alert' && r.kind === 'missed-advert' && r.status === 'raised', 15_000, from);
    const lastAdvert = seen
      .filter((s) => s.rec.type === 'vrrp' && s.rec.src === '10.77.0.11' && (s.rec.ts as number) <= (missed.rec.ts as number))
      .pop()!;
    // Master_Down_Interval for n1 (priority 150, advert_int 1): 3 + 106/256 s.
    const mdiMs = 3000 + (106 * 1000) / 256;
    expect(missed.arrivedMs - (lastAdvert.rec.ts as number) * 1000).toBeLessThan(mdiMs + 250);
    const change = await waitFor((r) => r.type === 'alert' && r.kind === 'master-change', 15_000, from);
    expect(change.rec).toMatchObject({ reason: 'timeout', from: '10.77.0.11', to: '10.77.0.12' });
  }, 60_000);

  it('SIGINT: summary, privileges dropped, and the -w file holds every frame with the same timestamps', async () => {
    // Root was dropped after the interface and the -w file were open.
    const pids = spawnSync('pgrep', ['-f', `${CLI} live -i br0 --json -w ${file}`], { encoding: 'utf8' }).stdout.trim().split('\n');
    // The match includes the timeout(1) wrapper, which stays root: the node process is the one to check.
    const pid = pids.find((p) => readFileSync(`/proc/${p}/comm`, 'utf8').trim() === 'node');
    const uidLine = spawnSync('grep', ['^Uid:', `/proc/${pid}/status`], { encoding: 'utf8' }).stdout;
    const nobody = spawnSync('id', ['-u', 'nobody'], { encoding: 'utf8' }).stdout.trim();
    expect(uidLine.split(/\s+/).slice(1, 4)).toEqual([nobody, nobody, nobody]);
    // Sent to timeout(1), which forwards it to vrrpscope.
    proc.kill('SIGINT');
    const summary = await waitFor((r) => r.type === 'summary', 10_000);
    const code = await new Promise<number | null>((r) => (proc.exitCode !== null ? r(proc.exitCode) : proc.once('exit', r)));
    expect(code).toBe(0);
    expect(stderr).toContain('listening on br0, link type 1, writing');
    expect(stderr).toContain('running as nobody');
    const capture = summary.rec.capture as { frames: number; received: number; dropped: number };
    expect(capture.dropped).toBe(0);

    const back = runCli(['read', file, '--json']);
    expect(back.code).toBe(0);
    const recs: Rec[] = back.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect((recs[recs.length - 1].capture as { frames: number }).frames).toBe(capture.frames);
    const liveVrrp = seen.filter((s) => s.rec.type === 'vrrp').map((s) => s.rec.ts);
    const fileVrrp = recs.filter((r) => r.type === 'vrrp').map((r) => r.ts);
    expect(fileVrrp).toEqual(liveVrrp);

    const td = spawnSync('tcpdump', ['-nn', '-r', file], { encoding: 'utf8' });
    expect(td.status).toBe(0);
    expect(td.stdout.trim().split('\n')).toHaveLength(capture.frames);
  }, 30_000);
});
