import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { io as connect } from 'socket.io-client';
import WebSocket from 'ws';
import { createClient } from '@liveticker/client-sdk';
import type { ConnectionStatus, LivetickerClient, TickerView } from '@liveticker/client-sdk';
import { createTestDatabase } from '../helpers/db';
import type { TestDatabase } from '../helpers/db';
import { OwnRedis, freePort } from '../helpers/redis';
import { ServerProcess } from '../helpers/process';
import { OPS_KEY, startNode } from '../helpers/server';
import type { Config } from '@liveticker/server';
import type { TestNode } from '../helpers/server';
import { makeUser } from '../helpers/cluster';
import { opsApi, raw } from '../helpers/api';
import { nextEvent, waitFor, withTimeout } from '../helpers/wait';

const ops = { authorization: `Bearer ${OPS_KEY}` };
const bodies = (v: TickerView) => v.entries.map((e) => e.body);
/** What a reader ends up with must be every entry exactly once, in order. */
const expectExactly = (v: TickerView, want: string[]) => expect(bodies(v)).toEqual(want);

describe('a reader survives every way a connection ends', () => {
  const clients: LivetickerClient[] = [];
  const cleanups: Array<() => Promise<unknown>> = [];
  const client = (url: string, opts: Partial<Parameters<typeof createClient>[0]> = {}) => {
    const c = createClient({ url, reconnectDelayMaxMs: 1000, ...opts });
    clients.push(c);
    return c;
  };
  afterEach(async () => {
    for (const c of clients.splice(0)) c.close();
    for (const close of cleanups.splice(0).reverse()) await close();
  });

  /** A server in this process on a fresh SQLite file; closed and the file removed after the test. */
  async function inProcessNode(config: Partial<Config> = {}) {
    const db = await createTestDatabase('sqlite');
    const node = await startNode({ databaseUrl: db.url, config });
    cleanups.push(async () => {
      await node.close();
      await db.drop();
    });
    return node;
  }

  /** A server process on a fresh SQLite file; stopped and the file removed after the test. */
  async function serverProcess(extra: Record<string, string> = {}) {
    const db = await createTestDatabase('sqlite');
    const state = { server: await ServerProcess.start({ DATABASE_URL: db.url, SHUTDOWN_TIMEOUT_MS: '5000', ...extra }) };
    cleanups.push(async () => {
      await state.server.kill();
      await db.drop();
    });
    return { db, state };
  }

  it('SIGTERM: the node drains (readyz 503, exit 0 well within its deadline) and every reader resumes on the restarted node, each entry once, in order', async () => {
    const { state } = await serverProcess();
    const api = opsApi(state.server.url);
    await api.createTicker({ id: 'deploy', title: 'Deploy night' });
    for (let i = 1; i <= 3; i++) await api.post('deploy', { body: `before ${i}` });
    const c = client(state.server.url);
    const statuses: ConnectionStatus[] = [];
    c.on('status', (s) => statuses.push(s));
    const view = c.ticker('deploy', { order: 'oldest', pageSize: 100 });
    await view.ready;
    // With the default backoff (up to 5 s): told the server restarts, it tries about once a second.
    const plain = client(state.server.url, { reconnectDelayMaxMs: undefined });
    const plainTries: Array<{ retryInMs: number; reason?: string }> = [];
    plain.on('status', (s) => void (s.state === 'reconnecting' && plainTries.push(s)));
    await plain.ticker('deploy').ready;

    const exit = await state.server.stop();
    expect(exit).toMatchObject({ code: 0, signal: null });
    expect(exit.ms).toBeLessThan(5000);
    expect(state.server.log).not.toMatch(/"level":(50|60)/); // no error or fatal while stopping
    await waitFor(() => statuses.some((s) => s.state === 'reconnecting' && s.reason === 'restart'), 'the reader told the server is restarting');
    await waitFor(() => plainTries.length >= 5, 'five tries while the node is away', 15_000);
    for (const t of plainTries) expect(t).toMatchObject({ reason: 'restart', retryInMs: expect.any(Number) });
    expect(Math.max(...plainTries.map((t) => t.retryInMs))).toBeLessThanOrEqual(1500);

    state.server = await state.server.restart();
    const api2 = opsApi(state.server.url);
    for (let i = 1; i <= 3; i++) await api2.post('deploy', { body: `after ${i}` });
    await waitFor(() => bodies(view).length === 6, 'entries after the restart');
    expectExactly(view, ['before 1', 'before 2', 'before 3', 'after 1', 'after 2', 'after 3']);
    expect(statuses.at(-1)).toEqual({ state: 'online' });
  });

  it('SIGTERM: even a plain Socket.IO client is told the node goes and gets a transport close, which it reconnects after by itself', async () => {
    const { state } = await serverProcess({ SHUTDOWN_TIMEOUT_MS: '3000' });
    await opsApi(state.server.url).createTicker({ id: 'drain', title: 'Drain' });
    // A raw socket on an old client that never reconnects by itself still gets told to go.
    const raw = connect(state.server.url, { transports: ['websocket'], reconnection: false });
    await nextEvent(raw, 'connect', 'raw socket connected');
    const told = nextEvent<{ reason: string }>(raw, 'server:shutdown', 'server:shutdown event');
    const closed = nextEvent<string>(raw, 'disconnect', 'raw socket closed');
    const stopped = state.server.stop();
    expect(await told).toEqual({ reason: 'restart' });
    // A transport close, which every Socket.IO client reconnects after by itself.
    expect(await closed).toBe('transport close');
    expect((await stopped).code).toBe(0);
    raw.close();
  });

  it('SIGTERM with a peer that never answers the WebSocket close: the deadline cuts it and the node still exits 0', async () => {
    const { state } = await serverProcess({ SHUTDOWN_TIMEOUT_MS: '1500' });
    const ws = new WebSocket(`${state.server.url.replace('http', 'ws')}/socket.io/?EIO=4&transport=websocket`);
    await new Promise<void>((resolve, reject) => {
      ws.once('message', () => resolve());
      ws.once('error', reject);
    });
    ws.send('40');
    // A frozen tab: the TCP connection stays open but nothing is read or answered any more.
    (ws as unknown as { _socket: import('node:net').Socket })._socket.pause();
    const exit = await state.server.stop();
    expect(exit.code).toBe(0);
    expect(exit.ms).toBeLessThan(1500 + 1500);
    ws.terminate();
  });

  it('a view of a ticker that does not exist fails for good instead of retrying forever', async () => {
    const node = await inProcessNode();
    const view = client(node.url).ticker('no-such-ticker');
    await expect(withTimeout(view.ready, 'the view to fail')).rejects.toMatchObject({ code: 'unknown_stream' });
  });

  it('SIGKILL: a reader of a crashed node resumes once it is back, with nothing lost or doubled', async () => {
    const { state } = await serverProcess();
    const api = opsApi(state.server.url);
    await api.createTicker({ id: 'crash', title: 'Crash' });
    await api.post('crash', { body: 'one' });
    const view = client(state.server.url).ticker('crash', { order: 'oldest' });
    await view.ready;
    await state.server.kill();
    state.server = await state.server.restart();
    const api2 = opsApi(state.server.url);
    await api2.post('crash', { body: 'two' });
    await api2.post('crash', { body: 'three' });
    await waitFor(() => bodies(view).length === 3, 'entries after the crash');
    expectExactly(view, ['one', 'two', 'three']);
  });

  it('a view opened while the server is down comes alive when it starts', async () => {
    const db = await createTestDatabase('sqlite');
    const port = await freePort();
    const c = client(`http://127.0.0.1:${port}`);
    const view = c.ticker('late', { order: 'oldest' });
    const errors: string[] = [];
    view.on('error', (e) => errors.push(e.code));
    await waitFor(() => clients.length && (c as unknown as { attempt: number }).attempt >= 2, 'a few refused connection tries');
    const server = await ServerProcess.start({ DATABASE_URL: db.url }, { port });
    cleanups.push(async () => {
      await server.kill();
      await db.drop();
    });
    const api = opsApi(server.url);
    await api.createTicker({ id: 'late', title: 'Late' });
    await api.post('late', { body: 'first' });
    await withTimeout(view.ready, 'the view loaded', 20_000);
    await api.post('late', { body: 'second' });
    await waitFor(() => bodies(view).length === 2, 'live entries');
    expectExactly(view, ['first', 'second']);
  });

  it('a stale bearer token or session cookie never stops reading: the client reads on anonymously and hears why', async () => {
    const node = await inProcessNode();
    await opsApi(node.url).createTicker({ id: 'stale', title: 'Stale' });
    await opsApi(node.url).post('stale', { body: 'hello' });
    const user = await makeUser(node.url);
    await raw(node.url, 'POST', '/auth/logout', undefined, { authorization: `Bearer ${user.token}` });

    const withToken = client(node.url, { token: user.token });
    const ended = nextEvent<{ reason: string }>(withToken, 'sessionEnded', 'sessionEnded for the stale token');
    const v1 = withToken.ticker('stale');
    await withTimeout(v1.ready, 'the view with a stale token loaded');
    expect((await ended).reason).toBe('session_invalid');
    expect(bodies(v1)).toEqual(['hello']);

    // A stale cookie: a same-site page has no token, only the HttpOnly cookie on the handshake.
    const s = connect(node.url, { transports: ['websocket'], reconnection: false, extraHeaders: { cookie: `lt_session=${user.token}` } });
    cleanups.push(async () => void s.close());
    expect(await nextEvent<{ reason: string }>(s, 'session:ended', 'session:ended for the stale cookie')).toEqual({ reason: 'session_invalid' });
    const ack = await s.timeout(5000).emitWithAck('subscribe', { stream: 'ticker:stale' });
    expect(ack).toMatchObject({ ok: true, rev: expect.any(Number) });
  });

  it('a ban while reading ends the login but not the reading; the reader is told why', async () => {
    const node = await inProcessNode({ scrypt: { logN: 10, r: 8, p: 1 } });
    const api = opsApi(node.url);
    await api.createTicker({ id: 'ban', title: 'Ban' });
    await api.post('ban', { body: 'one' });
    const user = await makeUser(node.url);
    const c = client(node.url, { token: user.token });
    const view = c.ticker('ban', { order: 'oldest' });
    await view.ready;
    const ended = nextEvent<{ reason: string }>(c, 'sessionEnded', 'sessionEnded after the ban');
    expect((await raw(node.url, 'PATCH', `/users/${user.id}`, { banned: true }, ops)).status).toBe(200);
    expect((await ended).reason).toBe('banned');
    await api.post('ban', { body: 'two' });
    await waitFor(() => bodies(view).length === 2, 'entries after the ban');
    expectExactly(view, ['one', 'two']);
  });

  it('verification and a role change take effect on an open socket, without a reconnect', async () => {
    const node = await inProcessNode({ scrypt: { logN: 10, r: 8, p: 1 }, limitOverrides: { registerIp: { points: 1000, duration: 3600 } } });
    await opsApi(node.url).createTicker({ id: 'verify', title: 'Verify', status: 'live' });
    const email = `late-${Date.now()}@example.org`;
    expect((await raw(node.url, 'POST', '/auth/register', { email, password: 'a long secret', displayName: 'Late Verifier' })).status).toBe(202);
    const token = (await raw(node.url, 'POST', '/auth/login', { email, password: 'a long secret' })).body.token as string;
    const s = connect(node.url, { transports: ['websocket'], reconnection: false, auth: { token } });
    cleanups.push(async () => void s.close());
    await nextEvent(s, 'connect', 'socket connected');
    let disconnected = false;
    s.on('disconnect', () => (disconnected = true));
    const send = (body: string) => s.timeout(5000).emitWithAck('chat:send', { tickerId: 'verify', body, clientId: `cid-${body.replace(/\W/g, '')}-${Date.now()}` });
    expect(await send('before')).toMatchObject({ ok: false, error: { code: 'email_not_verified' } });

    // The link from the mail (dev mode: issued straight from the database here).
    const { issueEmailToken } = await import('../../server/src/auth/email-tokens');
    const user = (await raw(node.url, 'GET', '/me', undefined, { authorization: `Bearer ${token}` })).body;
    const link = await issueEmailToken(node.deps.database.db, user.id, email, 'verify');
    // Verified from the session that is open on the socket (other sessions made before would end).
    expect((await raw(node.url, 'POST', '/auth/verify', { token: link }, { authorization: `Bearer ${token}` })).status).toBe(200);
    expect(await send('after')).toMatchObject({ ok: true, message: { body: 'after' } });

    // Promoted to moderator: the moderation stream opens on the same socket; demoted: it closes.
    expect(await s.timeout(5000).emitWithAck('subscribe', { stream: 'mod:verify' })).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    expect((await raw(node.url, 'PATCH', `/users/${user.id}`, { role: 'moderator' }, ops)).status).toBe(200);
    expect(await s.timeout(5000).emitWithAck('subscribe', { stream: 'mod:verify' })).toMatchObject({ ok: true });
    expect((await raw(node.url, 'PATCH', `/users/${user.id}`, { role: 'reader' }, ops)).status).toBe(200);
    const rooms = () => node.server.io.of('/').adapter.rooms.get('mod:verify')?.size ?? 0;
    await waitFor(() => rooms() === 0, 'the demoted moderator left the moderation stream');
    expect(await s.timeout(5000).emitWithAck('subscribe', { stream: 'mod:verify' })).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    expect(disconnected).toBe(false);
  });

  it('a session that expires while its socket is open ends there too (re-checked periodically), and the socket reads on', async () => {
    const node = await inProcessNode({ scrypt: { logN: 10, r: 8, p: 1 }, sessionRecheckMs: 300 });
    await opsApi(node.url).createTicker({ id: 'expiry', title: 'Expiry', status: 'live' });
    const user = await makeUser(node.url);
    const c = client(node.url, { token: user.token });
    const view = c.chat('expiry');
    await view.ready;
    expect(await view.send('while logged in')).toMatchObject({ body: 'while logged in' });
    const ended = nextEvent<{ reason: string }>(c, 'sessionEnded', 'sessionEnded after the expiry');
    // The session runs out (as SESSION_TTL_HOURS would make it): no logout, no message on the bus.
    await node.deps.database.db.updateTable('sessions').set({ expires_at: new Date(Date.now() - 1000).toISOString() }).where('user_id', '=', user.id).execute();
    expect((await ended).reason).toBe('session_ended');
    await expect(view.send('after the expiry', { attempts: 1 })).rejects.toMatchObject({ code: 'login_required' });
    await opsApi(node.url).rest.post('/tickers/expiry/entries', { body: 'still reading' });
    const reader = c.ticker('expiry');
    await withTimeout(reader.ready, 'reading after the expiry');
    expect(reader.entries.map((e) => e.body)).toEqual(['still reading']);
  });

  it('a database restored to an earlier state (or a recreated ticker) makes the reader start over instead of freezing', async () => {
    const { db, state } = await serverProcess();
    const api = opsApi(state.server.url);
    await api.createTicker({ id: 'restore', title: 'Restore' });
    await api.post('restore', { body: 'kept' });
    // The backup: a copy of the file while the server is stopped (see `npm run backup` for a live one).
    await state.server.stop();
    const backup = `${db.url}.bak`;
    fs.copyFileSync(db.url, backup);
    state.server = await state.server.restart();
    const api2 = opsApi(state.server.url);
    for (const body of ['lost 1', 'lost 2', 'lost 3']) await api2.post('restore', { body });
    const view = client(state.server.url).ticker('restore', { order: 'oldest' });
    await view.ready;
    expectExactly(view, ['kept', 'lost 1', 'lost 2', 'lost 3']);
    const heldRev = view.rev;

    // Restore the backup: the stream's head is now behind what the reader holds.
    await state.server.kill();
    for (const ext of ['', '-wal', '-shm']) fs.rmSync(`${db.url}${ext}`, { force: true });
    fs.copyFileSync(backup, db.url);
    state.server = await state.server.restart();
    await waitFor(() => view.rev < heldRev && bodies(view).length === 1, 'the view reloaded from the restored database');
    expectExactly(view, ['kept']);
    await opsApi(state.server.url).post('restore', { body: 'new after restore' });
    await waitFor(() => bodies(view).length === 2, 'live again after the reset');
    expectExactly(view, ['kept', 'new after restore']);
  });

  it('with WebSocket blocked, the view is kept current over REST polling until the socket is back', async () => {
    const node = await inProcessNode();
    const api = opsApi(node.url);
    await api.createTicker({ id: 'blocked', title: 'Blocked' });
    await api.post('blocked', { body: 'one' });

    // A proxy that passes REST and refuses /socket.io/ (a corporate proxy without WebSocket).
    let blockSockets = true;
    const pollStatuses: number[] = [];
    const target = new URL(node.url);
    const proxy = http.createServer((req, res) => {
      if (req.url?.startsWith('/socket.io/') && blockSockets) {
        res.writeHead(403).end();
        return;
      }
      const upstream = http.request({ host: target.hostname, port: target.port, path: req.url, method: req.method, headers: req.headers }, (up) => {
        if (req.url?.includes('/changes')) pollStatuses.push(up.statusCode ?? 0);
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      });
      req.pipe(upstream);
    });
    proxy.on('upgrade', (req, socket, head) => {
      if (blockSockets) return socket.destroy();
      const upstream = http.request({ host: target.hostname, port: target.port, path: req.url, method: req.method, headers: req.headers });
      upstream.on('upgrade', (res, upSocket, upHead) => {
        socket.write(`HTTP/1.1 101 Switching Protocols\r\n${Object.entries(res.headers).map(([k, v]) => `${k}: ${String(v)}`).join('\r\n')}\r\n\r\n`);
        if (upHead.length) socket.write(upHead);
        if (head.length) upSocket.write(head);
        upSocket.pipe(socket).pipe(upSocket);
        socket.on('error', () => upSocket.destroy());
        upSocket.on('error', () => socket.destroy());
      });
      upstream.end();
    });
    await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', () => r()));
    cleanups.push(async () => {
      proxy.closeAllConnections();
      await new Promise((r) => proxy.close(r));
    });
    const url = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;

    const c = client(url, { pollAfterMs: 300, pollIntervalMs: 200 });
    const view = c.ticker('blocked', { order: 'oldest' });
    await withTimeout(view.ready, 'the view loaded over REST');
    expect(c.isPolling).toBe(true);
    await api.post('blocked', { body: 'two' });
    await api.post('blocked', { body: 'three' });
    await waitFor(() => bodies(view).length === 3, 'entries while polling');
    expectExactly(view, ['one', 'two', 'three']);
    // Unchanged streams cost a 304, not a read of the changes.
    await waitFor(() => pollStatuses.filter((s) => s === 304).length >= 2, 'polls answered 304');

    blockSockets = false;
    await waitFor(() => c.socket.connected && !c.isPolling, 'the socket back, polling stopped', 20_000);
    await api.post('blocked', { body: 'four' });
    await waitFor(() => bodies(view).length === 4, 'entries over the socket again');
    expectExactly(view, ['one', 'two', 'three', 'four']);
  });

  it('a stream first opened on a node while Redis is down is live there, and stays live when Redis is back', async () => {
    const redis = await OwnRedis.start();
    const db = await createTestDatabase('sqlite');
    const node: TestNode = await startNode({ databaseUrl: db.url, redisUrl: redis.url, config: { scrypt: { logN: 10, r: 8, p: 1 } } });
    cleanups.push(async () => {
      await node.close();
      await redis.kill();
      await db.drop();
    });
    const api = opsApi(node.url);
    await api.createTicker({ id: 'redis-down', title: 'Redis down', status: 'live' });
    const user = await makeUser(node.url);
    await redis.kill();
    // Throttled calls do not wait for Redis: the in-memory stand-in answers (it used to take 12–33 s).
    const login = await withTimeout(raw(node.url, 'POST', '/auth/login', { email: user.email, password: 'a long secret' }), 'a login during the Redis outage', 5000);
    expect(login.status).toBe(200);
    const chatter = connect(node.url, { transports: ['websocket'], reconnection: false, auth: { token: login.body.token } });
    cleanups.push(async () => void chatter.close());
    await nextEvent(chatter, 'connect', 'chat socket connected');
    const sent = await withTimeout(
      chatter.timeout(5000).emitWithAck('chat:send', { tickerId: 'redis-down', body: 'still here', clientId: 'redis-down-msg-1' }),
      'a chat message during the Redis outage',
      5000,
    );
    expect(sent).toMatchObject({ ok: true });
    // Ready while the database is fine: a Redis outage must not take every node out of the balancer.
    expect((await fetch(`${node.url}/readyz`)).status).toBe(200);
    expect(await (await fetch(`${node.url}/healthz`)).json()).toMatchObject({ ok: true, redis: expect.not.stringMatching(/^ready$/) });

    const view = client(node.url).ticker('redis-down', { order: 'oldest' });
    await withTimeout(view.ready, 'the view opened while Redis is down');
    await api.post('redis-down', { body: 'during the outage' });
    await waitFor(() => bodies(view).length === 1, 'an entry during the outage');
    await redis.start();
    await waitFor(() => node.deps.redis?.sub?.status === 'ready', 'the node reconnected to Redis', 20_000);
    await api.post('redis-down', { body: 'after the outage' });
    await waitFor(() => bodies(view).length === 2, 'an entry after the outage');
    expectExactly(view, ['during the outage', 'after the outage']);
  });

  it('races: concurrent creates of one ticker id or user get one 201 and 409s (never a 500); two moderators resolving one report: one wins', async () => {
    for (const dialect of ['sqlite', 'postgres'] as const) {
      const db: TestDatabase = await createTestDatabase(dialect);
      const node = await startNode({ databaseUrl: db.url, config: { scrypt: { logN: 10, r: 8, p: 1 } } });
      try {
        const results = await Promise.all(Array.from({ length: 6 }, () => raw(node.url, 'POST', '/tickers', { id: 'same-id', title: 'Same' }, ops)));
        expect(results.map((r) => r.status).sort()).toEqual([201, 409, 409, 409, 409, 409]);
        const users = await Promise.all(
          Array.from({ length: 4 }, () => raw(node.url, 'POST', '/users', { email: 'twice@example.org', password: 'a long secret', displayName: 'Twice', role: 'editor' }, ops)),
        );
        expect(users.map((r) => r.status).sort()).toEqual([201, 409, 409, 409]);

        // Two moderators resolve one report at once: one wins, the message is deleted once.
        const author = await makeUser(node.url);
        const reporter = await makeUser(node.url);
        const mods = [await makeUser(node.url, 'moderator'), await makeUser(node.url, 'moderator')];
        await raw(node.url, 'PATCH', '/tickers/same-id', { status: 'live' }, ops);
        const msg = (await raw(node.url, 'POST', '/tickers/same-id/messages', { body: 'report me', clientId: 'race-report-1' }, { authorization: `Bearer ${author.token}` })).body;
        const report = await raw(node.url, 'POST', `/messages/${msg.id}/reports`, { reason: 'spam' }, { authorization: `Bearer ${reporter.token}` });
        expect(report.status).toBe(201);
        const resolved = await Promise.all(
          mods.map((m) => raw(node.url, 'POST', `/reports/${report.body.id}/resolve`, { action: 'delete' }, { authorization: `Bearer ${m.token}` })),
        );
        expect(resolved.map((r) => r.status).sort()).toEqual([200, 404]);
        const log = await node.deps.database.db.selectFrom('moderation_log').select('action').where('action', 'in', ['report.delete', 'message.delete']).execute();
        expect(log.map((l) => l.action).sort()).toEqual(['message.delete', 'report.delete']);
      } finally {
        await node.close();
        await db.drop();
      }
    }
  });
});
