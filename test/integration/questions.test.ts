import { io as connect } from 'socket.io-client';
import type { Socket } from 'socket.io-client';
import type { Change, Entry, Question } from '@liveticker/schemas';
import { Migrator } from 'kysely';
import type { Kysely } from 'kysely';
import { openDatabase } from '../../server/src/db/database';
import { migrations } from '../../server/src/db/migrations';
import { DIALECTS, createTestDatabase } from '../helpers/db';
import { BUSES, OPS_KEY, setup } from '../helpers/server';
import type { TestSetup } from '../helpers/server';
import { makeUser } from '../helpers/cluster';
import { raw } from '../helpers/api';
import { testConfig } from '@liveticker/server';
import { sleep, waitFor } from '../helpers/wait';

const ops = { authorization: `Bearer ${OPS_KEY}` };
let addresses = 0;
/** Each reader comes from an address of their own (the server trusts one proxy hop), so the per-address limit counts only where a test means it to. */
const from = (token?: string, address = `10.1.${Math.floor(++addresses / 250)}.${addresses % 250}`) => ({
  ...(token ? { authorization: `Bearer ${token}` } : {}),
  'x-forwarded-for': address,
});

for (const dialect of DIALECTS) {
  for (const bus of BUSES) {
    describe(`questions to the desk (${dialect}, ${bus} bus)`, () => {
      let t: TestSetup;
      let n = 0;
      const sockets: Socket[] = [];
      beforeAll(async () => {
        t = await setup(dialect, bus, { scrypt: { logN: 10, r: 8, p: 1 }, trustProxy: 1 });
      });
      afterAll(async () => {
        for (const s of sockets) s.close();
        await t.close();
      });

      const ticker = async (extra: Record<string, unknown> = {}) => {
        const id = `ask-${++n}`;
        expect((await raw(t.url, 'POST', '/tickers', { id, title: 'Election night', status: 'live', ...extra }, ops)).status).toBe(201);
        return id;
      };
      const makePublic = async (id: string, pub = true) => expect((await raw(t.url, 'PATCH', `/tickers/${id}`, { questions: { public: pub } }, ops)).status).toBe(200);
      let cid = 0;
      const ask = (tickerId: string, token: string | undefined, body: string, extra: Record<string, unknown> = {}, headers = from(token)) =>
        raw(t.url, 'POST', `/tickers/${tickerId}/questions`, { body, clientId: `client-${++cid}`, ...extra }, headers);
      const asked = async (tickerId: string, token: string, body = `Can I still vote after 6 pm? (${++cid})`, extra: Record<string, unknown> = {}) => {
        const res = await ask(tickerId, token, body, extra);
        expect(res.status).toBe(201);
        return res.body as Question;
      };
      const count = async () => Number((await t.node.server.ctx.db.selectFrom('questions').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
      /** A socket (as `token`, or anonymous) following `stream` from its head, and every change it is sent; or the refusal's code. */
      const follow = async (stream: string, token?: string) => {
        const s = connect(t.url, { transports: ['websocket'], reconnection: false, forceNew: true, auth: token ? { token } : {} });
        sockets.push(s);
        const got: Array<Change & { at?: number }> = [];
        s.on('changes', (frame: { stream: string; changes: Change[] }) => {
          if (frame.stream === stream) got.push(...frame.changes.map((ch) => ({ ...ch, at: Date.now() })));
        });
        const ack = await s.timeout(5000).emitWithAck('subscribe', { stream, since: 0 });
        return { ack, got };
      };

      describe('a verified reader asks', () => {
        it('gets 201 with the question, open, 0 votes, without their account; the same clientId again answers the first (200), never a second', async () => {
          const id = await ticker();
          const reader = await makeUser(t.url, 'reader', 'Anna');
          const res = await raw(t.url, 'POST', `/tickers/${id}/questions`, { body: '  Can I still vote if I lost my card?  ', clientId: 'first-try' }, from(reader.token));
          expect(res.status).toBe(201);
          expect(res.body).toMatchObject({ tickerId: id, body: 'Can I still vote if I lost my card?', status: 'open', votes: 0, answeredEntryId: null, showName: false });
          expect(res.body.author).toBeUndefined();
          const again = await raw(t.url, 'POST', `/tickers/${id}/questions`, { body: 'Can I still vote if I lost my card?', clientId: 'first-try' }, from(reader.token));
          expect(again.status).toBe(200);
          expect(again.body.id).toBe(res.body.id);
          const mine = await raw(t.url, 'GET', `/me/questions?ticker=${id}`, undefined, from(reader.token));
          expect(mine.body.items.map((q: Question) => q.id)).toEqual([res.body.id]);
        });

        it('retries of one clientId sent at once all answer the one question, never a refusal (a retry racing its first try)', async () => {
          const id = await ticker();
          const reader = await makeUser(t.url, 'reader', 'Racer');
          // The per-reader limit (3 in 10 minutes) allows three rounds of one question each.
          for (let round = 0; round < 3; round++) {
            const tries = await Promise.all(
              Array.from({ length: 6 }, () => raw(t.url, 'POST', `/tickers/${id}/questions`, { body: `Is round ${round} counted once?`, clientId: `race-round-${round}-abcdef` }, from(reader.token))),
            );
            expect(tries.map((r) => r.status).sort()).toEqual([200, 200, 200, 200, 200, 201]);
            expect(new Set(tries.map((r) => r.body.id)).size).toBe(1);
          }
        });

        it.each([
          ['2 characters', { body: 'Hi', clientId: 'client-x1' }, 'body'],
          ['501 characters', { body: 'x'.repeat(501), clientId: 'client-x2' }, 'body'],
          ['only invisible characters', { body: '\u200B\u200B\u200B\u200B', clientId: 'client-x3' }, 'body'],
          ['no clientId', { body: 'A fine question?' }, 'clientId'],
          ['showName not a boolean', { body: 'A fine question?', clientId: 'client-x4', showName: 'yes' }, 'showName'],
          ['an unknown field', { body: 'A fine question?', clientId: 'client-x5', html: '<b>x</b>' }, ''],
        ])('refuses %s (400 naming the field), storing nothing', async (_name, body, path) => {
          const id = await ticker();
          const reader = await makeUser(t.url);
          const before = await count();
          const res = await raw(t.url, 'POST', `/tickers/${id}/questions`, body, from(reader.token));
          expect(res.status).toBe(400);
          expect(res.body.error.code).toBe('validation_failed');
          expect(JSON.stringify(res.body.error.details)).toContain(path);
          expect(await count()).toBe(before);
        });

        it('anonymous → 401 login_required; unverified → 403 email_not_verified; unknown ticker → 404', async () => {
          const id = await ticker();
          expect((await ask(id, undefined, 'Who counts the votes?')).body.error.code).toBe('login_required');
          const email = `unverified-${Date.now()}@example.org`;
          await raw(t.url, 'POST', '/auth/register', { email, password: 'a long secret', displayName: 'New' });
          const unverified = (await raw(t.url, 'POST', '/auth/login', { email, password: 'a long secret' })).body.token;
          const res = await ask(id, unverified, 'Who counts the votes?');
          expect({ status: res.status, code: res.body.error.code }).toEqual({ status: 403, code: 'email_not_verified' });
          const reader = await makeUser(t.url);
          expect((await ask('no-such-ticker', reader.token, 'Who counts the votes?')).status).toBe(404);
        });

        it("follows the chat's rules: a closed room refuses (room_closed), muted and banned readers are refused", async () => {
          const closed = await ticker({ chat: { mode: 'closed' } });
          const reader = await makeUser(t.url);
          const res = await ask(closed, reader.token, 'Is the count over?');
          expect({ status: res.status, code: res.body.error.code }).toEqual({ status: 403, code: 'room_closed' });

          const id = await ticker();
          const mod = await makeUser(t.url, 'moderator');
          const muted = await makeUser(t.url);
          expect((await raw(t.url, 'POST', `/users/${muted.id}/mute`, { minutes: 10 }, from(mod.token))).status).toBe(200);
          const m = await ask(id, muted.token, 'Is the count over?');
          expect({ status: m.status, code: m.body.error.code }).toEqual({ status: 403, code: 'muted' });
          const banned = await makeUser(t.url);
          expect((await raw(t.url, 'POST', `/users/${banned.id}/ban`, { reason: 'spam' }, from(mod.token))).status).toBe(200);
          // A ban ends the sessions: the token is dead (401), as in the chat.
          expect((await ask(id, banned.token, 'Is the count over?')).body.error.code).toMatch(/banned|login_required/);
        });

        it("refuses the room's banned words compared as the chat compares them (disguised letters too), and the same text again within the window", async () => {
          const id = await ticker();
          expect((await raw(t.url, 'PATCH', `/tickers/${id}/chat-settings`, { bannedWords: ['idiot'] }, ops)).status).toBe(200);
          const reader = await makeUser(t.url);
          const headers = from(reader.token);
          // A Cyrillic і and a zero-width space.
          const bad = await ask(id, reader.token, 'Is the mayor an \u0456di\u200Bot?', {}, headers);
          expect({ status: bad.status, code: bad.body.error.code, reason: bad.body.error.details?.reason }).toEqual({ status: 422, code: 'message_rejected', reason: 'banned_word' });
          expect((await ask(id, reader.token, 'When do polls close?', {}, headers)).status).toBe(201);
          const dup = await ask(id, reader.token, 'WHEN do polls  close?', {}, headers);
          expect({ status: dup.status, code: dup.body.error.code, reason: dup.body.error.details?.reason }).toEqual({ status: 422, code: 'message_rejected', reason: 'duplicate' });
        });

        it('counts 3 questions per reader and 10 per address in 10 minutes (429 rate_limited with Retry-After), storing nothing more', async () => {
          const id = await ticker();
          const one = await makeUser(t.url);
          const address = '10.9.9.9';
          for (let i = 0; i < 3; i++) expect((await ask(id, one.token, `Question number ${i}?`, {}, from(one.token, address))).status).toBe(201);
          const before = await count();
          const fourth = await ask(id, one.token, 'Question number 4?', {}, from(one.token, address));
          expect({ status: fourth.status, code: fourth.body.error.code }).toEqual({ status: 429, code: 'rate_limited' });
          expect(Number(fourth.headers.get('retry-after'))).toBeGreaterThan(0);
          // Seven more from the same address by other readers; the eleventh is refused.
          const others = await Promise.all([1, 2, 3].map(() => makeUser(t.url)));
          let ok = 0;
          for (const [i, r] of [others[0], others[0], others[0], others[1], others[1], others[1], others[2]].entries()) {
            if ((await ask(id, r!.token, `From the same place ${i}?`, {}, from(r!.token, address))).status === 201) ok++;
          }
          expect(ok).toBe(6); // 3 + 6 = 9 counted, the refused fourth counted against the address too
          const last = await ask(id, others[2]!.token, 'One too many?', {}, from(others[2]!.token, address));
          expect({ status: last.status, code: last.body.error.code }).toEqual({ status: 429, code: 'rate_limited' });
          expect(await count()).toBe(before + 6);
        });
      });

      describe('who sees questions', () => {
        it('not public: other readers and anonymous see none (403), the asker their own, the desk every one with its author (never an address)', async () => {
          const id = await ticker();
          const asker = await makeUser(t.url, 'reader', 'Bea');
          const q = await asked(id, asker.token);
          const other = await makeUser(t.url);
          for (const headers of [from(other.token), from()]) {
            const res = await raw(t.url, 'GET', `/tickers/${id}/questions`, undefined, headers);
            expect({ status: res.status, code: res.body.error.code }).toEqual({ status: 403, code: 'forbidden' });
          }
          expect((await raw(t.url, 'GET', '/me/questions', undefined, from(other.token))).body.items).toEqual([]);
          expect((await raw(t.url, 'GET', '/me/questions', undefined, from())).status).toBe(401);
          const mod = await makeUser(t.url, 'moderator');
          for (const token of [mod.token, OPS_KEY]) {
            const desk = await raw(t.url, 'GET', `/tickers/${id}/questions`, undefined, from(token));
            expect(desk.status).toBe(200);
            expect(desk.body.items).toEqual([expect.objectContaining({ id: q.id, author: { id: asker.id, displayName: 'Bea' } })]);
            expect(JSON.stringify(desk.body)).not.toContain(asker.email);
          }
          // The vote route does not tell a reader a hidden question exists.
          expect((await raw(t.url, 'POST', `/questions/${q.id}/votes`, undefined, from(other.token))).status).toBe(404);
        });

        it('public: readers see the open ones without who asked, upvote others once (again 200, no-op), never their own; DELETE takes the vote back', async () => {
          const id = await ticker();
          expect((await raw(t.url, 'PATCH', `/tickers/${id}`, { questions: { public: 'yes' } }, ops)).status).toBe(400);
          expect((await raw(t.url, 'PATCH', `/tickers/${id}`, { questions: { public: true } }, from((await makeUser(t.url)).token))).status).toBe(403);
          await makePublic(id);
          expect((await raw(t.url, 'GET', `/tickers/${id}`)).body.questions).toEqual({ public: true });
          const asker = await makeUser(t.url, 'reader', 'Cleo');
          const q = await asked(id, asker.token);
          const voter = await makeUser(t.url);
          const seen = await raw(t.url, 'GET', `/tickers/${id}/questions`, undefined, from(voter.token));
          expect(seen.status).toBe(200);
          expect(seen.body.items).toEqual([expect.objectContaining({ id: q.id, votes: 0, voted: false })]);
          expect(seen.body.items[0].author).toBeUndefined();
          expect(JSON.stringify(seen.body)).not.toContain('Cleo');
          expect((await raw(t.url, 'GET', `/tickers/${id}/questions?status=answered`, undefined, from(voter.token))).status).toBe(403);

          const up = await raw(t.url, 'POST', `/questions/${q.id}/votes`, undefined, from(voter.token));
          expect(up.status).toBe(201);
          expect(up.body).toMatchObject({ id: q.id, votes: 1, voted: true });
          const again = await raw(t.url, 'POST', `/questions/${q.id}/votes`, undefined, from(voter.token));
          expect(again.status).toBe(200);
          expect(again.body.votes).toBe(1);
          const own = await raw(t.url, 'POST', `/questions/${q.id}/votes`, undefined, from(asker.token));
          expect({ status: own.status, code: own.body.error.code }).toEqual({ status: 403, code: 'own_question' });
          expect((await raw(t.url, 'POST', `/questions/${q.id}/votes`)).status).toBe(401);
          expect((await raw(t.url, 'GET', `/tickers/${id}/questions`)).body.items[0].votes).toBe(1);
          const down = await raw(t.url, 'DELETE', `/questions/${q.id}/votes`, undefined, from(voter.token));
          expect(down.body).toMatchObject({ votes: 0, voted: false });
          expect((await raw(t.url, 'DELETE', `/questions/${q.id}/votes`, undefined, from(voter.token))).body.votes).toBe(0);
          expect((await raw(t.url, 'POST', '/questions/no-such-question/votes', undefined, from(voter.token))).status).toBe(404);
          // Made private again: hidden from readers again.
          await makePublic(id, false);
          expect((await raw(t.url, 'GET', `/tickers/${id}/questions`, undefined, from(voter.token))).status).toBe(403);
        });

        it('counts 120 upvotes (or takings back) a minute per reader, then 429 rate_limited', async () => {
          const id = await ticker();
          await makePublic(id);
          const q = await asked(id, (await makeUser(t.url)).token);
          const voter = await makeUser(t.url);
          const statuses: number[] = [];
          for (let i = 0; i < 121; i++) statuses.push((await raw(t.url, i % 2 ? 'DELETE' : 'POST', `/questions/${q.id}/votes`, undefined, from(voter.token))).status);
          expect(statuses.slice(0, 120).every((s) => s === 200 || s === 201)).toBe(true);
          expect(statuses[120]).toBe(429);
        });

        it('the desk pages the queue newest first or by votes (top), filters by status, and refuses bad queries (400)', async () => {
          const id = await ticker();
          await makePublic(id);
          const askers = await Promise.all([1, 2, 3].map(() => makeUser(t.url)));
          const qs: Question[] = [];
          for (const a of askers) qs.push(await asked(id, a.token));
          // The oldest gets two votes, the middle one one.
          for (const v of [askers[1]!, askers[2]!]) await raw(t.url, 'POST', `/questions/${qs[0]!.id}/votes`, undefined, from(v.token));
          await raw(t.url, 'POST', `/questions/${qs[1]!.id}/votes`, undefined, from(askers[0]!.token));
          const page = async (query: string) => (await raw(t.url, 'GET', `/tickers/${id}/questions?${query}`, undefined, ops)).body;
          expect((await page('order=new')).items.map((q: Question) => q.id)).toEqual([qs[2]!.id, qs[1]!.id, qs[0]!.id]);
          const top1 = await page('order=top&limit=2');
          expect(top1.items.map((q: Question) => [q.id, q.votes])).toEqual([
            [qs[0]!.id, 2],
            [qs[1]!.id, 1],
          ]);
          const top2 = await page(`order=top&limit=2&cursor=${top1.nextCursor}`);
          expect(top2.items.map((q: Question) => q.id)).toEqual([qs[2]!.id]);
          expect(top2.nextCursor).toBeNull();
          await raw(t.url, 'POST', `/questions/${qs[2]!.id}/dismiss`, {}, ops);
          expect((await page('status=dismissed')).items.map((q: Question) => q.id)).toEqual([qs[2]!.id]);
          expect((await page('status=open')).items).toHaveLength(2);
          for (const bad of ['status=closed', 'order=best', 'limit=0', 'limit=101', 'cursor=nonsense', `order=new&cursor=${top1.nextCursor}`, 'extra=1']) {
            const res = await raw(t.url, 'GET', `/tickers/${id}/questions?${bad}`, undefined, ops);
            expect([bad, res.status]).toEqual([bad, 400]);
          }
        });
      });

      describe('the desk answers', () => {
        it('publishes an entry of kind answer with the question quoted (the name only with showName, never an address) on the stream, the page and the feeds; the question is answered, a second answer 409', async () => {
          const id = await ticker();
          const named = await makeUser(t.url, 'reader', 'Dora Named');
          const anon = await makeUser(t.url, 'reader', 'Quiet Quentin');
          const withName = await asked(id, named.token, 'Where is my polling station?', { showName: true });
          const withoutName = await asked(id, anon.token, 'How long does counting take?');
          const watch = await follow(`ticker:${id}`);
          expect(watch.ack.ok).toBe(true);
          const editor = await makeUser(t.url, 'editor');

          const res = await raw(t.url, 'POST', `/questions/${withName.id}/answer`, { body: '<p>See the <b>letter</b> you got.<script>x()</script></p>', title: 'Your question' }, from(editor.token));
          expect(res.status).toBe(201);
          const entry = res.body.entry as Entry;
          expect(entry).toMatchObject({ kind: 'answer', title: 'Your question', status: 'published', question: { id: withName.id, body: 'Where is my polling station?', askedBy: 'Dora Named' } });
          expect(entry.body).not.toContain('script');
          expect(res.body.question).toMatchObject({ id: withName.id, status: 'answered', answeredEntryId: entry.id });

          const other = (await raw(t.url, 'POST', `/questions/${withoutName.id}/answer`, { body: '<p>Until late.</p>' }, from(editor.token))).body.entry as Entry;
          expect(other.question).toEqual({ id: withoutName.id, body: 'How long does counting take?', askedBy: null });

          const streamed = await waitFor(() => watch.got.filter((c) => c.type === 'entry.created' && (c.data as Entry).kind === 'answer').length === 2 && watch.got, 'both answers on the ticker stream');
          const text = JSON.stringify(streamed);
          expect(text).toContain('Where is my polling station?');
          expect(text).not.toContain('Quiet Quentin');
          for (const email of [named.email, anon.email]) expect(text).not.toContain(email);

          const html = (await raw(t.url, 'GET', `/tickers/${id}/html`)).body as string;
          expect(html).toContain('class="lt-question"');
          expect(html).toContain('Where is my polling station?');
          expect(html).toContain('Dora Named');
          expect(html).not.toContain('Quiet Quentin');
          const feed = (await raw(t.url, 'GET', `/tickers/${id}/feed.atom`)).body as string;
          expect(feed).toContain('How long does counting take?');
          expect(feed).not.toContain(anon.email);

          const twice = await raw(t.url, 'POST', `/questions/${withName.id}/answer`, { body: '<p>Again</p>' }, from(editor.token));
          expect({ status: twice.status, code: twice.body.error.code }).toEqual({ status: 409, code: 'question_not_open' });
          const mine = (await raw(t.url, 'GET', '/me/questions', undefined, from(named.token))).body.items as Question[];
          expect(mine[0]).toMatchObject({ id: withName.id, status: 'answered', answeredEntryId: entry.id });
        });

        it('only editors answer (a moderator, a reader: 403; anonymous: 401); a bad answer is a 400 and leaves the question open', async () => {
          const id = await ticker();
          const q = await asked(id, (await makeUser(t.url)).token);
          const mod = await makeUser(t.url, 'moderator');
          const reader = await makeUser(t.url);
          expect((await raw(t.url, 'POST', `/questions/${q.id}/answer`, { body: '<p>x</p>' }, from(mod.token))).status).toBe(403);
          expect((await raw(t.url, 'POST', `/questions/${q.id}/answer`, { body: '<p>x</p>' }, from(reader.token))).status).toBe(403);
          expect((await raw(t.url, 'POST', `/questions/${q.id}/answer`, { body: '<p>x</p>' })).status).toBe(401);
          for (const bad of [{}, { body: '   ' }, { body: '<p>x</p>', kind: 'text' }, { body: 'x'.repeat(20001) }, { body: '<p>x</p>', title: 5 }]) {
            const res = await raw(t.url, 'POST', `/questions/${q.id}/answer`, bad, ops);
            expect([JSON.stringify(bad).slice(0, 40), res.status]).toEqual([JSON.stringify(bad).slice(0, 40), 400]);
          }
          expect((await raw(t.url, 'POST', '/questions/nothing-here/answer', { body: '<p>x</p>' }, ops)).status).toBe(404);
          const desk = (await raw(t.url, 'GET', `/tickers/${id}/questions`, undefined, ops)).body.items as Question[];
          expect(desk[0]!.status).toBe('open');
          expect((await raw(t.url, 'GET', `/tickers/${id}/entries`)).body.items).toEqual([]);
        });

        it('the answer is an ordinary entry afterwards: edited (keeping its question), pinned, deleted (its question erased with it); no entry becomes an answer otherwise', async () => {
          const id = await ticker();
          const q = await asked(id, (await makeUser(t.url)).token, 'Is turnout higher than 2021?');
          const entry = (await raw(t.url, 'POST', `/questions/${q.id}/answer`, { body: '<p>Yes.</p>' }, ops)).body.entry as Entry;
          const edited = await raw(t.url, 'PATCH', `/tickers/${id}/entries/${entry.id}`, { version: 1, body: '<p>Yes, by 4 points.</p>', pinned: true }, ops);
          expect(edited.status).toBe(200);
          expect(edited.body).toMatchObject({ kind: 'answer', pinned: true, question: { body: 'Is turnout higher than 2021?' } });
          expect((await raw(t.url, 'PATCH', `/tickers/${id}/entries/${entry.id}`, { version: 2, kind: 'text' }, ops)).status).toBe(400);
          expect((await raw(t.url, 'POST', `/tickers/${id}/entries`, { kind: 'answer', body: '<p>fake</p>' }, ops)).status).toBe(400);
          const text = (await raw(t.url, 'POST', `/tickers/${id}/entries`, { body: '<p>plain</p>' }, ops)).body as Entry;
          expect((await raw(t.url, 'PATCH', `/tickers/${id}/entries/${text.id}`, { version: 1, kind: 'answer' }, ops)).status).toBe(400);
          const deleted = await raw(t.url, 'DELETE', `/tickers/${id}/entries/${entry.id}`, undefined, ops);
          expect(deleted.status).toBe(200);
          expect(deleted.body.question).toBeUndefined();
          expect(JSON.stringify((await raw(t.url, 'GET', `/tickers/${id}/changes?since=0`)).body)).not.toContain('Is turnout higher');
        });

        it('tells the asker on their user: stream (inbox.updated) when the chat is in their inbox', async () => {
          const id = await ticker();
          const asker = await makeUser(t.url);
          // Writing in the chat puts it in the reader's inbox.
          expect((await raw(t.url, 'POST', `/tickers/${id}/messages`, { body: 'hello', clientId: 'message-1' }, from(asker.token))).status).toBe(201);
          const q = await asked(id, asker.token);
          const inbox = await follow(`user:${asker.id}`, asker.token);
          expect(inbox.ack.ok).toBe(true);
          await sleep(50);
          inbox.got.length = 0;
          await raw(t.url, 'POST', `/questions/${q.id}/answer`, { body: '<p>Answered.</p>' }, ops);
          const told = await waitFor(() => inbox.got.find((c) => c.type === 'inbox.updated' && (c.data as { tickerId: string }).tickerId === id), 'inbox.updated after the answer');
          expect(told!.data).toMatchObject({ tickerId: id, questionsAnswered: 1 });
          const chats = (await raw(t.url, 'GET', '/me/chats', undefined, from(asker.token))).body.items;
          expect(chats).toEqual([expect.objectContaining({ tickerId: id, questionsAnswered: 1 })]);
        });

        it('a dismissal tells only the asker (their list, with the reason): readers see it gone, nothing is published; twice 409, votes on it 409', async () => {
          const id = await ticker();
          await makePublic(id);
          const asker = await makeUser(t.url);
          const q = await asked(id, asker.token);
          const reader = await makeUser(t.url);
          const pub = await follow(`questions-public:${id}`);
          expect(pub.ack.ok).toBe(true);
          const entriesBefore = (await raw(t.url, 'GET', `/tickers/${id}/changes`)).body.rev;
          const reader2 = await makeUser(t.url);
          expect((await raw(t.url, 'POST', `/questions/${q.id}/dismiss`, { reason: 'x'.repeat(301) }, ops)).status).toBe(400);
          expect((await raw(t.url, 'POST', `/questions/${q.id}/dismiss`, { reason: 'off topic' }, from(reader2.token))).status).toBe(403);
          const mod = await makeUser(t.url, 'moderator');
          const res = await raw(t.url, 'POST', `/questions/${q.id}/dismiss`, { reason: 'off topic' }, from(mod.token));
          expect(res.status).toBe(200);
          expect(res.body).toMatchObject({ status: 'dismissed', dismissReason: 'off topic' });
          expect((await raw(t.url, 'POST', `/questions/${q.id}/dismiss`, {}, from(mod.token))).status).toBe(409);
          expect((await raw(t.url, 'POST', `/questions/${q.id}/answer`, { body: '<p>Too late.</p>' }, ops)).body.error.code).toBe('question_not_open');
          expect((await raw(t.url, 'POST', `/questions/${q.id}/votes`, undefined, from(reader.token))).body.error.code).toBe('question_not_open');
          expect((await raw(t.url, 'GET', '/me/questions', undefined, from(asker.token))).body.items[0]).toMatchObject({ status: 'dismissed', dismissReason: 'off topic' });
          expect((await raw(t.url, 'GET', `/tickers/${id}/questions`, undefined, from(reader.token))).body.items).toEqual([]);
          await waitFor(() => pub.got.some((c) => c.type === 'question.removed'), 'the question leaving the readers’ stream');
          expect(JSON.stringify(pub.got)).not.toContain('off topic');
          expect(JSON.stringify(pub.got)).not.toContain('dismissed');
          expect((await raw(t.url, 'GET', `/tickers/${id}/changes`)).body.rev).toBe(entriesBefore);
        });
      });

      it('the OpenAPI document lists the question routes, their bodies and answers', async () => {
        const doc = (await raw(t.url, 'GET', '/openapi.json')).body;
        const ask = doc.paths['/tickers/{id}/questions'];
        expect(ask.post.requestBody.content['application/json'].schema.$ref).toBe('#/components/schemas/AskQuestionBody');
        expect(ask.get.responses['200'].content['application/json'].schema.$ref).toBe('#/components/schemas/QuestionList');
        // How the queue and the public questions move live: the two streams.
        expect(ask.get.summary).toContain('questions:<id>');
        expect(ask.get.summary).toContain('questions-public:<id>');
        expect(doc.paths['/questions/{id}/answer'].post.security).toBeDefined();
        expect(doc.paths['/questions/{id}/votes'].delete).toBeDefined();
        expect(doc.paths['/me/questions'].get).toBeDefined();
        expect(doc.components.schemas.Entry.properties.question).toBeDefined();
        expect(doc.components.schemas.Ticker.properties.questions).toBeDefined();
      });

      it('migration 022 gives a ticker made before it its two question streams (at revision 0, questions private), and takes them back down', async () => {
        const tdb = await createTestDatabase(dialect);
        const database = await openDatabase(tdb.url);
        try {
          const db = database.db as unknown as Kysely<any>;
          const migrator = new Migrator({ db, provider: { getMigrations: async () => migrations } });
          expect((await migrator.migrateTo('021_analytics')).error).toBeUndefined();
          const now = new Date().toISOString();
          await db.insertInto('streams').values({ name: 'ticker:old', rev: 0, epoch: 'e1' }).execute();
          await db
            .insertInto('tickers')
            .values({ id: 'old', title: 'Old', description: '', status: 'live', locale: 'de', coverage_start: null, coverage_end: null, chat_mode: 'open', slow_mode_seconds: 0, rev: 0, created_at: now, updated_at: now })
            .execute();
          expect((await migrator.migrateToLatest()).error).toBeUndefined();
          const streams = await db.selectFrom('streams').select(['name', 'rev']).where('name', 'like', 'questions%').orderBy('name').execute();
          expect(streams).toEqual([
            { name: 'questions-public:old', rev: 0 },
            { name: 'questions:old', rev: 0 },
          ]);
          expect((await db.selectFrom('tickers').select('questions_public').executeTakeFirstOrThrow()).questions_public).toBe(0);
          // And back down: the tables and the streams go.
          expect((await migrator.migrateTo('021_analytics')).error).toBeUndefined();
          expect(await db.selectFrom('streams').select('name').where('name', 'like', 'questions%').execute()).toEqual([]);
        } finally {
          await database.close();
          await tdb.drop();
        }
      });

      describe('the streams', () => {
        it('questions:<id> is the desk’s: readers and anonymous are refused (forbidden); editors and moderators get question.created and coalesced vote counts', async () => {
          const id = await ticker();
          await makePublic(id);
          const reader = await makeUser(t.url);
          expect((await follow(`questions:${id}`, reader.token)).ack).toMatchObject({ ok: false, error: { code: 'forbidden' } });
          expect((await follow(`questions:${id}`)).ack).toMatchObject({ ok: false, error: { code: 'forbidden' } });
          const mod = await makeUser(t.url, 'moderator');
          const desk = await follow(`questions:${id}`, mod.token);
          expect(desk.ack.ok).toBe(true);
          const asker = await makeUser(t.url, 'reader', 'Eva');
          const q = await asked(id, asker.token);
          const created = await waitFor(() => desk.got.find((c) => c.type === 'question.created'), 'question.created on the desk stream');
          expect((created!.data as Question).author).toEqual({ id: asker.id, displayName: 'Eva' });
          expect(JSON.stringify(desk.got)).not.toContain(asker.email);

          // 12 readers upvote over about 1.5 s: the desk hears the count move at most once a second, exact after the last.
          const voters = await Promise.all(Array.from({ length: 12 }, () => makeUser(t.url)));
          const started = Date.now();
          for (const v of voters) {
            expect((await raw(t.url, 'POST', `/questions/${q.id}/votes`, undefined, from(v.token))).status).toBe(201);
            await sleep(120);
          }
          await waitFor(() => desk.got.some((c) => c.type === 'question.updated' && (c.data as Question).votes === 12), 'the final count on the desk stream');
          const updates = desk.got.filter((c) => c.type === 'question.updated');
          expect(updates.length).toBeLessThanOrEqual(Math.ceil((Date.now() - started) / 1000) + 1);
          expect(updates.length).toBeGreaterThanOrEqual(2);
          // No gap between deliveries is asserted (a loaded CI run saw 763 ms between two claims a
          // second apart): the once-a-second claim is proved clock-free in multi-node/questions.test.ts.
          const counts = updates.map((c) => (c.data as Question).votes);
          expect([...counts].sort((a, b) => a - b)).toEqual(counts);
        });

        it('a desk member demoted to reader is refused the desk stream on their next subscribe, on the socket they hold', async () => {
          const id = await ticker();
          const editor = await makeUser(t.url, 'editor');
          const s = connect(t.url, { transports: ['websocket'], reconnection: false, forceNew: true, auth: { token: editor.token } });
          sockets.push(s);
          expect((await s.timeout(5000).emitWithAck('subscribe', { stream: `questions:${id}`, since: 0 })).ok).toBe(true);
          await s.timeout(5000).emitWithAck('unsubscribe', { stream: `questions:${id}` });
          expect((await raw(t.url, 'PATCH', `/users/${editor.id}`, { role: 'reader' }, ops)).status).toBe(200);
          expect(await s.timeout(5000).emitWithAck('subscribe', { stream: `questions:${id}`, since: 0 })).toMatchObject({ ok: false, error: { code: 'forbidden' } });
        });

        it('questions-public:<id> lets anyone follow the open questions and counts, without who asked; catch-up says the same', async () => {
          const id = await ticker();
          await makePublic(id);
          const pub = await follow(`questions-public:${id}`);
          expect(pub.ack.ok).toBe(true);
          const asker = await makeUser(t.url, 'reader', 'Finn');
          const q = await asked(id, asker.token);
          await raw(t.url, 'POST', `/questions/${q.id}/votes`, undefined, from((await makeUser(t.url)).token));
          await waitFor(() => pub.got.some((c) => (c.data as Question).votes === 1), 'the count on the readers’ stream');
          expect(pub.got[0]).toMatchObject({ type: 'question.created', data: { id: q.id, votes: 0 } });
          const text = JSON.stringify(pub.got);
          expect(text).not.toContain('Finn');
          expect(text).not.toContain(asker.id);
          const late = await follow(`questions-public:${id}`);
          expect(late.ack.changes).toEqual([expect.objectContaining({ type: 'question.updated', data: expect.objectContaining({ id: q.id, votes: 1 }) })]);
          // Made private: followers see every open question go; a catch-up from the database carries no text.
          await makePublic(id, false);
          await waitFor(() => pub.got.some((c) => c.type === 'question.removed' && c.data.id === q.id), 'the question leaving when made private');
          const head = (await follow(`questions-public:${id}`)).ack.rev as number;
          const fromDb = await t.node.server.ctx.changeLog.since(`questions-public:${id}`, 0);
          expect(fromDb!.changes).toEqual([{ rev: head, type: 'question.removed', data: { id: q.id, tickerId: id } }]);
          // Public again: followers see the open ones come back.
          await makePublic(id);
          await waitFor(() => pub.got.filter((c) => c.type === 'question.created' && c.data.id === q.id).length === 2, 'the question back when made public');
        });
      });
    });
  }
}

describe('questions: the limits come from the configuration (QUESTIONS_PER_READER, QUESTIONS_PER_ADDRESS)', () => {
  let t: TestSetup;
  beforeAll(async () => {
    t = await setup('sqlite', 'memory', { scrypt: { logN: 10, r: 8, p: 1 }, trustProxy: 1, questions: { ...testConfig().questions, perReader: 1, perAddress: 2 } });
  });
  afterAll(() => t.close());

  it('1 per reader and 2 per address: the second question of a reader and the third of an address are 429 rate_limited', async () => {
    expect((await raw(t.url, 'POST', '/tickers', { id: 'limits', title: 'Limits', status: 'live' }, ops)).status).toBe(201);
    const [one, two, three] = await Promise.all([makeUser(t.url), makeUser(t.url), makeUser(t.url)]);
    let cid = 0;
    const ask = (token: string, body: string, address: string) => raw(t.url, 'POST', '/tickers/limits/questions', { body, clientId: `limits-${++cid}` }, from(token, address));
    expect((await ask(one.token, 'First of one?', '10.8.0.1')).status).toBe(201);
    const again = await ask(one.token, 'Second of one?', '10.8.0.2');
    expect({ status: again.status, code: again.body.error.code }).toEqual({ status: 429, code: 'rate_limited' });
    expect((await ask(two.token, 'First of two?', '10.8.0.3')).status).toBe(201);
    expect((await ask(three.token, 'First of three?', '10.8.0.3')).status).toBe(201);
    const third = await ask(three.token, 'Once more from there?', '10.8.0.3');
    expect({ status: third.status, code: third.body.error.code }).toEqual({ status: 429, code: 'rate_limited' });
  });
});
