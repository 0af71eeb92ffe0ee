import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import net from 'node:net';
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import type { RedisOptions } from 'ioredis';

/** The shared Redis; tests only use it with a random key prefix and never restart it. */
export const SHARED_REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

export function randomPrefix(): string {
  return `lt-test-${randomBytes(4).toString('hex')}:`;
}

/** Deletes every key under a prefix (rate limits, presence) on the shared Redis. */
export async function cleanPrefix(url: string, prefix: string): Promise<void> {
  const r = new Redis(url, { lazyConnect: true });
  await r.connect();
  let cursor = '0';
  do {
    const [next, keys] = await r.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
    cursor = next;
    if (keys.length) await r.del(...keys);
  } while (cursor !== '0');
  r.disconnect();
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

/** A test-owned redis-server on a free port, which the test may kill and start again. */
export class OwnRedis {
  private proc?: ChildProcess;
  private constructor(readonly port: number) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** The redis-server's process id (the bench reads its CPU time). */
  get pid(): number | undefined {
    return this.proc?.pid;
  }

  static async start(): Promise<OwnRedis> {
    const r = new OwnRedis(await freePort());
    await r.start();
    return r;
  }

  async start(): Promise<void> {
    this.proc = spawn('redis-server', ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
      stdio: 'ignore',
    });
    for (let i = 0; i < 100; i++) {
      const ok = await new Promise<boolean>((resolve) => {
        const s = net.connect(this.port, '127.0.0.1', () => {
          s.end();
          resolve(true);
        });
        s.on('error', () => resolve(false));
      });
      if (ok) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error('redis-server did not start');
  }

  async kill(): Promise<void> {
    const p = this.proc;
    if (!p || p.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      p.once('exit', () => resolve());
      p.kill('SIGKILL');
    });
  }
}

/** Waits until something accepts TCP connections on a port of 127.0.0.1. */
async function listening(port: number): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, '127.0.0.1', () => {
        s.end();
        resolve(true);
      });
      s.on('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`nothing listens on ${port}`);
}

/**
 * A test-owned Redis Cluster of three masters (no replicas) on free ports, its node files in
 * `dir`: a master killed and started again rejoins with its slots.
 */
export class OwnRedisCluster {
  private readonly procs = new Map<number, ChildProcess>();
  private constructor(
    readonly dir: string,
    readonly ports: number[],
    private readonly busPorts: number[],
    /** Every node's `requirepass` (and the nodes' own `masterauth`), when given. */
    readonly password?: string,
  ) {}

  /** A plain connection to one node (not yet connected), with the cluster's password. */
  client(port: number, opts: RedisOptions = {}): Redis {
    return new Redis(port, '127.0.0.1', { lazyConnect: true, ...(this.password ? { password: this.password } : {}), ...opts });
  }

  /** Every node's redis-server process id (the bench reads their CPU time). */
  get pids(): number[] {
    return [...this.procs.values()].map((p) => p.pid!).filter(Boolean);
  }

  /** `host:port,…` for REDIS_CLUSTER_NODES. */
  get nodes(): string {
    return this.ports.map((p) => `127.0.0.1:${p}`).join(',');
  }

  static async start(dir: string, opts: { password?: string } = {}): Promise<OwnRedisCluster> {
    const ports: number[] = [];
    while (ports.length < 6) {
      const p = await freePort();
      if (!ports.includes(p)) ports.push(p);
    }
    const c = new OwnRedisCluster(dir, ports.slice(0, 3), ports.slice(3), opts.password);
    try {
      for (const port of c.ports) await c.startNode(port);
      await c.create();
      await c.waitOk();
    } catch (err) {
      // Nothing half-started outlives a failed start.
      await c.stop();
      throw err;
    }
    return c;
  }

  private create(): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const auth = this.password ? ['-a', this.password, '--no-auth-warning'] : [];
      const create = spawn('redis-cli', [...auth, '--cluster', 'create', ...this.ports.map((p) => `127.0.0.1:${p}`), '--cluster-replicas', '0', '--cluster-yes'], { stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      create.stdout!.on('data', (d: Buffer) => (out += d.toString()));
      create.stderr!.on('data', (d: Buffer) => (out += d.toString()));
      create.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`redis-cli --cluster create: ${code}\n${out}`))));
    });
  }

  private async startNode(port: number): Promise<void> {
    const busPort = this.busPorts[this.ports.indexOf(port)];
    const proc = spawn(
      'redis-server',
      [
        '--port', String(port),
        '--cluster-port', String(busPort),
        '--bind', '127.0.0.1',
        '--cluster-enabled', 'yes',
        '--cluster-config-file', `nodes-${port}.conf`,
        '--cluster-node-timeout', '1000',
        '--dir', this.dir,
        '--save', '',
        '--appendonly', 'no',
        ...(this.password ? ['--requirepass', this.password, '--masterauth', this.password] : []),
      ],
      { stdio: 'ignore' },
    );
    this.procs.set(port, proc);
    await listening(port);
  }

  /** Resolves once every node reports `cluster_state:ok`. */
  waitOk(timeoutMs = 20_000): Promise<void> {
    return this.waitState('ok', this.ports, timeoutMs);
  }

  /** Resolves once each of `ports` reports `cluster_state:<state>` (`fail` once a master is missed). */
  async waitState(state: 'ok' | 'fail', ports: number[], timeoutMs = 20_000): Promise<void> {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const states = await Promise.all(
        ports.map(async (port) => {
          const r = this.client(port, { maxRetriesPerRequest: 0, retryStrategy: () => null });
          try {
            await r.connect();
            return new RegExp(`cluster_state:${state}`).test(String(await r.call('CLUSTER', 'INFO')));
          } catch {
            return false;
          } finally {
            r.disconnect();
          }
        }),
      );
      if (states.every(Boolean)) return;
      if (Date.now() > until) throw new Error(`the Redis Cluster did not reach cluster_state:${state}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** SIGKILL of one node's process. */
  async kill(port: number): Promise<void> {
    const p = this.procs.get(port);
    if (!p || p.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      p.once('exit', () => resolve());
      p.kill('SIGKILL');
    });
  }

  /** Starts a killed node again (same port, same node file: it takes its slots back). */
  async restart(port: number): Promise<void> {
    await this.startNode(port);
  }

  async stop(): Promise<void> {
    for (const port of this.ports) await this.kill(port);
  }
}
