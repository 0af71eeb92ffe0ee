import type { Entry } from '@liveticker/schemas';
import { DIALECTS } from '../helpers/db';
import { setup } from '../helpers/server';
import type { TestSetup } from '../helpers/server';
import { OPS_KEY } from '../helpers/server';
import { opsApi, raw } from '../helpers/api';
import { RestClient } from '@liveticker/client-sdk';

const auth = { authorization: `Bearer ${OPS_KEY}` };

for (const dialect of DIALECTS) {
  describe(`tickers and entries over REST (${dialect})`, () => {
    let t: TestSetup;
    let api: ReturnType<typeof opsApi>;
    beforeAll(async () => {
      t = await setup(dialect);
      api = opsApi(t.url);
    });
    afterAll(() => t.close());

    it('public reads carry an ETag from the stream head: 304 while nothing changed, 200 with the change after', async () => {
      await api.createTicker({ id: 'etags', title: 'ETags', status: 'live' });
      const first = await api.post('etags', { kind: 'key-event', title: 'Key', body: '<p>first</p>' });
      const paths = ['/tickers/etags', '/tickers/etags/entries', '/tickers/etags/entries?order=oldest', '/tickers/etags/key-events', `/tickers/etags/entries/${first.id}`];
      const tags = new Map<string, string>();
      for (const p of paths) {
        const res = await raw(t.url, 'GET', p);
        expect(res.status).toBe(200);
        expect(res.headers.get('cache-control')).toBe('no-cache');
        tags.set(p, res.headers.get('etag')!);
        expect((await raw(t.url, 'GET', p, undefined, { 'if-none-match': tags.get(p)! })).status).toBe(304);
      }
      // Two questions of the same stream are two versions.
      expect(tags.get('/tickers/etags/entries')).not.toBe(tags.get('/tickers/etags/entries?order=oldest'));
      await api.edit('etags', first.id, { version: first.version, body: '<p>edited</p>' });
      for (const p of paths) {
        const res = await raw(t.url, 'GET', p, undefined, { 'if-none-match': tags.get(p)! });
        expect(res.status).toBe(200);
      }
      expect((await raw(t.url, 'GET', `/tickers/etags/entries/${first.id}`)).body.body).toBe('<p>edited</p>');
      expect((await raw(t.url, 'GET', '/tickers/nope', undefined, { 'if-none-match': 'W/"x"' })).status).toBe(404);
    });

    it('the SDK revalidates what it read: asked again, an unchanged answer is a 304 it answers from its copy', async () => {
      await api.createTicker({ id: 'sdk-etags', title: 'SDK ETags', status: 'live' });
      await api.post('sdk-etags', { body: '<p>one</p>' });
      const seen: { status: number; conditional: boolean }[] = [];
      const recording: typeof fetch = async (input, init) => {
        const res = await fetch(input, init);
        seen.push({ status: res.status, conditional: new Headers(init?.headers).has('if-none-match') });
        return res;
      };
      let token: string | undefined;
      const rest = new RestClient({ baseUrl: t.url, fetch: recording, token: () => token });
      const first = await rest.get<{ items: Entry[] }>('/tickers/sdk-etags/entries');
      first.items.length = 0; // a caller changing what it got does not change the copy
      const again = await rest.get<{ items: Entry[] }>('/tickers/sdk-etags/entries');
      expect(again.items.map((e) => e.body)).toEqual(['<p>one</p>']);
      expect(seen).toEqual([
        { status: 200, conditional: false },
        { status: 304, conditional: true },
      ]);
      await api.post('sdk-etags', { body: '<p>two</p>' });
      expect((await rest.get<{ items: Entry[] }>('/tickers/sdk-etags/entries')).items.map((e) => e.body)).toEqual(['<p>two</p>', '<p>one</p>']);
      expect(seen[2]).toEqual({ status: 200, conditional: true });
      // Copies are per token: what one login read is never given to another.
      await rest.get('/tickers/sdk-etags/entries');
      token = OPS_KEY;
      await rest.get('/tickers/sdk-etags/entries');
      expect(seen.slice(3).map((s) => s.conditional)).toEqual([true, false]);
    });

    it('creates a ticker with a slug made from the title, and refuses a taken id with 409', async () => {
      const created = await raw(t.url, 'POST', '/tickers', { title: 'Wahlabend in München: Live!', status: 'live' }, auth);
      expect(created.status).toBe(201);
      expect(created.body).toMatchObject({ id: 'wahlabend-in-muenchen-live', status: 'live', rev: 1, chat: { mode: 'open' } });
      const again = await raw(t.url, 'POST', '/tickers', { title: 'Wahlabend in München: Live!' }, auth);
      expect(again.status).toBe(409);
      expect(again.body.error.code).toBe('conflict');
      const explicit = await raw(t.url, 'POST', '/tickers', { id: 'wahl-2', title: 'Anything' }, auth);
      expect(explicit.body.id).toBe('wahl-2');
    });

    it('lists, reads and patches tickers through scheduled, live and ended', async () => {
      // Enough tickers for two pages whatever else this file created before (tests run in any order).
      await api.createTicker({ id: 'status-other-1', title: 'Other 1' });
      await api.createTicker({ id: 'status-other-2', title: 'Other 2' });
      await api.createTicker({ id: 'status-flow', title: 'Status flow' });
      const live = await raw(t.url, 'PATCH', '/tickers/status-flow', { status: 'live', chat: { slowModeSeconds: 10 } }, auth);
      expect(live.body).toMatchObject({ status: 'live', rev: 2, chat: { slowModeSeconds: 10 } });
      const ended = await raw(t.url, 'PATCH', '/tickers/status-flow', { status: 'ended' }, auth);
      expect(ended.body.status).toBe('ended');
      expect((await raw(t.url, 'GET', '/tickers/status-flow')).body.status).toBe('ended');
      const page1 = await raw(t.url, 'GET', '/tickers?limit=2');
      expect(page1.body.items).toHaveLength(2);
      const page2 = await raw(t.url, 'GET', `/tickers?limit=2&cursor=${page1.body.nextCursor}`);
      const ids = [...page1.body.items, ...page2.body.items].map((x: { id: string }) => x.id);
      expect(new Set(ids).size).toBe(ids.length);
      expect(ids).toContain('status-flow');
      const endedOnes = (await raw(t.url, 'GET', '/tickers?status=ended')).body.items as Array<{ id: string; status: string }>;
      expect(endedOnes.map((x) => x.id)).toContain('status-flow');
      expect(endedOnes.map((x) => x.id)).not.toContain('status-other-1');
      expect(endedOnes.every((x) => x.status === 'ended')).toBe(true);
    });

    it('creates entries with images and teasers, sanitizing the body HTML', async () => {
      await api.createTicker({ id: 'html', title: 'HTML' });
      const res = await raw(
        t.url,
        'POST',
        '/tickers/html/entries',
        {
          kind: 'teaser',
          body: '<p onclick="steal()">Hello <strong>world</strong><script>alert(1)</script><img src=x onerror=alert(1)><a href="javascript:alert(1)">x</a><a href="https://example.org">ok</a></p>',
          image: { url: 'https://img.example.org/a.jpg', caption: 'A caption', credit: 'Photo: AP', width: 800, height: 600 },
          teaser: { url: 'https://example.org/story', title: 'Related story', publishedAt: '2026-11-24T10:00:00Z' },
        },
        auth,
      );
      expect(res.status).toBe(201);
      const e = res.body as Entry;
      expect(e.body).toBe('<p>Hello <strong>world</strong><a rel="noopener noreferrer nofollow">x</a><a href="https://example.org" rel="noopener noreferrer nofollow">ok</a></p>');
      expect(e.image).toEqual({ url: 'https://img.example.org/a.jpg', caption: 'A caption', credit: 'Photo: AP', width: 800, height: 600 });
      expect(e.teaser).toMatchObject({ title: 'Related story' });
      expect(e).toMatchObject({ version: 1, pinned: false, author: { id: 'ops' }, deletedAt: null });
      const patched = await api.edit('html', e.id, { version: 1, body: '<p style="x">Edited<iframe src="https://evil"></iframe></p>' });
      expect(patched.body).toBe('<p>Edited</p>');
    });

    it('edits with the version it read; a stale version is a 409 and changes nothing', async () => {
      await api.createTicker({ id: 'versions', title: 'Versions' });
      const e = await api.post('versions', { body: '<p>v1</p>' });
      const v2 = await api.edit('versions', e.id, { version: 1, body: '<p>v2</p>' });
      expect(v2).toMatchObject({ version: 2, body: '<p>v2</p>' });
      expect(v2.rev).toBeGreaterThan(e.rev);
      const stale = await raw(t.url, 'PATCH', `/tickers/versions/entries/${e.id}`, { version: 1, body: '<p>lost update</p>' }, auth);
      expect(stale.status).toBe(409);
      expect(stale.body.error).toMatchObject({ code: 'conflict', details: { currentVersion: 2 } });
      expect((await raw(t.url, 'GET', `/tickers/versions/entries/${e.id}`)).body.body).toBe('<p>v2</p>');
    });

    it('deletes into a tombstone and lists pinned entries apart', async () => {
      await api.createTicker({ id: 'pins', title: 'Pins', maxPinned: 2 });
      const a = await api.post('pins', { body: '<p>a</p>' });
      const b = await api.post('pins', { body: '<p>b</p>', pinned: true });
      const c = await api.post('pins', { body: '<p>c</p>' });
      let list = (await raw(t.url, 'GET', '/tickers/pins/entries')).body;
      expect(list.items.map((e: Entry) => e.id)).toEqual([c.id, a.id]);
      expect(list.pinned.map((e: Entry) => e.id)).toEqual([b.id]);
      await api.edit('pins', a.id, { version: 1, pinned: true });
      await api.edit('pins', b.id, { version: 1, pinned: false });
      const gone = await api.remove('pins', c.id);
      expect(gone).toMatchObject({ id: c.id, body: '', deletedAt: expect.any(String) });
      list = (await raw(t.url, 'GET', '/tickers/pins/entries?order=oldest')).body;
      expect(list.items.map((e: Entry) => e.id)).toEqual([b.id]);
      expect(list.pinned.map((e: Entry) => e.id)).toEqual([a.id]);
      expect((await raw(t.url, 'DELETE', `/tickers/pins/entries/${c.id}`, undefined, auth)).status).toBe(404);
    });

    it('pins one entry by default: pinning another unpins the oldest pin in the same transaction, a lower maxPinned unpins the oldest beyond it', async () => {
      const ticker = await api.createTicker({ id: 'one-pin', title: 'One pin' });
      expect(ticker.maxPinned).toBe(1);
      const a = await api.post('one-pin', { body: '<p>a</p>', pinned: true });
      const b = await api.post('one-pin', { body: '<p>b</p>' });
      const pinB = await api.edit('one-pin', b.id, { version: 1, pinned: true });
      let list = (await raw(t.url, 'GET', '/tickers/one-pin/entries')).body;
      expect(list.pinned.map((e: Entry) => e.id)).toEqual([b.id]);
      expect(list.items.map((e: Entry) => e.id)).toEqual([b.id, a.id].filter((id) => id !== b.id));
      // Every reader hears the unpinning as its own change, just before the new pin.
      const feed = (await raw(t.url, 'GET', `/tickers/one-pin/changes?since=${b.rev}`)).body;
      expect(feed.changes.map((c: { type: string; data: Entry }) => [c.type, c.data.id, c.data.pinned])).toEqual([
        ['entry.updated', a.id, false],
        ['entry.updated', b.id, true],
      ]);
      expect(pinB.rev).toBe(feed.rev);
      // Three at once; then a new one pinned unpins the oldest of the three.
      expect((await raw(t.url, 'PATCH', '/tickers/one-pin', { maxPinned: 3 }, auth)).body.maxPinned).toBe(3);
      const c = await api.post('one-pin', { body: '<p>c</p>', pinned: true });
      const d = await api.post('one-pin', { body: '<p>d</p>', pinned: true });
      const e = await api.post('one-pin', { body: '<p>e</p>', pinned: true });
      list = (await raw(t.url, 'GET', '/tickers/one-pin/entries')).body;
      expect(list.pinned.map((x: Entry) => x.id)).toEqual([e.id, d.id, c.id]);
      // Down to one: the two pinned longest ago go back into the flow.
      await raw(t.url, 'PATCH', '/tickers/one-pin', { maxPinned: 1 }, auth);
      list = (await raw(t.url, 'GET', '/tickers/one-pin/entries')).body;
      expect(list.pinned.map((x: Entry) => x.id)).toEqual([e.id]);
      expect(list.items.map((x: Entry) => x.id)).toEqual([d.id, c.id, b.id, a.id]);
      for (const bad of [0, 11, 1.5, '2']) {
        const res = await raw(t.url, 'PATCH', '/tickers/one-pin', { maxPinned: bad }, auth);
        expect(res.status).toBe(400);
      }
      expect((await raw(t.url, 'GET', '/tickers/one-pin')).body.maxPinned).toBe(1);
    });

    it('lists the key events, newest first, pinned or not, without deleted ones', async () => {
      await api.createTicker({ id: 'keys', title: 'Keys' });
      const first = await api.post('keys', { kind: 'key-event', title: 'Polls close', body: '<p>18:00</p>' });
      await api.post('keys', { body: '<p>plain</p>' });
      const second = await api.post('keys', { kind: 'key-event', title: 'First projection', body: '<p>CDU ahead</p>', pinned: true });
      const gone = await api.post('keys', { kind: 'key-event', title: 'Wrong', body: '<p>x</p>' });
      await api.remove('keys', gone.id);
      const res = await raw(t.url, 'GET', '/tickers/keys/key-events');
      expect(res.body.items.map((e: Entry) => e.title)).toEqual([second.title, first.title]);
      expect((await raw(t.url, 'GET', '/tickers/keys/key-events?limit=1')).body.items).toHaveLength(1);
      expect((await raw(t.url, 'GET', '/tickers/keys/key-events?limit=51')).status).toBe(400);
      expect((await raw(t.url, 'GET', '/tickers/nope/key-events')).status).toBe(404);
    });

    it('pages both orders with keyset cursors that stay exact while entries are added, edited and deleted', async () => {
      await api.createTicker({ id: 'paging', title: 'Paging' });
      const posted: Entry[] = [];
      for (let i = 0; i < 25; i++) posted.push(await api.post('paging', { body: `<p>${i}</p>` }));
      for (const order of ['newest', 'oldest'] as const) {
        const seen: string[] = [];
        let cursor: string | null = null;
        let round = 0;
        do {
          const q: string = `/tickers/paging/entries?order=${order}&limit=7${cursor ? `&cursor=${cursor}` : ''}`;
          const page = (await raw(t.url, 'GET', q)).body;
          seen.push(...page.items.map((e: Entry) => e.body));
          cursor = page.nextCursor;
          // Meanwhile the newsroom keeps working: a new entry, an edit and a delete per page.
          const fresh = await api.post('paging', { body: `<p>new ${order} ${round}</p>` });
          posted.push(fresh);
          round++;
        } while (cursor);
        const bodies = Array.from({ length: 25 }, (_, i) => `<p>${i}</p>`);
        const expected = order === 'newest' ? bodies.reverse() : bodies;
        // Newest-first never shows entries newer than its first page; oldest-first reaches them.
        expect(seen.filter((b) => !b.includes('new'))).toEqual(expected);
        if (order === 'newest') expect(seen.some((b) => b.includes('new'))).toBe(false);
        else expect(seen.filter((b) => b.includes('new')).length).toBeGreaterThan(0);
      }
      // A deleted entry vanishes from later pages without shifting them.
      const first = (await raw(t.url, 'GET', '/tickers/paging/entries?order=oldest&limit=5')).body;
      await api.remove('paging', posted[5].id);
      const second = (await raw(t.url, 'GET', `/tickers/paging/entries?order=oldest&limit=5&cursor=${first.nextCursor}`)).body;
      expect(second.items.map((e: Entry) => e.body)).toEqual(['<p>6</p>', '<p>7</p>', '<p>8</p>', '<p>9</p>', '<p>10</p>']);
    });

    it('returns the changes since a revision, each entry once in its current state', async () => {
      await api.createTicker({ id: 'changes', title: 'Changes' });
      const a = await api.post('changes', { body: '<p>a</p>' });
      const since = a.rev;
      const b = await api.post('changes', { body: '<p>b</p>' });
      await api.edit('changes', a.id, { version: 1, body: '<p>a2</p>' });
      await api.edit('changes', b.id, { version: 1, body: '<p>b2</p>' });
      await api.remove('changes', a.id);
      const res = (await raw(t.url, 'GET', `/tickers/changes/changes?since=${since}`)).body;
      expect(res.rev).toBe(since + 4);
      expect(res.changes.map((c: { type: string; data: Entry }) => [c.type, c.data.id, c.data.body])).toEqual([
        ['entry.created', b.id, '<p>b2</p>'],
        ['entry.deleted', a.id, ''],
      ]);
      expect((await raw(t.url, 'GET', `/tickers/changes/changes?since=${res.rev}`)).body).toEqual({ rev: res.rev, epoch: res.epoch, changes: [] });
    });

    describe('bad input gets a clear error and changes nothing', () => {
      beforeAll(() => api.createTicker({ id: 'bad', title: 'Bad input' }));

      const cases: Array<[string, string, string, unknown, number, string]> = [
        ['wrong types', 'POST', '/tickers/bad/entries', { body: 42, pinned: 'yes' }, 400, 'validation_failed'],
        ['unknown fields', 'POST', '/tickers/bad/entries', { body: '<p>x</p>', admin: true }, 400, 'validation_failed'],
        ['an empty entry', 'POST', '/tickers/bad/entries', { body: '   ' }, 400, 'validation_failed'],
        ['a non-http image url', 'POST', '/tickers/bad/entries', { body: 'x', image: { url: 'javascript:alert(1)' } }, 400, 'validation_failed'],
        ['not JSON', 'POST', '/tickers/bad/entries', '{"body": ', 400, 'validation_failed'],
        ['a huge body', 'POST', '/tickers/bad/entries', { body: 'x'.repeat(200_000) }, 413, 'payload_too_large'],
        ['an unknown ticker', 'POST', '/tickers/nope/entries', { body: 'x' }, 404, 'not_found'],
        ['a bad ticker slug', 'POST', '/tickers', { id: 'Not A Slug!', title: 'x' }, 400, 'validation_failed'],
        ['an unknown status', 'PATCH', '/tickers/bad', { status: 'paused' }, 400, 'validation_failed'],
        ['an edit without version', 'PATCH', '/tickers/bad/entries/abc', { body: 'x' }, 400, 'validation_failed'],
        ['a negative since', 'GET', '/tickers/bad/changes?since=-1', undefined, 400, 'validation_failed'],
        ['a garbage cursor', 'GET', '/tickers/bad/entries?cursor=%%%garbage', undefined, 400, 'invalid_cursor'],
        ['a forged cursor', 'GET', `/tickers/bad/entries?cursor=${Buffer.from('{"o":"newest","s":"1 OR 1=1"}').toString('base64url')}`, undefined, 400, 'invalid_cursor'],
        ['a cursor of the other order', 'GET', `/tickers/bad/entries?order=oldest&cursor=${Buffer.from('{"o":"newest","s":3}').toString('base64url')}`, undefined, 400, 'invalid_cursor'],
        ['a limit out of range', 'GET', '/tickers/bad/entries?limit=1000', undefined, 400, 'validation_failed'],
        ['an unknown route', 'GET', '/nothing-here', undefined, 404, 'not_found'],
        ['a NUL in a title', 'POST', '/tickers/bad/entries', { title: 'a\u0000b', body: '<p>x</p>' }, 400, 'validation_failed'],
        ['a NUL in a body', 'POST', '/tickers/bad/entries', { body: '<p>a\u0000b</p>' }, 400, 'validation_failed'],
        ['a NUL in a ticker title', 'POST', '/tickers', { title: 'Wahl\u0000abend' }, 400, 'validation_failed'],
        ['a NUL in a cursor', 'GET', `/tickers/bad/entries?cursor=${Buffer.from('{"o":"newest","s":"\u0000"}').toString('base64url')}`, undefined, 400, 'invalid_cursor'],
        ['a body that sanitizes to nothing', 'POST', '/tickers/bad/entries', { body: '<script>alert(1)</script><img src=x onerror=alert(1)>' }, 400, 'validation_failed'],
      ];
      it('a bogus Content-Encoding is a 400, not a 500', async () => {
        for (const encoding of ['gzip', 'br', 'deflate', 'x-nonsense']) {
          const res = await fetch(`${t.url}/api/v1/tickers/bad/entries`, {
            method: 'POST',
            headers: { ...auth, 'content-type': 'application/json', 'content-encoding': encoding },
            body: '{"body":"<p>plain, not compressed</p>"}',
          });
          expect(res.status).toBe(400);
          expect(((await res.json()) as { error: { code: string } }).error.code).toBe('validation_failed');
        }
      });

      it('a path that climbs out of the SDK folder is a 404, not a file or a 500', async () => {
        for (const p of ['/sdk/../../package.json', '/sdk/..%2f..%2fpackage.json', '/sdk/%2e%2e/%2e%2e/package.json']) {
          const res = await fetch(`${t.url}${p}`);
          expect(res.status).toBe(404);
          expect(await res.text()).not.toContain('"workspaces"');
        }
      });

      it.each(cases)('%s', async (_name, method, path, body, status, code) => {
        const before = (await raw(t.url, 'GET', '/tickers/bad/changes?since=0')).body.rev;
        const res = await raw(t.url, method, path, body, auth);
        expect(res.status).toBe(status);
        expect(res.body.error.code).toBe(code);
        expect(typeof res.body.error.message).toBe('string');
        expect(JSON.stringify(res.body)).not.toMatch(/at .*\.ts:\d+/); // no stack traces
        expect((await raw(t.url, 'GET', '/tickers/bad/changes?since=0')).body.rev).toBe(before);
      });

      it('refuses writes without the ops key, or with a wrong one', async () => {
        const anon = await raw(t.url, 'POST', '/tickers/bad/entries', { body: 'x' });
        expect(anon.status).toBe(401);
        expect(anon.body.error.code).toBe('login_required');
        const wrong = await raw(t.url, 'POST', '/tickers/bad/entries', { body: 'x' }, { authorization: 'Bearer wrong-key-wrong-key' });
        expect(wrong.status).toBe(401);
        expect((await raw(t.url, 'GET', '/tickers/bad/entries')).body.items).toEqual([]);
      });
    });

    it('serves an OpenAPI document, health, readiness and metrics', async () => {
      const doc = (await raw(t.url, 'GET', '/openapi.json')).body;
      expect(doc.openapi).toBe('3.1.0');
      expect(doc.paths['/tickers/{id}/entries'].get).toBeDefined();
      expect(doc.components.schemas.Entry.properties.body).toBeDefined();
      for (const path of ['/auth/register', '/tickers/{id}/messages', '/tickers/{id}/chat-settings', '/users/{id}/ban']) {
        expect(doc.paths[path]).toBeDefined();
      }
      // Every referenced schema exists.
      const refs = [...JSON.stringify(doc.paths).matchAll(/#\/components\/schemas\/(\w+)/g)].map((m) => m[1]);
      for (const ref of refs) expect(doc.components.schemas[ref]).toBeDefined();
      expect((await fetch(`${t.url}/healthz`)).status).toBe(200);
      expect((await fetch(`${t.url}/readyz`)).status).toBe(200);
      expect(await (await fetch(`${t.url}/metrics`)).text()).toContain('liveticker_changes_published_total');
    });
  });
}
