import { io as connect } from 'socket.io-client';
import type { Socket } from 'socket.io-client';
import WebSocket from 'ws';
import { DIALECTS } from '../helpers/db';
import { createTestDatabase } from '../helpers/db';
import type { TestDatabase } from '../helpers/db';
import { OPS_KEY, setup, startNode } from '../helpers/server';
import type { TestNode, TestSetup } from '../helpers/server';
import { opsApi, raw } from '../helpers/api';
import { makeUser } from '../helpers/cluster';
import { SHARED_REDIS_URL, cleanPrefix, randomPrefix } from '../helpers/redis';
import { nextEvent, waitFor, withTimeout } from '../helpers/wait';
import { MAX_CATCH_UP_BYTES } from '../../server/src/realtime/changelog';
import { readCost } from '../../server/src/http/app';

const ops = { authorization: `Bearer ${OPS_KEY}` };
type Refusal = Error & { data?: { code: string; retryAfter?: number } };

const open: Socket[] = [];
afterEach(() => {
  for (const s of open.splice(0)) s.close();
});

function socket(url: string, opts: Parameters<typeof connect>[1] = {}): Socket {
  const s = connect(url, { transports: ['websocket'], reconnection: false, ...opts });
  open.push(s);
  return s;
}

/** Resolves with the connect error, or undefined when the socket connected. */
function outcome(s: Socket): Promise<Refusal | undefined> {
  return withTimeout(
    new Promise((resolve) => {
      s.once('connect', () => resolve(undefined));
      s.once('connect_error', (err) => resolve(err as Refusal));
    }),
    'socket outcome',
  );
}

const from = (ip: string) => ({ 'x-forwarded-for': ip });

describe.each(DIALECTS)('catch-up is bounded by bytes (%s)', (dialect) => {
  let t: TestSetup;
  beforeAll(async () => {
    t = await setup(dialect, 'memory', { readRateLimit: 0 });
    await opsApi(t.url).createTicker({ id: 'long', title: 'Long entries', status: 'live' });
    // 80 entries of 20,000 characters: about 1.7 MB of changes since 0.
    for (let i = 0; i < 80; i++) await opsApi(t.url).post('long', { body: `<p>${String(i).padStart(3, '0')} ${'x'.repeat(19_980)}</p>` });
  });
  afterAll(async () => t.close());

  it('REST: `since=0` answers about 1 MB with more: true, and paging on gives every entry once', async () => {
    const seen: string[] = [];
    let since = 0;
    let pages = 0;
    for (;;) {
      const res = await fetch(`${t.url}/api/v1/tickers/long/changes?since=${since}`);
      const text = await res.text();
      expect(Buffer.byteLength(text)).toBeLessThan(MAX_CATCH_UP_BYTES + 64 * 1024);
      const body = JSON.parse(text) as { rev: number; changes: Array<{ type: string; data: { id: string } }>; more?: true };
      seen.push(...body.changes.filter((c) => c.type.startsWith('entry.')).map((c) => c.data.id));
      since = body.rev;
      pages++;
      if (!body.more) break;
      expect(pages).toBeLessThan(10);
    }
    expect(pages).toBeGreaterThanOrEqual(2);
    expect(new Set(seen).size).toBe(80);
    expect(seen).toHaveLength(80);
  });

  it('socket: `subscribe {since: 0}` is bounded the same way', async () => {
    const s = socket(t.url);
    await nextEvent(s, 'connect');
    const first = await s.timeout(10_000).emitWithAck('subscribe', { stream: 'ticker:long', since: 0 });
    expect(first.ok).toBe(true);
    expect(first.more).toBe(true);
    expect(Buffer.byteLength(JSON.stringify(first))).toBeLessThan(MAX_CATCH_UP_BYTES + 64 * 1024);
    const rest = await s.timeout(10_000).emitWithAck('subscribe', { stream: 'ticker:long', since: first.rev, epoch: first.epoch });
    const entries = [...first.changes, ...rest.changes].filter((c: { type: string }) => c.type.startsWith('entry.'));
    expect(new Set(entries.map((c: { data: { id: string } }) => c.data.id)).size).toBe(80);
    expect(rest.more).toBeUndefined();
  });
});

describe('public reads are limited per client address (READ_RATE_LIMIT), an answer costing by its size', () => {
  let t: TestSetup;
  beforeAll(async () => {
    t = await setup('sqlite', 'memory', { readRateLimit: 20, trustProxy: 1 });
    await opsApi(t.url).createTicker({ id: 'reads', title: 'Reads', status: 'live' });
    for (let i = 0; i < 3; i++) await opsApi(t.url).post('reads', { body: `<p>${'r'.repeat(19_000)}</p>` });
  });
  afterAll(async () => t.close());

  it('answers 429 with Retry-After past the budget, charges big answers more, and leaves other addresses and staff alone', async () => {
    const get = (path: string, headers: Record<string, string>) => raw(t.url, 'GET', path, undefined, headers);
    // Three catch-ups of about 57 KB each: 4 points apiece.
    let spent = 0;
    for (let i = 0; i < 3; i++) {
      const res = await get('/tickers/reads/changes?since=0', from('192.0.2.1'));
      expect(res.status).toBe(200);
      spent += readCost(Number(res.headers.get('content-length')));
    }
    expect(spent).toBe(12);
    let small = 0;
    while ((await get('/tickers/reads', from('192.0.2.1'))).status === 200 && small < 30) small++;
    expect(small).toBe(20 - spent);
    const limited = await get('/tickers/reads', from('192.0.2.1'));
    expect(limited.status).toBe(429);
    expect(limited.body.error.code).toBe('rate_limited');
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    // A socket catch-up from the database draws on the same budget.
    const s = socket(t.url, { extraHeaders: from('192.0.2.1') });
    await nextEvent(s, 'connect');
    expect(await s.timeout(5000).emitWithAck('subscribe', { stream: 'ticker:reads', since: 0 })).toMatchObject({ ok: false, error: { code: 'rate_limited' } });
    expect((await get('/tickers/reads', from('192.0.2.2'))).status).toBe(200);
    expect((await get('/tickers/reads', { ...from('192.0.2.1'), ...ops })).status).toBe(200);
  });
});

describe('sockets per address (MAX_SOCKETS_PER_IP), counted over every node', () => {
  const variants: Array<['memory' | 'redis']> = [['memory'], ['redis']];
  describe.each(variants)('%s', (bus) => {
    let db: TestDatabase;
    let nodes: TestNode[];
    let prefix: string | undefined;
    beforeAll(async () => {
      db = await createTestDatabase('sqlite');
      prefix = bus === 'redis' ? randomPrefix() : undefined;
      const { MemoryHub } = await import('@liveticker/server');
      const hub = new MemoryHub();
      const config = { maxSocketsPerIp: 5, trustProxy: 1 as const };
      nodes = [];
      for (let i = 0; i < 2; i++) {
        nodes.push(
          await startNode({ databaseUrl: db.url, hub: bus === 'memory' ? hub : undefined, redisUrl: bus === 'redis' ? SHARED_REDIS_URL : undefined, redisPrefix: prefix, config }),
        );
      }
    });
    afterAll(async () => {
      for (const n of nodes) await n.close();
      if (prefix) await cleanPrefix(SHARED_REDIS_URL, prefix);
      await db.drop();
    });

    it('lets five in over two nodes, refuses the sixth on either with too_many_connections, and frees a place on disconnect', async () => {
      const mine = { extraHeaders: from('198.51.100.20') };
      const a = [socket(nodes[0].url, mine), socket(nodes[0].url, mine), socket(nodes[0].url, mine)];
      for (const s of a) expect(await outcome(s)).toBeUndefined();
      const b = [socket(nodes[1].url, mine), socket(nodes[1].url, mine)];
      for (const s of b) expect(await outcome(s)).toBeUndefined();
      for (const node of nodes) {
        const refused = await outcome(socket(node.url, mine));
        expect(refused?.data).toMatchObject({ code: 'too_many_connections', retryAfter: expect.any(Number) });
      }
      // Refused a moment ago: turned away before the upgrade, without counting or asking Redis again.
      const perIp = async () => (await nodes[0].deps.metrics.socketRefusals.get()).values.find((v) => v.labels.reason === 'per_ip')?.value;
      const before = await perIp();
      for (let i = 0; i < 5; i++) expect(await outcome(socket(nodes[0].url, mine))).toBeDefined();
      expect(await perIp()).toBe(before);
      // Another address is not affected.
      expect(await outcome(socket(nodes[1].url, { extraHeaders: from('198.51.100.21') }))).toBeUndefined();
      a[0].close();
      await waitFor(async () => (await outcome(socket(nodes[1].url, mine))) === undefined, 'a place freed on the other node', 5000);
      const metrics = await (await fetch(`${nodes[0].url}/metrics`)).text();
      expect(metrics).toMatch(/liveticker_socket_refusals_total\{reason="per_ip"\} [1-9]/);
    });

    it('gives the place back when a client hangs up in the middle of its handshake', async () => {
      const mine = from('198.51.100.30');
      for (let i = 0; i < 10; i++) {
        const ws = new WebSocket(`${nodes[0].url.replace('http', 'ws')}/socket.io/?EIO=4&transport=websocket`, { headers: mine });
        await nextEvent(ws, 'open');
        ws.send('40');
        ws.terminate();
      }
      // Every place is free again: five real readers get in, on either node.
      await waitFor(async () => {
        const tries = [0, 0, 1, 1, 0].map((n) => socket(nodes[n].url, { extraHeaders: mine }));
        const results = await Promise.all(tries.map(outcome));
        for (const s of tries) s.close();
        return results.every((r) => r === undefined);
      }, 'five places free', 10_000);
    });
  });
});

describe('readers are counted once, however many sockets they hold', () => {
  let t: TestSetup;
  beforeAll(async () => {
    t = await setup('sqlite', 'memory');
    await opsApi(t.url).createTicker({ id: 'count', title: 'Count', status: 'live' });
  });
  afterAll(async () => t.close());

  it('three sockets of one user, three of one browser and one stranger are three readers', async () => {
    const user = await makeUser(t.url);
    const sockets = [
      ...[1, 2, 3].map(() => socket(t.url, { auth: { token: user.token } })),
      ...[1, 2, 3].map(() => socket(t.url, { auth: { readerId: 'browser-one-0001' } })),
      socket(t.url),
    ];
    const presence: number[] = [];
    sockets[6].on('presence', (p: { readers: number }) => presence.push(p.readers));
    for (const s of sockets) {
      await waitFor(() => s.connected, 'socket connected');
      expect(await s.timeout(5000).emitWithAck('subscribe', { stream: 'ticker:count' })).toMatchObject({ ok: true });
    }
    await waitFor(() => presence.at(-1) === 3, `presence says 3 readers (got ${presence.join(',')})`);
  });
});

describe('a socket that floods is cut off, and a reconnect does not reset it', () => {
  let t: TestSetup;
  beforeAll(async () => {
    t = await setup('sqlite', 'memory', { trustProxy: 1 });
  });
  afterAll(async () => t.close());

  it('disconnects at 3x the command rate and refuses the same address (or user) for a minute; others connect', async () => {
    const user = await makeUser(t.url);
    for (const [who, opts] of [
      ['address', { extraHeaders: from('203.0.113.50') }],
      ['user', { extraHeaders: from('203.0.113.51'), auth: { token: user.token } }],
    ] as const) {
      const flooder = socket(t.url, opts);
      await nextEvent(flooder, 'connect');
      const gone = nextEvent(flooder, 'disconnect', `${who} flooder cut off`);
      for (let i = 0; i < 150; i++) flooder.emit('unsubscribe', { stream: 'ticker:none' });
      await gone;
      const again = await outcome(socket(t.url, opts));
      expect(again?.data).toMatchObject({ code: 'rate_limited', retryAfter: expect.any(Number) });
      expect(again!.data!.retryAfter).toBeGreaterThan(30);
    }
    // The user is out from a fresh address too; an anonymous reader there is not.
    const elsewhere = await outcome(socket(t.url, { extraHeaders: from('203.0.113.52'), auth: { token: user.token } }));
    expect(elsewhere?.data?.code).toBe('rate_limited');
    expect(await outcome(socket(t.url, { extraHeaders: from('203.0.113.52') }))).toBeUndefined();
    // Another reader, logged in, behind the anonymous flooder's address (an office) is not out.
    const colleague = await makeUser(t.url);
    expect(await outcome(socket(t.url, { extraHeaders: from('203.0.113.50'), auth: { token: colleague.token } }))).toBeUndefined();
  });
});

describe('a flooder cut off on one node is kept out of the others, and of a node started after (Redis)', () => {
  let db: TestDatabase;
  const nodes: TestNode[] = [];
  const prefix = randomPrefix();
  const start = async () => {
    const node = await startNode({ databaseUrl: db.url, redisUrl: SHARED_REDIS_URL, redisPrefix: prefix, config: { trustProxy: 1 } });
    nodes.push(node);
    return node;
  };
  beforeAll(async () => {
    db = await createTestDatabase('sqlite');
  });
  afterAll(async () => {
    for (const n of nodes) await n.close();
    await cleanPrefix(SHARED_REDIS_URL, prefix);
    await db.drop();
  });

  it('refuses the address on the other node at once (bus) and on a new node (it reads the blocks when it starts)', async () => {
    const [a, b] = [await start(), await start()];
    const mine = { extraHeaders: from('203.0.113.70') };
    const flooder = socket(a.url, mine);
    await nextEvent(flooder, 'connect');
    const gone = nextEvent(flooder, 'disconnect', 'flooder cut off');
    for (let i = 0; i < 150; i++) flooder.emit('unsubscribe', { stream: 'ticker:none' });
    await gone;
    await waitFor(async () => (await outcome(socket(b.url, mine)))?.data?.code === 'rate_limited', 'the other node refuses the flooder', 5000);
    const c = await start();
    const refused = await outcome(socket(c.url, mine));
    expect(refused?.data).toMatchObject({ code: 'rate_limited', retryAfter: expect.any(Number) });
    expect(refused!.data!.retryAfter).toBeGreaterThan(30);
    // Another address gets in on every node.
    for (const node of [a, b, c]) expect(await outcome(socket(node.url, { extraHeaders: from('203.0.113.71') }))).toBeUndefined();
  });
});

describe('a reader that does not read is cut off once its unsent output passes the bound (slow)', () => {
  let t: TestSetup;
  beforeAll(async () => {
    t = await setup('sqlite', 'memory', { socketMaxBufferBytes: 256 * 1024, readRateLimit: 0 });
    await opsApi(t.url).createTicker({ id: 'slow', title: 'Slow', status: 'live' });
  });
  afterAll(async () => t.close());

  it('drops the stuck socket; an honest reader beside it gets every entry', async () => {
    const honest = socket(t.url);
    const got = new Set<number>();
    honest.on('changes', (f: { stream: string; changes: Array<{ rev: number }> }) => f.changes.forEach((c) => got.add(c.rev)));
    await nextEvent(honest, 'connect');
    expect(await honest.timeout(5000).emitWithAck('subscribe', { stream: 'ticker:slow' })).toMatchObject({ ok: true });

    // A raw Engine.IO client that subscribes, then stops reading its TCP socket.
    const ws = new WebSocket(`${t.url.replace('http', 'ws')}/socket.io/?EIO=4&transport=websocket`);
    const closed = new Promise<void>((resolve) => ws.once('close', () => resolve()));
    await nextEvent(ws, 'open');
    ws.send('40');
    await waitFor(() => t.node.server.io.of('/').sockets.size === 2, 'raw client joined');
    ws.send('420["subscribe",{"stream":"ticker:slow"}]');
    await waitFor(() => t.node.server.io.of('/').adapter.rooms.get('ticker:slow')?.size === 2, 'raw client subscribed');
    (ws as unknown as { _socket: { pause(): void } })._socket.pause();

    const refusals = () => t.node.deps.metrics.socketRefusals.get().then((m) => m.values.find((v) => v.labels.reason === 'slow')?.value ?? 0);
    let posted = 0;
    while ((await refusals()) === 0 && posted < 2000) {
      await opsApi(t.url).post('slow', { body: `<p>${posted} ${'y'.repeat(19_000)}</p>` });
      posted++;
    }
    expect(await refusals()).toBe(1);
    await waitFor(() => t.node.server.io.of('/').sockets.size === 1, 'the stuck socket is gone');
    await waitFor(() => got.size === posted, `the honest reader got all ${posted} entries`);
    ws.terminate();
    await closed;
  });
});

describe('the Socket.IO long-polling transport (a proxy that blocks WebSocket)', () => {
  let t: TestSetup;
  beforeAll(async () => {
    t = await setup('sqlite', 'memory');
    await opsApi(t.url).createTicker({ id: 'poll', title: 'Polling', status: 'live' });
  });
  afterAll(async () => t.close());

  it('connects, subscribes and receives over HTTP long-polling (Express does not answer its path first)', async () => {
    const s = socket(t.url, { transports: ['polling'] });
    await nextEvent(s, 'connect');
    expect(s.io.engine.transport.name).toBe('polling');
    expect(await s.timeout(5000).emitWithAck('subscribe', { stream: 'ticker:poll' })).toMatchObject({ ok: true });
    const frame = nextEvent<{ changes: Array<{ data: { body: string } }> }>(s, 'changes');
    await opsApi(t.url).post('poll', { body: '<p>over polling</p>' });
    expect((await frame).changes[0].data.body).toBe('<p>over polling</p>');
  });
});

describe.each(DIALECTS)('storage full (%s)', (dialect) => {
  it('answers writes 503 unavailable, logs the cause (not "cannot rollback"), and /readyz is 503 until a write goes through again', async () => {
    const { createDeps, createServer, testConfig } = await import('@liveticker/server');
    const { default: pino } = await import('pino');
    const { sql } = await import('kysely');
    const { freePort } = await import('../helpers/redis');
    const db = await createTestDatabase(dialect);
    const lines: Array<{ level: number; msg: string; cause?: string; err?: { message?: string } }> = [];
    const logger = pino({ level: 'info' }, { write: (s: string) => void lines.push(JSON.parse(s)) });
    const port = await freePort();
    const deps = await createDeps(testConfig({ publicUrl: `http://127.0.0.1:${port}`, databaseUrl: db.url, adminApiKey: OPS_KEY }), { logger });
    const server = await createServer(deps);
    await server.listen(port, '127.0.0.1');
    const url = `http://127.0.0.1:${port}`;
    const kdb = deps.database.db;
    try {
      await opsApi(url).createTicker({ id: 'full', title: 'Full', status: 'live' });
      // The disk fills: SQLite may not grow past its current pages; PostgreSQL answers disk_full.
      if (dialect === 'sqlite') {
        const pages = (await sql<{ page_count: number }>`pragma page_count`.execute(kdb)).rows[0].page_count;
        await sql.raw(`pragma max_page_count = ${pages}`).execute(kdb);
      } else {
        await sql.raw(`create function lt_disk_full() returns trigger language plpgsql as $$ begin raise exception 'could not extend file: No space left on device' using errcode = 'disk_full'; end $$`).execute(kdb);
        for (const table of ['entries', 'health_probe']) await sql.raw(`create trigger lt_full before insert on ${table} for each row execute function lt_disk_full()`).execute(kdb);
      }
      const big = { body: `<p>${'z'.repeat(19_000)}</p>` };
      let res = await raw(url, 'POST', '/tickers/full/entries', big, ops);
      for (let i = 0; i < 50 && res.status === 201; i++) res = await raw(url, 'POST', '/tickers/full/entries', big, ops);
      expect(res.status).toBe(503);
      expect(res.body.error).toMatchObject({ code: 'unavailable', message: expect.stringMatching(/storage full/) });

      for (let i = 0; i < 3; i++) expect((await raw(url, 'POST', '/tickers/full/entries', big, ops)).status).toBe(503);
      // Said once (again after a minute), not once per failed write.
      expect(lines.filter((l) => /storage full/.test(l.msg))).toHaveLength(1);
      expect(lines.filter((l) => /writable again/.test(l.msg))).toEqual([]);
      const logged = lines.find((l) => /storage full/.test(l.msg));
      expect(logged?.level).toBe(50);
      expect(logged?.cause).toMatch(/full|No space/);
      expect(lines.filter((l) => JSON.stringify(l).includes('cannot rollback'))).toEqual([]);
      expect(lines.filter((l) => l.msg === 'request failed')).toEqual([]);

      const ready = await fetch(`${url}/readyz`);
      expect(ready.status).toBe(503);
      expect(await ready.json()).toEqual({ ok: false, reason: 'storage_full' });
      expect((await fetch(`${url}/healthz`).then((r) => r.json())).storage).toBe('full');
      // Reading goes on.
      expect((await raw(url, 'GET', '/tickers/full/entries')).status).toBe(200);

      // Space is freed: the probe's write goes through and the node is ready again.
      if (dialect === 'sqlite') await sql.raw('pragma max_page_count = 1073741823').execute(kdb);
      else for (const table of ['entries', 'health_probe']) await sql.raw(`drop trigger lt_full on ${table}`).execute(kdb);
      await waitFor(async () => (await fetch(`${url}/readyz`)).status === 200, 'ready again', 10_000);
      expect((await raw(url, 'POST', '/tickers/full/entries', big, ops)).status).toBe(201);
    } finally {
      await server.close();
      await deps.close();
      await db.drop();
    }
  });
});

describe('a subscribe that fails after joining', () => {
  let t: TestSetup;
  beforeAll(async () => {
    t = await setup('sqlite', 'memory');
    await opsApi(t.url).createTicker({ id: 'joined', title: 'Joined', status: 'live' });
    await opsApi(t.url).post('joined', { body: '<p>one</p>' });
  });
  afterAll(async () => t.close());

  it('leaves the socket out of the room (no live frames for a refused subscribe)', async () => {
    const s = socket(t.url);
    await nextEvent(s, 'connect');
    // Relayed already (its activation read done), then left.
    expect(await s.timeout(5000).emitWithAck('subscribe', { stream: 'ticker:joined' })).toMatchObject({ ok: true });
    expect(await s.timeout(5000).emitWithAck('unsubscribe', { stream: 'ticker:joined' })).toMatchObject({ ok: true });
    // The recent cache steps aside and the database read fails, after the socket joined the room.
    const { jest: j } = await import('@jest/globals');
    const since = j.spyOn(t.node.server.ctx.changeLog, 'since').mockRejectedValueOnce(new Error('database went away'));
    const spy = j.spyOn(t.node.server.fanout, 'recentSince').mockReturnValueOnce(undefined);
    const ack = await s.timeout(5000).emitWithAck('subscribe', { stream: 'ticker:joined', since: 0 });
    expect(ack).toMatchObject({ ok: false, error: { code: 'internal' } });
    expect(since).toHaveBeenCalled();
    spy.mockRestore();
    since.mockRestore();
    expect(t.node.server.io.of('/').adapter.rooms.get('ticker:joined')?.has(s.id!) ?? false).toBe(false);
  });
});
