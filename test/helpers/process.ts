import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import path from 'node:path';
import { freePort } from './redis';
import { waitFor } from './wait';

const ROOT = path.resolve(__dirname, '../..');

export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** How long the process took to exit after the signal, ms. */
  ms: number;
}

/** A server started as its own process with `npm start`'s entry point and the given env. */
export class ServerProcess {
  private output = '';
  private readonly exited: Promise<ExitInfo>;
  private signalledAt = 0;

  private constructor(
    readonly url: string,
    readonly port: number,
    readonly env: Record<string, string>,
    private readonly proc: ChildProcess,
  ) {
    proc.stdout?.on('data', (d: Buffer) => (this.output += d.toString()));
    proc.stderr?.on('data', (d: Buffer) => (this.output += d.toString()));
    this.exited = new Promise((resolve) => proc.once('exit', (code, signal) => resolve({ code, signal, ms: Date.now() - this.signalledAt })));
  }

  /**
   * Starts a server and waits until it is ready. Without `port` a free one is picked; as another
   * process may take it between the pick and the bind, a start that fails with EADDRINUSE is
   * tried again on another port.
   */
  static async start(env: Record<string, string>, opts: { port?: number } = {}): Promise<ServerProcess> {
    for (let attempt = 0; ; attempt++) {
      const port = opts.port ?? (await freePort());
      const node = ServerProcess.spawn(env, port);
      try {
        await waitFor(
          async () => {
            if (node.proc.exitCode !== null) throw new Error(`exited with ${node.proc.exitCode}`);
            return (await fetch(`${node.url}/readyz`)).ok;
          },
          'server process ready',
          30_000,
        );
        return node;
      } catch (err) {
        node.proc.kill('SIGKILL');
        await node.exited;
        // With a given port, a restart may find it still held for a moment by the old process.
        if (/EADDRINUSE/.test(node.output) && attempt < 5) {
          await new Promise((r) => setTimeout(r, 200));
          continue;
        }
        throw new Error(`${(err as Error).message}\n${node.output}`);
      }
    }
  }

  private static spawn(env: Record<string, string>, port: number): ServerProcess {
    // One process (node with tsx's loader), not the tsx CLI: that one runs the server in a child,
    // so a SIGKILL would hit only the wrapper and leave the server running.
    const proc = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'server/src/main.ts')], {
      cwd: ROOT,
      env: {
        ...process.env,
        PORT: String(port),
        HOST: '127.0.0.1',
        LOG_LEVEL: 'warn',
        SEED_DEMO: 'false',
        ADMIN_API_KEY: 'test-ops-key-0123456789abcdef',
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    return new ServerProcess(`http://127.0.0.1:${port}`, port, env, proc);
  }

  /** The same server (env and port) started again, e.g. after `stop()` or `kill()`. */
  restart(): Promise<ServerProcess> {
    return ServerProcess.start(this.env, { port: this.port });
  }

  get log(): string {
    return this.output;
  }

  get pid(): number {
    return this.proc.pid!;
  }

  get running(): boolean {
    return this.proc.exitCode === null && this.proc.signalCode === null;
  }

  /**
   * A graceful stop (SIGTERM, as a deploy does). Resolves with how it exited; there is no
   * SIGKILL fallback, so a server that does not stop by itself fails the test that waited.
   */
  async stop(timeoutMs = 20_000): Promise<ExitInfo> {
    if (!this.running) return this.exited;
    this.signalledAt = Date.now();
    this.proc.kill('SIGTERM');
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        this.proc.kill('SIGKILL');
        reject(new Error(`server did not exit within ${timeoutMs} ms of SIGTERM\n${this.output.slice(-2000)}`));
      }, timeoutMs);
    });
    try {
      return await Promise.race([this.exited, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** A hard crash (SIGKILL): no goodbye to anyone. */
  async kill(): Promise<ExitInfo> {
    if (!this.running) return this.exited;
    this.signalledAt = Date.now();
    this.proc.kill('SIGKILL');
    return this.exited;
  }
}
