import { io as connect } from 'socket.io-client';
import type { Socket } from 'socket.io-client';
import type { Change, Entry } from '@liveticker/schemas';
import { DIALECTS } from '../helpers/db';
import { BUSES, OPS_KEY, setup } from '../helpers/server';
import type { TestSetup } from '../helpers/server';
import { makeUser } from '../helpers/cluster';
import { opsApi, raw } from '../helpers/api';
import { waitFor } from '../helpers/wait';

const ops = { authorization: `Bearer ${OPS_KEY}` };
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const soon = (ms: number) => new Date(Date.now() + ms).toISOString();
const OPTIONS = [
  { id: 'yes', label: 'Yes' },
  { id: 'no', label: 'No' },
];

/** The `lt_device` cookie a vote's answer set (name=value only), if any. */
const deviceCookie = (headers: Headers) => headers.getSetCookie().find((c) => c.startsWith('lt_device='));

for (const dialect of DIALECTS) {
  for (const bus of BUSES) {
    describe(`polls (${dialect}, ${bus} bus)`, () => {
      let t: TestSetup;
      let api: ReturnType<typeof opsApi>;
      let n = 0;
      const sockets: Socket[] = [];
      beforeAll(async () => {
        t = await setup(dialect, bus, { scrypt: { logN: 10, r: 8, p: 1 } });
        api = opsApi(t.url);
      });
      afterAll(async () => {
        for (const s of sockets) s.close();
        await t.close();
      });

      const ticker = async () => {
        const id = `poll-${++n}`;
        await api.createTicker({ id, title: 'Election night', status: 'live' });
        return id;
      };
      const poll = async (tickerId: string, extra: Record<string, unknown> = {}, entry: Record<string, unknown> = {}) => {
        const res = await raw(t.url, 'POST', `/tickers/${tickerId}/entries`, { kind: 'poll', poll: { question: 'Who won the debate?', options: OPTIONS, ...extra }, ...entry }, ops);
        expect(res.status).toBe(201);
        return res.body as Entry;
      };
      const vote = (tickerId: string, entryId: string, optionId: string, headers: Record<string, string> = {}) =>
        raw(t.url, 'POST', `/tickers/${tickerId}/entries/${entryId}/votes`, { optionId }, headers);
      /** A socket on `ticker:<id>` from its head on, and every change it is sent. */
      const watch = async (tickerId: string) => {
        const s = connect(t.url, { transports: ['websocket'], reconnection: false, forceNew: true });
        sockets.push(s);
        const got: Change[] = [];
        s.on('changes', (frame: { changes: Change[] }) => got.push(...frame.changes));
        const ack = await s.timeout(5000).emitWithAck('subscribe', { stream: `ticker:${tickerId}`, since: 0 });
        expect(ack.ok).toBe(true);
        got.push(...(ack.changes as Change[]));
        return got;
      };
      const pollChanges = (got: Change[], id: string) => got.filter((c) => (c.data as Entry).id === id).map((c) => c.data as Entry);

      describe('an editor writes a poll', () => {
        it('is created as an entry of kind poll, with its options, and read back as it was written', async () => {
          const id = await ticker();
          const p = await poll(id, { closesAt: soon(3600_000), results: 'after-vote', allowAnonymous: true });
          expect(p.kind).toBe('poll');
          expect(p.poll).toMatchObject({ question: 'Who won the debate?', options: OPTIONS, resultsMode: 'after-vote', allowAnonymous: true, closed: false, closedAt: null });
          const read = await raw(t.url, 'GET', `/tickers/${id}/entries/${p.id}`);
          expect(read.body.poll).toMatchObject({ question: 'Who won the debate?', options: OPTIONS });
          expect(read.body.poll.results).toBeUndefined();
        });

        it.each([
          ['one option', { question: 'Q?', options: [{ id: 'a', label: 'A' }] }, 'poll.options'],
          ['eleven options', { question: 'Q?', options: Array.from({ length: 11 }, (_, i) => ({ id: `o${i}`, label: `O${i}` })) }, 'poll.options'],
          ['two options of one id', { question: 'Q?', options: [{ id: 'a', label: 'A' }, { id: 'a', label: 'B' }] }, 'poll.options'],
          ['an empty question', { question: ' ', options: OPTIONS }, 'poll.question'],
          ['a question of 201 characters', { question: 'x'.repeat(201), options: OPTIONS }, 'poll.question'],
          ['a label of 81 characters', { question: 'Q?', options: [{ id: 'a', label: 'x'.repeat(81) }, { id: 'b', label: 'B' }] }, 'poll.options.0.label'],
          ['an unknown results mode', { question: 'Q?', options: OPTIONS, results: 'never' }, 'poll.results'],
          ['a closing time in the past', { question: 'Q?', options: OPTIONS, closesAt: soon(-1000) }, 'poll.closesAt'],
        ])('refuses %s (400 naming the field)', async (_name, pollBody, path) => {
          const id = await ticker();
          const res = await raw(t.url, 'POST', `/tickers/${id}/entries`, { kind: 'poll', poll: pollBody }, ops);
          expect(res.status).toBe(400);
          expect(res.body.error.code).toBe('validation_failed');
          expect(JSON.stringify(res.body.error.details)).toContain(path);
        });

        it('refuses kind poll without a poll, and a poll on another kind', async () => {
          const id = await ticker();
          expect((await raw(t.url, 'POST', `/tickers/${id}/entries`, { kind: 'poll', body: '<p>x</p>' }, ops)).status).toBe(400);
          expect((await raw(t.url, 'POST', `/tickers/${id}/entries`, { kind: 'text', body: '<p>x</p>', poll: { question: 'Q?', options: OPTIONS } }, ops)).status).toBe(400);
          const text = await api.post(id, { body: '<p>text</p>' });
          const patched = await raw(t.url, 'PATCH', `/tickers/${id}/entries/${text.id}`, { version: 1, kind: 'poll', poll: { question: 'Q?', options: OPTIONS } }, ops);
          expect(patched.status).toBe(400);
        });

        it('readers may not write polls or close them', async () => {
          const id = await ticker();
          const p = await poll(id);
          const reader = await makeUser(t.url);
          expect((await raw(t.url, 'POST', `/tickers/${id}/entries`, { kind: 'poll', poll: { question: 'Q?', options: OPTIONS } }, bearer(reader.token))).status).toBe(403);
          expect((await raw(t.url, 'POST', `/tickers/${id}/entries/${p.id}/close`, undefined, bearer(reader.token))).status).toBe(403);
          expect((await raw(t.url, 'POST', `/tickers/${id}/entries/${p.id}/close`)).status).toBe(401);
        });

        it('the options can change until the first vote, then only the question can (409 poll_has_votes)', async () => {
          const id = await ticker();
          const p = await poll(id);
          const three = [...OPTIONS, { id: 'unsure', label: 'Unsure' }];
          const edited = await raw(t.url, 'PATCH', `/tickers/${id}/entries/${p.id}`, { version: 1, poll: { question: 'Who won?', options: three } }, ops);
          expect(edited.status).toBe(200);
          expect(edited.body.poll.options).toEqual(three);
          const reader = await makeUser(t.url);
          expect((await vote(id, p.id, 'unsure', bearer(reader.token))).status).toBe(200);
          const locked = await raw(t.url, 'PATCH', `/tickers/${id}/entries/${p.id}`, { version: 2, poll: { question: 'Who won?', options: OPTIONS } }, ops);
          expect(locked.status).toBe(409);
          expect(locked.body.error.code).toBe('poll_has_votes');
          const relabelled = await raw(t.url, 'PATCH', `/tickers/${id}/entries/${p.id}`, { version: 2, poll: { question: 'Who won?', options: three.map((o) => ({ ...o, label: `${o.label}!` })) } }, ops);
          expect(relabelled.body.error.code).toBe('poll_has_votes');
          const question = await raw(t.url, 'PATCH', `/tickers/${id}/entries/${p.id}`, { version: 2, poll: { question: 'Who won the debate tonight?', options: three } }, ops);
          expect(question.status).toBe(200);
          expect(question.body.poll).toMatchObject({ question: 'Who won the debate tonight?', results: { total: 1, counts: { yes: 0, no: 0, unsure: 1 } } });
        });
      });

      it('the OpenAPI document lists the poll routes, their bodies and answers', async () => {
        const doc = (await raw(t.url, 'GET', '/openapi.json')).body;
        const votes = doc.paths['/tickers/{id}/entries/{entryId}/votes'];
        expect(votes.post.requestBody.content['application/json'].schema.$ref).toBe('#/components/schemas/VoteBody');
        expect(votes.post.responses['200'].content['application/json'].schema.$ref).toBe('#/components/schemas/VoteState');
        expect(votes.get).toBeDefined();
        expect(doc.paths['/tickers/{id}/entries/{entryId}/close'].post.security).toBeDefined();
        expect(doc.components.schemas.Entry.properties.poll).toBeDefined();
        expect(doc.components.schemas.CreateEntryBody.properties.poll).toBeDefined();
      });

      describe('voting', () => {
        it('a verified reader votes and gets the counts; a second vote changes theirs, never adds one', async () => {
          const id = await ticker();
          const p = await poll(id);
          const reader = await makeUser(t.url);
          const first = await vote(id, p.id, 'yes', bearer(reader.token));
          expect(first.status).toBe(200);
          expect(first.body).toEqual({ entryId: p.id, optionId: 'yes', closed: false, results: { total: 1, counts: { yes: 1, no: 0 } } });
          const second = await vote(id, p.id, 'no', bearer(reader.token));
          expect(second.body.results).toEqual({ total: 1, counts: { yes: 0, no: 1 } });
          const mine = await raw(t.url, 'GET', `/tickers/${id}/entries/${p.id}/votes`, undefined, bearer(reader.token));
          expect(mine.body).toMatchObject({ optionId: 'no', results: { total: 1 } });
          expect(mine.headers.get('cache-control')).toBe('private, no-store');
        });

        it('anonymous → 401 login_required, unverified → 403 email_not_verified', async () => {
          const id = await ticker();
          const p = await poll(id);
          const anon = await vote(id, p.id, 'yes');
          expect(anon.status).toBe(401);
          expect(anon.body.error.code).toBe('login_required');
          const email = `unverified-${Date.now()}@example.org`;
          await raw(t.url, 'POST', '/auth/register', { email, password: 'a long secret', displayName: 'New' });
          const token = (await raw(t.url, 'POST', '/auth/login', { email, password: 'a long secret' })).body.token as string;
          const unverified = await vote(id, p.id, 'yes', bearer(token));
          expect(unverified.status).toBe(403);
          expect(unverified.body.error.code).toBe('email_not_verified');
        });

        it('an unknown option is a 400 naming optionId; a bad body a 400; a deleted, draft or non-poll entry a 404', async () => {
          const id = await ticker();
          const p = await poll(id);
          const reader = await makeUser(t.url);
          const unknown = await vote(id, p.id, 'maybe', bearer(reader.token));
          expect(unknown.status).toBe(400);
          expect(unknown.body.error).toMatchObject({ code: 'validation_failed', details: [{ path: 'optionId' }] });
          for (const body of [{}, { optionId: 7 }, { optionId: 'yes', extra: 1 }, 'not json']) {
            const bad = await raw(t.url, 'POST', `/tickers/${id}/entries/${p.id}/votes`, body, { ...bearer(reader.token), 'content-type': 'application/json' });
            expect(bad.status).toBe(400);
          }
          const text = await api.post(id, { body: '<p>no poll</p>' });
          const draft = await poll(id, {}, { status: 'draft' });
          const gone = await poll(id);
          await api.remove(id, gone.id);
          for (const entryId of [text.id, draft.id, gone.id, 'nope']) {
            const res = await vote(id, entryId, 'yes', bearer(reader.token));
            expect(res.status).toBe(404);
          }
          expect((await vote('no-such-ticker', p.id, 'yes', bearer(reader.token))).status).toBe(404);
        });

        it('after closesAt (server clock) a vote is 409 poll_closed, and every reader is told the poll closed with its final counts', async () => {
          const id = await ticker();
          const p = await poll(id, { closesAt: soon(1500), results: 'after-close' });
          const got = await watch(id);
          const reader = await makeUser(t.url);
          const early = await vote(id, p.id, 'yes', bearer(reader.token));
          expect(early.status).toBe(200);
          expect(early.body.results).toBeUndefined(); // after-close: not yet
          const closed = (await waitFor(() => pollChanges(got, p.id).find((e) => e.poll?.closed), 'the closing change'))!;
          expect(closed.poll).toMatchObject({ closed: true, closedAt: p.poll!.closesAt, results: { total: 1, counts: { yes: 1, no: 0 } } });
          const late = await vote(id, p.id, 'no', bearer(reader.token));
          expect(late.status).toBe(409);
          expect(late.body.error.code).toBe('poll_closed');
        });

        it('an editor closes a poll now: one change, votes refused afterwards, closing again is a 409', async () => {
          const id = await ticker();
          const p = await poll(id, { results: 'after-vote' });
          const got = await watch(id);
          const reader = await makeUser(t.url);
          await vote(id, p.id, 'no', bearer(reader.token));
          const closed = await raw(t.url, 'POST', `/tickers/${id}/entries/${p.id}/close`, undefined, ops);
          expect(closed.status).toBe(200);
          expect(closed.body.poll).toMatchObject({ closed: true, results: { total: 1, counts: { no: 1 } } });
          await waitFor(() => pollChanges(got, p.id).some((e) => e.poll?.closed), 'the closing change');
          expect(pollChanges(got, p.id).find((e) => e.poll?.closed)!.poll!.results).toEqual({ total: 1, counts: { yes: 0, no: 1 } });
          expect((await vote(id, p.id, 'yes', bearer(reader.token))).body.error.code).toBe('poll_closed');
          expect((await raw(t.url, 'POST', `/tickers/${id}/entries/${p.id}/close`, undefined, ops)).body.error.code).toBe('poll_closed');
          // Closed is final: its time cannot be moved.
          const reopen = await raw(t.url, 'PATCH', `/tickers/${id}/entries/${p.id}`, { version: 1, poll: { question: 'Q?', options: OPTIONS, closesAt: soon(60_000) } }, ops);
          expect(reopen.body.error.code).toBe('poll_closed');
        });
      });

      describe('anonymous votes (allowAnonymous)', () => {
        it('one vote per device by a signed HttpOnly cookie: again with it changes the vote; a forged cookie is a new device', async () => {
          const id = await ticker();
          const p = await poll(id, { allowAnonymous: true });
          const first = await vote(id, p.id, 'yes');
          expect(first.status).toBe(200);
          const cookie = deviceCookie(first.headers)!;
          expect(cookie).toMatch(/HttpOnly/i);
          expect(cookie).toMatch(/SameSite=Lax/i);
          const pair = cookie.split(';')[0]!;
          const again = await vote(id, p.id, 'no', { cookie: pair });
          expect(again.body.results).toEqual({ total: 1, counts: { yes: 0, no: 1 }, loggedIn: 0 });
          expect(deviceCookie(again.headers)).toBeUndefined();
          const mine = await raw(t.url, 'GET', `/tickers/${id}/entries/${p.id}/votes`, undefined, { cookie: pair });
          expect(mine.body.optionId).toBe('no');
          // The same id with a signature of someone's own making is not that device.
          const forged = pair.replace(/\.[^.]+$/, `.${'A'.repeat(43)}`);
          const other = await vote(id, p.id, 'yes', { cookie: forged });
          expect(other.body.results.total).toBe(2);
          // A logged-in reader's vote is marked as such.
          const reader = await makeUser(t.url);
          const member = await vote(id, p.id, 'yes', bearer(reader.token));
          expect(member.body.results).toEqual({ total: 3, counts: { yes: 2, no: 1 }, loggedIn: 1 });
        });

        it('a flood of new devices from one address stops at the cap (20) with 429 vote_limit_reached; only those 20 count', async () => {
          const id = await ticker();
          const p = await poll(id, { allowAnonymous: true });
          const answers = await Promise.all(Array.from({ length: 30 }, () => vote(id, p.id, 'yes')));
          const statuses = answers.map((a) => a.status).sort();
          expect(statuses.filter((s) => s === 200)).toHaveLength(20);
          expect(statuses.filter((s) => s === 429)).toHaveLength(10);
          expect(answers.find((a) => a.status === 429)!.body.error.code).toBe('vote_limit_reached');
          const desk = await raw(t.url, 'GET', `/tickers/${id}/entries/${p.id}`, undefined, ops);
          expect(desk.body.poll.results).toEqual({ total: 20, counts: { yes: 20, no: 0 }, loggedIn: 0 });
          // A device that voted may still change its vote; a verified reader from the address still votes.
          const pair = deviceCookie(answers.find((a) => a.status === 200)!.headers)!.split(';')[0]!;
          expect((await vote(id, p.id, 'no', { cookie: pair })).status).toBe(200);
          const reader = await makeUser(t.url);
          expect((await vote(id, p.id, 'no', bearer(reader.token))).status).toBe(200);
          // The cap is per poll: another poll takes this address's votes.
          const q = await poll(id, { allowAnonymous: true });
          expect((await vote(id, q.id, 'yes')).status).toBe(200);
        });
      });

      describe('live results on the stream', () => {
        it('many votes make few results changes; the last one is exact, and the totals a reader sees never go back', async () => {
          const id = await ticker();
          const p = await poll(id);
          const got = await watch(id);
          const readers = await Promise.all(Array.from({ length: 12 }, () => makeUser(t.url)));
          for (const [i, r] of readers.entries()) expect((await vote(id, p.id, i % 3 ? 'yes' : 'no', bearer(r.token))).status).toBe(200);
          const last = (await waitFor(() => pollChanges(got, p.id).find((e) => e.poll?.results?.total === 12), 'the exact count on the stream'))!;
          expect(last.poll!.results).toEqual({ total: 12, counts: { yes: 8, no: 4 } });
          const totals = pollChanges(got, p.id).map((e) => e.poll!.results!.total);
          expect(totals).toEqual([...totals].sort((a, b) => a - b));
          // The REST read and a catch-up agree with the stream.
          expect((await raw(t.url, 'GET', `/tickers/${id}/entries/${p.id}`)).body.poll.results).toEqual(last.poll!.results);
          const caught = (await raw(t.url, 'GET', `/tickers/${id}/changes?since=0`)).body.changes as Change[];
          expect(pollChanges(caught, p.id).pop()!.poll!.results).toEqual(last.poll!.results);
          // The entry's version is the editors': counts never make an edit stale.
          expect(last.version).toBe(1);
        });

        it('after-vote: a vote makes a change without counts, and a reader who voted reads the new counts from GET …/votes', async () => {
          const id = await ticker();
          const p = await poll(id, { results: 'after-vote' });
          const got = await watch(id);
          const [voter, other] = await Promise.all([makeUser(t.url), makeUser(t.url)]);
          expect((await vote(id, p.id, 'yes', bearer(voter.token))).body.results).toEqual({ total: 1, counts: { yes: 1, no: 0 } });
          const before = pollChanges(got, p.id).length;
          expect((await vote(id, p.id, 'no', bearer(other.token))).status).toBe(200);
          // The signal: the poll's entry changes (a new revision), carrying no counts.
          await waitFor(() => pollChanges(got, p.id).length > before, 'a change of the poll after the other vote');
          expect(pollChanges(got, p.id).every((e) => e.poll!.results === undefined)).toBe(true);
          const mine = await raw(t.url, 'GET', `/tickers/${id}/entries/${p.id}/votes`, undefined, bearer(voter.token));
          expect(mine.body).toEqual({ entryId: p.id, optionId: 'yes', closed: false, results: { total: 2, counts: { yes: 1, no: 1 } } });
        });
      });

      describe('hidden results never leak', () => {
        /** Every shared read of a ticker: REST list, entry, catch-up, the rendered page, its fragment, the feeds. */
        const everyRead = async (id: string, entryId: string) => {
          const texts: Record<string, string> = {};
          for (const path of [`/tickers/${id}/entries`, `/tickers/${id}/entries/${entryId}`, `/tickers/${id}/changes?since=0`, `/tickers/${id}/feed.json`, `/tickers/${id}/feed.rss`, `/tickers/${id}/feed.atom`, `/tickers/${id}/fragment`, `/tickers/${id}/html`]) {
            const res = await raw(t.url, 'GET', path);
            expect(res.status).toBe(200);
            texts[path] = typeof res.body === 'string' ? res.body : JSON.stringify(res.body);
          }
          return texts;
        };
        /** What shows a count: the results object (JSON) or the rendered counts (HTML, feeds). */
        const LEAK = /"results":\{|"total"|"counts"|data-votes|lt-poll-result/;

        it.each(['after-vote', 'after-close'] as const)('%s: not in REST, the stream, catch-up, the rendered page or the feeds, until it closes; then everywhere', async (mode) => {
          const id = await ticker();
          const p = await poll(id, { results: mode });
          const got = await watch(id);
          const readers = await Promise.all([makeUser(t.url), makeUser(t.url)]);
          for (const r of readers) await vote(id, p.id, 'yes', bearer(r.token));
          // Edits and other changes go out meanwhile; the poll's stays without counts.
          await raw(t.url, 'PATCH', `/tickers/${id}/entries/${p.id}`, { version: 1, poll: { question: 'Who won, then?', options: OPTIONS, results: mode } }, ops);
          await api.post(id, { body: '<p>later</p>' });
          await waitFor(() => pollChanges(got, p.id).some((e) => e.poll?.question === 'Who won, then?'), 'the edit on the stream');
          for (const [path, text] of Object.entries(await everyRead(id, p.id))) expect([path, LEAK.test(text)]).toEqual([path, false]);
          expect(LEAK.test(JSON.stringify(got))).toBe(false);
          // The desk sees them; a reader who voted sees them in after-vote only.
          expect((await raw(t.url, 'GET', `/tickers/${id}/entries/${p.id}`, undefined, ops)).body.poll.results.total).toBe(2);
          const mine = await raw(t.url, 'GET', `/tickers/${id}/entries/${p.id}/votes`, undefined, bearer(readers[0]!.token));
          expect(mine.body.results === undefined).toBe(mode === 'after-close');
          const outsider = await raw(t.url, 'GET', `/tickers/${id}/entries/${p.id}/votes`);
          expect(outsider.body).toEqual({ entryId: p.id, optionId: null, closed: false });

          await raw(t.url, 'POST', `/tickers/${id}/entries/${p.id}/close`, undefined, ops);
          await waitFor(() => pollChanges(got, p.id).some((e) => e.poll?.closed), 'the close on the stream');
          const after = await everyRead(id, p.id);
          for (const [path, text] of Object.entries(after)) expect([path, LEAK.test(text)]).toEqual([path, true]);
        });

        it('always: the rendered page, its fragment and the feeds show the question and the options, the counts only once it closed', async () => {
          const id = await ticker();
          const p = await poll(id, { results: 'always' });
          const reader = await makeUser(t.url);
          expect((await vote(id, p.id, 'yes', bearer(reader.token))).status).toBe(200);
          // The counts are everyone's (REST has them once published); the static renderings leave them out while it is open.
          await waitFor(async () => (await raw(t.url, 'GET', `/tickers/${id}/entries/${p.id}`)).body.poll.results?.total === 1, 'the counts published');
          const HTML_COUNTS = /data-votes|lt-poll-result/;
          const statics = [`/tickers/${id}/html`, `/tickers/${id}/fragment`, `/tickers/${id}/feed.rss`, `/tickers/${id}/feed.json`];
          for (const path of statics) {
            const text = JSON.stringify((await raw(t.url, 'GET', path)).body);
            expect([path, text.includes('Who won the debate?'), HTML_COUNTS.test(text)]).toEqual([path, true, false]);
          }
          await raw(t.url, 'POST', `/tickers/${id}/entries/${p.id}/close`, undefined, ops);
          for (const path of statics) expect([path, HTML_COUNTS.test(JSON.stringify((await raw(t.url, 'GET', path)).body))]).toEqual([path, true]);
        });
      });
    });
  }
}
