// Test-only: a real prometheus-alertmanager on loopback (its own config and storage in a temp
// directory, clustering off), on the host or inside a test's network namespace.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { until } from './net.js';

export const ALERTMANAGER = spawnSync('sh', ['-c', 'command -v prometheus-alertmanager || command -v alertmanager'], { encoding: 'utf8' }).stdout.trim() || undefined;
/** Why Alertmanager tests cannot run here, or undefined. */
export const alertmanagerSkip = ALERTMANAGER ? undefined : 'prometheus-alertmanager is not installed (apt-get install prometheus-alertmanager)';

/** An alert as GET /api/v2/alerts lists it. */
export interface Listed {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  endsAt: string;
  status: { state: string };
}

export class AlertmanagerServer {
  readonly url: string;
  private readonly dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vrrpscope-am-'));
  private child: ChildProcess | null = null;
  private stderr = '';

  /** `netns`: run inside that namespace (its loopback), and ask it from there too. */
  constructor(
    readonly port: number,
    private readonly netns?: string,
  ) {
    this.url = `http://127.0.0.1:${port}`;
  }

  async start(): Promise<this> {
    const config = path.join(this.dir, 'alertmanager.yml');
    fs.writeFileSync(config, 'route:\n  receiver: none\n  group_wait: 1h\nreceivers:\n  - name: none\n');
    const args = [`--config.file=${config}`, `--storage.path=${this.dir}`, `--web.listen-address=127.0.0.1:${this.port}`, '--cluster.listen-address=', '--log.level=warn'];
    const [cmd, argv] = this.netns ? ['ip', ['netns', 'exec', this.netns, ALERTMANAGER!, ...args]] : [ALERTMANAGER!, args];
    const child = spawn(cmd, argv, { stdio: ['ignore', 'ignore', 'pipe'] });
    this.child = child;
    child.stderr!.on('data', (d) => (this.stderr += d));
    await until(`alertmanager on port ${this.port}`, async () => {
      if (child.exitCode !== null) throw new Error(`alertmanager exited: ${this.stderr}`);
      return (await this.get('/-/ready').catch(() => null))?.status === 200;
    });
    return this;
  }

  /** GET a path: status and body text. */
  async get(p: string): Promise<{ status: number; body: string }> {
    if (!this.netns) {
      const res = await fetch(this.url + p);
      return { status: res.status, body: await res.text() };
    }
    const script = `fetch(${JSON.stringify(this.url + p)}).then(async (r) => process.stdout.write(JSON.stringify({ status: r.status, body: await r.text() })), () => process.exit(3))`;
    const r = spawnSync('ip', ['netns', 'exec', this.netns, process.execPath, '-e', script], { encoding: 'utf8', timeout: 10_000 });
    if (r.status !== 0) throw new Error(`GET ${p} in ${this.netns} failed`);
    return JSON.parse(r.stdout) as { status: number; body: string };
  }

  /** Unresolved alerts (Alertmanager does not list resolved ones). */
  async alerts(): Promise<Listed[]> {
    const { status, body } = await this.get('/api/v2/alerts');
    if (status !== 200) throw new Error(`GET /api/v2/alerts: HTTP ${status}`);
    return JSON.parse(body) as Listed[];
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (child && child.exitCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    }
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}
