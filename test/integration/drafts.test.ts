import { createClient } from '@liveticker/client-sdk';
import type { Entry } from '@liveticker/schemas';
import { MemoryHub, testConfig } from '@liveticker/server';
import { DIALECTS, createTestDatabase } from '../helpers/db';
import { OPS_KEY, setup, startNode } from '../helpers/server';
import type { TestNode, TestSetup } from '../helpers/server';
import { opsApi, raw } from '../helpers/api';
import { waitFor } from '../helpers/wait';

const auth = { authorization: `Bearer ${OPS_KEY}` };
const soon = (ms: number) => new Date(Date.now() + ms).toISOString();

for (const dialect of DIALECTS) {
  describe(`drafts and scheduled entries (${dialect})`, () => {
    let t: TestSetup;
    let api: ReturnType<typeof opsApi>;
    let n = 0;
    beforeAll(async () => {
      t = await setup(dialect, 'memory', { schedulerMs: 100 });
      api = opsApi(t.url);
    });
    afterAll(() => t.close());

    const ticker = async () => {
      const id = `desk-${++n}`;
      await api.createTicker({ id, title: 'Desk', status: 'live' });
      await api.post(id, { body: '<p>already out</p>' });
      return id;
    };
    /** A reader of the ticker, and the ids of the entries it was told of, in order. */
    const watchInserts = async (id: string) => {
      const reader = createClient({ url: t.url });
      const view = reader.ticker(id);
      await view.ready;
      const seen: string[] = [];
      view.on('change', (c) => {
        if (c.op === 'insert') seen.push(c.item.id);
      });
      return { reader, view, seen };
    };
    const head = async (id: string) => (await raw(t.url, 'GET', `/tickers/${id}/changes`)).body.rev as number;

    it('a draft is seen by no reader — list, entry, catch-up or live frame — until it is published, then it arrives once, at the top', async () => {
      const id = await ticker();
      const { reader, view, seen } = await watchInserts(id);
      const rev = await head(id);

      const draft = await raw(t.url, 'POST', `/tickers/${id}/entries`, { body: '<p>not yet</p>', status: 'draft' }, auth);
      expect(draft.status).toBe(201);
      expect(draft.body).toMatchObject({ status: 'draft', publishAt: null });
      expect(draft.body.rev).toBeLessThan(0);
      const d = draft.body as Entry;
      const edited = await raw(t.url, 'PATCH', `/tickers/${id}/entries/${d.id}`, { version: 1, body: '<p>not yet, edited</p>' }, auth);
      expect(edited.body).toMatchObject({ status: 'draft', version: 2, body: '<p>not yet, edited</p>' });

      expect(await head(id)).toBe(rev); // no revision taken
      expect((await raw(t.url, 'GET', `/tickers/${id}/entries`)).body.items.map((e: Entry) => e.id)).not.toContain(d.id);
      expect((await raw(t.url, 'GET', `/tickers/${id}/changes?since=0`)).body.changes.map((c: { data: Entry }) => c.data.id)).not.toContain(d.id);
      expect((await raw(t.url, 'GET', `/tickers/${id}/entries/${d.id}`)).status).toBe(404);
      expect((await raw(t.url, 'GET', `/tickers/${id}/entries?status=draft`)).status).toBe(401);
      expect((await raw(t.url, 'GET', `/tickers/${id}/feed.json`)).body).not.toContain('not yet');
      expect((await raw(t.url, 'GET', `/tickers/${id}/html`)).body).not.toContain('not yet');
      // The desk sees it.
      expect((await raw(t.url, 'GET', `/tickers/${id}/entries/${d.id}`, undefined, auth)).body.status).toBe('draft');
      expect((await raw(t.url, 'GET', `/tickers/${id}/entries?status=draft`, undefined, auth)).body.items.map((e: Entry) => e.id)).toEqual([d.id]);
      expect(seen).toEqual([]);

      const out = await raw(t.url, 'PATCH', `/tickers/${id}/entries/${d.id}`, { version: 2, status: 'published' }, auth);
      expect(out.body).toMatchObject({ status: 'published', rev: rev + 1, seq: rev + 1, version: 3, body: '<p>not yet, edited</p>' });
      await waitFor(() => seen.includes(d.id), 'the reader got it');
      expect(view.entries[0]!.id).toBe(d.id);
      const changes = (await raw(t.url, 'GET', `/tickers/${id}/changes?since=${rev}`)).body.changes;
      expect(changes.map((c: { type: string; data: Entry }) => [c.type, c.data.id])).toEqual([['entry.created', d.id]]);
      expect((await raw(t.url, 'GET', `/tickers/${id}/entries?status=draft`, undefined, auth)).body.items).toEqual([]);
      expect(seen.filter((x) => x === d.id)).toHaveLength(1);
      reader.close();
    });

    it('a scheduled entry goes out at its time, once; until then the desk lists it', async () => {
      const id = await ticker();
      const { reader, seen } = await watchInserts(id);
      const at = soon(800);
      const planned = (await raw(t.url, 'POST', `/tickers/${id}/entries`, { body: '<p>at nine</p>', publishAt: at }, auth)).body as Entry;
      expect(planned).toMatchObject({ status: 'scheduled', publishAt: at });
      expect(planned.rev).toBeLessThan(0);
      expect((await raw(t.url, 'GET', `/tickers/${id}/entries?status=scheduled`, undefined, auth)).body.items.map((e: Entry) => e.id)).toEqual([planned.id]);
      expect((await raw(t.url, 'GET', `/tickers/${id}/entries`)).body.items.map((e: Entry) => e.id)).not.toContain(planned.id);
      await waitFor(() => seen.includes(planned.id), 'the scheduled entry', 5000);
      expect(Date.now()).toBeGreaterThanOrEqual(Date.parse(at));
      const got = (await raw(t.url, 'GET', `/tickers/${id}/entries/${planned.id}`)).body;
      expect(got).toMatchObject({ status: 'published', publishAt: null });
      await new Promise((r) => setTimeout(r, 300));
      expect(seen.filter((x) => x === planned.id)).toHaveLength(1);
      reader.close();
    });

    it('a ticker that asks for picture credits refuses a picture without one when it goes out, naming image.credit', async () => {
      const id = `credits-${++n}`;
      const made = await raw(t.url, 'POST', '/tickers', { id, title: 'Credits', status: 'live', requireImageCredit: true }, auth);
      expect(made.body.requireImageCredit).toBe(true);
      const pic = { url: 'https://img.example.org/a.jpg', caption: 'Count' };
      const refused = await raw(t.url, 'POST', `/tickers/${id}/entries`, { body: '<p>x</p>', image: pic }, auth);
      expect({ status: refused.status, path: refused.body.error.details[0].path }).toEqual({ status: 400, path: 'image.credit' });
      expect((await raw(t.url, 'POST', `/tickers/${id}/entries`, { body: '<p>x</p>', image: { ...pic, credit: 'Photo: desk' } }, auth)).status).toBe(201);
      // A draft may wait for its credit; publishing it may not.
      const draft = (await raw(t.url, 'POST', `/tickers/${id}/entries`, { body: '<p>y</p>', image: pic, status: 'draft' }, auth)).body as Entry;
      const early = await raw(t.url, 'PATCH', `/tickers/${id}/entries/${draft.id}`, { version: 1, status: 'published' }, auth);
      expect({ status: early.status, path: early.body.error?.details?.[0]?.path }).toEqual({ status: 400, path: 'image.credit' });
      expect((await raw(t.url, 'GET', `/tickers/${id}/entries/${draft.id}`, undefined, auth)).body.status).toBe('draft');
      const out = await raw(t.url, 'PATCH', `/tickers/${id}/entries/${draft.id}`, { version: 1, status: 'published', image: { ...pic, credit: 'Photo: desk' } }, auth);
      expect(out.body).toMatchObject({ status: 'published', image: { credit: 'Photo: desk' } });

      // Planned before the ticker asked for credits: at its time it goes back to the drafts.
      const other = await ticker();
      const plan = (await raw(t.url, 'POST', `/tickers/${other}/entries`, { body: '<p>z</p>', image: pic, publishAt: soon(500) }, auth)).body as Entry;
      await raw(t.url, 'PATCH', `/tickers/${other}`, { requireImageCredit: true }, auth);
      await waitFor(async () => (await raw(t.url, 'GET', `/tickers/${other}/entries/${plan.id}`, undefined, auth)).body.status === 'draft', 'held back as a draft', 5000);
      expect((await raw(t.url, 'GET', `/tickers/${other}/entries/${plan.id}`)).status).toBe(404);
    });

    it('every version is kept with who saved it; an old one can be restored as a new version', async () => {
      const id = await ticker();
      const nora = (await raw(t.url, 'POST', '/users', { email: `nora${n}@example.org`, password: 'a long secret', displayName: 'Nora Editor', role: 'editor' }, auth)).body;
      const login = await raw(t.url, 'POST', '/auth/login', { email: `nora${n}@example.org`, password: 'a long secret' });
      const asNora = { authorization: `Bearer ${login.body.token}` };
      const first = (await raw(t.url, 'POST', `/tickers/${id}/entries`, { title: 'Turnout', body: '<p>Turnout 60 %</p>' }, auth)).body as Entry;
      await raw(t.url, 'PATCH', `/tickers/${id}/entries/${first.id}`, { version: 1, body: '<p>Turnout 62 %</p>' }, asNora);
      await raw(t.url, 'PATCH', `/tickers/${id}/entries/${first.id}`, { version: 2, title: 'Turnout (wrong)', body: '<p>Turnout 99 %</p>' }, asNora);
      const history = await raw(t.url, 'GET', `/tickers/${id}/entries/${first.id}/history`, undefined, auth);
      expect(history.body.items.map((v: any) => [v.version, v.by?.displayName, v.entry.body])).toEqual([
        [3, 'Nora Editor', '<p>Turnout 99 %</p>'],
        [2, 'Nora Editor', '<p>Turnout 62 %</p>'],
        [1, 'Newsroom', '<p>Turnout 60 %</p>'],
      ]);
      expect(nora.id).toBeTruthy();
      expect((await raw(t.url, 'GET', `/tickers/${id}/entries/${first.id}/history`)).status).toBe(401);
      const stale = await raw(t.url, 'POST', `/tickers/${id}/entries/${first.id}/restore`, { from: 2, version: 2 }, auth);
      expect(stale.status).toBe(409);
      const restored = await raw(t.url, 'POST', `/tickers/${id}/entries/${first.id}/restore`, { from: 2, version: 3 }, auth);
      expect(restored.body).toMatchObject({ version: 4, title: 'Turnout', body: '<p>Turnout 62 %</p>' });
      // Readers get the restore as an edit like any other.
      expect((await raw(t.url, 'GET', `/tickers/${id}/entries/${first.id}`)).body.body).toBe('<p>Turnout 62 %</p>');
      expect((await raw(t.url, 'GET', `/tickers/${id}/entries/${first.id}/history`, undefined, auth)).body.items[0]).toMatchObject({ version: 4, by: { displayName: 'Newsroom' } });
      expect((await raw(t.url, 'POST', `/tickers/${id}/entries/${first.id}/restore`, { from: 9, version: 4 }, auth)).status).toBe(404);
    });

    it('entries are searched by title or text, any case, in pages, pinned ones too; drafts never show', async () => {
      const id = await ticker();
      await api.post(id, { title: 'Turnout', body: '<p>Turnout in Berlin is high.</p>', pinned: true });
      for (let i = 0; i < 5; i++) await api.post(id, { body: `<p>Result ${i}: Berlin district ${i} counted.</p>` });
      await api.post(id, { body: '<p>Hamburg reports.</p>' });
      await raw(t.url, 'POST', `/tickers/${id}/entries`, { body: '<p>Berlin draft</p>', status: 'draft' }, auth);
      const first = (await raw(t.url, 'GET', `/tickers/${id}/entries?q=BERLIN&limit=4`)).body;
      expect(first.pinned).toEqual([]);
      const second = (await raw(t.url, 'GET', `/tickers/${id}/entries?q=BERLIN&limit=4&cursor=${encodeURIComponent(first.nextCursor)}`)).body;
      const found = [...first.items, ...second.items].map((e: Entry) => e.body);
      expect(found).toEqual([
        '<p>Result 4: Berlin district 4 counted.</p>',
        '<p>Result 3: Berlin district 3 counted.</p>',
        '<p>Result 2: Berlin district 2 counted.</p>',
        '<p>Result 1: Berlin district 1 counted.</p>',
        '<p>Result 0: Berlin district 0 counted.</p>',
        '<p>Turnout in Berlin is high.</p>',
      ]);
      expect(second.nextCursor).toBeNull();
      expect((await raw(t.url, 'GET', `/tickers/${id}/entries?q=${encodeURIComponent('100%')}`)).body.items).toEqual([]);
    });

    it('a pinned draft goes out pinned (the older pin gives way); "published" on a plan means now; a deleted entry leaves no history', async () => {
      const id = await ticker();
      const old = await api.post(id, { body: '<p>old pin</p>', pinned: true });
      const d = (await raw(t.url, 'POST', `/tickers/${id}/entries`, { body: '<p>new pin</p>', pinned: true, status: 'draft' }, auth)).body as Entry;
      const out = (await raw(t.url, 'PATCH', `/tickers/${id}/entries/${d.id}`, { version: 1, status: 'published' }, auth)).body as Entry;
      expect(out).toMatchObject({ status: 'published', pinned: true });
      const list = (await raw(t.url, 'GET', `/tickers/${id}/entries`)).body;
      expect(list.pinned.map((e: Entry) => e.id)).toEqual([d.id]);
      expect(list.items.map((e: Entry) => e.id)).toContain(old.id);

      const plan = (await raw(t.url, 'POST', `/tickers/${id}/entries`, { body: '<p>at ten</p>', publishAt: soon(3_600_000) }, auth)).body as Entry;
      const now = await raw(t.url, 'PATCH', `/tickers/${id}/entries/${plan.id}`, { version: 1, status: 'published' }, auth);
      expect(now.body).toMatchObject({ status: 'published', publishAt: null });
      expect((await raw(t.url, 'POST', `/tickers/${id}/entries`, { body: '<p>x</p>', status: 'published', publishAt: soon(60_000) }, auth)).status).toBe(400);

      await raw(t.url, 'PATCH', `/tickers/${id}/entries/${plan.id}`, { version: 2, body: '<p>secret text</p>' }, auth);
      await raw(t.url, 'DELETE', `/tickers/${id}/entries/${plan.id}`, undefined, auth);
      const history = await raw(t.url, 'GET', `/tickers/${id}/entries/${plan.id}/history`, undefined, auth);
      expect(JSON.stringify(history.body)).not.toContain('secret text');
      expect(JSON.stringify(history.body)).not.toContain('at ten');
    });

    it('refuses what cannot be meant, naming the field; a draft is deleted without a trace', async () => {
      const id = await ticker();
      const bad = [
        [{ body: '<p>x</p>', status: 'scheduled' }, 'publishAt'],
        [{ body: '<p>x</p>', status: 'draft', publishAt: soon(60_000) }, 'publishAt'],
        [{ body: '<p>x</p>', status: 'scheduled', publishAt: soon(-60_000) }, 'publishAt'],
        [{ body: '<p>x</p>', status: 'pending' }, 'status'],
      ] as const;
      for (const [body, field] of bad) {
        const res = await raw(t.url, 'POST', `/tickers/${id}/entries`, body, auth);
        expect({ status: res.status, paths: res.body.error.details.map((d: { path: string }) => d.path) }).toEqual({ status: 400, paths: [field] });
      }
      const live = await api.post(id, { body: '<p>out</p>' });
      const back = await raw(t.url, 'PATCH', `/tickers/${id}/entries/${live.id}`, { version: 1, status: 'draft' }, auth);
      expect(back.status).toBe(400);
      expect(back.body.error.details[0].path).toBe('status');

      const rev = await head(id);
      const draft = (await raw(t.url, 'POST', `/tickers/${id}/entries`, { body: '<p>scrap</p>', status: 'draft' }, auth)).body as Entry;
      expect((await raw(t.url, 'DELETE', `/tickers/${id}/entries/${draft.id}`, undefined, auth)).status).toBe(200);
      expect((await raw(t.url, 'GET', `/tickers/${id}/entries/${draft.id}`, undefined, auth)).status).toBe(404);
      expect(await head(id)).toBe(rev);
    });
  });
}

describe('the scheduler with two nodes on PostgreSQL, and across a restart', () => {
  it('each scheduled entry is published exactly once, by one of the nodes; one due while every node was down goes out when the first starts', async () => {
    const db = await createTestDatabase('postgres');
    const hub = new MemoryHub();
    const config = { schedulerMs: 50, webhooks: testConfig().webhooks, logLevel: 'error' as const };
    let nodes: TestNode[] = await Promise.all([startNode({ databaseUrl: db.url, hub, config }), startNode({ databaseUrl: db.url, hub, config })]);
    try {
      const api = opsApi(nodes[0]!.url);
      await api.createTicker({ id: 'plans', title: 'Plans', status: 'live' });
      const before = (await raw(nodes[1]!.url, 'GET', '/tickers/plans/changes')).body.rev as number;
      const planned: Entry[] = [];
      for (let i = 0; i < 8; i++) planned.push((await raw(nodes[i % 2]!.url, 'POST', '/tickers/plans/entries', { body: `<p>plan ${i}</p>`, publishAt: soon(600 + i * 20) }, auth)).body);
      expect(planned.map((p) => p.status ?? JSON.stringify(p))).toEqual(Array(8).fill('scheduled'));
      await waitFor(async () => (await raw(nodes[1]!.url, 'GET', '/tickers/plans/entries?status=scheduled', undefined, auth)).body.items.length === 0, 'all published', 10_000);
      const changes = (await raw(nodes[1]!.url, 'GET', `/tickers/plans/changes?since=${before}`)).body;
      // Eight revisions, eight creations: none published twice.
      expect(changes.rev).toBe(before + 8);
      expect(changes.changes.map((c: { data: Entry }) => c.data.id).sort()).toEqual(planned.map((p) => p.id).sort());

      // Every node down while an entry's time comes.
      const late = (await raw(nodes[0]!.url, 'POST', '/tickers/plans/entries', { body: '<p>while down</p>', publishAt: soon(400) }, auth)).body as Entry;
      await Promise.all(nodes.map((x) => x.close()));
      nodes = [];
      await new Promise((r) => setTimeout(r, 700));
      nodes = [await startNode({ databaseUrl: db.url, hub, config })];
      await waitFor(async () => (await raw(nodes[0]!.url, 'GET', `/tickers/plans/entries/${late.id}`)).status === 200, 'published on start', 5000);
    } finally {
      await Promise.all(nodes.map((x) => x.close()));
      await db.drop();
    }
  }, 60_000);
});
