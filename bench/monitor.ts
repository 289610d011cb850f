// Cost of `vrrpscope monitor` at steady state (BENCHMARKS.md, "monitor"): CPU and RSS of the real
// command capturing on a veth whose peer, in a namespace of this process (vsb<pid>), carries paced
// VRRPv3 adverts; /metrics is scraped every 15 s as Prometheus would. Needs root.
//   npm run build && tsx bench/monitor.ts [warmupS] [measureS]
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { vrrpFrame } from '../test/support/encode.js';
import { freePort } from '../test/support/net.js';

const ROOT = path.resolve(import.meta.dirname, '..');
const CLI = process.env.MONITOR_CLI ?? path.join(ROOT, 'dist/cli.js');
const SEND = path.join(import.meta.dirname, 'monitor-send.py');
const warmupS = Number(process.argv[2] ?? 20);
const measureS = Number(process.argv[3] ?? 60);
const ns = `vsb${process.pid}`;
const host = `vsb${process.pid}a`;
const peer = `vsb${process.pid}b`;
const TICKS = 100; // USER_HZ on Linux
/** Extra monitor options to compare, e.g. MONITOR_ARGS='--buffer-size 4'. */
const extraArgs = (process.env.MONITOR_ARGS ?? '').split(' ').filter(Boolean);
const only = process.env.SCENARIO; // '1' or '2': one scenario only; '0': the floor (1 VRID)
/** Node options as the shipped systemd unit sets them (what users run); MONITOR_NODE_OPTIONS overrides. */
const unit = fs.readFileSync(path.join(ROOT, 'deploy/systemd/vrrpscope-monitor.service'), 'utf8');
const nodeOptions = process.env.MONITOR_NODE_OPTIONS ?? /^Environment=NODE_OPTIONS=(.*)$/m.exec(unit)?.[1] ?? '';
/** The unit's other environment (MALLOC_ARENA_MAX); MONITOR_UNIT_ENV=0 leaves it out. */
const unitEnv = process.env.MONITOR_UNIT_ENV === '0' ? {} : Object.fromEntries(
  [...unit.matchAll(/^Environment=([A-Z_]+)=(.*)$/gm)].filter((m) => m[1] !== 'NODE_OPTIONS').map((m) => [m[1], m[2]]));

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function run(...argv: string[]): void {
  const r = spawnSync(argv[0], argv.slice(1), { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${argv.join(' ')}: ${r.stderr}`);
}

function hex(f: { data: Uint8Array }): string {
  return Buffer.from(f.data).toString('hex');
}

/** VRRPv3 adverts of `vrids` VRIDs in both families, announcing `intervalCs`. */
function adverts(vrids: number, intervalCs: number): string[] {
  const out: string[] = [];
  for (let v = 1; v <= vrids; v++) {
    out.push(hex(vrrpFrame({ vrrp: { version: 3, vrid: v, priority: 100, addrs: [`10.${v}.0.1`], intervalCs }, ip: { family: 'ipv4', src: `10.${v}.0.2` } })));
    out.push(hex(vrrpFrame({ vrrp: { version: 3, vrid: v, priority: 100, addrs: [`fe80::${v.toString(16)}:1`], intervalCs }, ip: { family: 'ipv6', src: `fe80::${v.toString(16)}:2` } })));
  }
  return out;
}

/** utime and stime of the process, in ticks. */
function cpuTicks(pid: number): [number, number] {
  const f = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return [Number(f[11]), Number(f[12])];
}

function rssMb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(m?.[1] ?? 0) / 1024;
}

async function scenario(name: string, frames: string[], intervalS: number): Promise<void> {
  const port = await freePort();
  const monitor = spawn(process.execPath, [...(process.env.MONITOR_NODE_ARGS ?? '').split(' ').filter(Boolean), CLI, 'monitor', '-i', host, '--listen', `127.0.0.1:${port}`, '--no-drop-privileges', ...extraArgs], { stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, ...unitEnv, NODE_OPTIONS: nodeOptions } });
  const sender = spawn('ip', ['netns', 'exec', ns, 'python3', SEND], { stdio: ['pipe', 'pipe', 'inherit'] });
  sender.stdin!.end(JSON.stringify({ iface: peer, frames, interval: intervalS, seconds: warmupS + measureS + 5 }));
  const scraper = setInterval(() => void fetch(`http://127.0.0.1:${port}/metrics`).then((r) => r.text()).catch(() => ''), 15_000);
  try {
    await sleep(warmupS * 1000);
    const load0 = fs.readFileSync('/proc/loadavg', 'utf8').split(' ')[0];
    const c0 = cpuTicks(monitor.pid!);
    const t0 = Date.now();
    let peak = 0;
    for (let s = 0; s < measureS; s++) {
      await sleep(1000);
      peak = Math.max(peak, rssMb(monitor.pid!));
    }
    const c1 = cpuTicks(monitor.pid!);
    const share = (ticks: number) => ticks / TICKS / ((Date.now() - t0) / 1000);
    const [user, sys] = [share(c1[0] - c0[0]), share(c1[1] - c0[1])];
    const cpu = user + sys;
    const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    const received = /^vrrpscope_capture_packets_received_total\{[^}]*\} (\d+)/m.exec(metrics)?.[1];
    const dropped = /^vrrpscope_capture_packets_dropped_total\{[^}]*\} (\d+)/m.exec(metrics)?.[1];
    const vrs = metrics.split('\n').filter((l) => l.startsWith('vrrpscope_vr_has_master{')).length;
    const heap = Number(/^nodejs_heap_size_used_bytes (\S+)/m.exec(metrics)?.[1] ?? 0) / 2 ** 20;
    const load = fs.readFileSync('/proc/loadavg', 'utf8').split(' ')[0];
    console.log(`${name}: ${frames.length / intervalS} frames/s, ${vrs} virtual routers; CPU ${(cpu * 100).toFixed(2)}% of one core (user ${(user * 100).toFixed(2)}%, system ${(sys * 100).toFixed(2)}%), RSS ${rssMb(monitor.pid!).toFixed(1)} MB (peak ${peak.toFixed(1)} MB); received ${received}, dropped ${dropped}; heap used ${heap.toFixed(1)} MB; load average ${load0} to ${load}${nodeOptions ? `; NODE_OPTIONS=${nodeOptions}` : ''}${Object.entries(unitEnv).map(([k, v]) => `; ${k}=${v}`).join('')}`);
  } finally {
    clearInterval(scraper);
    // SIGTERM: a clean exit (and the profile, under NODE_OPTIONS=--cpu-prof).
    const exited = new Promise((r) => monitor.once('exit', r));
    monitor.kill('SIGTERM');
    sender.kill('SIGKILL');
    await Promise.race([exited, sleep(5000)]);
    monitor.kill('SIGKILL');
  }
}

try {
  run('ip', 'netns', 'add', ns);
  run('ip', 'link', 'add', host, 'type', 'veth', 'peer', 'name', peer, 'netns', ns);
  run('sysctl', '-qw', `net.ipv6.conf.${host}.disable_ipv6=1`);
  run('ip', 'link', 'set', host, 'up');
  run('ip', '-n', ns, 'link', 'set', peer, 'up');
  run('ip', 'netns', 'exec', ns, 'sysctl', '-qw', `net.ipv6.conf.${peer}.disable_ipv6=1`);
  // The floor: the same process with one VRID (what the runtime, the capture and the ticks cost).
  if (only === '0') await scenario('1 VRID x 2 families every 1 s', adverts(1, 100), 1);
  if (only !== '2' && only !== '0') await scenario('255 VRIDs x 2 families every 1 s', adverts(255, 100), 1);
  if (only !== '1' && only !== '0') await scenario('20 VRIDs x 2 families every 10 ms', adverts(20, 1), 0.01);
} finally {
  // Deleting the namespace removes the veth pair.
  spawnSync('ip', ['netns', 'del', ns]);
}
