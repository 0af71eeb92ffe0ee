import { io as connect } from 'socket.io-client';
import type { Socket } from 'socket.io-client';
import { createClient } from '@liveticker/client-sdk';
import type { ChatView, LivetickerClient } from '@liveticker/client-sdk';
import type { Change, Message } from '@liveticker/schemas';
import { DIALECTS } from '../helpers/db';
import { BUSES, OPS_KEY } from '../helpers/server';
import { makeUser, startCluster } from '../helpers/cluster';
import type { Cluster } from '../helpers/cluster';
import { raw } from '../helpers/api';
import { sleep, waitFor } from '../helpers/wait';

const ops = { authorization: `Bearer ${OPS_KEY}` };
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
let seq = 0;
const cid = () => `client-${Date.now()}-${++seq}`;

for (const dialect of DIALECTS) {
  for (const bus of BUSES) {
    describe(`chat (${dialect}, ${bus} bus, two nodes)`, () => {
      let c: Cluster;
      const clients: LivetickerClient[] = [];
      const sockets: Socket[] = [];
      let room = 0;

      const client = (url: string, token?: string) => {
        // Each client a reader of its own (in a browser, one page is one reader).
        const cl = createClient({ url, token, readerId: `reader-${clients.length}-${Math.random().toString(36).slice(2)}` });
        clients.push(cl);
        return cl;
      };
      const socket = (url: string, token?: string) => {
        const s = connect(url, { transports: ['websocket'], reconnection: false, auth: token ? { token } : {} });
        sockets.push(s);
        return s;
      };
      const send = (s: Socket, payload: unknown) => s.timeout(5000).emitWithAck('chat:send', payload);
      /** A fresh ticker whose room has generous limits unless the test sets its own. */
      async function newRoom(settings: Record<string, unknown> = {}): Promise<string> {
        const id = `room-${++room}`;
        await raw(c.a.url, 'POST', '/tickers', { id, title: `Room ${room}`, status: 'live' }, ops);
        await raw(c.a.url, 'PATCH', `/tickers/${id}/chat-settings`, { rateLimit: { burst: 1000, perMinute: 6000 }, duplicateWindowSeconds: 0, ...settings }, ops);
        return id;
      }

      beforeAll(async () => {
        c = await startCluster(dialect, bus);
      });
      afterEach(() => {
        for (const cl of clients.splice(0)) cl.close();
        for (const s of sockets.splice(0)) s.disconnect();
      });
      afterAll(() => c.close());

      it("carries a verified user's message from a socket on node A to every reader on node B, in order", async () => {
        const id = await newRoom();
        const alice = await makeUser(c.a.url, 'reader', 'Alice');
        const readers = [client(c.b.url).chat(id), client(c.b.url).chat(id, { order: 'oldest' }), client(c.a.url).chat(id)];
        await Promise.all(readers.map((r) => r.ready));
        const chatA = client(c.a.url, alice.token).chat(id);
        await chatA.ready;
        const sent: Message[] = [];
        for (let i = 0; i < 10; i++) sent.push(await chatA.send(`  hello <b>${i}</b>\u202E \u0007 `));
        expect(sent[0]).toMatchObject({ body: 'hello <b>0</b>', status: 'visible', author: { id: alice.id, displayName: 'Alice' } });
        await waitFor(() => readers.every((r) => r.messages.length === 10), 'all readers got all messages');
        expect(readers[0].messages.map((m) => m.id)).toEqual([...sent].reverse().map((m) => m.id));
        expect(readers[1].messages.map((m) => m.id)).toEqual(sent.map((m) => m.id));
        // A reply must point into the same room.
        const reply = await chatA.send('a reply', { replyTo: sent[0].id });
        expect(reply.replyTo).toBe(sent[0].id);
        await expect(chatA.send('bad reply', { replyTo: 'no-such-message' })).rejects.toMatchObject({ code: 'validation_failed' });
      });

      it('answers every refusal with its own code', async () => {
        const id = await newRoom({ bannedWords: ['spoiler'], duplicateWindowSeconds: 60 });
        const anon = socket(c.a.url);
        expect(await send(anon, { tickerId: id, body: 'hi', clientId: cid() })).toMatchObject({ ok: false, error: { code: 'login_required' } });

        const unverifiedEmail = `unverified-${Date.now()}@example.org`;
        await raw(c.a.url, 'POST', '/auth/register', { email: unverifiedEmail, password: 'a long secret', displayName: 'New' });
        const unverified = (await raw(c.a.url, 'POST', '/auth/login', { email: unverifiedEmail, password: 'a long secret' })).body.token;
        expect(await send(socket(c.a.url, unverified), { tickerId: id, body: 'hi', clientId: cid() })).toMatchObject({ ok: false, error: { code: 'email_not_verified' } });

        const bob = await makeUser(c.a.url);
        const s = socket(c.b.url, bob.token);
        expect(await send(s, { tickerId: id, body: 'no spoiler please', clientId: cid() })).toMatchObject({ ok: false, error: { code: 'message_rejected', details: { reason: 'banned_word' } } });
        // Disguised: zero-width space, soft hyphen, Cyrillic о, fullwidth, a combining accent.
        for (const body of ['no spo\u200Biler', 'no spoi\u00ADler', 'no sp\u043Eiler', 'no ｓｐｏｉｌｅｒ', 'no spoile\u0301r']) {
          expect(await send(s, { tickerId: id, body, clientId: cid() })).toMatchObject({ ok: false, error: { code: 'message_rejected', details: { reason: 'banned_word' } } });
        }
        // Nothing visible is no message.
        expect(await send(s, { tickerId: id, body: '\u200B\u2060\u3164', clientId: cid() })).toMatchObject({ ok: false, error: { code: 'validation_failed' } });
        expect(await send(s, { tickerId: id, body: 'same text', clientId: cid() })).toMatchObject({ ok: true });
        expect(await send(s, { tickerId: id, body: 'same text', clientId: cid() })).toMatchObject({ ok: false, error: { code: 'message_rejected', details: { reason: 'duplicate' } } });

        const mod = await makeUser(c.a.url, 'moderator');
        expect((await raw(c.a.url, 'POST', `/users/${bob.id}/mute`, { minutes: 10 }, bearer(mod.token))).status).toBe(200);
        expect(await send(s, { tickerId: id, body: 'muted?', clientId: cid() })).toMatchObject({ ok: false, error: { code: 'muted', details: { until: expect.any(String) } } });

        const carol = await makeUser(c.a.url);
        await c.a.server.ctx.db.updateTable('users').set({ banned_at: new Date().toISOString() }).where('id', '=', carol.id).execute();
        // A socket whose session survived the ban (e.g. a stale node) is still refused.
        const carolSocket = socket(c.b.url, carol.token);
        await waitFor(() => carolSocket.connected || carolSocket.disconnected, 'carol handshake');
        const bannedAck = carolSocket.connected ? await send(carolSocket, { tickerId: id, body: 'hi', clientId: cid() }) : { ok: false, error: { code: 'banned' } };
        expect(bannedAck).toMatchObject({ ok: false, error: { code: expect.stringMatching(/banned|login_required/) } });

        const dave = await makeUser(c.a.url);
        const closed = await newRoom({ mode: 'closed' });
        expect(await send(socket(c.a.url, dave.token), { tickerId: closed, body: 'hi', clientId: cid() })).toMatchObject({ ok: false, error: { code: 'room_closed' } });
        expect(await send(socket(c.a.url, dave.token), { tickerId: 'no-such-room', body: 'hi', clientId: cid() })).toMatchObject({ ok: false, error: { code: 'not_found' } });
      });

      it('returns the first message for a repeated clientId, on either node, never a second copy', async () => {
        const id = await newRoom();
        const erin = await makeUser(c.a.url);
        const clientId = cid();
        const first = await send(socket(c.a.url, erin.token), { tickerId: id, body: 'only once', clientId });
        const again = await send(socket(c.b.url, erin.token), { tickerId: id, body: 'only once', clientId });
        const rest = await raw(c.a.url, 'POST', `/tickers/${id}/messages`, { body: 'only once', clientId }, bearer(erin.token));
        expect(again.message.id).toBe(first.message.id);
        expect(rest.body.id).toBe(first.message.id);
        const list = await raw(c.a.url, 'GET', `/tickers/${id}/messages`);
        expect(list.body.items).toHaveLength(1);
        // The key is scoped to its room: the same clientId in another room is a new message there.
        const other = await newRoom();
        const elsewhere = await send(socket(c.b.url, erin.token), { tickerId: other, body: 'in the other room', clientId });
        expect(elsewhere).toMatchObject({ ok: true, message: { tickerId: other, body: 'in the other room' } });
        expect(elsewhere.message.id).not.toBe(first.message.id);
        expect((await raw(c.a.url, 'GET', `/tickers/${other}/messages`)).body.items.map((m: Message) => m.body)).toEqual(['in the other room']);
      });

      it('the SDK retries a send across a dropped connection with the same clientId: one message', async () => {
        const id = await newRoom();
        const lena = await makeUser(c.a.url);
        const cl = client(c.a.url, lena.token);
        const chat = cl.chat(id);
        await chat.ready;
        const sending = chat.send('sent while the line drops', { timeoutMs: 500 });
        cl.socket.disconnect(); // the ack (if any) is lost with the connection
        await sleep(300);
        cl.socket.connect();
        const message = await sending;
        expect(message.body).toBe('sent while the line drops');
        expect((await raw(c.a.url, 'GET', `/tickers/${id}/messages`)).body.items).toHaveLength(1);
        // A late second copy would arrive before this marker, sent after the first arrived.
        await waitFor(() => chat.messages.length === 1, 'own message arrives');
        const marker = (await raw(c.a.url, 'POST', `/tickers/${id}/messages`, { body: 'marker', clientId: cid() }, bearer(lena.token))).body as Message;
        await waitFor(() => chat.messages.some((m) => m.id === marker.id), 'the marker');
        expect(chat.messages).toHaveLength(2);
        expect(chat.messages.filter((m) => m.body === 'sent while the line drops')).toHaveLength(1);
      });

      it('holds slow mode and rate limits for a user across both nodes', async () => {
        const slow = await newRoom({ slowModeSeconds: 30 });
        const frank = await makeUser(c.a.url);
        const onA = socket(c.a.url, frank.token);
        // Limits live in Redis when there is one; an in-process deployment is one node.
        const second = bus === 'redis' ? c.b.url : c.a.url;
        const onB = socket(second, frank.token);
        expect(await send(onA, { tickerId: slow, body: 'one', clientId: cid() })).toMatchObject({ ok: true });
        const refused = await send(onB, { tickerId: slow, body: 'two', clientId: cid() });
        expect(refused).toMatchObject({ ok: false, error: { code: 'slow_mode', details: { retryAfter: expect.any(Number) } } });

        const burst = await newRoom({ rateLimit: { burst: 3, perMinute: 100 } });
        const codes: string[] = [];
        for (let i = 0; i < 5; i++) {
          const ack = await send(i % 2 ? onA : onB, { tickerId: burst, body: `burst ${i}`, clientId: cid() });
          codes.push(ack.ok ? 'ok' : ack.error.code);
        }
        expect(codes).toEqual(['ok', 'ok', 'ok', 'rate_limited', 'rate_limited']);
        // The REST route shares the limit and says when to retry.
        const rest = await raw(second, 'POST', `/tickers/${burst}/messages`, { body: 'rest', clientId: cid() }, bearer(frank.token));
        expect(rest.status).toBe(429);
        expect(Number(rest.headers.get('retry-after'))).toBeGreaterThan(0);
      });

      it('takes a premoderated message through the live queue to approval and on to readers', async () => {
        const id = await newRoom({ mode: 'premoderated' });
        const mod = await makeUser(c.a.url, 'moderator', 'Mod');
        const gina = await makeUser(c.a.url);
        const reader = client(c.b.url).chat(id);
        await reader.ready;
        const queue: Change[] = [];
        const errors: unknown[] = [];
        const modClient = client(c.b.url, mod.token);
        const modSync = modClient.follow(`mod:${id}`, (changes) => queue.push(...changes), (err) => errors.push(err));
        // Everything the public chat stream carries, to prove the held message never passed it.
        const publicChanges: Change[] = [];
        client(c.b.url).follow(`chat:${id}`, (changes) => publicChanges.push(...changes), (err) => errors.push(err));
        await modSync.sync();
        // Readers may not follow the moderation stream.
        expect(await socket(c.a.url, gina.token).timeout(5000).emitWithAck('subscribe', { stream: `mod:${id}` })).toMatchObject({ ok: false, error: { code: 'forbidden' } });

        const held = await client(c.a.url, gina.token).chat(id).send('please approve me');
        expect(held.status).toBe('pending');
        await waitFor(() => queue.some((ch) => ch.type === 'message.created' && ch.data.id === held.id), 'held message in the queue');
        expect(queue[0].data).toMatchObject({ holdReason: 'premoderation', body: 'please approve me' });
        expect((await raw(c.b.url, 'GET', `/tickers/${id}/moderation/queue`, undefined, bearer(mod.token))).body.held.map((m: Message) => m.id)).toEqual([held.id]);
        expect((await raw(c.b.url, 'POST', `/messages/${held.id}/approve`, undefined, bearer(mod.token))).body.status).toBe('visible');
        await waitFor(() => reader.messages.length === 1, 'approved message reached the reader');
        // The approval is the marker: had the held message leaked, it would have come before it.
        await waitFor(() => publicChanges.some((ch) => ch.data.id === held.id), 'the approval on the public stream');
        expect(publicChanges.filter((ch) => ch.data.id === held.id).map((ch) => (ch.data as unknown as Message).status)).toEqual(['visible']);
        expect(errors).toEqual([]);
        expect(reader.messages[0]).toMatchObject({ id: held.id, body: 'please approve me', status: 'visible' });
        await waitFor(() => queue.some((ch) => ch.type === 'message.updated' && ch.data.id === held.id), 'queue saw it leave');

        const rejected = await client(c.a.url, gina.token).chat(id).send('reject me');
        await raw(c.a.url, 'POST', `/messages/${rejected.id}/reject`, undefined, bearer(mod.token));
        const log = (await raw(c.a.url, 'GET', `/tickers/${id}/moderation/log`, undefined, bearer(mod.token))).body.items;
        expect(log.map((l: { action: string }) => l.action)).toEqual(expect.arrayContaining(['message.approve', 'message.reject']));
        expect(log[0]).toMatchObject({ actor: { id: mod.id, displayName: 'Mod' }, createdAt: expect.any(String) });
      });

      it('holds watch words, takes reports, deletes into tombstones, edits and pins live', async () => {
        const id = await newRoom({ watchWords: ['scam'] });
        const mod = await makeUser(c.a.url, 'moderator');
        const hank = await makeUser(c.a.url);
        const ivy = await makeUser(c.a.url);
        const reader = client(c.b.url).chat(id, { order: 'oldest' });
        await reader.ready;
        const hankChat = client(c.a.url, hank.token).chat(id);
        expect((await hankChat.send('this is a SCAM!')).status).toBe('pending');
        const keep = await hankChat.send('keep me');
        const mine = await hankChat.send('I regret this');
        const rude = await hankChat.send('something rude');
        await waitFor(() => reader.messages.length === 3, 'three visible messages');

        const report = await raw(c.b.url, 'POST', `/messages/${rude.id}/reports`, { reason: 'abuse', note: 'insulting' }, bearer(ivy.token));
        expect(report.status).toBe(201);
        expect((await raw(c.b.url, 'POST', `/messages/${rude.id}/reports`, { reason: 'abuse' }, bearer(ivy.token))).status).toBe(409);
        const queue = (await raw(c.a.url, 'GET', `/tickers/${id}/moderation/queue`, undefined, bearer(mod.token))).body;
        expect(queue.reports.map((r: { messageId: string }) => r.messageId)).toEqual([rude.id]);
        // Each open report comes with the message it is about (the console shows it and acts on its author).
        expect(queue.reports[0].message).toMatchObject({ id: rude.id, body: 'something rude', author: { id: hank.id } });
        expect(queue.held.map((m: Message) => m.holdReason)).toEqual(['watch_word']);

        expect((await raw(c.a.url, 'DELETE', `/messages/${mine.id}`, undefined, bearer(ivy.token))).body.error.code).toBe('forbidden');
        expect((await raw(c.a.url, 'DELETE', `/messages/${mine.id}`, undefined, bearer(hank.token))).body.status).toBe('deleted');
        await raw(c.a.url, 'POST', `/reports/${report.body.id}/resolve`, { action: 'delete' }, bearer(mod.token));
        await raw(c.a.url, 'PATCH', `/messages/${keep.id}`, { body: 'keep me (edited by the moderator)' }, bearer(mod.token));
        await raw(c.a.url, 'PATCH', `/tickers/${id}/chat-settings`, { pinnedMessageId: keep.id }, bearer(mod.token));

        await waitFor(() => reader.messages.filter((m) => m.deletedAt).length === 2 && reader.pinned.length === 1, 'tombstones and pin');
        const tombstones = reader.messages.filter((m) => m.deletedAt);
        expect(tombstones.map((m) => m.id).sort()).toEqual([mine.id, rude.id].sort());
        expect(tombstones.every((m) => m.body === '' && m.status === 'deleted')).toBe(true);
        expect(reader.pinned[0]).toMatchObject({ id: keep.id, body: 'keep me (edited by the moderator)' });
        const log = (await raw(c.a.url, 'GET', `/tickers/${id}/moderation/log`, undefined, bearer(mod.token))).body.items;
        expect(log.map((l: { action: string }) => l.action)).toEqual(expect.arrayContaining(['message.delete', 'report.delete', 'message.edit', 'room.settings']));
      });

      it('cuts off a banned user’s open socket at once, on the other node', async () => {
        const id = await newRoom();
        const mod = await makeUser(c.a.url, 'moderator');
        const jack = await makeUser(c.a.url);
        const s = socket(c.b.url, jack.token);
        const jackClient = client(c.b.url, jack.token);
        const jackView = jackClient.chat(id);
        await jackView.ready;
        await waitFor(() => s.connected, 'connected');
        const reasons: string[] = [];
        s.on('session:ended', (e: { reason: string }) => reasons.push(e.reason));
        expect(await send(s, { tickerId: id, body: 'before the ban', clientId: cid() })).toMatchObject({ ok: true });
        await raw(c.a.url, 'POST', `/users/${jack.id}/ban`, { reason: 'spam' }, bearer(mod.token));
        await waitFor(() => !s.connected, 'banned socket cut off');
        expect(reasons).toEqual(['banned']);
        // The SDK carries on as an anonymous reader: it still sees the room, it cannot post.
        const other = await makeUser(c.a.url);
        await client(c.a.url, other.token).chat(id).send('after the ban');
        await waitFor(() => jackView.messages.some((m) => m.body === 'after the ban'), 'banned reader still reads');
        await expect(jackView.send('let me back in')).rejects.toMatchObject({ code: 'login_required' });
        // A page reloaded with the dead token still reads, anonymously.
        const reloaded = client(c.a.url, jack.token).chat(id);
        await reloaded.ready;
        expect(reloaded.messages.some((m) => m.body === 'after the ban')).toBe(true);
        // Bans are not tied to a room: they are logged without one.
        const banned = await c.a.server.ctx.db.selectFrom('moderation_log').selectAll().where('target_id', '=', jack.id).execute();
        expect(banned.map((b) => b.action)).toEqual(['user.ban']);
      });

      it('a reader reconnecting after missing 100 messages and 5 deletions gets exactly those, in order, once', async () => {
        const id = await newRoom();
        const kim = await makeUser(c.a.url);
        const mod = await makeUser(c.a.url, 'moderator');
        const readerClient = client(c.b.url);
        const applied: Change[] = [];
        const errors: unknown[] = [];
        const sync = readerClient.follow(`chat:${id}`, (changes) => applied.push(...changes), (err) => errors.push(err));
        await sync.sync();
        const view = readerClient.chat(id, { pageSize: 100 });
        await view.ready;
        const start = sync.lastRev;
        readerClient.socket.disconnect();

        const sent: Message[] = [];
        for (let i = 0; i < 100; i++) {
          sent.push((await raw(c.a.url, 'POST', `/tickers/${id}/messages`, { body: `missed ${i}`, clientId: cid() }, bearer(kim.token))).body);
        }
        const deleted = [3, 17, 42, 64, 99].map((i) => sent[i].id);
        for (const mid of deleted) await raw(c.a.url, 'DELETE', `/messages/${mid}`, undefined, bearer(mod.token));
        readerClient.socket.connect();

        const head = (await raw(c.a.url, 'GET', `/tickers/${id}/messages/changes?since=0`)).body.rev;
        await waitFor(() => sync.lastRev === head && view.rev === head, 'caught up');
        // A late duplicate would arrive before this marker, sent after the catch-up.
        const marker = (await raw(c.a.url, 'POST', `/tickers/${id}/messages`, { body: 'marker', clientId: cid() }, bearer(kim.token))).body as Message;
        await waitFor(() => applied.some((ch) => ch.data.id === marker.id), 'the marker after the catch-up');
        expect(errors).toEqual([]);
        const missed = applied.filter((ch) => ch.rev > start && ch.data.id !== marker.id);
        expect(missed).toHaveLength(100);
        expect(missed.filter((ch) => ch.type === 'message.deleted').map((ch) => ch.data.id).sort()).toEqual([...deleted].sort());
        expect(missed.filter((ch) => ch.type === 'message.created')).toHaveLength(95);
        const revs = missed.map((ch) => ch.rev);
        expect(revs).toEqual([...revs].sort((x, y) => x - y));
        expect(view.messages.filter((m) => m.id !== marker.id)).toHaveLength(100);
        expect(view.messages.filter((m) => m.deletedAt)).toHaveLength(5);
      });

      it('pushes the number of readers across both nodes', async () => {
        const id = await newRoom();
        const views: ChatView[] = [];
        for (const url of [c.a.url, c.a.url, c.b.url]) views.push(client(url).chat(id));
        await Promise.all(views.map((v) => v.ready));
        await waitFor(() => views.every((v) => v.readers === 3), 'presence of 3 on every node', 8000);
        clients[clients.length - 1].close();
        await waitFor(() => views[0].readers === 2, 'presence drops to 2', 8000);
      });

      describe('bad payloads get errors and hurt no one else', () => {
        let id: string;
        let bystander: ChatView;
        let user: { token: string };
        beforeAll(async () => {
          id = await newRoom();
          user = await makeUser(c.a.url);
        });
        beforeEach(async () => {
          bystander = client(c.a.url).chat(id);
          await bystander.ready;
        });
        afterEach(async () => {
          // Wait for this very message: a count would also move with the test's own late messages.
          const other = await makeUser(c.a.url);
          const text = `still here ${Math.random()}`;
          await client(c.b.url, other.token).chat(id).send(text);
          await waitFor(() => bystander.messages.some((m) => m.body === text), 'bystander still receives');
        });

        const cases: Array<[string, (room: string) => unknown, string]> = [
          ['a number', () => 42, 'validation_failed'],
          ['a missing clientId', (room) => ({ tickerId: room, body: 'x' }), 'validation_failed'],
          ['a body of the wrong type', (room) => ({ tickerId: room, body: ['x'], clientId: cid() }), 'validation_failed'],
          ['an empty body after cleaning', (room) => ({ tickerId: room, body: ' \u202E\u0000 ', clientId: cid() }), 'validation_failed'],
          ['501 characters', (room) => ({ tickerId: room, body: '😀'.repeat(501), clientId: cid() }), 'validation_failed'],
          ['a 10 KB body', (room) => ({ tickerId: room, body: 'x'.repeat(10_000), clientId: cid() }), 'validation_failed'],
          ['500 emoji with bidi marks (the largest legal message fits a frame)', (room) => ({ tickerId: room, body: '😀\u202E'.repeat(250), clientId: cid() }), 'ok'],
          ['an unknown room', () => ({ tickerId: 'nowhere', body: 'x', clientId: cid() }), 'not_found'],
          ['a malformed room', () => ({ tickerId: '../../etc', body: 'x', clientId: cid() }), 'validation_failed'],
        ];
        it.each(cases)('chat:send with %s', async (_name, payload, code) => {
          const s = socket(c.a.url, user.token);
          expect(await send(s, payload(id))).toMatchObject(code === 'ok' ? { ok: true } : { ok: false, error: { code } });
          expect(s.connected).toBe(true);
        });

        it('a flood from one socket gets rate_limited, then that socket is cut off', async () => {
          // A user of its own: a flooder is kept out for a minute, on every socket.
          const flooder = await makeUser(c.a.url);
          const s = socket(c.a.url, flooder.token);
          await waitFor(() => s.connected, 'connected');
          const acks = await Promise.all(
            Array.from({ length: 60 }, (_, i) => send(s, { tickerId: id, body: `flood ${i}`, clientId: cid() }).catch(() => ({ ok: false, error: { code: 'timeout' } }))),
          );
          expect(acks.some((a) => !a.ok && a.error.code === 'rate_limited')).toBe(true);
          for (let i = 0; i < 100; i++) s.emit('chat:send', { tickerId: id, body: 'x', clientId: cid() });
          // (A bound for a loaded machine: the cut-off is written for every node before the socket goes.)
          await waitFor(() => !s.connected, 'flooder disconnected', 30_000);
        });
      });
    });
  }
}
