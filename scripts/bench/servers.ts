// The servers a bench scenario runs against: the real one (optionally as WORKERS=N, optionally
// pinned to cores) and the bare Socket.IO baseline, each a child process stopped by its `stop()`.
import { execFileSync, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { benchServerEnv } from './harness';

const ROOT = path.resolve(__dirname, '../..');
// `node --import tsx` (not the tsx wrapper) so the pid we measure is the server itself.
const NODE_TS = ['--import', 'tsx'];

/** A POST of JSON (with the ops key or a token), its answer read and dropped; 30 s at most. */
export async function postJson(url: string, body: unknown, token?: string): Promise<void> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(30_000),
  });
  if (!res.ok) throw new Error(`${res.status} ${await res.text()}`);
  await res.arrayBuffer();
}

export async function waitReady(url: string, proc: ChildProcess): Promise<void> {
  for (let i = 0; i < 300; i++) {
    if (proc.exitCode !== null) throw new Error(`server exited with ${proc.exitCode}`);
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${url} did not become ready`);
}

/** SIGTERM, then SIGKILL after 5 s (a WORKERS primary drains its workers within that). */
export function stopper(proc: ChildProcess, killAfterMs = 5000) {
  return () =>
    new Promise<void>((resolve) => {
      if (proc.exitCode !== null || proc.signalCode !== null) return resolve();
      proc.once('exit', () => resolve());
      proc.kill('SIGTERM');
      setTimeout(() => proc.kill('SIGKILL'), killAfterMs).unref();
    });
}

export async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

/** Whether `taskset` can pin here (it is there, and there is more than one core to choose from). */
export function canPin(): boolean {
  if (os.cpus().length < 2) return false;
  try {
    execFileSync('taskset', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** `taskset -c <cpu>` before a command when the machine has it and more than one core. */
export function pinned(cpu: string | undefined, cmd: string[]): string[] {
  return cpu && canPin() ? ['taskset', '-c', cpu, ...cmd] : cmd;
}

/** Moves a running process (one thread group) to `cpu` (a taskset list: `0`, `0,1`). */
export function pin(pid: number, cpu: string): void {
  if (canPin()) execFileSync('taskset', ['-a', '-cp', cpu, String(pid)], { stdio: 'ignore' });
}

/** A process's children (a WORKERS primary's workers, tsx's esbuild service). */
export function childPids(pid: number): number[] {
  try {
    return execFileSync('pgrep', ['-P', String(pid)], { encoding: 'utf8' }).split('\n').filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/** A process's node children only: a WORKERS primary's workers, without tsx's esbuild service. */
export function workerPids(pid: number): number[] {
  return childPids(pid).filter((child) => {
    try {
      return fs.readFileSync(`/proc/${child}/comm`, 'utf8').trim() === 'node';
    } catch {
      return false;
    }
  });
}

export async function startBare(cpu?: string): Promise<{ url: string; pid: number; stream: string; stop(): Promise<void> }> {
  const port = await freePort();
  const [cmd, ...args] = pinned(cpu, [process.execPath, ...NODE_TS, path.join(__dirname, 'bare-server.ts')]);
  const proc = spawn(cmd, args, { env: { ...process.env, PORT: String(port) }, stdio: 'ignore' });
  const url = `http://127.0.0.1:${port}`;
  await waitReady(`${url}/healthz`, proc);
  return { url, pid: proc.pid!, stream: 'ticker:bench', stop: stopper(proc) };
}

export interface Liveticker {
  url: string;
  pid: number;
  opsKey: string;
  /** The processes that serve: the lone process, or a WORKERS primary and its workers. */
  pids(): number[];
  stop(): Promise<void>;
}

export async function startLiveticker(extraEnv: Record<string, string> = {}, cpu?: string): Promise<Liveticker> {
  const port = await freePort();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lt-bench-'));
  const opsKey = randomBytes(18).toString('base64url');
  // BENCH_SERVER_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" profiles the real server.
  const nodeArgs = (process.env.BENCH_SERVER_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const [cmd, ...args] = pinned(cpu, [process.execPath, ...nodeArgs, ...NODE_TS, path.join(ROOT, 'server/src/main.ts')]);
  const proc = spawn(cmd, args, {
    cwd: ROOT,
    env: {
      ...process.env,
      PORT: String(port),
      HOST: '127.0.0.1',
      ...benchServerEnv(dir, opsKey),
      ...extraEnv,
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitReady(`${url}/readyz`, proc);
  } catch (err) {
    await stopper(proc)();
    fs.rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  // A WORKERS primary drains every worker before it exits: give it the server's own deadline.
  const stop = stopper(proc, Number(extraEnv.WORKERS ?? 1) > 1 ? 15_000 : 5000);
  return {
    url,
    pid: proc.pid!,
    opsKey,
    pids: () => [proc.pid!, ...workerPids(proc.pid!)],
    async stop() {
      await stop();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
