import { execFileSync, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { io as connect } from 'socket.io-client';
import { freePort } from '../helpers/redis';
import { nextEvent, waitFor } from '../helpers/wait';

const ROOT = path.resolve(__dirname, '../..');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

/**
 * The production path of the README: `npm run build`, then an install without dev dependencies
 * (`npm prune --omit=dev` stands in for `npm ci --omit=dev`, which would download them again),
 * then `npm start`. Whatever the server needs at run time must still be there.
 */
describe('production build', () => {
  let dir: string;
  let proc: ChildProcess | undefined;
  beforeAll(() => {
    execFileSync(npm, ['run', 'build'], { cwd: ROOT, stdio: 'pipe' });
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lt-prod-'));
    for (const f of ['package.json', 'package-lock.json', 'scripts/start.mjs']) fs.cpSync(path.join(ROOT, f), path.join(dir, f));
    for (const pkg of ['schemas', 'server', 'client-sdk']) {
      fs.cpSync(path.join(ROOT, pkg, 'package.json'), path.join(dir, pkg, 'package.json'));
      fs.cpSync(path.join(ROOT, pkg, 'dist'), path.join(dir, pkg, 'dist'), { recursive: true });
    }
    // No sources: the build is all there is, as in the container's runtime stage.
    fs.cpSync(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'), { recursive: true, verbatimSymlinks: true });
    execFileSync(npm, ['prune', '--omit=dev', '--no-audit', '--no-fund'], { cwd: dir, stdio: 'pipe' });
  }, 240_000);
  afterAll(async () => {
    if (proc && proc.exitCode === null) {
      const exited = new Promise((r) => proc!.once('exit', r));
      proc.kill('SIGTERM');
      await exited;
    }
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('runs with production dependencies only: pages, API, SDK bundle and live sockets', async () => {
    for (const dev of ['tsx', 'typescript', 'esbuild', 'jest']) expect(fs.existsSync(path.join(dir, 'node_modules', dev))).toBe(false);
    const port = await freePort();
    const key = 'production-test-key-0123456789';
    proc = spawn(process.execPath, ['scripts/start.mjs'], {
      cwd: dir,
      // As the container's runtime stage: NODE_ENV=production, which needs SMTP_URL or MAIL_TRANSPORT=log said on purpose.
      env: {
        ...process.env,
        NODE_ENV: 'production',
        MAIL_TRANSPORT: 'log',
        PORT: String(port),
        HOST: '127.0.0.1',
        DATABASE_URL: path.join(dir, 'data', 'prod.sqlite'),
        ADMIN_API_KEY: key,
        LOG_LEVEL: 'warn',
        SEED_DEMO: 'true',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    proc.stdout!.on('data', (d: Buffer) => (output += d.toString()));
    proc.stderr!.on('data', (d: Buffer) => (output += d.toString()));
    const url = `http://127.0.0.1:${port}`;
    await waitFor(async () => (await fetch(`${url}/readyz`).catch(() => undefined))?.status === 200, `ready (output: ${output})`, 30_000);
    expect(output).not.toMatch(/building/);
    await waitFor(() => output.includes('MAIL_TRANSPORT=log: mails are not sent'), `the start's warning about mail (output: ${output})`);

    expect((await fetch(`${url}/widgets/ticker.html?ticker=demo`)).status).toBe(200);
    const sdk = await fetch(`${url}/sdk/liveticker.js`);
    expect(sdk.status).toBe(200);
    expect((await sdk.text()).length).toBeGreaterThan(10_000);

    const s = connect(url, { transports: ['websocket'], reconnection: false });
    try {
      await nextEvent(s, 'connect');
      expect(await s.timeout(5000).emitWithAck('subscribe', { stream: 'ticker:demo' })).toMatchObject({ ok: true });
      const frame = nextEvent<{ changes: Array<{ data: { body: string } }> }>(s, 'changes');
      const posted = await fetch(`${url}/api/v1/tickers/demo/entries`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
        body: JSON.stringify({ body: '<p>from the build</p>' }),
      });
      expect(posted.status).toBe(201);
      expect((await frame).changes[0].data.body).toBe('<p>from the build</p>');
    } finally {
      s.close();
    }
  });
});
