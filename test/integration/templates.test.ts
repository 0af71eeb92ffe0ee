import type { EntryTemplate } from '@liveticker/schemas';
import { MAX_TEMPLATES_PER_SCOPE } from '@liveticker/schemas';
import { sanitizeEntryHtml } from '../../server/src/tickers/sanitize';
import { DIALECTS } from '../helpers/db';
import { OPS_KEY, setup } from '../helpers/server';
import type { TestSetup } from '../helpers/server';
import { raw } from '../helpers/api';

const ops = { authorization: `Bearer ${OPS_KEY}` };
const names = (items: EntryTemplate[]) => items.map((x) => x.name);

for (const dialect of DIALECTS) {
  describe(`entry templates (${dialect})`, () => {
    let t: TestSetup;
    let n = 0;
    /** Bearer headers of a fresh verified user of each role, logged in. */
    const as: Record<'reader' | 'moderator' | 'editor', Record<string, string>> = { reader: {}, moderator: {}, editor: {} };
    let editorId = '';

    beforeAll(async () => {
      t = await setup(dialect, 'memory', { scrypt: { logN: 10, r: 8, p: 1 } });
      for (const role of ['reader', 'moderator', 'editor'] as const) {
        const email = `${role}.${dialect}@example.org`;
        const made = await raw(t.url, 'POST', '/users', { email, password: 'a long secret', displayName: `Desk ${role}`, role }, ops);
        expect(made.status).toBe(201);
        if (role === 'editor') editorId = made.body.id;
        const login = await raw(t.url, 'POST', '/auth/login', { email, password: 'a long secret' });
        as[role] = { authorization: `Bearer ${login.body.token}` };
      }
    });
    afterAll(() => t.close());

    const ticker = async () => {
      const id = `match-${++n}`;
      expect((await raw(t.url, 'POST', '/tickers', { id, title: `Match ${n}`, status: 'live' }, ops)).status).toBe(201);
      return id;
    };
    const create = async (body: Record<string, unknown>, headers = as.editor): Promise<EntryTemplate> => {
      const res = await raw(t.url, 'POST', '/templates', body, headers);
      expect({ status: res.status, error: res.body?.error }).toEqual({ status: 201, error: undefined });
      return res.body;
    };
    const count = async () => Number((await t.node.server.ctx.db.selectFrom('entry_templates').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);

    it('a new database holds two newsroom-wide defaults, a score update and a quote, already as the sanitizer keeps them', async () => {
      const list = await raw(t.url, 'GET', '/templates', undefined, ops);
      const score = list.body.items.find((x: EntryTemplate) => x.id === 'default-score-update');
      const quote = list.body.items.find((x: EntryTemplate) => x.id === 'default-quote');
      expect(score).toMatchObject({ tickerId: null, name: 'Score update', kind: 'key-event', title: 'Goal', version: 1, createdBy: { id: 'ops', displayName: 'Newsroom' } });
      expect(quote).toMatchObject({ tickerId: null, name: 'Quote', kind: 'quote', title: null, version: 1 });
      expect(quote.body).toMatch(/^<blockquote>.*<\/blockquote><p>— <cite>.+<\/cite><\/p>$/);
      for (const x of [score, quote]) expect(sanitizeEntryHtml(x.body)).toBe(x.body);
      // An entry made from one is taken as it is.
      const id = await ticker();
      const entry = await raw(t.url, 'POST', `/tickers/${id}/entries`, { kind: score.kind, title: score.title, body: score.body }, as.editor);
      expect(entry.body).toMatchObject({ kind: 'key-event', title: 'Goal', body: score.body });
    });

    it('an editor creates, lists, edits (with the version it read) and deletes a template', async () => {
      const id = await ticker();
      const made = await create({ tickerId: id, name: 'Red card', kind: 'key-event', title: 'Red card', body: '<p><strong>Player</strong> is sent off</p>' });
      expect(made).toMatchObject({ tickerId: id, name: 'Red card', kind: 'key-event', version: 1, createdBy: { id: editorId, displayName: 'Desk editor' } });
      expect(made.createdAt).toBe(made.updatedAt);
      expect((await raw(t.url, 'GET', `/templates/${made.id}`, undefined, as.editor)).body).toEqual(made);

      const edited = await raw(t.url, 'PATCH', `/templates/${made.id}`, { version: 1, title: 'Sent off', body: '<p>—</p>' }, as.editor);
      expect(edited.status).toBe(200);
      expect(edited.body).toMatchObject({ title: 'Sent off', body: '<p>—</p>', name: 'Red card', kind: 'key-event', version: 2 });
      // The version it read is stale now: a 409 that names the current one, and nothing changes.
      const stale = await raw(t.url, 'PATCH', `/templates/${made.id}`, { version: 1, title: 'Lost update' }, as.editor);
      expect({ status: stale.status, code: stale.body.error.code, details: stale.body.error.details }).toEqual({ status: 409, code: 'conflict', details: { currentVersion: 2 } });
      expect((await raw(t.url, 'GET', `/tickers/${id}/templates`, undefined, as.editor)).body.items.find((x: EntryTemplate) => x.id === made.id)).toMatchObject({ title: 'Sent off' });

      expect((await raw(t.url, 'DELETE', `/templates/${made.id}`, undefined, as.editor)).status).toBe(204);
      for (const [method, body] of [['GET'], ['PATCH', { version: 2, name: 'x' }], ['DELETE']] as const) {
        const gone = await raw(t.url, method, `/templates/${made.id}`, body, as.editor);
        expect([method, gone.status, gone.body.error.code]).toEqual([method, 404, 'not_found']);
      }
      expect(names((await raw(t.url, 'GET', `/tickers/${id}/templates`, undefined, as.editor)).body.items)).not.toContain('Red card');
    });

    it('sanitizes the body as an entry body on create and edit; a body with nothing left is refused naming it', async () => {
      const made = await create({ name: `Sanitized ${dialect}`, body: '<p onclick="steal()">Goal<script>alert(1)</script> <a href="javascript:alert(2)">link</a></p><iframe src="https://evil.example"></iframe>' });
      expect(made.body).toBe('<p>Goal <a rel="noopener noreferrer nofollow">link</a></p>');
      const edited = await raw(t.url, 'PATCH', `/templates/${made.id}`, { version: 1, body: '<p>Again<script>alert(3)</script><img src="x" onerror="alert(4)"></p>' }, as.editor);
      expect(edited.body.body).toBe('<p>Again</p>');
      const stored = await t.node.server.ctx.db.selectFrom('entry_templates').select('body').where('id', '=', made.id).executeTakeFirstOrThrow();
      expect(stored.body).toBe('<p>Again</p>');
      const empty = await raw(t.url, 'POST', '/templates', { name: 'Only a script', body: '<script>alert(1)</script>' }, as.editor);
      expect({ status: empty.status, paths: empty.body.error.details.map((d: { path: string }) => d.path) }).toEqual({ status: 400, paths: ['body'] });
      // As for an entry, an empty body is no body.
      const none = await raw(t.url, 'POST', '/templates', { name: 'Title only', title: 'Half time', body: ' ' }, as.editor);
      expect({ status: none.status, paths: none.body.error.details.map((d: { path: string }) => d.path) }).toEqual({ status: 400, paths: ['body'] });
    });

    it("a ticker lists its own and the newsroom-wide templates by name, never another ticker's", async () => {
      const [home, away] = [await ticker(), await ticker()];
      await create({ tickerId: home, name: 'b penalty', kind: 'key-event', title: 'Penalty', body: '<p>Penalty for</p>' });
      await create({ tickerId: home, name: 'Corner', title: 'Corner', body: '<p>Corner for</p>' });
      await create({ tickerId: away, name: 'Away only', body: '<p>x</p>' });
      const wide = await create({ name: `A newsroom ${dialect}`, body: '<p>x</p>' });
      // Same name as a newsroom-wide one: the ticker's own comes first.
      await create({ tickerId: home, name: 'Quote', kind: 'quote', body: '<blockquote><p>Home quote</p></blockquote>' });

      const global = (await raw(t.url, 'GET', '/templates', undefined, as.editor)).body.items as EntryTemplate[];
      expect(global.every((x) => x.tickerId === null)).toBe(true);
      expect(names(global)).toContain(wide.name);
      const mine = await raw(t.url, 'GET', `/tickers/${home}/templates`, undefined, as.editor);
      expect(mine.status).toBe(200);
      expect(mine.headers.get('cache-control')).toBe('private, no-store');
      const items = mine.body.items as EntryTemplate[];
      expect(items.filter((x) => x.tickerId !== null).every((x) => x.tickerId === home)).toBe(true);
      expect(names(items)).not.toContain('Away only');
      expect(items.map((x) => x.id).sort()).toEqual([...global.map((x) => x.id), ...items.filter((x) => x.tickerId === home).map((x) => x.id)].sort());
      // Sorted by name, any case; the ticker's own Quote before the newsroom's.
      const sortedNames = names(items);
      expect(sortedNames).toEqual([...sortedNames].sort((a, b) => a.localeCompare(b, 'en', { sensitivity: 'base' })));
      expect(sortedNames.indexOf('b penalty')).toBeLessThan(sortedNames.indexOf('Corner'));
      const quotes = items.filter((x) => x.name === 'Quote');
      expect(quotes.map((x) => x.tickerId)).toEqual([home, null]);

      const own = await raw(t.url, 'GET', `/templates?ticker=${home}`, undefined, as.editor);
      expect(names(own.body.items)).toEqual(['b penalty', 'Corner', 'Quote']);
      for (const path of ['/tickers/no-such/templates', '/templates?ticker=no-such']) {
        const res = await raw(t.url, 'GET', path, undefined, as.editor);
        expect([path, res.status, res.body.error.code]).toEqual([path, 404, 'not_found']);
      }
      const nowhere = await raw(t.url, 'POST', '/templates', { tickerId: 'no-such', name: 'Lost', body: '<p>x</p>' }, as.editor);
      expect({ status: nowhere.status, code: nowhere.body.error.code, path: nowhere.body.error.details[0].path }).toEqual({ status: 404, code: 'not_found', path: 'tickerId' });
    });

    it('refuses bad input naming the field, and a name its scope holds already (any case)', async () => {
      const before = await count();
      const cases: Array<[string, Record<string, unknown>, string]> = [
        ['no name', { body: '<p>x</p>' }, 'name'],
        ['empty name', { name: '  ', body: '<p>x</p>' }, 'name'],
        ['name too long', { name: 'n'.repeat(81), body: '<p>x</p>' }, 'name'],
        ['unknown kind', { name: 'K', kind: 'poll', body: '<p>x</p>' }, 'kind'],
        ['not a ticker id', { name: 'T', tickerId: 'Not A Slug', body: '<p>x</p>' }, 'tickerId'],
        ['title too long', { name: 'T', title: 't'.repeat(301), body: '<p>x</p>' }, 'title'],
        ['no body', { name: 'Empty', title: 'Empty' }, 'body'],
        ['body too long', { name: 'B', body: `<p>${'x'.repeat(20000)}</p>` }, 'body'],
      ];
      for (const [what, body, field] of cases) {
        const res = await raw(t.url, 'POST', '/templates', body, as.editor);
        expect([what, res.status, res.body?.error?.code, res.body?.error?.details?.map((d: { path: string }) => d.path)]).toEqual([what, 400, 'validation_failed', [field]]);
      }
      const made = await create({ name: `Fixed ${dialect}`, body: '<p>x</p>' });
      const patches: Array<[string, Record<string, unknown>, string]> = [
        ['no version', { name: 'New' }, 'version'],
        ['empty name', { version: 1, name: '' }, 'name'],
        ['unknown kind', { version: 1, kind: 'poll' }, 'kind'],
        ['nothing to change', { version: 1 }, ''],
      ];
      for (const [what, body, field] of patches) {
        const res = await raw(t.url, 'PATCH', `/templates/${made.id}`, body, as.editor);
        expect([what, res.status, res.body.error.details?.map((d: { path: string }) => d.path)]).toEqual([what, 400, [field]]);
      }
      // A template stays in its scope: the key is named.
      const moved = await raw(t.url, 'PATCH', `/templates/${made.id}`, { version: 1, tickerId: 'elsewhere' }, as.editor);
      expect({ status: moved.status, message: moved.body.error.details[0].message }).toEqual({ status: 400, message: expect.stringContaining('tickerId') });
      // The newsroom has a "Quote": "QUOTE" is the same name there, and a free one in a ticker.
      const taken = await raw(t.url, 'POST', '/templates', { name: 'QUOTE', body: '<p>x</p>' }, as.editor);
      expect({ status: taken.status, code: taken.body.error.code, field: taken.body.error.details.field }).toEqual({ status: 409, code: 'conflict', field: 'name' });
      const renamed = await raw(t.url, 'PATCH', `/templates/${made.id}`, { version: 1, name: 'score UPDATE' }, as.editor);
      expect({ status: renamed.status, field: renamed.body.error.details.field }).toEqual({ status: 409, field: 'name' });
      expect(await count()).toBe(before + 1);
      await create({ tickerId: await ticker(), name: 'QUOTE', body: '<p>x</p>' });
    });

    it(`holds at most ${MAX_TEMPLATES_PER_SCOPE} templates per scope: one more is a 409 saying so; after a delete there is room again`, async () => {
      const id = await ticker();
      const db = t.node.server.ctx.db;
      const now = new Date().toISOString();
      const row = (i: number, tickerId: string | null) => ({
        id: `bulk-${dialect}-${tickerId ?? 'all'}-${i}`,
        ticker_id: tickerId,
        name: `Bulk ${i}`,
        name_key: `bulk ${i}`,
        kind: 'text',
        title: null,
        body: '<p>x</p>',
        version: 1,
        created_by_id: 'ops',
        created_by_name: 'Newsroom',
        created_at: now,
        updated_at: now,
      });
      await db.insertInto('entry_templates').values(Array.from({ length: MAX_TEMPLATES_PER_SCOPE }, (_, i) => row(i, id))).execute();
      const full = await raw(t.url, 'POST', '/templates', { tickerId: id, name: 'One more', body: '<p>x</p>' }, as.editor);
      expect({ status: full.status, code: full.body.error.code, details: full.body.error.details }).toEqual({ status: 409, code: 'conflict', details: { limit: MAX_TEMPLATES_PER_SCOPE } });
      expect(full.body.error.message).toMatch(new RegExp(`${id} has ${MAX_TEMPLATES_PER_SCOPE} templates already`));
      // Another ticker, and the newsroom, are other scopes.
      await create({ tickerId: await ticker(), name: 'One more', body: '<p>x</p>' });
      expect((await raw(t.url, 'DELETE', `/templates/bulk-${dialect}-${id}-0`, undefined, as.editor)).status).toBe(204);
      await create({ tickerId: id, name: 'One more', body: '<p>x</p>' });

      // The newsroom's scope counts the same (its rows go again after: other tests list them).
      const globals = Number((await db.selectFrom('entry_templates').select((eb) => eb.fn.countAll().as('n')).where('ticker_id', 'is', null).executeTakeFirstOrThrow()).n);
      const fill = Array.from({ length: MAX_TEMPLATES_PER_SCOPE - globals }, (_, i) => row(i, null));
      await db.insertInto('entry_templates').values(fill).execute();
      try {
        const res = await raw(t.url, 'POST', '/templates', { name: 'One more', body: '<p>x</p>' }, as.editor);
        expect({ status: res.status, details: res.body.error.details }).toEqual({ status: 409, details: { limit: MAX_TEMPLATES_PER_SCOPE } });
        expect(res.body.error.message).toMatch(/the newsroom has/);
      } finally {
        await db.deleteFrom('entry_templates').where('id', 'in', fill.map((r) => r.id)).execute();
      }
    });

    it('goes with its ticker: a deleted ticker takes its templates along, the newsroom-wide ones stay', async () => {
      // No route deletes a ticker; the database does it for whatever will.
      const id = await ticker();
      const own = await create({ tickerId: id, name: 'Doomed', body: '<p>x</p>' });
      const globals = await count();
      await t.node.server.ctx.db.deleteFrom('chat_settings').where('ticker_id', '=', id).execute();
      await t.node.server.ctx.db.deleteFrom('tickers').where('id', '=', id).execute();
      expect((await raw(t.url, 'GET', `/templates/${own.id}`, undefined, as.editor)).status).toBe(404);
      expect(await count()).toBe(globals - 1);
    });

    it('is for editors and admins only: readers and moderators are refused (403), anonymous callers asked to log in (401), and nothing is written', async () => {
      const id = await ticker();
      const mine = await create({ tickerId: id, name: 'Guarded', body: '<p>x</p>' });
      const calls: Array<[string, string, unknown?]> = [
        ['GET', `/tickers/${id}/templates`],
        ['GET', '/templates'],
        ['GET', `/templates/${mine.id}`],
        ['POST', '/templates', { name: 'Intruder', body: '<p>x</p>' }],
        ['PATCH', `/templates/${mine.id}`, { version: 1, name: 'Hijacked' }],
        ['DELETE', `/templates/${mine.id}`],
      ];
      const before = await count();
      for (const [who, headers, want] of [
        ['anonymous', {}, [401, 'login_required']],
        ['reader', as.reader, [403, 'forbidden']],
        ['moderator', as.moderator, [403, 'forbidden']],
      ] as const) {
        for (const [method, path, body] of calls) {
          const res = await raw(t.url, method, path, body, headers);
          expect([who, method, path, res.status, res.body?.error?.code]).toEqual([who, method, path, ...want]);
        }
      }
      expect(await count()).toBe(before);
      expect((await raw(t.url, 'GET', `/templates/${mine.id}`, undefined, as.editor)).body).toMatchObject({ name: 'Guarded', version: 1 });
      // Admins (the ops key) may.
      expect((await raw(t.url, 'PATCH', `/templates/${mine.id}`, { version: 1, name: 'Guarded still' }, ops)).status).toBe(200);
    });
  });
}
