import { io as connect } from 'socket.io-client';
import { createClient } from '@liveticker/client-sdk';
import type { Socket } from 'socket.io-client';
import type { Card, Change } from '@liveticker/schemas';
import { testConfig } from '@liveticker/server';
import { OPS_ACTOR } from '../../server/src/auth/actor';
import { CardSweep } from '../../server/src/cards/cards.sweep';
import { deleteCard, putCard } from '../../server/src/cards/cards.service';
import { DIALECTS } from '../helpers/db';
import { BUSES, OPS_KEY, setup } from '../helpers/server';
import type { TestSetup } from '../helpers/server';
import { makeUser, startCluster } from '../helpers/cluster';
import type { Cluster } from '../helpers/cluster';
import { raw } from '../helpers/api';
import { waitFor } from '../helpers/wait';

const ops = { authorization: `Bearer ${OPS_KEY}` };
const as = (token: string) => ({ authorization: `Bearer ${token}` });

const score = (home: number, away: number, minute = 10) => ({
  type: 'score',
  data: { home: { name: 'Borussia Dortmund', short: 'BVB', score: home }, away: { name: 'FC Schalke 04', short: 'S04', score: away }, period: '1st half', minute, status: 'live', events: [] },
});
const TABLE = { type: 'table', data: { title: 'Medals', columns: ['Country', 'Gold'], rows: [['Norway', 16]] } };
const results = (rows: Array<{ label: string; value: number; previous?: number }>) => ({ type: 'results', data: { title: 'Bundestag, projection', unit: '%', counted: 73.4, rows } });

/**
 * Cards (issue 25) over both databases and both buses: the PUT's answers, the editor's 409, the
 * feed's last write wins, validation naming the field, the cards-scoped token, and readers
 * following `ticker:<id>` getting `card.updated`/`card.deleted` live and on catch-up.
 */
for (const dialect of DIALECTS) {
  for (const bus of BUSES) {
    describe(`cards (${dialect}, ${bus} bus)`, () => {
      let t: TestSetup;
      let n = 0;
      const sockets: Socket[] = [];
      beforeAll(async () => {
        t = await setup(dialect, bus, { scrypt: { logN: 10, r: 8, p: 1 } });
      });
      afterAll(async () => {
        for (const s of sockets) s.close();
        await t?.close();
      });

      const ticker = async () => {
        const id = `cards-${++n}`;
        expect((await raw(t.url, 'POST', '/tickers', { id, title: 'Derby day', status: 'live' }, ops)).status).toBe(201);
        return id;
      };
      /** A socket following the ticker's stream from `since`, and every card change it is sent. */
      const follow = async (tickerId: string, since = 0) => {
        const s = connect(t.url, { transports: ['websocket'], reconnection: false, forceNew: true });
        sockets.push(s);
        const got: Change[] = [];
        s.on('changes', (frame: { stream: string; changes: Change[] }) => {
          if (frame.stream === `ticker:${tickerId}`) got.push(...frame.changes.filter((c) => c.type.startsWith('card.')));
        });
        const ack = await s.timeout(5000).emitWithAck('subscribe', { stream: `ticker:${tickerId}`, since });
        expect(ack.ok).toBe(true);
        got.push(...(ack.changes as Change[]).filter((c) => c.type.startsWith('card.')));
        return { s, got };
      };

      it('an editor puts a score card (201), puts it again (200, version 2), and a reader sees each state; a delete reaches them as card.deleted', async () => {
        const id = await ticker();
        const editor = await makeUser(t.url, 'editor');
        const reader = await follow(id);
        const made = await raw(t.url, 'PUT', `/tickers/${id}/cards/match`, score(0, 0), as(editor.token));
        expect(made.status).toBe(201);
        expect(made.body).toMatchObject({ id: 'match', tickerId: id, type: 'score', version: 1, pinned: false, entryId: null, deletedAt: null, data: { home: { score: 0 }, status: 'live' } });
        expect(made.body.rev).toBeGreaterThan(0);
        await waitFor(() => reader.got.length === 1, 'the first card.updated');
        expect(reader.got[0]).toMatchObject({ type: 'card.updated', rev: made.body.rev, data: { id: 'match', version: 1 } });

        const again = await raw(t.url, 'PUT', `/tickers/${id}/cards/match`, { ...score(1, 0, 23), pinned: true }, as(editor.token));
        expect(again.status).toBe(200);
        expect(again.body).toMatchObject({ version: 2, pinned: true, data: { home: { score: 1 }, minute: 23 } });
        // Within the gap of its last change it goes out by the sweep (at most 0.5 s later).
        await waitFor(() => reader.got.some((c) => (c.data as Card).version === 2), 'the second state on the stream');

        const list = await raw(t.url, 'GET', `/tickers/${id}/cards`);
        expect(list.status).toBe(200);
        expect(list.body.items).toEqual([expect.objectContaining({ id: 'match', version: 2, pinned: true })]);

        const gone = await raw(t.url, 'DELETE', `/tickers/${id}/cards/match`, undefined, as(editor.token));
        expect(gone.status).toBe(200);
        expect(gone.body).toMatchObject({ id: 'match', version: 3, deletedAt: expect.any(String) });
        await waitFor(() => reader.got.some((c) => c.type === 'card.deleted'), 'card.deleted');
        expect((await raw(t.url, 'GET', `/tickers/${id}/cards`)).body.items).toEqual([]);
        expect((await raw(t.url, 'DELETE', `/tickers/${id}/cards/match`, undefined, as(editor.token))).status).toBe(404);
        // Put again under the same id: a new card (201), its version counting on.
        const back = await raw(t.url, 'PUT', `/tickers/${id}/cards/match`, score(2, 2), as(editor.token));
        expect(back).toMatchObject({ status: 201, body: { version: 4, pinned: false, deletedAt: null } });
      });

      it("a reader who reconnects gets each card once, as it now stands, from the stream's catch-up", async () => {
        const id = await ticker();
        const first = await raw(t.url, 'PUT', `/tickers/${id}/cards/vote`, results([{ label: 'Party A', value: 30.1, previous: 28 }]), ops);
        await raw(t.url, 'PUT', `/tickers/${id}/cards/other`, results([{ label: 'Party B', value: 12 }]), ops);
        await raw(t.url, 'DELETE', `/tickers/${id}/cards/other`, undefined, ops);
        await raw(t.url, 'PUT', `/tickers/${id}/cards/vote`, results([{ label: 'Party A', value: 31.5, previous: 28 }]), ops);
        await waitFor(async () => (await t.node.server.ctx.db.selectFrom('cards').select('dirty').where('ticker_id', '=', id).where('dirty', '=', 1).execute()).length === 0, 'every card on the stream');
        const back = await follow(id, first.body.rev - 1);
        const byId = new Map(back.got.map((c) => [(c.data as Card).id, c]));
        expect(back.got).toHaveLength(2);
        expect(byId.get('vote')).toMatchObject({ type: 'card.updated', data: { version: 2, data: { rows: [{ value: 31.5 }] } } });
        expect(byId.get('other')).toMatchObject({ type: 'card.deleted', data: { deletedAt: expect.any(String) } });
        // The REST catch-up says the same.
        const rest = await raw(t.url, 'GET', `/tickers/${id}/changes?since=${first.body.rev - 1}`);
        expect(rest.body.changes.filter((c: Change) => c.type.startsWith('card.')).map((c: Change) => c.type).sort()).toEqual(['card.deleted', 'card.updated']);
      });

      it("refuses an editor's save over a newer version with 409 and the current version, and changes nothing; a feed without version replaces whatever is there", async () => {
        const id = await ticker();
        const editor = await makeUser(t.url, 'editor');
        expect((await raw(t.url, 'PUT', `/tickers/${id}/cards/match`, { ...score(0, 0), version: 1 }, as(editor.token))).body).toMatchObject({ error: { code: 'conflict' } });
        await raw(t.url, 'PUT', `/tickers/${id}/cards/match`, score(0, 0), as(editor.token));
        // The feed moves it on to version 2 while the editor's form shows version 1.
        expect((await raw(t.url, 'PUT', `/tickers/${id}/cards/match`, score(1, 0), ops)).body.version).toBe(2);
        const stale = await raw(t.url, 'PUT', `/tickers/${id}/cards/match`, { ...score(0, 1), version: 1 }, as(editor.token));
        expect(stale).toMatchObject({ status: 409, body: { error: { code: 'conflict', details: { currentVersion: 2 } } } });
        expect((await raw(t.url, 'GET', `/tickers/${id}/cards`)).body.items[0]).toMatchObject({ version: 2, data: { home: { score: 1 }, away: { score: 0 } } });
        const fresh = await raw(t.url, 'PUT', `/tickers/${id}/cards/match`, { ...score(1, 1), version: 2 }, as(editor.token));
        expect(fresh).toMatchObject({ status: 200, body: { version: 3, data: { away: { score: 1 } } } });
        // A deleted card is stale for a form too.
        await raw(t.url, 'DELETE', `/tickers/${id}/cards/match`, undefined, ops);
        expect((await raw(t.url, 'PUT', `/tickers/${id}/cards/match`, { ...score(1, 1), version: 3 }, as(editor.token))).status).toBe(409);
      });

      it('refuses a bad card with 400 naming the field, never a 500, and stores nothing', async () => {
        const id = await ticker();
        const put = (body: unknown, card = 'c1') => raw(t.url, 'PUT', `/tickers/${id}/cards/${card}`, body, ops);
        const named = async (body: unknown, path: string, card?: string) => {
          const res = await put(body, card);
          expect({ status: res.status, code: res.body?.error?.code }).toEqual({ status: 400, code: 'validation_failed' });
          expect(res.body.error.details.map((d: { path: string }) => d.path)).toContain(path);
        };
        const rows = Array.from({ length: 51 }, (_, i) => ({ label: `Party ${i}`, value: i }));
        await named(results(rows), 'data.rows');
        await named(results([{ label: 'x'.repeat(81), value: 1 }]), 'data.rows.0.label');
        await named(results([{ label: 'A', value: -1 }]), 'data.rows.0.value');
        await named({ type: 'score', data: { ...score(0, 0).data, status: 'paused' } }, 'data.status');
        await named({ type: 'table', data: { title: 'Medals', columns: ['Country', 'Gold'], rows: [['Norway', 16, 8]] } }, 'data.rows.0');
        await named({ type: 'chart', data: {} }, 'type');
        await named({ ...score(0, 0), entryId: 'nope' }, 'entryId');
        await named(score(0, 0), 'cardId', 'Bad%20Id');
        expect((await raw(t.url, 'PUT', '/tickers/no-such-ticker/cards/c1', score(0, 0), ops)).status).toBe(404);
        expect((await raw(t.url, 'GET', '/tickers/no-such-ticker/cards')).status).toBe(404);
        expect((await raw(t.url, 'GET', `/tickers/${id}/cards`)).body.items).toEqual([]);
        // A table that fits, attached to a published entry, is taken.
        const entry = (await raw(t.url, 'POST', `/tickers/${id}/entries`, { body: '<p>Medals so far</p>' }, ops)).body;
        const table = await put({ type: 'table', data: { title: 'Medals', columns: ['Country', 'Gold'], rows: [['Norway', 16]] }, entryId: entry.id });
        expect(table).toMatchObject({ status: 201, body: { entryId: entry.id } });
      });

      it("the SDK's ticker view holds the cards (from REST, then live), drops a deleted one, and keeps the newest version", async () => {
        const id = await ticker();
        await raw(t.url, 'PUT', `/tickers/${id}/cards/match`, { ...score(0, 0), pinned: true }, ops);
        await raw(t.url, 'PUT', `/tickers/${id}/cards/medals`, TABLE, ops);
        const client = createClient({ url: t.url });
        try {
          const view = client.ticker(id);
          await view.ready;
          expect(view.cards.map((c) => c.id)).toEqual(['match', 'medals']);
          const changes: string[] = [];
          view.on('change', (c) => {
            if (c.op === 'cards') changes.push(`${c.card.id}@${c.card.version}`);
          });
          await raw(t.url, 'PUT', `/tickers/${id}/cards/medals`, { ...TABLE, data: { ...TABLE.data, rows: [['Norway', 17]] } }, ops);
          await waitFor(() => view.cards.find((c) => c.id === 'medals')?.version === 2, 'medals at version 2 in the view');
          await raw(t.url, 'DELETE', `/tickers/${id}/cards/match`, undefined, ops);
          await waitFor(() => !view.cards.some((c) => c.id === 'match'), 'the deleted card out of the view');
          expect(changes).toEqual(['medals@2', 'match@2']);
          expect(view.cards).toEqual([expect.objectContaining({ id: 'medals', version: 2, data: expect.objectContaining({ rows: [['Norway', 17]] }) })]);
        } finally {
          client.close();
        }
      });

      it('holds at most 50 cards a ticker: the 51st is a 409 with the limit; after a delete there is room again, and a card there may always be replaced', async () => {
        const id = await ticker();
        for (let i = 0; i < 50; i++) expect((await raw(t.url, 'PUT', `/tickers/${id}/cards/c${i}`, TABLE, ops)).status).toBe(201);
        expect(await raw(t.url, 'PUT', `/tickers/${id}/cards/c50`, TABLE, ops)).toMatchObject({ status: 409, body: { error: { code: 'conflict', details: { limit: 50 } } } });
        expect((await raw(t.url, 'PUT', `/tickers/${id}/cards/c7`, TABLE, ops)).status).toBe(200);
        expect((await raw(t.url, 'DELETE', `/tickers/${id}/cards/c7`, undefined, ops)).status).toBe(200);
        expect((await raw(t.url, 'PUT', `/tickers/${id}/cards/c50`, TABLE, ops)).status).toBe(201);
      });

      it('a token limited to cards writes cards and does nothing else: no other route, read or write, and no socket', async () => {
        const id = await ticker();
        const editor = await makeUser(t.url, 'editor');
        const made = await raw(t.url, 'POST', '/me/tokens', { name: 'feed', scopes: ['cards'] }, as(editor.token));
        expect(made).toMatchObject({ status: 201, body: { scopes: ['cards'] } });
        const feed = as(made.body.token);
        expect((await raw(t.url, 'PUT', `/tickers/${id}/cards/match`, score(0, 0), feed)).status).toBe(201);
        expect((await raw(t.url, 'GET', `/tickers/${id}/cards`, undefined, feed)).status).toBe(200);
        expect((await raw(t.url, 'DELETE', `/tickers/${id}/cards/match`, undefined, feed)).status).toBe(200);
        for (const [method, path, body] of [
          ['POST', `/tickers/${id}/entries`, { body: '<p>from the feed</p>' }],
          ['PATCH', `/tickers/${id}`, { title: 'Renamed' }],
          ['GET', `/tickers/${id}`, undefined],
          ['GET', '/me', undefined],
          ['POST', '/me/tokens', { name: 'another' }],
        ] as const) {
          const res = await raw(t.url, method, path, body, feed);
          expect({ call: `${method} ${path}`, status: res.status, code: res.body?.error?.code }).toEqual({ call: `${method} ${path}`, status: 403, code: 'forbidden' });
        }
        const listed = await raw(t.url, 'GET', '/me/tokens', undefined, as(editor.token));
        expect(listed.body.items).toEqual([expect.objectContaining({ name: 'feed', scopes: ['cards'] })]);
        const s = connect(t.url, { transports: ['websocket'], reconnection: false, forceNew: true, auth: { token: made.body.token } });
        sockets.push(s);
        const outcome = await new Promise<string | undefined>((resolve) => {
          s.on('connect_error', (err: { data?: { code?: string } }) => resolve(err.data?.code));
          s.on('connect', () => resolve('connected'));
        });
        expect(outcome).toBe('forbidden');
        // A reader's or a moderator's rights do not grow by the scope.
        const mod = await makeUser(t.url, 'moderator');
        const modFeed = await raw(t.url, 'POST', '/me/tokens', { name: 'feed', scopes: ['cards'] }, as(mod.token));
        expect((await raw(t.url, 'PUT', `/tickers/${id}/cards/match`, score(0, 0), as(modFeed.body.token))).status).toBe(403);
      });

      it('the rendered page shows the cards as HTML (attached ones in their entry) with SportsEvent JSON-LD, and the feeds carry each card as text that changes with it', async () => {
        const id = await ticker();
        const entry = (await raw(t.url, 'POST', `/tickers/${id}/entries`, { title: 'Projection', body: '<p>The first projection</p>' }, ops)).body;
        await raw(t.url, 'PUT', `/tickers/${id}/cards/match`, { ...score(2, 1, 67), pinned: true }, ops);
        await raw(t.url, 'PUT', `/tickers/${id}/cards/vote`, { ...results([{ label: 'Party <A>', value: 31.5, previous: 28 }]), entryId: entry.id }, ops);
        const page = await raw(t.url, 'GET', `/tickers/${id}/html`);
        expect(page.status).toBe(200);
        const html = String(page.body);
        expect(html).toContain('id="card-match"');
        expect(html).toMatch(/Borussia Dortmund<\/strong> <span class="lt-goals">2:1<\/span>/);
        // The results card inside its entry, its text escaped, its change written out.
        const article = html.slice(html.indexOf(`id="entry-${entry.id}"`));
        expect(article.slice(0, article.indexOf('</article>'))).toMatch(/id="card-vote".*Party &#60;A&#62;.*31,5 %|id="card-vote".*Party &#60;A&#62;.*31\.5 %/s);
        const lds = [...html.matchAll(/<script type="application\/ld\+json">(.*?)<\/script>/gs)].map((m) => JSON.parse(m[1]));
        expect(lds.find((ld) => ld['@type'] === 'SportsEvent')).toMatchObject({ name: 'Borussia Dortmund – FC Schalke 04', homeTeam: { '@type': 'SportsTeam', name: 'Borussia Dortmund' }, awayTeam: { name: 'FC Schalke 04' } });
        // The widget's state carries the cards, so it takes them over without asking.
        const state = JSON.parse(/<script type="application\/json" data-liveticker-state>(.*?)<\/script>/s.exec(html)![1]);
        expect(state.cards.map((c: Card) => c.id).sort()).toEqual(['match', 'vote']);

        const feed = await raw(t.url, 'GET', `/tickers/${id}/feed.json`);
        const items = (typeof feed.body === 'string' ? JSON.parse(feed.body) : feed.body).items as Array<{ id: string; content_text?: string; title: string; date_modified: string }>;
        const item = items.find((i) => i.id.endsWith('#card-match'))!;
        expect(item.title).toContain('Borussia Dortmund 2:1 FC Schalke 04');
        await waitFor(async () => (await t.node.server.ctx.db.selectFrom('cards').select('dirty').where('ticker_id', '=', id).where('dirty', '=', 1).execute()).length === 0, 'every card on the stream');
        await raw(t.url, 'PUT', `/tickers/${id}/cards/match`, score(3, 1, 80), ops);
        const again = await waitFor(async () => {
          const res = await raw(t.url, 'GET', `/tickers/${id}/feed.rss`, undefined, { 'if-none-match': feed.headers.get('etag')! });
          return res.status === 200 && String(res.body).includes('Borussia Dortmund 3:1 FC Schalke 04') ? res : undefined;
        }, 'the feed with the new score');
        expect(String(again!.body)).not.toContain('Borussia Dortmund 2:1');
      });

      it("a feed's burst reaches readers as its last state", async () => {
        const id = await ticker();
        const reader = await follow(id);
        for (let minute = 1; minute <= 20; minute++) await raw(t.url, 'PUT', `/tickers/${id}/cards/match`, score(minute % 3, 0, minute), ops);
        await waitFor(() => reader.got.some((c) => (c.data as Card).version === 20), 'version 20 on the stream');
        const versions = reader.got.map((c) => (c.data as Card).version);
        // Each state once, in order, the last one last.
        expect([...versions].sort((a, b) => a - b)).toEqual(versions);
        expect(new Set(versions).size).toBe(versions.length);
        expect(reader.got.at(-1)!.data).toMatchObject({ version: 20, data: { minute: 20 } });
      });
    });
  }
}

/**
 * The coalescing on a clock of the test's: the writes and two sweeps (two nodes) are given their
 * times, and each hands what it published to a recorder. The server's own sweep runs once at
 * start only.
 */
for (const dialect of DIALECTS) {
  describe(`the card sweep's coalescing (${dialect})`, () => {
    let t: TestSetup;
    let n = 0;
    const published: Array<{ stream: string; change: Change }> = [];
    const publisher = { publish: (stream: string, changes: Change[]) => published.push(...changes.map((change) => ({ stream, change }))) };
    const ctx = () => ({ db: t.node.server.ctx.db, publisher, config: t.node.server.ctx.config });
    const node = () => new CardSweep({ db: t.node.server.ctx.db, publisher, logger: t.node.deps.logger, intervalMs: 3_600_000, gapMs: 500 });
    beforeAll(async () => {
      t = await setup(dialect, 'memory', { cards: { ...testConfig().cards, sweepMs: 3_600_000, gapMs: 500 } });
    });
    afterAll(() => t?.close());

    it('publishes a card at most once every 500 ms over every node, however often it is written, and the state after the last write always', async () => {
      const id = `sweep-${++n}`;
      await raw(t.url, 'POST', '/tickers', { id, title: 'Sweep', status: 'live' }, ops);
      const [one, two] = [node(), node()];
      const t0 = Date.now() + 60_000;
      const at = (ms: number) => new Date(t0 + ms);
      const put = (home: number, ms: number) => putCard(ctx(), OPS_ACTOR, id, 'match', score(home, 0, home), at(ms));
      published.length = 0;

      // The first write goes out at once.
      await put(1, 0);
      expect(published.map((p) => (p.change.data as Card).version)).toEqual([1]);
      // Nine more within the 500 ms (a feed at 20 a second): none goes out.
      for (let i = 2; i <= 10; i++) await put(i, (i - 1) * 50);
      expect(await one.sweep(at(300))).toBe(0);
      expect(await two.sweep(at(499))).toBe(0);
      expect(published).toHaveLength(1);
      // The gap is over: one node publishes the last state, the other finds nothing left.
      expect(await two.sweep(at(500))).toBe(1);
      expect(await one.sweep(at(501))).toBe(0);
      expect(published.map((p) => (p.change.data as Card).version)).toEqual([1, 10]);
      expect(published[1].change).toMatchObject({ type: 'card.updated', data: { data: { home: { score: 10 }, minute: 10 } } });
      // Nothing written since: nothing to publish, even long after.
      expect(await one.sweep(at(5000))).toBe(0);
      // A write 500 ms after the last publication goes out at once again; a delete right after waits.
      await put(11, 1000);
      await deleteCard(ctx(), OPS_ACTOR, id, 'match', at(1100));
      expect(published.map((p) => p.change.type)).toEqual(['card.updated', 'card.updated', 'card.updated']);
      expect(await one.sweep(at(1499))).toBe(0);
      expect(await one.sweep(at(1500))).toBe(1);
      expect(published.map((p) => p.change.type)).toEqual(['card.updated', 'card.updated', 'card.updated', 'card.deleted']);
      // Each change took the next revision of the ticker's stream, through the write path.
      expect(new Set(published.map((p) => p.stream))).toEqual(new Set([`ticker:${id}`]));
      const revs = published.map((p) => p.change.rev);
      expect([...revs].sort((a, b) => a - b)).toEqual(revs);
      const head = await t.node.server.ctx.db.selectFrom('streams').select('rev').where('name', '=', `ticker:${id}`).executeTakeFirstOrThrow();
      expect(revs.at(-1)).toBe(head.rev);
    });
  });
}

/**
 * Two nodes on one database and Redis: two feeds write one card at once, ten times each, one on
 * each node. Readers on both nodes end at the state the database holds, each state once and in
 * order (the claim is the row's, under the stream's lock, whichever node writes or sweeps).
 */
for (const dialect of DIALECTS) {
  describe(`cards on two nodes (${dialect}, redis bus)`, () => {
    let c: Cluster;
    const sockets: Socket[] = [];
    beforeAll(async () => {
      c = await startCluster(dialect, 'redis');
    });
    afterAll(async () => {
      for (const s of sockets) s.close();
      await c?.close();
    });

    it('two feeds racing on two nodes: every reader on either node ends at the last state, each state once, in order', async () => {
      const id = 'two-nodes';
      expect((await raw(c.a.url, 'POST', '/tickers', { id, title: 'Two nodes', status: 'live' }, ops)).status).toBe(201);
      const readers = await Promise.all(
        [c.a.url, c.b.url].map(async (url) => {
          const s = connect(url, { transports: ['websocket'], reconnection: false, forceNew: true });
          sockets.push(s);
          const got: Card[] = [];
          s.on('changes', (frame: { stream: string; changes: Change[] }) => {
            if (frame.stream === `ticker:${id}`) got.push(...frame.changes.filter((ch) => ch.type === 'card.updated').map((ch) => ch.data as Card));
          });
          expect((await s.timeout(5000).emitWithAck('subscribe', { stream: `ticker:${id}`, since: 0 })).ok).toBe(true);
          return got;
        }),
      );
      await Promise.all(
        [c.a.url, c.b.url].map(async (url, node) => {
          for (let i = 0; i < 10; i++) expect((await raw(url, 'PUT', `/tickers/${id}/cards/match`, score(node, i, i + 1), ops)).status).toBeLessThan(300);
        }),
      );
      const final = (await raw(c.b.url, 'GET', `/tickers/${id}/cards`)).body.items[0] as Card;
      expect(final.version).toBe(20);
      for (const got of readers) {
        await waitFor(() => got.at(-1)?.version === 20, 'version 20 on both nodes');
        const versions = got.map((x) => x.version);
        expect([...new Set(versions)].sort((a, b) => a - b)).toEqual(versions);
        expect(got.at(-1)!.data).toEqual(final.data);
      }
    });
  });
}
