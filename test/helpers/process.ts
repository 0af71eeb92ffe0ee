import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import path from 'node:path';
import { freePort } from './redis';
import { waitFor } from './wait';

const ROOT = path.resolve(__dirname, '../..');

/** A server started as its own process with `npm start`'s entry point and the given env. */
export class ServerProcess {
  private output = '';
  private constructor(
    readonly url: string,
    private readonly proc: ChildProcess,
  ) {
    proc.stdout?.on('data', (d: Buffer) => (this.output += d.toString()));
    proc.stderr?.on('data', (d: Buffer) => (this.output += d.toString()));
  }

  static async start(env: Record<string, string>): Promise<ServerProcess> {
    const port = await freePort();
    const proc = spawn(path.join(ROOT, 'node_modules/.bin/tsx'), [path.join(ROOT, 'server/src/main.ts')], {
      cwd: ROOT,
      env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn', SEED_DEMO: 'false', ADMIN_API_KEY: 'test-ops-key-0123456789abcdef', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const node = new ServerProcess(`http://127.0.0.1:${port}`, proc);
    try {
      await waitFor(async () => (await fetch(`${node.url}/readyz`)).ok, 'server process ready', 30_000);
    } catch (err) {
      proc.kill('SIGKILL');
      throw new Error(`${(err as Error).message}\n${node.output}`);
    }
    return node;
  }

  get log(): string {
    return this.output;
  }

  async stop(): Promise<void> {
    if (this.proc.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => this.proc.kill('SIGKILL'), 5000);
      this.proc.once('exit', () => {
        clearTimeout(timer);
        resolve();
      });
      this.proc.kill('SIGTERM');
    });
  }
}
