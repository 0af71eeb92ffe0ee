import { execFileSync } from 'node:child_process';
import http from 'node:http';
import { io as connect } from 'socket.io-client';
import type { Socket } from 'socket.io-client';
import { createClient } from '@liveticker/client-sdk';
import type { LivetickerClient, TickerView } from '@liveticker/client-sdk';
import { createTestDatabase } from '../helpers/db';
import type { Dialect, TestDatabase } from '../helpers/db';
import { SHARED_REDIS_URL, cleanPrefix, randomPrefix } from '../helpers/redis';
import { ServerProcess } from '../helpers/process';
import { opsApi } from '../helpers/api';
import { handshakeOutcome, waitFor, withTimeout } from '../helpers/wait';

const OPS = 'test-ops-key-0123456789abcdef';

/**
 * One request on a connection of its own, so node:cluster hands each to the next worker in turn
 * (fetch would reuse one keep-alive connection, and with it one worker).
 */
function once(url: string, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const data = body === undefined ? undefined : JSON.stringify(body);
    const req = http.request(
      `${url}${path}`,
      { method, agent: false, headers: { ...(data ? { 'content-type': 'application/json' } : {}), ...headers } },
      (res) => {
        let text = '';
        res.on('data', (d: Buffer) => (text += d.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      },
    );
    req.on('error', reject);
    req.end(data);
  });
}

/** The worker index a client's Engine.IO session belongs to (session ids start with `w<index>.`). */
const workerOf = (c: LivetickerClient) => /^w(\d+)\./.exec((c.socket.io.engine as unknown as { id?: string }).id ?? '')?.[1];

/** The worker processes of a primary (not the esbuild service tsx runs beside them). */
function children(pid: number): number[] {
  try {
    return execFileSync('pgrep', ['-P', String(pid), '-f', 'server/src/main'], { encoding: 'utf8' }).split('\n').filter(Boolean).map(Number);
  } catch {
    return []; // pgrep exits 1 when nothing matches
  }
}

const metric = async (url: string, name: string) => Number(new RegExp(`^${name} (\\d+)`, 'm').exec((await once(url, 'GET', '/metrics')).text)?.[1] ?? 0);

const env = (db: TestDatabase) => ({
  WORKERS: '2',
  DATABASE_URL: db.url,
  TRUST_PROXY: '1',
  MAX_SOCKETS_PER_IP: '30',
  SCRYPT_LOG_N: '10',
  SHUTDOWN_TIMEOUT_MS: '4000',
  LOG_LEVEL: 'info',
  LOG_FORMAT: 'json',
});

describe.each<[string, Dialect, boolean]>([
  ['without Redis (the primary relays), SQLite', 'sqlite', false],
  ['with Redis, PostgreSQL', 'postgres', true],
])('WORKERS=2 on one port, %s', (_name, dialect, withRedis) => {
  let db: TestDatabase;
  let prefix: string;
  let server: ServerProcess;
  const clients: LivetickerClient[] = [];
  const raws: Socket[] = [];
  /** The Engine.IO session of each client when the readers were placed. */
  let sids: string[] = [];
  /** The last reader count each client was told, by stream. */
  const readers = new Map<string, number[]>();
  const sid = (c: LivetickerClient) => (c.socket.io.engine as unknown as { id: string }).id;

  beforeAll(async () => {
    db = await createTestDatabase(dialect);
    prefix = randomPrefix();
    server = await ServerProcess.start({ ...env(db), ...(withRedis ? { REDIS_URL: SHARED_REDIS_URL, REDIS_PREFIX: prefix } : {}) });
    // Ready once one worker answers: the primary's banner says every worker listens.
    await waitFor(() => /"msg":"liveticker listening/.test(server.log), 'every worker listening', 15_000);
    // node:cluster hands connections to whichever worker is free first, not strictly in turn:
    // readers are added until each worker holds a WebSocket and a long-polling reader.
    const combos = new Set<string>();
    for (let i = 0; combos.size < 4 && i < 24; i++) {
      const transport = i % 2 ? 'polling' : 'websocket';
      const c = createClient({ url: server.url, transports: [transport], readerId: `reader-${i}-abcdef`, reconnectDelayMaxMs: 500 });
      clients.push(c);
      c.socket.on('presence', (p: { stream: string; readers: number }) => {
        const told = readers.get(p.stream) ?? [];
        told[i] = p.readers;
        readers.set(p.stream, told);
      });
      await new Promise<void>((resolve) => (c.socket.connected ? resolve() : c.socket.once('connect', () => resolve())));
      combos.add(`${workerOf(c)} ${transport}`);
    }
    expect([...combos].sort()).toEqual(['1 polling', '1 websocket', '2 polling', '2 websocket']);
    sids = clients.map(sid);
  }, 90_000);

  afterAll(async () => {
    for (const c of clients) c.close();
    for (const s of raws) s.close();
    if (server?.running) await server.stop();
    if (withRedis) await cleanPrefix(SHARED_REDIS_URL, prefix);
    await db?.drop();
  });

  /** A new ticker every client follows. */
  const follow = async (id: string) => {
    await opsApi(server.url, OPS).createTicker({ id, title: `Two workers: ${id}`, status: 'live' });
    const views = clients.map((c) => c.ticker(id, { order: 'oldest', pageSize: 100 }));
    await Promise.all(views.map((v) => v.ready));
    return views;
  };
  const post = (id: string, body: string) => once(server.url, 'POST', `/api/v1/tickers/${id}/entries`, { body }, { authorization: `Bearer ${OPS}` });
  const bodies = (v: TickerView) => v.entries.map((e) => e.body);

  it('readers on both workers, over WebSocket and long-polling, get every entry once and in order, whichever worker took the POST', async () => {
    const views = await follow('deliver');
    const heard = await metric(server.url, 'liveticker_bus_changes_received_total');
    const want: string[] = [];
    for (let i = 0; i < 20; i++) {
      want.push(`<p>entry ${i}</p>`);
      expect((await post('deliver', want[i])).status).toBe(201);
    }
    await waitFor(() => views.every((v) => bodies(v).length === 20), 'every reader has 20 entries', 15_000);
    for (const v of views) expect(bodies(v)).toEqual(want);
    // The workers told each other (the database sweep would heal a silent bus, later).
    expect((await metric(server.url, 'liveticker_bus_changes_received_total')) - heard).toBeGreaterThanOrEqual(20);
    // Nobody had to start over: the polling sessions held, request after request, on any worker.
    expect(clients.map(sid)).toEqual(sids);
    expect(clients.every((c) => c.socket.connected)).toBe(true);
  }, 60_000);

  it('concurrent writes through both workers all land, and every reader sees them in the same order', async () => {
    const views = await follow('burst');
    const results = await Promise.all(Array.from({ length: 30 }, (_, i) => post('burst', `<p>burst ${i}</p>`)));
    expect(results.map((r) => r.status)).toEqual(Array(30).fill(201));
    await waitFor(() => views.every((v) => bodies(v).length === 30), 'every reader has the burst', 15_000);
    for (const v of views) expect(bodies(v)).toEqual(bodies(views[0]));
  });

  it('reader counts and metrics are the sum over the workers', async () => {
    await follow('count');
    const n = clients.length;
    const told = () => readers.get('ticker:count') ?? [];
    await waitFor(() => clients.every((_, i) => told()[i] === n), `every reader is told ${n} readers (got ${told().join(',')})`, 10_000);
    expect(await metric(server.url, 'liveticker_sockets')).toBe(n);
  });

  it('throttles count over the workers: five wrong passwords per address and account, whichever worker answers', async () => {
    const created = await once(server.url, 'POST', '/api/v1/users', { email: 'ed@example.org', password: 'a long secret', displayName: 'Ed Itor', role: 'editor' }, { authorization: `Bearer ${OPS}` });
    expect(created.status).toBe(201);
    const statuses: number[] = [];
    for (let i = 0; i < 8; i++) {
      statuses.push((await once(server.url, 'POST', '/api/v1/auth/login', { email: 'ed@example.org', password: `wrong ${i}` }, { 'x-forwarded-for': '203.0.113.7' })).status);
    }
    expect(statuses).toEqual([401, 401, 401, 401, 401, 429, 429, 429]);
  });

  it('MAX_SOCKETS_PER_IP holds over the workers', async () => {
    const outcomes = await Promise.all(
      Array.from({ length: 40 }, () => handshakeOutcome(server.url, '203.0.113.9', raws)),
    );
    expect(outcomes.filter(Boolean)).toHaveLength(30);
    for (const s of raws.splice(0)) s.close();
  });
});

describe('WORKERS=2: a worker killed hard, then SIGTERM', () => {
  let db: TestDatabase;
  let server: ServerProcess;
  const clients: LivetickerClient[] = [];

  beforeAll(async () => {
    db = await createTestDatabase('sqlite');
    server = await ServerProcess.start(env(db));
    // Ready once one worker answers: the primary's banner says every worker listens.
    await waitFor(() => /"msg":"liveticker listening/.test(server.log), 'every worker listening', 15_000);
  }, 60_000);

  afterAll(async () => {
    for (const c of clients) c.close();
    if (server?.running) await server.stop();
    await db?.drop();
  });

  it('the primary starts a killed worker again, its readers come back and miss nothing, and SIGTERM stops every process with 0', async () => {
    await opsApi(server.url, OPS).createTicker({ id: 'k', title: 'Killed worker', status: 'live' });
    const views: TickerView[] = [];
    for (let i = 0; i < 4; i++) {
      const c = createClient({ url: server.url, readerId: `reader-${i}-abcdef`, reconnectDelayMaxMs: 500 });
      clients.push(c);
      views.push(c.ticker('k', { order: 'oldest', pageSize: 100 }));
    }
    await Promise.all(views.map((v) => v.ready));
    const want: string[] = [];
    const post = async () => {
      want.push(`<p>entry ${want.length}</p>`);
      expect((await once(server.url, 'POST', '/api/v1/tickers/k/entries', { body: want.at(-1) }, { authorization: `Bearer ${OPS}` })).status).toBe(201);
    };
    await post();
    // 20 sockets of one address (of MAX_SOCKETS_PER_IP 30), over both workers.
    const ip = { 'x-forwarded-for': '203.0.113.20' };
    const raw = await Promise.all(Array.from({ length: 20 }, () => openRaw(server.url, ip)));
    expect(raw.every((r) => r.connected)).toBe(true);
    const [victim] = children(server.pid);
    process.kill(victim, 'SIGKILL');
    await waitFor(() => /worker exited: starting it again/.test(server.log), 'the primary restarts the worker', 10_000);
    // While it is down the other worker takes every write.
    await post();
    await post();
    // Scrapes while the worker starts again: the primary waits for a worker that cannot answer
    // yet, and the scrape says so with a 503 (a 500 is a bug of ours).
    const scrapes: Array<Promise<number>> = [];
    const scraping = setInterval(() => scrapes.push(once(server.url, 'GET', '/metrics').then((r) => r.status)), 250);
    await waitFor(() => children(server.pid).length === 2 && !children(server.pid).includes(victim), 'two workers again', 15_000).finally(() => clearInterval(scraping));
    const statuses = await Promise.all(scrapes);
    expect(statuses.filter((st) => st !== 200 && st !== 503)).toEqual([]);
    // Serving again: new connections reach both workers (each handshake names its worker).
    await waitFor(
      async () => {
        const seen = new Set<string>();
        for (let i = 0; i < 4; i++) seen.add(/"sid":"w(\d+)\./.exec((await once(server.url, 'GET', '/socket.io/?EIO=4&transport=polling')).text)?.[1] ?? '?');
        return seen.size === 2 && !seen.has('?');
      },
      'handshakes answered by both workers',
      20_000,
    );
    for (let i = 0; i < 5; i++) await post();
    await waitFor(() => views.every((v) => bodies(v).length === want.length), 'every reader has every entry', 20_000);
    for (const v of views) expect(bodies(v)).toEqual(want);

    // The dead worker's sockets stopped counting when it exited (not 15 s later, when they
    // would have gone stale): the address may open exactly what its live sockets leave free.
    const lost = raw.filter((r) => !r.connected).length;
    expect(lost).toBeGreaterThan(0);
    const more = await Promise.all(Array.from({ length: 10 + lost }, () => openRaw(server.url, ip)));
    expect(more.filter((r) => r.connected).length).toBe(10 + lost);
    const over = await openRaw(server.url, ip);
    expect(over.connected).toBe(false);
    for (const r of [...raw, ...more, over]) r.close();

    const pids = children(server.pid);
    const exit = await server.stop(15_000);
    expect(exit.code).toBe(0);
    for (const pid of pids) expect(() => process.kill(pid, 0)).toThrow();
    expect(server.log).toMatch(/every worker stopped/);
  }, 90_000);
});

describe('WORKERS=2: the primary killed hard', () => {
  let db: TestDatabase;
  let server: ServerProcess;

  beforeAll(async () => {
    db = await createTestDatabase('sqlite');
    server = await ServerProcess.start(env(db));
  }, 60_000);

  afterAll(async () => {
    for (const pid of children(server.pid)) process.kill(pid, 'SIGKILL');
    if (server?.running) await server.stop();
    await db?.drop();
  });

  it('the workers, left unsupervised, drain and stop on their own instead of serving on or vanishing mid-request', async () => {
    // Ready once one worker answers: the primary's banner says every worker listens.
    await waitFor(() => /"msg":"liveticker listening/.test(server.log), 'every worker listening', 15_000);
    const pids = children(server.pid);
    expect(pids).toHaveLength(2);
    process.kill(server.pid, 'SIGKILL');
    // Each stops as on SIGTERM (node:cluster alone would have exited at once, saying nothing).
    const count = (re: RegExp) => server.log.split('\n').filter((l) => re.test(l)).length;
    await waitFor(() => count(/"signal":"primary gone".*"msg":"shutting down gracefully"/) === 2, 'both workers drain', 15_000);
    await waitFor(() => count(/"msg":"stopped"/) === 2, 'both workers stopped', 15_000);
    await waitFor(() => pids.every((pid) => !alive(pid)), 'both workers exited', 5_000);
  }, 30_000);
});

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

const bodies = (v: TickerView) => v.entries.map((e) => e.body);

/** A bare Socket.IO client that does not reconnect, once it connected or was refused. */
async function openRaw(url: string, headers: Record<string, string>): Promise<Socket> {
  const s = connect(url, { transports: ['websocket'], reconnection: false, forceNew: true, extraHeaders: headers });
  await withTimeout(
    new Promise<void>((resolve) => {
      s.once('connect', () => resolve());
      s.once('connect_error', () => resolve());
    }),
    'socket outcome',
  );
  return s;
}
