import { createECDH, randomBytes } from 'node:crypto';
import { io as connect } from 'socket.io-client';
import type { Socket } from 'socket.io-client';
import type { Change, InboxItem } from '@liveticker/schemas';
import { DIALECTS } from '../helpers/db';
import { setup } from '../helpers/server';
import type { TestSetup } from '../helpers/server';
import { makeUser } from '../helpers/cluster';
import { opsApi, raw } from '../helpers/api';
import { waitFor } from '../helpers/wait';
import { ITEM_GAP_MS } from '../../server/src/inbox/inbox.service';
import { InboxSweep } from '../../server/src/inbox/inbox.sweep';

type User = Awaited<ReturnType<typeof makeUser>>;
const bearer = (u: { token: string }) => ({ authorization: `Bearer ${u.token}` });
let n = 0;

/** The reader's "Chats" (issue 27): their chats, unread counts, replies to them, read positions, leaving. */
for (const dialect of DIALECTS) {
  describe(`the reader's chats (${dialect})`, () => {
    let t: TestSetup;
    let moderator: User;
    let admin: User;
    beforeAll(async () => {
      t = await setup(dialect, 'memory', { scrypt: { logN: 10, r: 8, p: 1 } });
      moderator = await makeUser(t.url, 'moderator');
      admin = await makeUser(t.url, 'admin');
    });
    afterAll(() => t.close());

    /** A live ticker of its own for each test. */
    async function ticker(title = 'A story'): Promise<string> {
      const id = `story-${++n}`;
      await opsApi(t.url).createTicker({ id, title, status: 'live' });
      return id;
    }
    async function post(who: User, tickerId: string, body: string, replyTo?: string) {
      const res = await raw(t.url, 'POST', `/tickers/${tickerId}/messages`, { body, clientId: `client-${++n}-abcdef`, ...(replyTo && { replyTo }) }, bearer(who));
      if (res.status !== 201) throw new Error(`post: ${res.status} ${JSON.stringify(res.body)}`);
      return res.body as { id: string; seq: number; status: string };
    }
    async function inbox(who: User, query = ''): Promise<{ items: InboxItem[]; nextCursor: string | null }> {
      const res = await raw(t.url, 'GET', `/me/chats${query}`, undefined, bearer(who));
      expect(res.status).toBe(200);
      return res.body;
    }
    const item = async (who: User, tickerId: string) => (await inbox(who, '?limit=100')).items.find((i) => i.tickerId === tickerId);
    const read = (who: User, tickerId: string, rev: number) => raw(t.url, 'PUT', `/me/chats/${tickerId}/read`, { rev }, bearer(who));

    it('a reader who wrote in two chats finds both, newest activity first, with the story title, status and last message', async () => {
      const anna = await makeUser(t.url);
      const first = await ticker('Election night');
      const second = await ticker('Cup final');
      await post(anna, first, 'hello election');
      await post(anna, second, 'hello final');
      await opsApi(t.url).rest.patch(`/tickers/${first}`, { status: 'ended' });
      const { items, nextCursor } = await inbox(anna);
      expect(items.map((i) => [i.tickerId, i.title, i.status, i.lastMessage?.body])).toEqual([
        [second, 'Cup final', 'live', 'hello final'],
        [first, 'Election night', 'ended', 'hello election'],
      ]);
      expect(nextCursor).toBeNull();
      // A new message moves the older chat to the top.
      await post(anna, first, 'still here');
      expect((await inbox(anna)).items.map((i) => i.tickerId)).toEqual([first, second]);
    });

    it("counts others' messages since the reader last read as unread, never the reader's own", async () => {
      const [anna, ben] = [await makeUser(t.url), await makeUser(t.url)];
      const room = await ticker();
      await post(anna, room, 'first');
      await post(ben, room, 'one');
      await post(ben, room, 'two');
      await post(anna, room, 'mine');
      const it1 = await item(anna, room);
      expect(it1).toMatchObject({ unread: 2, repliesToMe: 0, lastMessage: expect.objectContaining({ body: 'mine' }) });
      expect((await read(anna, room, it1!.rev)).status).toBe(200);
      expect(await item(anna, room)).toMatchObject({ unread: 0, lastReadRev: it1!.rev });
    });

    it('counts replies to the reader until read, and a deleted reply stops counting', async () => {
      const [anna, ben] = [await makeUser(t.url), await makeUser(t.url)];
      const room = await ticker();
      const mine = await post(anna, room, 'a question');
      const reply = await post(ben, room, 'an answer', mine.id);
      await post(ben, room, 'unrelated');
      expect(await item(anna, room)).toMatchObject({ unread: 2, repliesToMe: 1 });
      // Ben's own reply to himself is no reply to Anna; Anna's reply to herself is not counted.
      await post(ben, room, 'self reply', reply.id);
      await post(anna, room, 'self', mine.id);
      expect(await item(anna, room)).toMatchObject({ unread: 3, repliesToMe: 1 });
      expect((await raw(t.url, 'DELETE', `/messages/${reply.id}`, undefined, bearer(ben))).status).toBe(200);
      expect(await item(anna, room)).toMatchObject({ unread: 2, repliesToMe: 0 });
    });

    it('counts a held reply only once approved, and a rejected one never', async () => {
      const [anna, ben] = [await makeUser(t.url), await makeUser(t.url)];
      const room = await ticker();
      const mine = await post(anna, room, 'a question');
      expect((await raw(t.url, 'PATCH', `/tickers/${room}/chat-settings`, { mode: 'premoderated' }, bearer(moderator))).status).toBe(200);
      const held = await post(ben, room, 'held answer', mine.id);
      const refused = await post(ben, room, 'refused answer', mine.id);
      expect(held.status).toBe('pending');
      expect(await item(anna, room)).toMatchObject({ unread: 0, repliesToMe: 0 });
      expect((await raw(t.url, 'POST', `/messages/${held.id}/approve`, undefined, bearer(moderator))).status).toBe(200);
      expect((await raw(t.url, 'POST', `/messages/${refused.id}/reject`, undefined, bearer(moderator))).status).toBe(200);
      expect(await item(anna, room)).toMatchObject({ unread: 1, repliesToMe: 1 });
    });

    it('never counts a reply from a muted or banned user', async () => {
      const [anna, carl, dora] = [await makeUser(t.url), await makeUser(t.url), await makeUser(t.url)];
      const room = await ticker();
      const mine = await post(anna, room, 'a question');
      await post(carl, room, 'from carl', mine.id);
      await post(dora, room, 'from dora', mine.id);
      expect(await item(anna, room)).toMatchObject({ repliesToMe: 2 });
      expect((await raw(t.url, 'POST', `/users/${carl.id}/mute`, { minutes: 60 }, bearer(moderator))).status).toBe(200);
      expect(await item(anna, room)).toMatchObject({ repliesToMe: 1 });
      expect((await raw(t.url, 'POST', `/users/${dora.id}/ban`, { reason: 'spam' }, bearer(moderator))).status).toBe(200);
      expect(await item(anna, room)).toMatchObject({ repliesToMe: 0 });
      // Lifted, their replies count again: it is the mute and the ban that kept them out.
      expect((await raw(t.url, 'PATCH', `/users/${carl.id}`, { mutedUntil: null }, bearer(admin))).status).toBe(200);
      expect((await raw(t.url, 'PATCH', `/users/${dora.id}`, { banned: false }, bearer(admin))).status).toBe(200);
      expect(await item(anna, room)).toMatchObject({ repliesToMe: 2 });
    });

    it("never counts a blocked user's messages, lists the block, and counts them again once unblocked", async () => {
      const [anna, carl, dora] = [await makeUser(t.url), await makeUser(t.url), await makeUser(t.url)];
      const room = await ticker();
      const mine = await post(anna, room, 'a question');
      await post(carl, room, 'from carl', mine.id);
      await post(carl, room, 'carl again');
      await post(dora, room, 'from dora', mine.id);
      expect(await item(anna, room)).toMatchObject({ unread: 3, repliesToMe: 2 });
      expect((await raw(t.url, 'PUT', `/me/blocks/${carl.id}`, undefined, bearer(anna))).status).toBe(204);
      expect((await raw(t.url, 'PUT', `/me/blocks/${carl.id}`, undefined, bearer(anna))).status).toBe(204);
      expect(await item(anna, room)).toMatchObject({ unread: 1, repliesToMe: 1 });
      const list = await raw(t.url, 'GET', '/me/blocks', undefined, bearer(anna));
      expect(list.body).toEqual({ items: [{ userId: carl.id, displayName: expect.any(String), createdAt: expect.any(String) }] });
      // Only Anna's inbox: Dora, who never blocked Carl, counts him.
      const doraOwn = await post(dora, room, 'dora asks');
      await post(carl, room, 'carl answers dora', doraOwn.id);
      expect(await item(dora, room)).toMatchObject({ repliesToMe: 1 });
      expect((await raw(t.url, 'GET', '/me/blocks', undefined, bearer(dora))).body).toEqual({ items: [] });
      expect((await raw(t.url, 'DELETE', `/me/blocks/${carl.id}`, undefined, bearer(anna))).status).toBe(204);
      expect((await raw(t.url, 'DELETE', `/me/blocks/${carl.id}`, undefined, bearer(anna))).status).toBe(204);
      expect(await item(anna, room)).toMatchObject({ repliesToMe: 2 });
    });

    it('refuses to block oneself, the newsroom, or nobody, and changes nothing', async () => {
      const anna = await makeUser(t.url);
      expect(await raw(t.url, 'PUT', `/me/blocks/${anna.id}`, undefined, bearer(anna))).toMatchObject({ status: 400, body: { error: { code: 'validation_failed' } } });
      expect(await raw(t.url, 'PUT', `/me/blocks/${moderator.id}`, undefined, bearer(anna))).toMatchObject({ status: 400, body: { error: { code: 'validation_failed' } } });
      expect(await raw(t.url, 'PUT', '/me/blocks/u_nobody_at_all', undefined, bearer(anna))).toMatchObject({ status: 404 });
      expect((await raw(t.url, 'PUT', '/me/blocks/%E0%A4', undefined, bearer(anna))).status).toBe(400);
      expect((await raw(t.url, 'GET', '/me/blocks', undefined, bearer(anna))).body).toEqual({ items: [] });
      expect((await raw(t.url, 'GET', '/me/blocks')).status).toBe(401);
    });

    it('never moves a read position back, refuses one beyond the head with a 400, and any bad input with a 4xx', async () => {
      const [anna, ben] = [await makeUser(t.url), await makeUser(t.url)];
      const room = await ticker();
      await post(anna, room, 'start');
      await post(ben, room, 'one');
      const head = (await item(anna, room))!.rev;
      expect((await read(anna, room, head)).body).toMatchObject({ lastReadRev: head, unread: 0 });
      const back = await read(anna, room, 0);
      expect(back.status).toBe(200);
      expect(back.body).toMatchObject({ lastReadRev: head });
      expect(await item(anna, room)).toMatchObject({ lastReadRev: head, unread: 0 });
      const beyond = await read(anna, room, head + 1);
      expect(beyond.status).toBe(400);
      expect(beyond.body.error).toMatchObject({ code: 'validation_failed', details: [expect.objectContaining({ path: 'rev' })] });
      for (const body of [{}, { rev: -1 }, { rev: 'x' }, { rev: 1, more: true }, []]) {
        expect((await raw(t.url, 'PUT', `/me/chats/${room}/read`, body, bearer(anna))).status).toBe(400);
      }
      expect((await read(anna, 'no-such-room', 0)).status).toBe(404);
      expect((await raw(t.url, 'GET', '/me/chats?limit=0', undefined, bearer(anna))).status).toBe(400);
      expect((await raw(t.url, 'GET', '/me/chats?cursor=nonsense', undefined, bearer(anna))).status).toBe(400);
      expect((await raw(t.url, 'GET', '/me/chats')).status).toBe(401);
    });

    it('a chat the reader leaves is gone from the inbox until they write there again', async () => {
      const [anna, ben] = [await makeUser(t.url), await makeUser(t.url)];
      const room = await ticker();
      const other = await ticker();
      const mine = await post(anna, room, 'hi');
      await post(anna, other, 'elsewhere');
      expect((await raw(t.url, 'DELETE', `/me/chats/${room}`, undefined, bearer(anna))).status).toBe(204);
      expect((await inbox(anna)).items.map((i) => i.tickerId)).toEqual([other]);
      // Replies, and reading from a tab still open on it, do not bring it back.
      await post(ben, room, 'answer', mine.id);
      expect((await read(anna, room, 0)).status).toBe(200);
      expect((await inbox(anna)).items.map((i) => i.tickerId)).toEqual([other]);
      await post(anna, room, 'back again');
      expect((await inbox(anna)).items.map((i) => i.tickerId)).toEqual([room, other]);
      // Back, it starts read up to the reader's return.
      expect(await item(anna, room)).toMatchObject({ unread: 0, repliesToMe: 0 });
    });

    it('pages through many chats with a cursor, each chat once, newest activity first', async () => {
      const anna = await makeUser(t.url);
      const rooms: string[] = [];
      for (let i = 0; i < 7; i++) {
        rooms.push(await ticker(`Story ${i}`));
        await post(anna, rooms[i], `in ${i}`);
      }
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const page: { items: InboxItem[]; nextCursor: string | null } = await inbox(anna, `?limit=3${cursor ? `&cursor=${cursor}` : ''}`);
        expect(page.items.length).toBeLessThanOrEqual(3);
        seen.push(...page.items.map((i) => i.tickerId));
        cursor = page.nextCursor;
      } while (cursor);
      expect(seen).toEqual([...rooms].reverse());
    });

    it('describes the three routes in the OpenAPI document', async () => {
      const doc = (await raw(t.url, 'GET', '/openapi.json')).body;
      expect(doc.paths['/me/chats'].get).toBeDefined();
      expect(doc.paths['/me/chats/{tickerId}/read'].put).toBeDefined();
      expect(doc.paths['/me/chats/{tickerId}'].delete).toBeDefined();
      expect(Object.keys(doc.components.schemas.InboxItem.properties)).toEqual(expect.arrayContaining(['tickerId', 'title', 'status', 'lastMessage', 'unread', 'repliesToMe', 'lastReadRev', 'rev']));
    });

    /** A browser's push subscription to a public push service (nothing is pushed: chat messages are no entries). */
    const device = () => {
      const ecdh = createECDH('prime256v1');
      ecdh.generateKeys();
      return { endpoint: `https://93.184.216.34/push/${++n}`, keys: { p256dh: ecdh.getPublicKey().toString('base64url'), auth: randomBytes(16).toString('base64url') } };
    };

    it('a chat the reader follows (a push follow made logged in) joins their inbox read up to its head; ending the follow keeps a chat they wrote in', async () => {
      const [anna, ben] = [await makeUser(t.url), await makeUser(t.url)];
      const room = await ticker('Followed story');
      await post(ben, room, 'before the follow');
      await post(ben, room, 'also before');
      // An anonymous follow has no inbox.
      expect((await raw(t.url, 'POST', `/tickers/${room}/followers`, { subscription: device(), topics: 'all' })).status).toBe(201);
      expect(await item(anna, room)).toBeUndefined();
      const sub = device();
      const made = await raw(t.url, 'POST', `/tickers/${room}/followers`, { subscription: sub, topics: 'key-events' }, bearer(anna));
      expect(made.status).toBe(201);
      const joined = await item(anna, room);
      expect(joined).toMatchObject({ title: 'Followed story', unread: 0, repliesToMe: 0, lastMessage: expect.objectContaining({ body: 'also before' }) });
      expect(joined!.lastReadRev).toBe(joined!.rev);
      // Others' messages after it count as unread.
      const news = await post(ben, room, 'after the follow');
      expect(await item(anna, room)).toMatchObject({ unread: 1 });
      // Following again (the same device, now anonymously) changes neither the inbox nor whose follow it is.
      expect((await raw(t.url, 'POST', `/tickers/${room}/followers`, { subscription: sub, topics: 'all' })).status).toBe(200);
      expect(await item(anna, room)).toMatchObject({ unread: 1, lastReadRev: joined!.lastReadRev });
      expect((await raw(t.url, 'GET', '/me/follows', undefined, bearer(anna))).body.items.map((f: { id: string }) => f.id)).toEqual([made.body.id]);
      // She writes there, then ends the follow with her session: the chat stays in her inbox.
      await post(anna, room, 'thanks', news.id);
      expect((await raw(t.url, 'DELETE', `/followers/${made.body.id}`, undefined, bearer(anna))).status).toBe(204);
      expect(await item(anna, room)).toMatchObject({ lastMessage: expect.objectContaining({ body: 'thanks' }) });
      // A chat she left stays out when she follows it again.
      expect((await raw(t.url, 'DELETE', `/me/chats/${room}`, undefined, bearer(anna))).status).toBe(204);
      expect((await raw(t.url, 'POST', `/tickers/${room}/followers`, { subscription: device(), topics: 'all' }, bearer(anna))).status).toBe(201);
      expect(await item(anna, room)).toBeUndefined();
    });

    it('the follow brings the chat onto the reader\'s live stream (inbox.updated on user:<id>)', async () => {
      const anna = await makeUser(t.url);
      const room = await ticker('Live follow');
      const sockets: Socket[] = [];
      try {
        const s = await open(t.url, anna, sockets);
        const got = collect(s, `user:${anna.id}`);
        expect((await s.timeout(5000).emitWithAck('subscribe', { stream: `user:${anna.id}` })).ok).toBe(true);
        expect((await raw(t.url, 'POST', `/tickers/${room}/followers`, { subscription: device(), topics: 'all' }, bearer(anna))).status).toBe(201);
        await waitFor(() => got.some((c) => c.type === 'inbox.updated' && (c.data as InboxItem).tickerId === room), 'the item on the stream');
      } finally {
        for (const s of sockets) s.close();
      }
    });

    it("one reader's chats never appear in another reader's answers", async () => {
      const [anna, ben] = [await makeUser(t.url), await makeUser(t.url)];
      const secret = await ticker('Anna only');
      await post(anna, secret, 'mine');
      expect((await inbox(ben)).items.map((i) => i.tickerId)).not.toContain(secret);
      // Ben reading or leaving it changes nothing of Anna's.
      expect((await raw(t.url, 'DELETE', `/me/chats/${secret}`, undefined, bearer(ben))).status).toBe(204);
      expect((await item(anna, secret))?.lastReadRev).toBeDefined();
    });
  });
}

/** Opens a socket as `who` (anonymous when absent) and waits for it to connect. */
async function open(url: string, who: { token: string } | undefined, sockets: Socket[]): Promise<Socket> {
  const s = connect(url, { transports: ['websocket'], reconnection: false, forceNew: true, auth: who ? { token: who.token } : {} });
  sockets.push(s);
  await new Promise<void>((resolve, reject) => {
    s.once('connect', () => resolve());
    s.once('connect_error', reject);
  });
  return s;
}

/** Collects the changes a socket is pushed on one stream. */
function collect(s: Socket, stream: string): Change[] {
  const got: Change[] = [];
  s.on('changes', (e: { stream: string; changes: Change[] }) => {
    if (e.stream === stream) got.push(...e.changes);
  });
  return got;
}

for (const dialect of DIALECTS) {
  describe(`the live inbox stream user:<id> (${dialect})`, () => {
    let t: TestSetup;
    const sockets: Socket[] = [];
    beforeAll(async () => {
      // The sweep only at start: what arrives here came in the writes' own transactions (the
      // sweep's updates are tested on two nodes, test/multi-node/inbox.test.ts).
      t = await setup(dialect, 'memory', { scrypt: { logN: 10, r: 8, p: 1 }, inboxSweepMs: 3_600_000 });
    });
    afterEach(() => {
      for (const s of sockets.splice(0)) s.disconnect();
    });
    afterAll(() => t.close());

    async function post(who: User, tickerId: string, body: string, replyTo?: string) {
      const res = await raw(t.url, 'POST', `/tickers/${tickerId}/messages`, { body, clientId: `client-${++n}-abcdef`, ...(replyTo && { replyTo }) }, bearer(who));
      if (res.status !== 201) throw new Error(`post: ${res.status} ${JSON.stringify(res.body)}`);
      return res.body as { id: string };
    }
    /**
     * A second passes for every item (an item is sent at most once a second; what changes within
     * it is held for the sweep): the next change of an item is sent at once. Moves the items'
     * last sending back instead of waiting.
     */
    const aSecondLater = () =>
      t.node.server.ctx.db
        .updateTable('chat_members')
        .set({ notified_at: new Date(Date.now() - ITEM_GAP_MS).toISOString() })
        .where('notified_at', 'is not', null)
        .execute();

    it('only its user may follow it: others are forbidden, anonymous readers must log in', async () => {
      const [anna, ben] = [await makeUser(t.url), await makeUser(t.url)];
      const own = await open(t.url, anna, sockets);
      expect(await own.timeout(5000).emitWithAck('subscribe', { stream: `user:${anna.id}`, since: 0 })).toMatchObject({ ok: true, rev: 0, changes: [] });
      const other = await open(t.url, ben, sockets);
      expect(await other.timeout(5000).emitWithAck('subscribe', { stream: `user:${anna.id}`, since: 0 })).toMatchObject({ ok: false, error: { code: 'forbidden' } });
      const anonymous = await open(t.url, undefined, sockets);
      expect(await anonymous.timeout(5000).emitWithAck('subscribe', { stream: `user:${anna.id}` })).toMatchObject({ ok: false, error: { code: 'login_required' } });
    });

    it("a reply arrives at once as inbox.updated on the reader's own stream only, and so does their read position", async () => {
      const [anna, ben, carl] = [await makeUser(t.url), await makeUser(t.url), await makeUser(t.url)];
      const room = `live-${++n}`;
      await opsApi(t.url).createTicker({ id: room, title: 'Live room', status: 'live' });
      const mine = await post(anna, room, 'a question');
      await post(carl, room, 'carl was here');
      const annaSocket = await open(t.url, anna, sockets);
      const carlSocket = await open(t.url, carl, sockets);
      const annaGot = collect(annaSocket, `user:${anna.id}`);
      const carlGot = collect(carlSocket, `user:${carl.id}`);
      // Carl also asks for Anna's stream: refused, he hears nothing of it.
      const carlOnAnna = collect(carlSocket, `user:${anna.id}`);
      expect((await annaSocket.timeout(5000).emitWithAck('subscribe', { stream: `user:${anna.id}` })).ok).toBe(true);
      expect((await carlSocket.timeout(5000).emitWithAck('subscribe', { stream: `user:${carl.id}` })).ok).toBe(true);
      expect((await carlSocket.timeout(5000).emitWithAck('subscribe', { stream: `user:${anna.id}` })).ok).toBe(false);
      await aSecondLater();
      await post(ben, room, 'an answer', mine.id);
      const replied = (await waitFor(() => annaGot.find((c) => c.type === 'inbox.updated' && c.data.repliesToMe === 1), "the reply on anna's stream"))!;
      expect(replied.data).toMatchObject({ tickerId: room, title: 'Live room', status: 'live', unread: 2, lastMessage: expect.objectContaining({ body: 'an answer' }) });
      // Anna reads: her other tabs hear it.
      await aSecondLater();
      expect((await raw(t.url, 'PUT', `/me/chats/${room}/read`, { rev: (replied.data as InboxItem).rev }, bearer(anna))).status).toBe(200);
      await waitFor(() => annaGot.find((c) => c.type === 'inbox.updated' && (c.data as InboxItem).unread === 0 && (c.data as InboxItem).repliesToMe === 0), "the read position on anna's stream");
      // Carl's own post comes on his stream; nothing of Anna's ever does.
      await aSecondLater();
      await post(carl, room, 'carl again');
      await waitFor(() => carlGot.find((c) => c.type === 'inbox.updated' && (c.data as InboxItem).lastMessage?.body === 'carl again'), "carl's own message on his stream");
      expect(carlGot.filter((c) => c.type === 'inbox.updated' && (c.data as InboxItem).repliesToMe > 0)).toEqual([]);
      expect(carlOnAnna).toEqual([]);
    });

    it('a reply deleted while the reader watches stops counting on their stream at once', async () => {
      const [anna, ben] = [await makeUser(t.url), await makeUser(t.url)];
      const room = `gone-${++n}`;
      await opsApi(t.url).createTicker({ id: room, title: 'Gone room', status: 'live' });
      const mine = await post(anna, room, 'a question');
      const s = await open(t.url, anna, sockets);
      const got = collect(s, `user:${anna.id}`);
      expect((await s.timeout(5000).emitWithAck('subscribe', { stream: `user:${anna.id}` })).ok).toBe(true);
      await aSecondLater();
      const reply = await post(ben, room, 'a rude answer', mine.id);
      await waitFor(() => got.find((c) => c.type === 'inbox.updated' && (c.data as InboxItem).repliesToMe === 1), 'the reply');
      const seen = got.length;
      await aSecondLater();
      expect((await raw(t.url, 'DELETE', `/messages/${reply.id}`, undefined, bearer(ben))).status).toBe(200);
      const after = (await waitFor(() => got.slice(seen).find((c) => c.type === 'inbox.updated'), 'the item after the delete'))!;
      expect(after.data).toMatchObject({ repliesToMe: 0, unread: 0, lastMessage: expect.objectContaining({ body: 'a question' }) });
    });

    it("a mute or ban of the one who replied takes the reply out of the reader's count on their stream at once, and lifting it puts it back", async () => {
      const [anna, ben, carl, moderator, admin] = [await makeUser(t.url), await makeUser(t.url), await makeUser(t.url), await makeUser(t.url, 'moderator'), await makeUser(t.url, 'admin')];
      const room = `muted-${++n}`;
      await opsApi(t.url).createTicker({ id: room, title: 'Muted room', status: 'live' });
      await post(carl, room, 'carl is here too');
      const mine = await post(anna, room, 'a question');
      // Ben's messages are unread by Carl too, but none answers him: his stream hears nothing of the mute.
      const carlSocket = await open(t.url, carl, sockets);
      const carlGot = collect(carlSocket, `user:${carl.id}`);
      expect((await carlSocket.timeout(5000).emitWithAck('subscribe', { stream: `user:${carl.id}` })).ok).toBe(true);
      const s = await open(t.url, anna, sockets);
      const got = collect(s, `user:${anna.id}`);
      expect((await s.timeout(5000).emitWithAck('subscribe', { stream: `user:${anna.id}` })).ok).toBe(true);
      await aSecondLater();
      await post(ben, room, 'a rude answer', mine.id);
      await waitFor(() => got.find((c) => c.type === 'inbox.updated' && (c.data as InboxItem).repliesToMe === 1), 'the reply');
      /** The next item on anna's stream after what she has seen. */
      const next = async (what: string) => {
        const seen = got.length;
        return (await waitFor(() => got.slice(seen).find((c) => c.type === 'inbox.updated'), what))!.data as InboxItem;
      };
      let item = next('the item after the mute');
      await aSecondLater();
      expect((await raw(t.url, 'POST', `/users/${ben.id}/mute`, { minutes: 60, tickerId: room }, bearer(moderator))).status).toBe(200);
      expect(await item).toMatchObject({ tickerId: room, repliesToMe: 0 });
      item = next('the item after the mute ended');
      await aSecondLater();
      expect((await raw(t.url, 'PATCH', `/users/${ben.id}`, { mutedUntil: null }, bearer(admin))).status).toBe(200);
      expect(await item).toMatchObject({ tickerId: room, repliesToMe: 1 });
      item = next('the item after the ban');
      await aSecondLater();
      expect((await raw(t.url, 'POST', `/users/${ben.id}/ban`, { reason: 'abuse' }, bearer(moderator))).status).toBe(200);
      expect(await item).toMatchObject({ tickerId: room, repliesToMe: 0 });
      // Nobody else's stream heard of it: Ben's own item is not among what changed, nor Carl's.
      expect(got.every((c) => (c.data as InboxItem).tickerId === room)).toBe(true);
      await aSecondLater();
      await post(carl, room, 'carl again');
      await waitFor(() => carlGot.find((c) => (c.data as InboxItem).lastMessage?.body === 'carl again'), "carl's own message on his stream");
      expect(carlGot.map((c) => (c.data as InboxItem).lastMessage?.body)).toEqual(['carl again']);
    });

    it("blocking someone takes their messages out of the reader's counts on the reader's stream at once", async () => {
      const [anna, ben, carl] = [await makeUser(t.url), await makeUser(t.url), await makeUser(t.url)];
      const room = `blocked-${++n}`;
      await opsApi(t.url).createTicker({ id: room, title: 'Blocked room', status: 'live' });
      await post(carl, room, 'carl is here too');
      const mine = await post(anna, room, 'a question');
      // Carl has Ben's message unread as well, but Anna's block is hers: his stream hears nothing of it.
      const carlSocket = await open(t.url, carl, sockets);
      const carlGot = collect(carlSocket, `user:${carl.id}`);
      expect((await carlSocket.timeout(5000).emitWithAck('subscribe', { stream: `user:${carl.id}` })).ok).toBe(true);
      const s = await open(t.url, anna, sockets);
      const got = collect(s, `user:${anna.id}`);
      expect((await s.timeout(5000).emitWithAck('subscribe', { stream: `user:${anna.id}` })).ok).toBe(true);
      await aSecondLater();
      await post(ben, room, 'a rude answer', mine.id);
      await waitFor(() => got.find((c) => c.type === 'inbox.updated' && (c.data as InboxItem).repliesToMe === 1), 'the reply');
      const seen = got.length;
      await aSecondLater();
      expect((await raw(t.url, 'PUT', `/me/blocks/${ben.id}`, undefined, bearer(anna))).status).toBe(204);
      const after = (await waitFor(() => got.slice(seen).find((c) => c.type === 'inbox.updated'), 'the item after the block'))!;
      expect(after.data).toMatchObject({ tickerId: room, repliesToMe: 0, unread: 0 });
      // Carl's next item is the one his own message makes: the block wrote nothing between.
      // (Others' messages reach his item by the sweep, off in this block of tests.)
      await aSecondLater();
      await post(carl, room, 'carl again');
      await waitFor(() => carlGot.find((c) => (c.data as InboxItem).lastMessage?.body === 'carl again'), "carl's own message on his stream");
      expect(carlGot.map((c) => (c.data as InboxItem).lastMessage?.body)).toEqual(['carl again']);
    });

    it('many replies at once send the replied-to reader\'s item and the author\'s at most once a second each; the sweep sends the last state when the second is over', async () => {
      const [anna, ben] = [await makeUser(t.url), await makeUser(t.url)];
      const room = `busy-${++n}`;
      await opsApi(t.url).createTicker({ id: room, title: 'Busy room', status: 'live' });
      const moderator = await makeUser(t.url, 'moderator');
      expect((await raw(t.url, 'PATCH', `/tickers/${room}/chat-settings`, { rateLimit: { burst: 100, perMinute: 100 } }, bearer(moderator))).status).toBe(200);
      const mine = await post(anna, room, 'a question');
      await post(ben, room, 'hello');
      const annaSocket = await open(t.url, anna, sockets);
      const benSocket = await open(t.url, ben, sockets);
      const annaGot = collect(annaSocket, `user:${anna.id}`);
      const benGot = collect(benSocket, `user:${ben.id}`);
      expect((await annaSocket.timeout(5000).emitWithAck('subscribe', { stream: `user:${anna.id}` })).ok).toBe(true);
      expect((await benSocket.timeout(5000).emitWithAck('subscribe', { stream: `user:${ben.id}` })).ok).toBe(true);
      await aSecondLater();
      const began = Date.now();
      for (let i = 1; i <= 12; i++) await post(ben, room, `answer ${i}`, mine.id);
      const took = Date.now() - began;
      await waitFor(() => annaGot.some((c) => c.type === 'inbox.updated'), 'the first item at once');
      const bound = Math.floor(took / ITEM_GAP_MS) + 1;
      const items = (got: Change[]) => got.filter((c) => c.type === 'inbox.updated' && (c.data as InboxItem).tickerId === room).map((c) => c.data as InboxItem);
      // (What the commits published has time to arrive.) Sent per reply, these would be 12 each.
      await new Promise((r) => setTimeout(r, 200));
      expect(items(annaGot).length).toBeLessThanOrEqual(bound);
      expect(items(benGot).length).toBeLessThanOrEqual(bound);
      expect(items(annaGot)[0]).toMatchObject({ repliesToMe: 1 });
      // The second is over: one sweep round (its clock driven here) sends each held item once, as it stands.
      const sweep = new InboxSweep({ db: t.node.server.ctx.db, publisher: t.node.server.ctx.publisher, logger: t.node.server.ctx.logger, intervalMs: 3_600_000 });
      const before = { anna: items(annaGot).length, ben: items(benGot).length };
      await sweep.sweep(new Date(Date.now() + ITEM_GAP_MS));
      await waitFor(() => items(annaGot).at(-1)?.repliesToMe === 12, "anna's last state");
      await waitFor(() => items(benGot).at(-1)?.lastMessage?.body === 'answer 12', "ben's last state");
      expect(items(annaGot).at(-1)).toMatchObject({ repliesToMe: 12, unread: 13, lastMessage: expect.objectContaining({ body: 'answer 12' }) });
      // Once each: nothing held is sent twice, and a second round has nothing to send.
      expect(await sweep.sweep(new Date(Date.now() + 3 * ITEM_GAP_MS))).toBe(0);
      await new Promise((r) => setTimeout(r, 100));
      expect(items(annaGot).length).toBeLessThanOrEqual(before.anna + 1);
      expect(items(benGot).length).toBeLessThanOrEqual(before.ben + 1);
    });

    it('a reader who reconnects gets what changed while away, once per chat, from where they were', async () => {
      const [anna, ben] = [await makeUser(t.url), await makeUser(t.url)];
      const room = `away-${++n}`;
      const left = `left-${++n}`;
      for (const id of [room, left]) await opsApi(t.url).createTicker({ id, title: `Room ${id}`, status: 'live' });
      const mine = await post(anna, room, 'a question');
      await post(anna, left, 'soon gone');
      const first = await open(t.url, anna, sockets);
      const ack = await first.timeout(5000).emitWithAck('subscribe', { stream: `user:${anna.id}` });
      first.disconnect();
      // While away: two replies in one chat, and the other chat left in another tab.
      await aSecondLater();
      await post(ben, room, 'answer one', mine.id);
      await aSecondLater();
      await post(ben, room, 'answer two', mine.id);
      expect((await raw(t.url, 'DELETE', `/me/chats/${left}`, undefined, bearer(anna))).status).toBe(204);
      const again = await open(t.url, anna, sockets);
      const back = await again.timeout(5000).emitWithAck('subscribe', { stream: `user:${anna.id}`, since: ack.rev, epoch: ack.epoch });
      expect(back.ok).toBe(true);
      const byChat = new Map((back.changes as Change[]).map((c) => [c.data.id, c]));
      expect(back.changes).toHaveLength(2);
      expect(byChat.get(room)).toMatchObject({ type: 'inbox.updated', data: { repliesToMe: 2, unread: 2 } });
      expect(byChat.get(left)).toMatchObject({ type: 'inbox.removed', data: { tickerId: left } });
    });
  });
}
