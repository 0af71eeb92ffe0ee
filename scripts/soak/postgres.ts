// A PostgreSQL cluster of the soak's own on a free port (Debian's binaries, trust auth, fsync off),
// so the nemesis may stop and start it: the shared server on 5432 is never touched. fsync=off is
// safe here (the nemesis crashes PostgreSQL, never the machine: a commit's WAL is in the kernel
// when it returns); synchronous_commit=off is not: an immediate stop loses the commits of the last
// few hundred ms, which seed 12 showed as acknowledged chat messages missing from the database. The postmaster
// runs as the `postgres` user (initdb and postgres refuse root), in a process group of its own.
import { execFileSync, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { Client } from 'pg';

/** Debian's newest installed PostgreSQL binaries (`/usr/lib/postgresql/<ver>/bin`), or undefined. */
export function postgresBin(): string | undefined {
  const root = '/usr/lib/postgresql';
  if (!fs.existsSync(root)) return undefined;
  const vers = fs.readdirSync(root).filter((v) => fs.existsSync(path.join(root, v, 'bin/initdb'))).sort((a, b) => Number(b) - Number(a));
  return vers.length ? path.join(root, vers[0], 'bin') : undefined;
}

export class OwnPostgres {
  private proc?: ChildProcess;
  private readonly user?: { uid: number; gid: number };

  /** `dir`: the data directory (created here, under /tmp/soak-…), removed by `destroy()`. */
  constructor(
    private readonly bin: string,
    readonly dir: string,
    readonly port: number,
  ) {
    if (process.getuid?.() === 0) {
      this.user = { uid: Number(execFileSync('id', ['-u', 'postgres']).toString()), gid: Number(execFileSync('id', ['-g', 'postgres']).toString()) };
    }
  }

  get pid(): number | undefined {
    return this.running ? this.proc!.pid : undefined;
  }

  get running(): boolean {
    return !!this.proc && this.proc.exitCode === null && this.proc.signalCode === null;
  }

  /** The admin URL (database `postgres`); `url(name)` for another database. */
  url(db = 'postgres'): string {
    return `postgres://postgres@127.0.0.1:${this.port}/${db}`;
  }

  /** initdb into a fresh directory, then start. */
  async init(): Promise<void> {
    fs.mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    if (this.user) fs.chownSync(this.dir, this.user.uid, this.user.gid);
    execFileSync(path.join(this.bin, 'initdb'), ['-D', this.dir, '-A', 'trust', '-U', 'postgres', '--no-sync', '-E', 'UTF8', '--locale', 'C'], {
      stdio: 'ignore',
      ...(this.user ?? {}),
    });
    await this.start();
  }

  /** Starts the postmaster and waits until it takes connections (at most 30 s). */
  async start(): Promise<void> {
    const log = fs.openSync(`${this.dir}.log`, 'a');
    if (this.user) fs.fchownSync(log, this.user.uid, this.user.gid);
    this.proc = spawn(
      path.join(this.bin, 'postgres'),
      ['-D', this.dir, '-p', String(this.port), '-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories=', '-c', 'fsync=off', '-c', 'max_connections=200'],
      { stdio: ['ignore', log, log], detached: true, ...(this.user ?? {}) },
    );
    fs.closeSync(log);
    const until = Date.now() + 30_000;
    while (Date.now() < until) {
      if (!this.running) throw new Error(`postgres exited; see ${this.dir}.log`);
      const c = new Client({ connectionString: this.url() });
      c.on('error', () => undefined);
      const ok = await c.connect().then(
        () => c.query('SELECT 1').then(() => true),
        () => false,
      );
      await c.end().catch(() => undefined);
      if (ok) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error('postgres did not take connections within 30 s');
  }

  /**
   * Stops the postmaster as `pg_ctl stop -m fast|immediate` does (SIGINT: abort the sessions,
   * checkpoint; SIGQUIT: every backend gone at once, crash recovery at the next start) and waits
   * for it to exit (at most 30 s).
   */
  async stop(mode: 'fast' | 'immediate'): Promise<void> {
    const p = this.proc;
    if (!p || !this.running) return;
    const gone = new Promise((r) => p.once('exit', r));
    p.kill(mode === 'fast' ? 'SIGINT' : 'SIGQUIT');
    const t = setTimeout(() => p.kill('SIGQUIT'), 30_000);
    await gone;
    clearTimeout(t);
  }

  async createDatabase(name: string): Promise<string> {
    const c = new Client({ connectionString: this.url() });
    await c.connect();
    await c.query(`CREATE DATABASE ${name}`);
    await c.end();
    return this.url(name);
  }

  /**
   * For the exit handler (Ctrl-C, a crash of the soak): an immediate shutdown, and the data
   * directory removed by a detached shell once the postmaster is gone (this process cannot wait).
   */
  killNow(): void {
    if (!fs.existsSync(this.dir)) return;
    const pid = this.running ? this.proc!.pid : undefined;
    try {
      if (pid) process.kill(pid, 'SIGQUIT');
    } catch {
      // gone
    }
    const rm = spawn('sh', ['-c', `while kill -0 ${pid ?? 0} 2>/dev/null; do sleep 0.1; done; rm -rf '${this.dir}' '${this.dir}.log'`], { detached: true, stdio: 'ignore' });
    rm.unref();
  }

  /** Stops it (fast) and removes the data directory and its log. */
  async destroy(): Promise<void> {
    await this.stop('fast');
    fs.rmSync(this.dir, { recursive: true, force: true });
    fs.rmSync(`${this.dir}.log`, { force: true });
  }
}
