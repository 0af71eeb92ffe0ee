// The system under test: liveticker nodes started as the README says for production (the build,
// NODE_ENV=production; `--dev` runs the sources through tsx), each in a process group of its own
// so a fault hits a WORKERS primary and its workers together, behind Debian's nginx with
// deploy/nginx.conf; each node reaches PostgreSQL and Redis through proxies the nemesis can cut.
import { execFileSync, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { NGINX, nginxConfig } from '../bench/nginx';
import { childPids } from '../bench/servers';

const ROOT = path.resolve(__dirname, '../..');

/** Every process group the soak started, for the cleanup on any exit (SIGKILL after SIGCONT). */
export const groups = new Set<number>();

export function killGroups(): void {
  for (const pgid of groups) {
    try {
      process.kill(-pgid, 'SIGCONT');
      process.kill(-pgid, 'SIGKILL');
    } catch {
      // gone already
    }
  }
  groups.clear();
}

/** The build is there and newer than every source (as `npm start` decides); else builds it once. */
export function ensureBuild(log: (s: string) => void): void {
  const newest = (dir: string): number => {
    let latest = 0;
    if (!fs.existsSync(dir)) return 0;
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      latest = Math.max(latest, e.isDirectory() ? newest(p) : fs.statSync(p).mtimeMs);
    }
    return latest;
  };
  const stamp = path.join(ROOT, 'server/dist/BUILD');
  const built = fs.existsSync(stamp) ? fs.statSync(stamp).mtimeMs : 0;
  if (built >= Math.max(...['schemas/src', 'server/src', 'client-sdk/src'].map((d) => newest(path.join(ROOT, d))))) return;
  log('building (npm run build)…');
  execFileSync(process.execPath, [path.join(ROOT, 'scripts/build.mjs')], { stdio: 'inherit', cwd: ROOT });
}

export class SoakNode {
  proc?: ChildProcess;
  /** Why and when it last exited. */
  exits: Array<{ at: number; code: number | null; signal: string | null }> = [];
  starts = 0;
  /** Set by the nemesis before it kills or stops the node, and by the soak's own stop. */
  expectExit = false;
  /** Exits nobody asked for (a crash): the node is started again after 1 s, as a restart policy would. */
  readonly crashes: Array<{ at: number; code: number | null; signal: string | null; why: string }> = [];
  private readonly logFile: string;

  constructor(
    readonly name: string,
    readonly port: number,
    readonly workers: number,
    private readonly env: Record<string, string>,
    dir: string,
    private readonly dev: boolean,
  ) {
    this.logFile = path.join(dir, `${name}.log`);
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get running(): boolean {
    return !!this.proc && this.proc.exitCode === null && this.proc.signalCode === null;
  }

  /** The primary (or lone process) and its node children (workers). */
  pids(): number[] {
    if (!this.proc?.pid) return [];
    return [this.proc.pid, ...childPids(this.proc.pid)];
  }

  start(): void {
    const entry = this.dev ? ['--import', 'tsx', path.join(ROOT, 'server/src/main.ts')] : [path.join(ROOT, 'scripts/start.mjs')];
    const out = fs.openSync(this.logFile, 'a');
    fs.writeSync(out, `\n--- start ${++this.starts} at ${new Date().toISOString()}\n`);
    const proc = spawn(process.execPath, entry, {
      cwd: ROOT,
      env: { ...process.env, ...this.env, PORT: String(this.port), HOST: '127.0.0.1', WORKERS: String(this.workers) },
      stdio: ['ignore', out, out],
      detached: true,
    });
    fs.closeSync(out);
    this.proc = proc;
    groups.add(proc.pid!);
    const logFrom = fs.statSync(this.logFile).size;
    proc.once('exit', (code, signal) => {
      this.exits.push({ at: Date.now(), code, signal });
      groups.delete(proc.pid!);
      if (this.expectExit) return;
      this.crashes.push({ at: Date.now(), code, signal, why: crashCause(fs.readFileSync(this.logFile, 'utf8').slice(logFrom)) });
      setTimeout(() => {
        if (!this.expectExit && !this.running) this.start();
      }, 1000);
    });
  }

  async waitReady(timeoutMs = 60_000): Promise<void> {
    const until = Date.now() + timeoutMs;
    while (Date.now() < until) {
      if (!this.running) throw new Error(`${this.name} exited (${JSON.stringify(this.exits.at(-1))}); see ${this.logFile}`);
      const ok = await fetch(`${this.url}/readyz`, { signal: AbortSignal.timeout(2000) }).then((r) => r.ok, () => false);
      if (ok) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`${this.name} not ready within ${timeoutMs} ms`);
  }

  /** A signal to the whole group (the primary and its workers). */
  signal(sig: NodeJS.Signals): void {
    if (this.proc?.pid && this.running) process.kill(-this.proc.pid, sig);
  }

  /** Resolves once the process has exited (at most `ms`; then SIGKILL). */
  async exited(ms: number): Promise<void> {
    const p = this.proc;
    if (!p || !this.running) return;
    const gone = new Promise((r) => p.once('exit', r));
    const t = setTimeout(() => this.signal('SIGKILL'), ms);
    await gone;
    clearTimeout(t);
  }

  /** A worker of WORKERS=2 that died and was started again by its primary (its log line, with the cause before it). */
  workerCrashes(): string[] {
    if (!fs.existsSync(this.logFile)) return [];
    const text = fs.readFileSync(this.logFile, 'utf8');
    const out: string[] = [];
    for (const m of text.matchAll(/\{[^\n]*"msg":"worker exited: starting it again"[^\n]*/g)) {
      const line = JSON.parse(m[0]) as { time: string; code: number | null; signal: string | null };
      out.push(`${line.time} a worker exited (code ${line.code}, signal ${line.signal}): ${crashCause(text.slice(0, m.index))}`);
    }
    return out;
  }

  /** Lines the node logged at level error (50) or fatal since the start of the soak. */
  errors(): string[] {
    if (!fs.existsSync(this.logFile)) return [];
    return fs
      .readFileSync(this.logFile, 'utf8')
      .split('\n')
      .filter((l) => /"level":(50|60)/.test(l));
  }
}

export class SoakNginx {
  private proc?: ChildProcess;
  constructor(
    private readonly dir: string,
    readonly port: number,
  ) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(upstreams: string[]): Promise<void> {
    // The shipped file, the edge limits off: every reader of the soak comes from 127.0.0.1.
    fs.writeFileSync(path.join(this.dir, 'nginx.conf'), nginxConfig(this.port, upstreams, 1, { edgeLimits: false }));
    const proc = spawn(NGINX, ['-p', this.dir, '-c', path.join(this.dir, 'nginx.conf'), '-g', `daemon off; pid ${this.dir}/nginx.pid; error_log ${this.dir}/nginx-error.log warn;`], {
      stdio: 'ignore',
      detached: true,
    });
    this.proc = proc;
    groups.add(proc.pid!);
    for (let i = 0; i < 150; i++) {
      if (proc.exitCode !== null) throw new Error(`nginx exited; see ${this.dir}/nginx-error.log`);
      if (await fetch(`${this.url}/readyz`).then((r) => r.ok, () => false)) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error('nginx did not answer');
  }

  async stop(): Promise<void> {
    const p = this.proc;
    if (!p || p.exitCode !== null) return;
    const gone = new Promise((r) => p.once('exit', r));
    p.kill('SIGTERM');
    await gone;
    groups.delete(p.pid!);
  }
}

/** The cause a crashed process printed last: an uncaught error's first lines (not JSON log lines). */
function crashCause(log: string): string {
  const plain = log.split('\n').filter((l) => l && !l.startsWith('{') && !l.startsWith('---'));
  const at = plain.map((l) => /^\w*Error\b|Unhandled|uncaught|failed to start/i.test(l)).lastIndexOf(true);
  if (at < 0) return 'no cause printed';
  let start = at;
  while (start > 0 && at - start < 6 && !/throw er|Unhandled|uncaught|failed to start/i.test(plain[start])) start--;
  return plain.slice(start, start + 8).map((l) => l.trim()).join(' ⏎ ').slice(0, 500);
}
