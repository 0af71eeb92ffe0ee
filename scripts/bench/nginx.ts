import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '../..');

/** Debian's nginx, wherever it is. */
export const NGINX = ['/usr/sbin/nginx', '/usr/bin/nginx'].find((p) => fs.existsSync(p)) ?? 'nginx';

/**
 * deploy/nginx.conf as shipped, with only the upstream addresses, the listening port and the
 * worker count made this machine's (Debian's nginx 1.22 has no `resolve` on upstream servers).
 */
export function nginxConfig(port: number, upstreams: string[], workers: number | 'auto' = 1, opts: { edgeLimits?: boolean; accessLog?: string } = {}): string {
  let conf = fs.readFileSync(path.join(ROOT, 'deploy/nginx.conf'), 'utf8');
  // The bench's thousands of readers all come from 127.0.0.1: one address to nginx.
  if (opts.edgeLimits === false) conf = conf.replace(/\n\s*# BEGIN edge limits[\s\S]*?# END edge limits/g, '');
  const servers = upstreams.map((u) => `    server ${u} max_fails=1 fail_timeout=5s;`).join('\n');
  const out = conf
    .replace(/(# BEGIN liveticker servers\n)[\s\S]*?(\s*# END liveticker servers)/g, `$1${servers}$2`)
    .replace(/\n\s*resolver [^\n]*;/, '')
    .replace(/listen 8080;/, `listen 127.0.0.1:${port};`)
    .replace(/worker_processes auto;/, `worker_processes ${workers};`)
    .replace(/worker_connections \d+;/, 'worker_connections 30000;')
    // The deployment's log format, to a file of the caller's (off for a bench: it would fill a disk).
    .replace(/access_log \S+ liveticker;/, opts.accessLog ? `access_log ${opts.accessLog} liveticker;` : 'access_log off;');
  if (out === conf) throw new Error('deploy/nginx.conf no longer has the markers replaced here');
  return out;
}

/** Starts nginx with that configuration in a directory of its own; `stop()` ends it and cleans up. */
export async function startNginx(port: number, upstreams: string[], workers: number | 'auto' = 1): Promise<{ proc: ChildProcess; stop(): Promise<void> }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lt-nginx-'));
  fs.writeFileSync(path.join(dir, 'nginx.conf'), nginxConfig(port, upstreams, workers, { edgeLimits: false }));
  const proc = spawn(NGINX, ['-p', dir, '-c', path.join(dir, 'nginx.conf'), '-g', `daemon off; pid ${dir}/nginx.pid; error_log ${dir}/error.log warn;`], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let err = '';
  proc.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  for (let i = 0; i < 150; i++) {
    if (proc.exitCode !== null) throw new Error(`nginx exited: ${err}`);
    const up = await fetch(`http://127.0.0.1:${port}/readyz`).then((r) => r.ok, () => false);
    if (up) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    proc,
    async stop() {
      if (proc.exitCode === null) {
        const gone = new Promise((r) => proc.once('exit', r));
        proc.kill('SIGTERM');
        await gone;
      }
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
