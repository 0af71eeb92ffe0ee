import { Migrator, sql } from 'kysely';
import type { Kysely } from 'kysely';
import type { Entry } from '@liveticker/schemas';
import { openDatabase } from '../../server/src/db/database';
import { migrations } from '../../server/src/db/migrations';
import { listEntries } from '../../server/src/tickers/entries.repo';
import { DIALECTS, createTestDatabase } from '../helpers/db';
import { OPS_KEY, setup } from '../helpers/server';
import type { TestSetup } from '../helpers/server';
import { opsApi, raw } from '../helpers/api';

const ops = { authorization: `Bearer ${OPS_KEY}` };

/**
 * Searching a ticker's entries (`GET …/entries?q=`) goes through a full-text index on both
 * databases: words and word beginnings, any case, any accent; markup is not text; an entry is
 * found by what it says now, and not at all once deleted; no question, however hostile, breaks it.
 */
for (const dialect of DIALECTS) {
  describe(`entry search (${dialect})`, () => {
    let t: TestSetup;
    let api: ReturnType<typeof opsApi>;
    let n = 0;
    beforeAll(async () => {
      t = await setup(dialect, 'memory');
      api = opsApi(t.url);
    });
    afterAll(() => t.close());

    const ticker = async () => {
      const id = `search-${++n}`;
      await api.createTicker({ id, title: 'Search', status: 'live' });
      return id;
    };
    /** How many entries the index itself (not the query around it) has for a word, deleted or not. */
    const indexed = async (word: string): Promise<number> => {
      const db = t.node.server.ctx.db;
      const found =
        dialect === 'sqlite'
          ? await sql<{ n: number }>`select count(*) as n from entry_search where entry_search match ${`"${word}"`}`.execute(db)
          : await sql<{ n: number }>`select count(*) as n from entries where to_tsvector('liveticker_search'::regconfig, search_text) @@ to_tsquery('liveticker_search'::regconfig, ${word})`.execute(db);
      return Number(found.rows[0]!.n);
    };
    const search = async (id: string, q: string) => {
      const res = await raw(t.url, 'GET', `/tickers/${id}/entries?q=${encodeURIComponent(q)}`);
      expect({ q, status: res.status }).toEqual({ q, status: 200 });
      return (res.body.items as Entry[]).map((e) => e.title ?? e.body);
    };

    it('finds words and their beginnings in any case and with or without accents, in title and text', async () => {
      const id = await ticker();
      await api.post(id, { title: 'Köln', body: '<p>Öffentliche Anhörung im Rathaus.</p>' });
      await api.post(id, { title: 'Café', body: '<p>Die Straße ist gesperrt.</p>' });
      await api.post(id, { title: 'Turnout', body: '<p>Seventy-one per cent.</p>' });
      for (const q of ['koln', 'KÖLN', 'köln', 'offentliche', 'ÖFFENTL', 'anhorung rathaus', 'Anhör']) expect(await search(id, q)).toEqual(['Köln']);
      for (const q of ['cafe', 'CAFÉ', 'strasse', 'Straße', 'STRAẞE', 'gesperrt cafe']) expect(await search(id, q)).toEqual(['Café']);
      for (const q of ['turn', 'TURNOUT', 'seventy one', 'per cent']) expect(await search(id, q)).toEqual(['Turnout']);
      // Word beginnings, not any part of a word; every word must be there.
      expect(await search(id, 'urnout')).toEqual([]);
      // A beginning of fewer than three letters is no beginning (it would expand to most of the
      // index, every ticker's): it matches a whole word only.
      expect(await search(id, 'tu')).toEqual([]);
      expect(await search(id, 'tur')).toEqual(['Turnout']);
      expect(await search(id, 'per')).toEqual(['Turnout']);
      expect(await search(id, 'turnout köln')).toEqual([]);
    });

    it('does not search the markup: tag names, link addresses and entities are no words', async () => {
      const id = await ticker();
      await api.post(id, { title: 'Link', body: '<p><strong>Bold</strong> news &amp; more, see <a href="https://hidden-domain.example/page">the source</a>.</p>' });
      expect(await search(id, 'bold source')).toEqual(['Link']);
      for (const q of ['strong', 'href', 'hidden', 'nofollow', 'amp', 'p']) expect(await search(id, q)).toEqual([]);
    });

    it('finds an edited entry by its new words only, and a deleted one not at all', async () => {
      const id = await ticker();
      const e = await api.post(id, { title: 'First draft', body: '<p>Alpha report.</p>' });
      expect(await search(id, 'alpha')).toEqual(['First draft']);
      await api.edit(id, e.id, { version: e.version, body: '<p>Bravo report.</p>' });
      expect(await search(id, 'alpha')).toEqual([]);
      expect(await search(id, 'bravo')).toEqual(['First draft']);
      // A new title alone is found too, with the text it kept.
      await api.edit(id, e.id, { version: e.version + 1, title: 'Renamed headline' });
      expect(await search(id, 'renamed bravo')).toEqual(['Renamed headline']);
      expect(await search(id, 'first')).toEqual([]);
      await api.remove(id, e.id);
      for (const q of ['bravo', 'renamed', 'report']) expect(await search(id, q)).toEqual([]);
      // Not merely filtered out: the tombstone's words are gone from the index.
      expect(await indexed('bravo')).toBe(0);
      // A draft deleted (its row goes) leaves nothing behind either; one never shows anyway.
      const d = (await raw(t.url, 'POST', `/tickers/${id}/entries`, { body: '<p>Charlie draft</p>', status: 'draft' }, ops)).body as Entry;
      expect(await search(id, 'charlie')).toEqual([]);
      expect(await indexed('charlie')).toBe(1);
      expect((await raw(t.url, 'DELETE', `/tickers/${id}/entries/${d.id}`, undefined, ops)).status).toBe(200);
      expect(await indexed('charlie')).toBe(0);
      const scheduled = (await raw(t.url, 'POST', `/tickers/${id}/entries`, { body: '<p>Delta plan</p>', status: 'draft' }, ops)).body as Entry;
      await raw(t.url, 'PATCH', `/tickers/${id}/entries/${scheduled.id}`, { version: scheduled.version, status: 'published' }, ops);
      expect(await search(id, 'delta')).toEqual(['<p>Delta plan</p>']);
    });

    it('finds only the entries of the ticker asked', async () => {
      const a = await ticker();
      const b = await ticker();
      await api.post(a, { title: 'Echo in A', body: '<p>x</p>' });
      await api.post(b, { title: 'Echo in B', body: '<p>x</p>' });
      expect(await search(a, 'echo')).toEqual(['Echo in A']);
      expect(await search(b, 'echo')).toEqual(['Echo in B']);
    });

    it('takes hostile questions as words or as nothing, never as query syntax and never with a 500', async () => {
      const id = await ticker();
      await api.post(id, { title: 'Near the border', body: '<p>Troops were seen near the river (north) - "officially".</p>' });
      const hostile = [
        '"', '""', '"near', '*', '**', 'near*', 'NEAR', 'NEAR(troops river)', 'NEAR("troops" "river", 2)', 'troops -river', '-', '- -', '(', ')', '())(', 'troops OR x',
        'troops AND', 'NOT', 'text:troops', '{text}: troops', '^troops', 'troops:*', "'", "''", "troops' & 'x", '\\', '\\"', '!troops', '&', '|', '<->', 'troops <-> river',
        '%', '_', '%_%', '\u0301', '🙂', '+', '.', ':', ';', 'a:*|b', "x'):* | ('y", 'officially"', 'NEAR/2',
      ];
      for (const q of hostile) {
        const res = await raw(t.url, 'GET', `/tickers/${id}/entries?q=${encodeURIComponent(q)}`);
        expect({ q, status: res.status }).toEqual({ q, status: 200 });
      }
      // What is a word in them is searched as a word.
      for (const q of ['NEAR', '"near', 'NEAR(troops river)', 'troops -river', '(north)', 'troops:*', '"officially"']) {
        expect({ q, found: await search(id, q) }).toEqual({ q, found: ['Near the border'] });
      }
      expect(await search(id, 'troops OR x')).toEqual([]);
      // Too many words, or a control character: told, not tried.
      expect((await raw(t.url, 'GET', `/tickers/${id}/entries?q=${encodeURIComponent('a b c d e f g h i')}`)).body.error).toMatchObject({ code: 'validation_failed' });
      expect((await raw(t.url, 'GET', `/tickers/${id}/entries?q=${encodeURIComponent('troops\u0000')}`)).status).toBe(400);
    });
  });

  describe(`entry search costs the read budget more than a plain read (${dialect})`, () => {
    let t: TestSetup;
    beforeAll(async () => {
      t = await setup(dialect, 'memory', { readRateLimit: 40, trustProxy: 1 });
      await opsApi(t.url).createTicker({ id: 'budget', title: 'Budget', status: 'live' });
      await opsApi(t.url).post('budget', { title: 'Result', body: '<p>Counted.</p>' });
    });
    afterAll(() => t.close());

    /** How many of these reads an address gets before its 429 (at most 100). */
    async function until429(path: string, ip: string): Promise<number> {
      for (let i = 0; i < 100; i++) {
        const res = await raw(t.url, 'GET', path, undefined, { 'x-forwarded-for': ip });
        if (res.status === 429) {
          expect(res.body.error.code).toBe('rate_limited');
          return i;
        }
        expect(res.status).toBe(200);
      }
      return 100;
    }

    it('an address searching runs out after 4 searches, one reading the list after 40 reads; staff are not counted', async () => {
      expect(await until429('/tickers/budget/entries', '198.51.100.1')).toBe(40);
      expect(await until429('/tickers/budget/entries?q=result', '198.51.100.2')).toBe(4);
      // Each word is a lookup in the whole index: a question of eight words costs four times more.
      expect(await until429(`/tickers/budget/entries?q=${encodeURIComponent('result one two three four five six seven')}`, '198.51.100.5')).toBe(1);
      // A search refused for its cost leaves the plain reads it can still pay for.
      const ip = '198.51.100.3';
      for (let i = 0; i < 35; i++) expect((await raw(t.url, 'GET', '/tickers/budget', undefined, { 'x-forwarded-for': ip })).status).toBe(200);
      expect((await raw(t.url, 'GET', '/tickers/budget/entries?q=result', undefined, { 'x-forwarded-for': ip })).status).toBe(429);
      expect((await raw(t.url, 'GET', '/tickers/budget', undefined, { 'x-forwarded-for': '198.51.100.4' })).status).toBe(200);
      for (let i = 0; i < 10; i++) expect((await raw(t.url, 'GET', '/tickers/budget/entries?q=result', undefined, { 'x-forwarded-for': '198.51.100.2', ...ops })).status).toBe(200);
    });
  });

  describe(`entries written before the search index (${dialect})`, () => {
    it('are found once the migration has run', async () => {
      const tdb = await createTestDatabase(dialect);
      const database = await openDatabase(tdb.url);
      try {
        const db = database.db as unknown as Kysely<any>;
        const migrator = new Migrator({ db, provider: { getMigrations: async () => migrations } });
        const before = await migrator.migrateTo('014_entry_templates');
        expect(before.error).toBeUndefined();
        const now = new Date().toISOString();
        await db.insertInto('streams').values({ name: 'ticker:old', rev: 2, epoch: 'e1' }).execute();
        await db
          .insertInto('tickers')
          .values({ id: 'old', title: 'Old', description: '', status: 'live', locale: 'de', coverage_start: null, coverage_end: null, chat_mode: 'open', slow_mode_seconds: 0, rev: 0, created_at: now, updated_at: now })
          .execute();
        const entry = (i: number, title: string | null, body: string) => ({
          id: `old-${i}`, ticker_id: 'old', seq: i, rev: i, kind: 'text', title, body, image: null, teaser: null, pinned: 0,
          author_id: 'ops', author_name: 'Newsroom', published_at: now, updated_at: now, version: 1, deleted_at: null, status: 'published', publish_at: null,
        });
        await db.insertInto('entries').values([entry(1, 'Über den Fluss', '<p>Brücke <em>gesperrt</em>.</p>'), entry(2, null, '<p>Nothing to see.</p>')]).execute();
        const after = await migrator.migrateToLatest();
        expect(after.error).toBeUndefined();
        const find = async (q: string) => (await listEntries(database.db, { tickerId: 'old', order: 'newest', limit: 10, q })).map((e) => e.id);
        expect(await find('uber brucke')).toEqual(['old-1']);
        expect(await find('gesperrt')).toEqual(['old-1']);
        expect(await find('em')).toEqual([]);
        expect(await find('nothing')).toEqual(['old-2']);
      } finally {
        await database.close();
        await tdb.drop();
      }
    });
  });
}
