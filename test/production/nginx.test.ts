import { spawn } from 'node:child_process';
import http from 'node:http';
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createClient } from '@liveticker/client-sdk';
import type { LivetickerClient, TickerView } from '@liveticker/client-sdk';
import { createTestDatabase } from '../helpers/db';
import type { TestDatabase } from '../helpers/db';
import { SHARED_REDIS_URL, cleanPrefix, freePort, randomPrefix } from '../helpers/redis';
import { ServerProcess } from '../helpers/process';
import { opsApi, raw } from '../helpers/api';
import { waitFor } from '../helpers/wait';
import { NGINX, nginxConfig } from '../../scripts/bench/nginx';

describe('two nodes behind nginx (deploy/nginx.conf)', () => {
  let db: TestDatabase;
  let prefix: string;
  let dir: string;
  let nginx: ChildProcess | undefined;
  let nodes: ServerProcess[] = [];
  let url: string;
  const clients: LivetickerClient[] = [];

  beforeAll(async () => {
    db = await createTestDatabase('postgres');
    prefix = randomPrefix();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lt-nginx-'));
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    const env = { DATABASE_URL: db.url, REDIS_URL: SHARED_REDIS_URL, REDIS_PREFIX: prefix, TRUST_PROXY: '1', PUBLIC_URL: url, SHUTDOWN_TIMEOUT_MS: '5000', SCRYPT_LOG_N: '10' };
    // One after the other: the first runs the migrations (as the README's upgrade steps say).
    nodes = [await ServerProcess.start(env)];
    nodes.push(await ServerProcess.start(env));
    fs.writeFileSync(path.join(dir, 'nginx.conf'), nginxConfig(port, nodes.map((n) => `127.0.0.1:${n.port}`), 1, { accessLog: path.join(dir, 'access.log') }));
    nginx = spawn(NGINX, ['-p', dir, '-c', path.join(dir, 'nginx.conf'), '-g', `daemon off; pid ${dir}/nginx.pid; error_log ${dir}/error.log warn;`], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    nginx.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    await waitFor(async () => {
      if (nginx!.exitCode !== null) throw new Error(`nginx exited: ${out}`);
      return (await fetch(`${url}/readyz`).catch(() => undefined))?.ok;
    }, 'nginx answering', 15_000);
  }, 90_000);

  afterAll(async () => {
    for (const c of clients) c.close();
    if (nginx && nginx.exitCode === null) {
      const gone = new Promise((r) => nginx!.once('exit', r));
      nginx.kill('SIGTERM');
      await gone;
    }
    for (const n of nodes) await n.stop();
    await cleanPrefix(SHARED_REDIS_URL, prefix);
    await db.drop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('the access log has the path a reader opened but not its query, where a mailed link carries its one-time token', async () => {
    const token = 'mailedToken0123456789abcdefSECRET';
    expect((await fetch(`${url}/reset-password?token=${token}&lang=en`)).status).toBe(200);
    expect((await fetch(`${url}/verify-email?token=${token}`)).status).toBe(200);
    // nginx writes a request's line when the request is done: wait for it rather than sleep.
    const log = path.join(dir, 'access.log');
    await waitFor(() => fs.existsSync(log) && fs.readFileSync(log, 'utf8').includes('/verify-email'), 'the access log line');
    const lines = fs.readFileSync(log, 'utf8');
    expect(lines).toMatch(/"GET \/reset-password HTTP\/1\.1" 200/);
    expect(lines).not.toContain(token);
  });

  it('readers on both nodes keep every entry, once and in order, when one node is stopped with SIGTERM', async () => {
    const api = opsApi(url);
    await api.createTicker({ id: 'lb', title: 'Behind nginx', status: 'live' });
    const views: TickerView[] = [];
    for (let i = 0; i < 12; i++) {
      const c = createClient({ url, reconnectDelayMaxMs: 1000 });
      clients.push(c);
      const v = c.ticker('lb', { order: 'oldest', pageSize: 100 });
      views.push(v);
      await v.ready;
    }
    // least_conn spread them: both nodes hold readers.
    const metric = async (n: ServerProcess) => Number(/^liveticker_sockets (\d+)/m.exec(await (await fetch(`${n.url}/metrics`)).text())?.[1] ?? 0);
    await waitFor(async () => (await metric(nodes[0])) > 0 && (await metric(nodes[1])) > 0, 'readers on both nodes');

    const want: string[] = [];
    const post = async (body: string) => {
      want.push(body);
      const res = await fetch(`${url}/api/v1/tickers/lb/entries`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer test-ops-key-0123456789abcdef` }, body: JSON.stringify({ body }) });
      if (res.status !== 201) throw new Error(`POST ${body}: ${res.status} ${(await res.text()).slice(0, 200)} ${fs.readFileSync(path.join(dir, 'error.log'), 'utf8').slice(-600)}`);
    };
    for (let i = 1; i <= 10; i++) await post(`<p>before ${i}</p>`);
    // A deploy: the first node drains; its readers reconnect through nginx to the other.
    const stopping = nodes[0].stop();
    for (let i = 1; i <= 10; i++) await post(`<p>during ${i}</p>`);
    const exit = await stopping;
    expect(exit.code).toBe(0);
    for (let i = 1; i <= 10; i++) await post(`<p>after ${i}</p>`);

    const bodies = (v: TickerView) => v.entries.map((e) => e.body);
    await waitFor(() => views.every((v) => bodies(v).length === want.length), 'every reader has every entry', 20_000);
    for (const v of views) expect(bodies(v)).toEqual(want);
    expect(await metric(nodes[1])).toBeGreaterThanOrEqual(12);
  });

  it('long-polling works through nginx (every request of a session reaches the same node)', async () => {
    await opsApi(url).createTicker({ id: 'polling', title: 'Polling', status: 'live' });
    const { io: connect } = await import('socket.io-client');
    const sockets = Array.from({ length: 6 }, () => connect(url, { transports: ['polling'], reconnection: false }));
    try {
      await waitFor(() => sockets.every((s) => s.connected), 'polling sockets connected through nginx');
      for (const s of sockets) expect(await s.timeout(5000).emitWithAck('subscribe', { stream: 'ticker:polling' })).toMatchObject({ ok: true });
      const frames = sockets.map((s) => new Promise((resolve) => s.once('changes', resolve)));
      await opsApi(url).post('polling', { body: '<p>over polling, through nginx</p>' });
      await Promise.all(frames);
    } finally {
      for (const s of sockets) s.close();
    }
  });

  it('sheds a flood from one address at the edge (handshakes, API reads), while another address connects as usual', async () => {
    /** `n` GETs from a loopback address of their own, `concurrency` at a time: the statuses, and who answered each 429. */
    const flood = async (from: string, target: string, n: number, concurrency = 50) => {
      const statuses: number[] = [];
      let byNginx = 0;
      let next = 0;
      const one = () =>
        new Promise<void>((resolve) => {
          const req = http.get(`${url}${target}`, { localAddress: from, agent: false }, (res) => {
            statuses.push(res.statusCode ?? 0);
            // nginx's own 429 is its HTML page; a node's is JSON.
            if (res.statusCode === 429 && !/json/.test(String(res.headers['content-type']))) byNginx++;
            res.resume();
            res.on('end', () => resolve());
          });
          req.on('error', () => resolve());
        });
      await Promise.all(
        Array.from({ length: concurrency }, async () => {
          while (next++ < n) await one();
        }),
      );
      return { statuses, byNginx, passed: statuses.filter((st) => st !== 429).length };
    };
    const started = Date.now();
    const [handshakes, reads] = await Promise.all([flood('127.0.0.9', '/socket.io/?EIO=4&transport=polling', 1500), flood('127.0.0.10', '/api/v1/tickers/nope/changes?since=0', 1500)]);
    const seconds = (Date.now() - started) / 1000;
    // At most the burst (200) and the rate (20/s handshakes, 50/s API) reached the nodes.
    expect(handshakes.byNginx).toBeGreaterThan(0);
    expect(handshakes.passed).toBeLessThanOrEqual(200 + 20 * seconds + 20);
    expect(reads.byNginx).toBeGreaterThan(0);
    expect(reads.passed).toBeLessThanOrEqual(200 + 50 * seconds + 50);
    // The flooders' addresses only: a reader from elsewhere connects at once.
    await opsApi(url).createTicker({ id: 'flood', title: 'Flooded', status: 'live' });
    const c = createClient({ url });
    clients.push(c);
    await c.ticker('flood', { order: 'oldest', pageSize: 10 }).ready;
  }, 60_000);

  it('keeps /metrics inside, however it is spelled', async () => {
    for (const p of ['/metrics', '/Metrics', '/METRICS', '/metrics/']) expect((await fetch(`${url}${p}`)).status).toBe(404);
  });

  it('the nodes see the client nginx saw, never an X-Forwarded-For the client wrote (TRUST_PROXY=1)', async () => {
    const email = `behind-nginx-${Date.now()}@example.org`;
    // Five wrong passwords, each with a fresh forged first hop: still one address to the node.
    for (let i = 0; i < 5; i++) {
      const res = await raw(url, 'POST', '/auth/login', { email, password: 'wrong wrong' }, { 'x-forwarded-for': `10.9.${i}.1` });
      expect(res.status).toBe(401);
    }
    expect((await raw(url, 'POST', '/auth/login', { email, password: 'wrong wrong' }, { 'x-forwarded-for': '10.9.99.1' })).status).toBe(429);
  });
});
